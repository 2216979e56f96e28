// Fetches the four .gz files from the dataset's address, checks each MD5, and lets only verified files land.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { NetspaceError, isNetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { CANONICAL_BASE_URL, FASHION_MNIST_FILES, FILE_ROLES, type FileRole } from './files.ts';

export interface DownloadOptions {
  /** Folder URL holding the four NAME.gz files; the dataset's canonical address by default. */
  baseUrl?: string | undefined;
  /** Receives progress lines (bytes so far) and one line per finished file. */
  log?: ((line: string) => void) | undefined;
  /** Expected MD5 (hex) per file; the canonical checksums by default. A mirror of recompressed files passes its own. */
  checksums?: Partial<Record<FileRole, string>> | undefined;
  /** Seconds without a byte from the server before giving up. */
  timeoutSeconds?: number | undefined;
}

/** What happened to one file. */
export interface DownloadedFile {
  role: FileRole;
  /** Absolute path of the verified NAME.gz. */
  path: string;
  /** Size of the file, bytes. */
  bytes: number;
  /** 'kept' when a file with the right MD5 was already there. */
  status: 'downloaded' | 'kept';
}

export interface DownloadResult {
  /** Absolute folder the files are in. */
  dir: string;
  files: DownloadedFile[];
}

const DEFAULTS = Object.freeze({ baseUrl: CANONICAL_BASE_URL, log: (_line: string): void => undefined, timeoutSeconds: 30 });
const MAX_REDIRECTS = 5;
/** Without a Content-Length, progress is reported every this many bytes. */
const PROGRESS_STEP_BYTES = 8 << 20;

/**
 * Downloads the four files into `dir` (created if needed). Each is written under a temporary name, its MD5 checked,
 * and only then renamed into place: a failed or corrupt download never leaves a file the loader would pick up.
 * Files already present with the right MD5 are kept. Throws a NetspaceError naming the address and the problem.
 */
export async function downloadFashionMnist(dir: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  const base = parseBaseUrl(settings.baseUrl);
  const target = resolve(dir);
  try {
    await mkdir(target, { recursive: true });
  } catch (error) {
    throw new NetspaceError(messages.data.cannotWrite(target, (error as Error).message));
  }
  const files: DownloadedFile[] = [];
  for (const role of FILE_ROLES) {
    const name = `${FASHION_MNIST_FILES[role].name}.gz`;
    const expected = (settings.checksums?.[role] ?? FASHION_MNIST_FILES[role].md5).toLowerCase();
    const path = join(target, name);
    const existing = await md5OfFile(path);
    if (existing?.md5 === expected) {
      settings.log(`${name}: already in ${target}, MD5 ok`);
      files.push({ role, path, bytes: existing.bytes, status: 'kept' });
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
      files.push({ role, path, bytes: got.bytes, status: 'downloaded' });
    } finally {
      await rm(partial, { force: true });
    }
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
