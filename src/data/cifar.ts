// CIFAR binary batch reader: checks the exact size and every label, and turns planar records into HWC shared memory.
import { open } from 'node:fs/promises';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { fileError } from './idx.ts';

/** What every record of a batch file holds. */
export interface RecordLayout {
  channels: number;
  /** Pixels. */
  height: number;
  /** Pixels. */
  width: number;
  /** Labels must lie in 0..classes-1. */
  classes: number;
  /** Records the file must hold. */
  records: number;
  /** The dataset's title, for the message about a file that is not one of its batches. */
  title: string;
}

/** A decoded batch file, on SharedArrayBuffers. */
export interface CifarBatch {
  /** Number of images. */
  count: number;
  /** count * height * width * channels bytes, image after image, each row-major with channels interleaved (HWC). */
  pixels: Uint8Array;
  /** count class indices. */
  labels: Uint8Array;
}

/**
 * Reads a batch file of `layout.records` records, each one label byte then `channels` planes of height x width bytes
 * (https://www.cs.toronto.edu/~kriz/cifar.html, "Binary version"), and converts the planes to interleaved HWC once,
 * here, so that batches are filled the same way for every dataset. The file has no header, so its size is checked
 * against the layout before a byte is decoded: a cut, an extra record, or records of another size are NetspaceErrors
 * naming the file, as is a label >= classes.
 */
export async function readCifarBatch(path: string, layout: RecordLayout): Promise<CifarBatch> {
  const { channels, height, width, classes, records } = layout;
  const plane = height * width;
  const recordBytes = 1 + channels * plane;
  const expected = records * recordBytes;
  const bytes = await readExactly(path, expected, recordBytes, layout);

  const pixels = new Uint8Array(new SharedArrayBuffer(records * channels * plane));
  const labels = new Uint8Array(new SharedArrayBuffer(records));
  for (let r = 0; r < records; r++) {
    const start = r * recordBytes;
    const label = bytes[start]!;
    if (label >= classes) throw new NetspaceError(messages.data.labelOutOfRange(path, r, label, classes));
    labels[r] = label;
    const out = r * channels * plane;
    for (let c = 0; c < channels; c++) {
      const source = start + 1 + c * plane;
      for (let p = 0; p < plane; p++) pixels[out + p * channels + c] = bytes[source + p]!;
    }
  }
  return { count: records, pixels, labels };
}

/** The whole file, after checking that its size is exactly `expected` bytes (before reading it). */
async function readExactly(path: string, expected: number, recordBytes: number, layout: RecordLayout): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw fileError(path, error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new NetspaceError(messages.data.unreadable(path, 'not a regular file'));
    const size = info.size;
    if (size !== expected) throw sizeError(path, size, recordBytes, layout);
    const bytes = Buffer.allocUnsafe(expected);
    let filled = 0;
    while (filled < expected) {
      const { bytesRead } = await handle.read(bytes, filled, expected - filled, filled);
      if (bytesRead === 0) throw sizeError(path, filled, recordBytes, layout);
      filled += bytesRead;
    }
    return bytes;
  } catch (error) {
    throw fileError(path, error);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Cut inside a record: truncated; whole records but not the right number: a count; longer and ragged: not records. */
function sizeError(path: string, size: number, recordBytes: number, layout: RecordLayout): NetspaceError {
  const what = `1 label byte + ${layout.height}x${layout.width}x${layout.channels} pixel bytes`;
  const expected = layout.records * recordBytes;
  if (size % recordBytes === 0) return new NetspaceError(messages.data.recordCount(path, size / recordBytes, recordBytes, layout.records));
  if (size < expected) return new NetspaceError(messages.data.recordsCutShort(path, size, recordBytes, what, layout.records));
  return new NetspaceError(messages.data.recordSize(path, size, recordBytes, what, layout.title));
}
