// Small dataset files in their real formats for the data tests (IDX, CIFAR batches, a tar.gz made by GNU tar),
// written to temporary folders: valid ones and ones broken on purpose.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DATASETS, type CifarBinaryFormat, type DatasetSpec } from '../../src/data/index.ts';
import { NetspaceError } from '../../src/errors.ts';

/** A deterministic grey level for pixel (row, col) of image i. */
export const pixelValue = (i: number, row: number, col: number): number => (i * 31 + row * 7 + col * 3) % 256;

/** IDX image bytes (magic 0x803) with pixelValue content; `magic` overrides the magic number. */
export function idxImages(count: number, rows: number, cols: number, magic = 0x00000803): Buffer {
  const bytes = Buffer.alloc(16 + count * rows * cols);
  bytes.writeUInt32BE(magic, 0);
  bytes.writeUInt32BE(count, 4);
  bytes.writeUInt32BE(rows, 8);
  bytes.writeUInt32BE(cols, 12);
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) bytes[16 + i * rows * cols + r * cols + c] = pixelValue(i, r, c);
  }
  return bytes;
}

/** IDX label bytes (magic 0x801). */
export function idxLabels(labels: readonly number[], magic = 0x00000801): Buffer {
  const bytes = Buffer.alloc(8 + labels.length);
  bytes.writeUInt32BE(magic, 0);
  bytes.writeUInt32BE(labels.length, 4);
  labels.forEach((label, i) => (bytes[8 + i] = label));
  return bytes;
}

/** Labels 0..9 repeated: class k gets every tenth image from k on. */
export const cyclicLabels = (count: number): number[] => Array.from({ length: count }, (_, i) => i % 10);

/** A fresh temporary folder; remove it with removeDir. */
export const makeTempDir = (prefix = 'netspace-data-'): string => mkdtempSync(join(tmpdir(), prefix));
export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });

/** Writes `bytes` as dir/name (raw) or dir/name.gz (gzipped) and returns the path. */
export function writeIdx(dir: string, name: string, bytes: Buffer, gzip: boolean): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, gzip ? `${name}.gz` : name);
  writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

export interface FixtureSet {
  train: number;
  test: number;
  rows: number;
  cols: number;
}

/** Few images of the real 28x28 size of the IDX datasets. */
export const SMALL: FixtureSet = { train: 50, test: 20, rows: 28, cols: 28 };

/** The IDX datasets' four file names, in the order of their descriptions. */
export const IDX_NAMES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const;
export type IdxName = (typeof IDX_NAMES)[number];

/** The bytes of the four files of a small valid IDX dataset, by file name (without .gz). */
export function datasetBytes(set: FixtureSet = SMALL): Record<IdxName, Buffer> {
  return {
    'train-images-idx3-ubyte': idxImages(set.train, set.rows, set.cols),
    'train-labels-idx1-ubyte': idxLabels(cyclicLabels(set.train)),
    't10k-images-idx3-ubyte': idxImages(set.test, set.rows, set.cols),
    't10k-labels-idx1-ubyte': idxLabels(cyclicLabels(set.test)),
  };
}

/** Writes a small valid IDX dataset (all four files) into dir, gzipped or raw. */
export function writeDataset(dir: string, gzip = true, set: FixtureSet = SMALL): void {
  const bytes = datasetBytes(set);
  for (const name of IDX_NAMES) writeIdx(dir, name, bytes[name], gzip);
}

/** A CIFAR-10 byte for channel c at (row, col) of image i; channels differ so that a mixed-up plane shows. */
export const cifarValue = (i: number, c: number, row: number, col: number): number => (i * 31 + c * 101 + row * 7 + col * 3) % 256;

/** CIFAR-10's label of image i of a batch: 0..9 cycling from `first`. */
export const cifarLabel = (first: number, i: number): number => (first + i) % 10;

/** CIFAR-10 as described, but with `records` records per batch file (the real files hold 10,000). */
export function cifarSpec(records: number): DatasetSpec {
  const real = DATASETS.cifar10;
  const format = real.format as CifarBinaryFormat;
  return {
    ...real,
    trainCount: records * format.train.length,
    testCount: records * format.test.length,
    format: { ...format, recordsPerFile: records },
  };
}

/**
 * One batch file: `records` records of a label byte then the red, green and blue planes (32x32, row-major), with
 * cifarValue pixels offset by `first` images and cifarLabel labels; `recordBytes` other than 3073 makes a wrong size.
 */
export function cifarBatch(records: number, first = 0, recordBytes = 3073): Buffer {
  const bytes = Buffer.alloc(records * recordBytes);
  for (let r = 0; r < records; r++) {
    const at = r * recordBytes;
    bytes[at] = cifarLabel(first, r);
    for (let c = 0; c < 3; c++) {
      for (let row = 0; row < 32; row++) {
        for (let col = 0; col < 32; col++) {
          const offset = 1 + c * 1024 + row * 32 + col;
          if (offset < recordBytes) bytes[at + offset] = cifarValue(first + r, c, row, col);
        }
      }
    }
  }
  return bytes;
}

/** The six batch files of a small valid CIFAR-10, by name: batch k starts at image k * records. */
export function cifarBytes(records: number): Record<string, Buffer> {
  const { train, test } = DATASETS.cifar10.format as CifarBinaryFormat;
  return Object.fromEntries([...train, ...test].map((name, k) => [name, cifarBatch(records, k * records)]));
}

/** Writes the six batch files into dir (or dir/cifar-10-batches-bin as the archive holds them); returns the folder. */
export function writeCifar(dir: string, records: number, inArchiveFolder = false): string {
  const folder = inArchiveFolder ? join(dir, 'cifar-10-batches-bin') : dir;
  mkdirSync(folder, { recursive: true });
  for (const [name, bytes] of Object.entries(cifarBytes(records))) writeFileSync(join(folder, name), bytes);
  return folder;
}

/**
 * A real cifar-10-binary.tar.gz made by GNU tar: cifar-10-batches-bin/ with the six batch files, batches.meta.txt
 * and readme.html as the published archive holds them; `omit` leaves batch files out.
 */
export function cifarArchive(records: number, omit: readonly string[] = []): Buffer {
  const scratch = makeTempDir('netspace-cifar-archive-');
  try {
    const folder = writeCifar(scratch, records, true);
    for (const name of omit) rmSync(join(folder, name));
    writeFileSync(join(folder, 'batches.meta.txt'), `${DATASETS.cifar10.classNames.join('\n')}\n`);
    writeFileSync(join(folder, 'readme.html'), '<meta HTTP-EQUIV="REFRESH" content="0; url=https://www.cs.toronto.edu/~kriz/cifar.html">\n');
    execFileSync('tar', ['-czf', join(scratch, 'archive.tar.gz'), '-C', scratch, 'cifar-10-batches-bin']);
    return readFileSync(join(scratch, 'archive.tar.gz'));
  } finally {
    removeDir(scratch);
  }
}

export const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

/** For assert.throws/rejects: a NetspaceError whose message contains every fragment (the message shows on failure). */
export const netspaceError = (...fragments: string[]) => (error: unknown): true => {
  assert.ok(error instanceof NetspaceError, `expected a NetspaceError, got ${String(error)}`);
  for (const fragment of fragments) assert.ok(error.message.includes(fragment), `${JSON.stringify(fragment)} not in:\n${error.message}`);
  return true;
};

/** For assert.throws/rejects: a NetspaceError whose message is exactly `message`. */
export const exactNetspaceError = (message: string) => (error: unknown): true => {
  assert.ok(error instanceof NetspaceError, `expected a NetspaceError, got ${String(error)}`);
  assert.equal(error.message, message);
  return true;
};
