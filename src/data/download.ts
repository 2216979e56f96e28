// Fetches a dataset's files from its address, checks each MD5, lets only verified files land, and unpacks archives.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { NetspaceError, isNetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { unpackCifarBatches, type UnpackedFile } from './archive.ts';
import { datasetSpec, type DataFormat, type DatasetSpec } from './datasets.ts';

export interface DownloadOptions {
  /** Folder URL holding the files to fetch; the dataset's own address (DatasetSpec.baseUrl) by default. */
  baseUrl?: string | undefined;
  /** Receives progress lines (bytes so far) and one line per finished file. */
  log?: ((line: string) => void) | undefined;
  /**
   * Expected MD5 (hex) by the name fetched ("train-images-idx3-ubyte.gz", "cifar-10-binary.tar.gz"); the dataset's
   * canonical checksums by default. A mirror of recompressed files passes its own.
   */
  checksums?: Readonly<Record<string, string>> | undefined;
  /** Seconds without a byte from the server before giving up. */
  timeoutSeconds?: number | undefined;
}

/** What happened to one file. */
export interface DownloadedFile {
  /** File name in the folder. */
  name: string;
  /** Absolute path of the file. */
  path: string;
  /** Size of the file, bytes. */
  bytes: number;
  /** 'kept' when a file with the right MD5 was already there; 'extracted' for a file taken out of an archive. */
  status: 'downloaded' | 'kept' | 'extracted';
}

export interface DownloadResult {
  /** Absolute folder the files are in. */
  dir: string;
  files: DownloadedFile[];
}

/** One file fetched from the dataset's address, and its canonical MD5 (hex). */
interface Fetched {
  name: string;
  md5: string;
}

/** Per format: what is fetched, and what is made of it once every fetched file is verified. */
interface Steps<F extends DataFormat> {
  fetch: (format: F) => Fetched[];
  unpack: (format: F, dir: string) => Promise<UnpackedFile[]>;
}

const STEPS: { [K in DataFormat['kind']]: Steps<Extract<DataFormat, { kind: K }>> } = {
  idx: {
    fetch: (format) => format.files.map((file) => ({ name: `${file.name}.gz`, md5: file.md5 })),
    unpack: async () => [],
  },
  'cifar-binary': {
    fetch: (format) => [format.archive],
    unpack: (format, dir) => unpackCifarBatches(join(dir, format.archive.name), dir, format),
  },
};

const DEFAULTS = Object.freeze({ log: (_line: string): void => undefined, timeoutSeconds: 30 });
const MAX_REDIRECTS = 5;
/** Without a Content-Length, progress is reported every this many bytes. */
const PROGRESS_STEP_BYTES = 8 << 20;

/**
 * Downloads `dataset`'s files (a built-in name or a description) into `dir` (created if needed): IDX datasets their
 * four .gz files, CIFAR-10 its archive, whose batch files are then unpacked beside it (again at every call, so a
 * damaged batch file is mended). Each download is written under a temporary name, its MD5 checked, and only then
 * renamed into place: a failed or corrupt download never leaves a file the loader would pick up. Files already
 * present with the right MD5 are kept. Throws a NetspaceError naming the address or file and the problem.
 */
export async function downloadDataset(dataset: string | DatasetSpec, dir: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const spec = datasetSpec(dataset);
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  const base = parseBaseUrl(settings.baseUrl ?? spec.baseUrl);
  const steps = STEPS[spec.format.kind] as Steps<DataFormat>;
  const target = resolve(dir);
  try {
    await mkdir(target, { recursive: true });
  } catch (error) {
    throw new NetspaceError(messages.data.cannotWrite(target, (error as Error).message));
  }
  const files: DownloadedFile[] = [];
  for (const { name, md5 } of steps.fetch(spec.format)) {
    const expected = (settings.checksums?.[name] ?? md5).toLowerCase();
    const path = join(target, name);
    const existing = await md5OfFile(path);
    if (existing?.md5 === expected) {
      settings.log(`${name}: already in ${target}, MD5 ok`);
      files.push({ name, path, bytes: existing.bytes, status: 'kept' });
      continue;
    }
    const url = new URL(name, base);
    const partial = join(target, `.${name}.${process.pid}.part`);
    try {
      settings.log(`${name}: downloading ${url.href}`);
      const got = await fetchToFile(url, partial, settings.timeoutSeconds * 1000, (line) => settings.log(`${name}: ${line}`));
      if (got.md5 !== expected) throw new NetspaceError(messages.data.checksum(url.href, got.md5, expected));
      await rename(partial, path);
      settings.log(`${name}: ${got.bytes} bytes, MD5 ok`);
      files.push({ name, path, bytes: got.bytes, status: 'downloaded' });
    } finally {
      await rm(partial, { force: true });
    }
  }
  for (const unpacked of await steps.unpack(spec.format, target)) {
    settings.log(`${unpacked.name}: extracted, ${unpacked.bytes} bytes`);
    files.push({ ...unpacked, status: 'extracted' });
  }
  return { dir: target, files };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value.endsWith('/') ? value : `${value}/`);
  } catch {
    throw new NetspaceError(messages.data.badBaseUrl(value));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NetspaceError(messages.data.badBaseUrl(value));
  return url;
}

async function md5OfFile(path: string): Promise<{ md5: string; bytes: number } | null> {
  const info = await stat(path).catch(() => null);
  if (info === null || !info.isFile()) return null;
  const hash = createHash('md5');
  await pipeline(createReadStream(path), hash);
  return { md5: hash.digest('hex'), bytes: info.size };
}

function get(url: URL, timeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    const request = (url.protocol === 'https:' ? https : http).get(url, { headers: { 'user-agent': 'netspace' } }, resolvePromise);
    request.setTimeout(timeoutMs, () => request.destroy(new Error(messages.data.silentServer(timeoutMs / 1000))));
    request.on('error', reject);
  });
}

/** GETs `url` (following redirects) into `path`, hashing on the way; returns the byte count and MD5 (hex). */
async function fetchToFile(url: URL, path: string, timeoutMs: number, progress: (line: string) => void): Promise<{ bytes: number; md5: string }> {
  let response: IncomingMessage;
  let current = url;
  for (let redirects = 0; ; redirects++) {
    try {
      response = await get(current, timeoutMs);
    } catch (error) {
      throw new NetspaceError(messages.data.network(current.href, (error as Error).message));
    }
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location !== undefined) {
      response.resume();
      if (redirects >= MAX_REDIRECTS) throw new NetspaceError(messages.data.tooManyRedirects(url.href, MAX_REDIRECTS));
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new NetspaceError(messages.data.badRedirect(current.href, location));
      current = next;
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new NetspaceError(messages.data.httpStatus(current.href, status, response.statusMessage ?? ''));
    }
    break;
  }

  const lengthHeader = Number(response.headers['content-length']);
  const expected = Number.isSafeInteger(lengthHeader) && lengthHeader >= 0 ? lengthHeader : null;
  const hash = createHash('md5');
  let got = 0;
  let reported = 0;
  const step = expected === null ? PROGRESS_STEP_BYTES : Math.max(1, Math.ceil(expected / 10));
  const counter = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      hash.update(chunk);
      got += chunk.length;
      if (got - reported >= step || got === expected) {
        reported = got;
        progress(expected === null ? `${got} bytes` : `${got} of ${expected} bytes (${Math.floor((100 * got) / expected)}%)`);
      }
      yield chunk;
    }
  };
  try {
    await pipeline(response, counter, createWriteStream(path));
  } catch (error) {
    if (isNetspaceError(error)) throw error;
    const err = error as NodeJS.ErrnoException;
    if (err.syscall !== undefined && err.path !== undefined) throw new NetspaceError(messages.data.cannotWrite(path, err.message));
    if (err.code === 'ECONNRESET' || err.code === 'ERR_STREAM_PREMATURE_CLOSE') {
      throw new NetspaceError(messages.data.cutShort(current.href, got, expected));
    }
    throw new NetspaceError(messages.data.network(current.href, err.message));
  }
  if (!response.complete || (expected !== null && got !== expected)) throw new NetspaceError(messages.data.cutShort(current.href, got, expected));
  return { bytes: got, md5: hash.digest('hex') };
}
