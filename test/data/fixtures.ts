// Small IDX files for the data tests, written to temporary folders: valid ones and ones broken on purpose.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FASHION_MNIST_FILES, type FileRole } from '../../src/data/index.ts';
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

export const SMALL: FixtureSet = { train: 50, test: 20, rows: 6, cols: 5 };

/** The bytes of the four files of a small valid dataset. */
export function datasetBytes(set: FixtureSet = SMALL): Record<FileRole, Buffer> {
  return {
    trainImages: idxImages(set.train, set.rows, set.cols),
    trainLabels: idxLabels(cyclicLabels(set.train)),
    testImages: idxImages(set.test, set.rows, set.cols),
    testLabels: idxLabels(cyclicLabels(set.test)),
  };
}

/** Writes a small valid dataset (all four files) into dir, gzipped or raw. */
export function writeDataset(dir: string, gzip = true, set: FixtureSet = SMALL): void {
  const bytes = datasetBytes(set);
  for (const role of Object.keys(bytes) as FileRole[]) writeIdx(dir, FASHION_MNIST_FILES[role].name, bytes[role], gzip);
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
