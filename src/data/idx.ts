// IDX file reader (gzipped or raw): checks magic, dimensions and exact length, and decodes into shared memory.
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { NetspaceError, isNetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';

/** An IDX image file (magic 0x00000803): `count` greyscale images of rows x cols unsigned bytes, row-major. */
export interface IdxImages {
  /** Number of images. */
  count: number;
  /** Image height, pixels. */
  rows: number;
  /** Image width, pixels. */
  cols: number;
  /** count * rows * cols grey levels 0..255, image after image, on a SharedArrayBuffer. */
  pixels: Uint8Array;
}

/** An IDX label file (magic 0x00000801): one class index per image. */
export interface IdxLabels {
  /** Number of labels. */
  count: number;
  /** Class indices in 0..classes-1, on a SharedArrayBuffer. */
  labels: Uint8Array;
}

interface IdxFormat {
  magic: number;
  /** Names of the header's big-endian uint32 dimensions, in file order. */
  dims: readonly string[];
  what: string;
}

const IMAGES: IdxFormat = { magic: 0x00000803, dims: ['image count', 'rows', 'cols'], what: 'images of unsigned bytes' };
const LABELS: IdxFormat = { magic: 0x00000801, dims: ['label count'], what: 'labels of unsigned bytes' };

/** Largest payload accepted; a corrupt header could otherwise ask for any amount of memory. 47 MB for Fashion-MNIST. */
const MAX_DATA_BYTES = 2 ** 31 - 1;
/** Large chunks cut the full training set's decode time in half against the 64 KiB / 16 KiB stream defaults. */
const CHUNK_BYTES = 1 << 20;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** Reads an IDX image file, gzipped or raw (told apart by content), and checks it byte for byte. */
export async function readIdxImages(path: string): Promise<IdxImages> {
  const { dims, data } = await readIdx(path, IMAGES);
  const [count, rows, cols] = dims as [number, number, number];
  return { count, rows, cols, pixels: data };
}

/** Reads an IDX label file, gzipped or raw, and checks that every label lies in 0..classes-1. */
export async function readIdxLabels(path: string, classes: number): Promise<IdxLabels> {
  const { dims, data } = await readIdx(path, LABELS);
  for (let i = 0; i < data.length; i++) {
    if (data[i]! >= classes) throw new NetspaceError(messages.data.labelOutOfRange(path, i, data[i]!, classes));
  }
  return { count: dims[0]!, labels: data };
}

async function readIdx(path: string, format: IdxFormat): Promise<{ dims: number[]; data: Uint8Array }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw fileError(path, error);
  }
  const headerBytes = 4 + 4 * format.dims.length;
  const header = new Uint8Array(headerBytes);
  // Filled by the pipeline's sink; a plain object because TypeScript does not follow assignments made in callbacks.
  const got = { headerFill: 0, dims: [] as number[], shape: '', data: null as Uint8Array | null, filled: 0, extra: 0 };

  // pipeline() may report a stage's AbortError instead of what the sink threw, so the sink keeps its own error.
  let sinkError: unknown;
  const consume = async (source: AsyncIterable<Uint8Array>): Promise<void> => {
    try {
      for await (const chunk of source) {
        let offset = 0;
        if (got.data === null) {
          offset = Math.min(headerBytes - got.headerFill, chunk.length);
          header.set(chunk.subarray(0, offset), got.headerFill);
          got.headerFill += offset;
          if (got.headerFill >= 4) checkMagic(path, header, format);
          if (got.headerFill < headerBytes) continue;
          Object.assign(got, allocate(path, header, format));
        }
        const data = got.data!;
        const take = Math.min(data.length - got.filled, chunk.length - offset);
        data.set(chunk.subarray(offset, offset + take), got.filled);
        got.filled += take;
        got.extra += chunk.length - offset - take;
      }
    } catch (error) {
      sinkError = error;
      throw error;
    }
  };

  try {
    const start = Buffer.alloc(2);
    const { bytesRead } = await handle.read(start, 0, 2, 0);
    const gzipped = bytesRead === 2 && start[0] === GZIP_MAGIC[0] && start[1] === GZIP_MAGIC[1];
    if (!gzipped && bytesRead > 0 && path.endsWith('.gz')) {
      throw new NetspaceError(messages.data.notGzip(path, [...start.subarray(0, bytesRead)].map((b) => b.toString(16).padStart(2, '0')).join(' ')));
    }
    const stream = handle.createReadStream({ start: 0, highWaterMark: CHUNK_BYTES });
    if (gzipped) await pipeline(stream, createGunzip({ chunkSize: CHUNK_BYTES }), consume);
    else await pipeline(stream, consume);
  } catch (error) {
    throw fileError(path, sinkError ?? error);
  } finally {
    await handle.close().catch(() => undefined);
  }

  const { data, dims, shape, filled, extra } = got;
  if (data === null) {
    if (got.headerFill >= 4) checkMagic(path, header, format);
    throw new NetspaceError(messages.data.shortHeader(path, got.headerFill, headerBytes));
  }
  if (filled < data.length) throw new NetspaceError(messages.data.truncated(path, filled, data.length, shape));
  if (extra > 0) throw new NetspaceError(messages.data.extraBytes(path, extra, data.length, shape));
  return { dims, data };
}

function checkMagic(path: string, header: Uint8Array, format: IdxFormat): void {
  const magic = new DataView(header.buffer, header.byteOffset, 4).getUint32(0, false);
  if (magic !== format.magic) throw new NetspaceError(messages.data.wrongMagic(path, magic, format.magic, format.what));
}

/** Parses the dimensions and allocates the payload on a SharedArrayBuffer so worker threads can read it in place. */
function allocate(path: string, header: Uint8Array, format: IdxFormat): { dims: number[]; shape: string; data: Uint8Array } {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const dims = format.dims.map((field, i) => {
    const value = view.getUint32(4 + 4 * i, false);
    if (value < 1) throw new NetspaceError(messages.data.badDimension(path, field, value));
    return value;
  });
  const shape = dims.length === 1 ? `${dims[0]} labels` : `${dims[0]} images of ${dims[1]}x${dims[2]}`;
  const bytes = dims.reduce((a, b) => a * b, 1);
  if (bytes > MAX_DATA_BYTES) throw new NetspaceError(messages.data.tooLarge(path, shape, bytes, MAX_DATA_BYTES));
  return { dims, shape, data: new Uint8Array(new SharedArrayBuffer(bytes)) };
}

/** Turns what fs and zlib throw into a NetspaceError that names the file; ours pass through unchanged. */
export function fileError(path: string, error: unknown): NetspaceError {
  if (isNetspaceError(error)) return error;
  const err = error as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return new NetspaceError(messages.data.missingFile(path));
  if (err.code === 'Z_BUF_ERROR' || err.message === 'unexpected end of file') return new NetspaceError(messages.data.gzipCutShort(path));
  if (typeof err.code === 'string' && err.code.startsWith('Z_')) return new NetspaceError(messages.data.corruptGzip(path, err.message));
  return new NetspaceError(messages.data.unreadable(path, err.message ?? String(error)));
}
