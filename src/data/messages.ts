// Every message the data module puts in a NetspaceError, in one place so that wording stays consistent and testable.
import { CANONICAL_BASE_URL, DATA_DIR_ENV, LOCAL_DATA_DIR, SYSTEM_DATA_DIR } from './files.ts';

const hex32 = (value: number): string => `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export const dataMessages = {
  missingFile: (path: string) => `${path}: file not found`,
  unreadable: (path: string, reason: string) => `${path}: cannot be read (${reason})`,
  notGzip: (path: string, firstBytes: string) =>
    `${path}: is named .gz but is not a gzip file (it starts with bytes ${firstBytes}, a gzip file with 1f 8b)`,
  corruptGzip: (path: string, reason: string) => `${path}: corrupt gzip stream (${reason})`,
  gzipCutShort: (path: string) => `${path}: the gzip stream ends early (the file is cut short)`,
  shortHeader: (path: string, got: number, need: number) =>
    `${path}: holds ${plural(got, 'byte')}, fewer than the ${need}-byte IDX header`,
  wrongMagic: (path: string, got: number, expected: number, what: string) =>
    `${path}: wrong magic number ${hex32(got)} (expected ${hex32(expected)}, IDX ${what})`,
  badDimension: (path: string, field: string, value: number) =>
    `${path}: header gives ${field} = ${value}, expected at least 1`,
  tooLarge: (path: string, shape: string, bytes: number, limit: number) =>
    `${path}: header announces ${shape} = ${bytes} data bytes, more than the ${limit} this reader accepts`,
  truncated: (path: string, got: number, expected: number, shape: string) =>
    `${path}: truncated: ${plural(got, 'data byte')} after the header, but it announces ${shape} (${expected} bytes)`,
  extraBytes: (path: string, extra: number, expected: number, shape: string) =>
    `${path}: ${plural(extra, 'extra byte')} after the ${expected} data bytes of ${shape}`,
  labelOutOfRange: (path: string, index: number, value: number, classes: number) =>
    `${path}: label ${value} at index ${index} is out of range 0..${classes - 1}`,
  countMismatch: (imagesPath: string, images: number, labelsPath: string, labels: number) =>
    `${imagesPath} holds ${plural(images, 'image')} but ${labelsPath} holds ${plural(labels, 'label')}`,
  shapeMismatch: (trainPath: string, trainShape: string, testPath: string, testShape: string) =>
    `${trainPath} holds ${trainShape} images but ${testPath} holds ${testShape} images`,
  missingFiles: (dir: string, how: string, missing: string[]) =>
    `${dir} (${how}): lacks ${missing.join(', ')} (each as NAME.gz or raw NAME)`,

  httpStatus: (url: string, status: number, statusText: string) => `${url}: the server answered HTTP ${status} ${statusText}`.trimEnd(),
  tooManyRedirects: (url: string, count: number) => `${url}: more than ${count} redirects`,
  badRedirect: (url: string, location: string) => `${url}: redirect to ${JSON.stringify(location)}, which is not an http(s) address`,
  badBaseUrl: (value: string) => `download address ${JSON.stringify(value)} is not an http:// or https:// URL`,
  network: (url: string, reason: string) => `${url}: download failed (${reason})`,
  cutShort: (url: string, got: number, expected: number | null) =>
    `${url}: the download was cut short after ${got}${expected === null ? '' : ` of ${expected}`} bytes`,
  checksum: (url: string, got: string, expected: string) =>
    `${url}: MD5 ${got} does not match the expected ${expected}; the file was not kept`,
  cannotWrite: (path: string, reason: string) => `${path}: cannot write (${reason})`,

  noData: (looked: string[], downloadFailure: string | null) =>
    [
      `Fashion-MNIST not found (looked in: ${looked.join('; ')})${
        downloadFailure === null ? ' and downloading is off (--no-download)' : ` and downloading it failed: ${downloadFailure}`
      }.`,
      'Get the data one of these ways:',
      `  - netspace data download [--data-dir DIR]   (on a machine with internet; from ${CANONICAL_BASE_URL})`,
      `  - apt-get install dataset-fashion-mnist      (Debian/Ubuntu; installs to ${SYSTEM_DATA_DIR})`,
      `  - copy the four *-ubyte.gz files into ./${LOCAL_DATA_DIR}, or into a folder named by --data-dir or ${DATA_DIR_ENV}`,
    ].join('\n'),

  notUsable: (dir: string | null, downloadDir: string) =>
    dir === null
      ? `no folder holds all four Fashion-MNIST files; run \`netspace data download\` (writes to ${downloadDir}) or apt-get install dataset-fashion-mnist`
      : `${dir} holds Fashion-MNIST files that are not valid (see above); replace them, e.g. with \`netspace data download --data-dir ${dir}\``,

  badSeed: (value: unknown) => `seed must be an integer from 0 to 4294967295, got ${String(value)}`,
  badEpoch: (value: unknown) => `epoch must be a non-negative integer, got ${String(value)}`,
  badSubsetSize: (name: string, value: unknown, available: number) =>
    `${name} must be an integer from 1 to ${available} (the images available) or null for all, got ${String(value)}`,
  badResolution: (value: unknown) => `resolution must be an integer from 1 to 4096 (pixels), got ${String(value)}`,
};
