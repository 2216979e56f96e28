// One file of a dataset decoded and checked against its description, and decoded files put together into splits.
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { readCifarBatch } from './cifar.ts';
import type { DataFile, DataFormat, DatasetSpec, Normalization } from './datasets.ts';
import { readIdxImages, readIdxLabels } from './idx.ts';

/**
 * One split. The arrays are views of SharedArrayBuffers: posting a Split (or a Dataset) to a worker thread shares
 * the memory instead of copying it.
 */
export interface Split {
  /** count * rows * cols * channels bytes 0..255, image after image, each row-major with channels interleaved (HWC). */
  images: Uint8Array;
  /** count class indices, each below the dataset's class count. */
  labels: Uint8Array;
  /** Number of images. */
  count: number;
  /** Image height, pixels. */
  rows: number;
  /** Image width, pixels. */
  cols: number;
  /** Values per pixel: 1 (grey) or 3 (RGB). */
  channels: number;
  /** The dataset's normalisation, applied by fillBatch. */
  normalization: Normalization;
}

/** A decoded file: images, labels, or both (CIFAR records), on SharedArrayBuffers. */
export interface Part {
  /** The file it came from. */
  path: string;
  /** Images or labels (or records) it holds. */
  count: number;
  /** count images of the dataset's shape, HWC; null for a label file. */
  images: Uint8Array | null;
  /** count labels; null for an image file. */
  labels: Uint8Array | null;
}

/** Decodes one file of a dataset in format F. */
type Reader<F extends DataFormat> = (spec: DatasetSpec, format: F, file: DataFile, path: string) => Promise<Part>;

const READERS: { [K in DataFormat['kind']]: Reader<Extract<DataFormat, { kind: K }>> } = {
  idx: async (spec, _format, file, path) => {
    if (spec.channels !== 1) throw new RangeError(`${spec.name}: IDX images have one channel, its description says ${spec.channels}`);
    if (file.holds === 'labels') {
      const { count, labels } = await readIdxLabels(path, spec.classNames.length);
      return { path, count, images: null, labels };
    }
    const { count, rows, cols, pixels } = await readIdxImages(path);
    if (rows !== spec.height || cols !== spec.width) {
      throw new NetspaceError(messages.data.wrongImageSize(path, `${rows}x${cols}`, `${spec.height}x${spec.width}`, spec.title));
    }
    return { path, count, images: pixels, labels: null };
  },
  'cifar-binary': async (spec, format, _file, path) => {
    const { channels, height, width, title } = spec;
    const layout = { channels, height, width, title, classes: spec.classNames.length, records: format.recordsPerFile };
    const { count, pixels, labels } = await readCifarBatch(path, layout);
    return { path, count, images: pixels, labels };
  },
};

/** Decodes the file at `path` as `file` of `spec`, checking it against the description; throws a NetspaceError naming it. */
export function readPart(spec: DatasetSpec, file: DataFile, path: string): Promise<Part> {
  return (READERS[spec.format.kind] as Reader<DataFormat>)(spec, spec.format, file, path);
}

/**
 * The split made of `parts` (in file order): their images end to end, their labels end to end. The two counts must
 * agree (an IDX image file and its label file); a split of one image part and one label part shares their memory,
 * more parts (CIFAR's five training batches) are copied once into one SharedArrayBuffer.
 */
export function assembleSplit(spec: DatasetSpec, parts: readonly Part[]): Split {
  const withImages = parts.filter((p) => p.images !== null);
  const withLabels = parts.filter((p) => p.labels !== null);
  const images = concat(withImages.map((p) => p.images!));
  const labels = concat(withLabels.map((p) => p.labels!));
  const imageCount = withImages.reduce((sum, p) => sum + p.count, 0);
  const labelCount = withLabels.reduce((sum, p) => sum + p.count, 0);
  if (imageCount !== labelCount) {
    const paths = (list: Part[]): string => list.map((p) => p.path).join(', ');
    throw new NetspaceError(messages.data.countMismatch(paths(withImages), imageCount, paths(withLabels), labelCount));
  }
  return Object.freeze({
    images,
    labels,
    count: imageCount,
    rows: spec.height,
    cols: spec.width,
    channels: spec.channels,
    normalization: spec.normalization,
  });
}

function concat(arrays: Uint8Array[]): Uint8Array {
  if (arrays.length === 1) return arrays[0]!;
  const out = new Uint8Array(new SharedArrayBuffer(arrays.reduce((sum, a) => sum + a.length, 0)));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

/** What a valid file holds, as `netspace data check` shows it: "50 images of 28x28", "20 labels, 2 per class". */
export function summarizePart(spec: DatasetSpec, part: Part): string {
  const shape = `${spec.height}x${spec.width}${spec.channels === 1 ? '' : `x${spec.channels}`}`;
  const images = `${part.count} images of ${shape}`;
  if (part.labels === null) return images;
  const perClass = new Array<number>(spec.classNames.length).fill(0);
  for (const label of part.labels) perClass[label]!++;
  const low = Math.min(...perClass);
  const high = Math.max(...perClass);
  const spread = low === high ? `${low} per class` : `${low} to ${high} per class`;
  return part.images === null ? `${part.count} labels, ${spread}` : `${images} with labels, ${spread}`;
}
