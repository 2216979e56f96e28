// Batches for the trainer: pixels scaled to [0,1], normalised, bilinearly resized per batch; NHWC Float32Array + labels.
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import type { Normalization } from './datasets.ts';
import type { Split } from './decode.ts';

/** A filled batch: x is [size, R, R, C] row-major (NHWC, C the split's channels), y the class of each image. */
export interface Batch {
  /** size * R * R * C values (v / 255 - mean[c]) / std[c]: in [0, 1] for Fashion-MNIST, which is not normalised. */
  x: Float32Array;
  /** size class indices. */
  y: Int32Array;
  /** Images in the batch. */
  size: number;
}

const MAX_RESOLUTION = 4096;

/** v / 255 rounded to float32 as torch's `X.float() / 255` gives it (a double quotient rounds to the same float). */
const SCALE = Float32Array.from({ length: 256 }, (_, v) => v / 255);

const f32 = Math.fround;

/** Byte -> network input for each channel: lut[c * 256 + v]. */
const luts = new Map<string, Float32Array>();

/**
 * (v / 255 - mean) / std in float32 steps, as torchvision's Normalize computes on ToTensor's output
 * (`tensor.sub_(mean).div_(std)` with float32 mean and std): each step of two float32s done in double and rounded once
 * is the correctly rounded float32 result. Mean 0 and std 1 give SCALE itself, bit for bit.
 */
function pixelTable(channels: number, { mean, std }: Normalization): Float32Array {
  if (mean.length !== channels || std.length !== channels) {
    throw new RangeError(`fillBatch: the split has ${channels} channel(s) but its normalisation gives ${mean.length} mean(s) and ${std.length} std(s)`);
  }
  const key = `${mean.join(',')}/${std.join(',')}`;
  let lut = luts.get(key);
  if (lut === undefined) {
    lut = new Float32Array(channels * 256);
    for (let c = 0; c < channels; c++) {
      const m = f32(mean[c]!);
      const s = f32(std[c]!);
      for (let v = 0; v < 256; v++) lut[c * 256 + v] = f32(f32(SCALE[v]! - m) / s);
    }
    luts.set(key, lut);
  }
  return lut;
}

/** Source taps and weights along one axis for resizing `inSize` pixels to `outSize`. */
interface AxisPlan {
  lo: Int32Array;
  hi: Int32Array;
  /** Weights of `lo` and `hi`, float32 as torch holds them. */
  wLo: Float32Array;
  wHi: Float32Array;
}

/**
 * Bilinear taps as torch's CPU upsample_bilinear2d computes them with align_corners=False and no antialiasing
 * (aten/src/ATen/native/UpSample.h: area_pixel_compute_scale, area_pixel_compute_source_index,
 * compute_source_index_and_lambda): src = scale * (dst + 0.5) - 0.5 with scale = float32(in / out), clamped below at
 * 0; lo = floor(src), hi = min(lo + 1, in - 1), weight of hi = float32(src - lo), weight of lo = float32(1 - that).
 * These reproduce torch 1.13's weights bit for bit (checked with one-hot inputs, 28 -> 96).
 */
function axisPlan(inSize: number, outSize: number): AxisPlan {
  const scale = f32(inSize / outSize);
  const plan = { lo: new Int32Array(outSize), hi: new Int32Array(outSize), wLo: new Float32Array(outSize), wHi: new Float32Array(outSize) };
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(scale * (d + 0.5) - 0.5, 0);
    const lo = Math.floor(src);
    const w = f32(src - lo);
    plan.lo[d] = lo;
    plan.hi[d] = Math.min(lo + 1, inSize - 1);
    plan.wHi[d] = w;
    plan.wLo[d] = f32(1 - w);
  }
  return plan;
}

interface ResizePlan {
  rows: AxisPlan;
  cols: AxisPlan;
  /** One image resized along its width only: rows x R x channels values. */
  scratch: Float64Array;
}

const plans = new Map<string, ResizePlan>();

function resizePlan(rows: number, cols: number, channels: number, resolution: number): ResizePlan {
  const key = `${rows}x${cols}x${channels}>${resolution}`;
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = { rows: axisPlan(rows, resolution), cols: axisPlan(cols, resolution), scratch: new Float64Array(rows * resolution * channels) };
    plans.set(key, plan);
  }
  return plan;
}

/**
 * Writes the images `indices` of `split` into x, normalised with the split's per-channel mean and std and resized to
 * resolution x resolution (no resize when that is already their size), and their labels into y. Each channel is
 * resized on its own, as F.interpolate does on NCHW; normalising first equals normalising after up to rounding, as
 * the bilinear weights sum to 1. Pass `out` (capacity for at least indices.length images) to reuse buffers across
 * batches; the returned x and y are then views of exactly `size` images into them.
 */
export function fillBatch(split: Split, indices: Uint32Array, resolution: number, out?: { x: Float32Array; y: Int32Array }): Batch {
  if (!Number.isInteger(resolution) || resolution < 1 || resolution > MAX_RESOLUTION) {
    throw new NetspaceError(messages.data.badResolution(resolution, MAX_RESOLUTION));
  }
  const { images, labels, rows, cols, channels, count } = split;
  const lut = pixelTable(channels, split.normalization);
  const size = indices.length;
  const area = resolution * resolution * channels;
  const x = out === undefined ? new Float32Array(size * area) : view(out.x, size * area, 'out.x');
  const y = out === undefined ? new Int32Array(size) : view(out.y, size, 'out.y');
  const pixels = rows * cols * channels;
  const same = rows === resolution && cols === resolution;
  const plan = same ? null : resizePlan(rows, cols, channels, resolution);

  for (let b = 0; b < size; b++) {
    const index = indices[b]!;
    if (index >= count) throw new RangeError(`fillBatch: index ${index} is outside the split's ${count} images`);
    y[b] = labels[index]!;
    const src = index * pixels;
    const dst = b * area;
    if (plan === null) {
      for (let p = 0; p < pixels; p++) x[dst + p] = lut[((p % channels) << 8) + images[src + p]!]!;
    } else {
      resizeInto(images, src, rows, cols, channels, lut, plan, x, dst, resolution);
    }
  }
  return { x, y, size };
}

/** A rectangle of an image, in its pixels: rows [top, top + height), columns [left, left + width). */
export interface Box {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * Writes the `box` of image `index` of `split`, normalised and resized to resolution x resolution with the same
 * torch-exact bilinear taps as fillBatch (torchvision's resized_crop: crop, then resize), at x[dst, dst + R * R * C).
 */
export function resizeBoxInto(split: Split, index: number, box: Box, resolution: number, x: Float32Array, dst: number): void {
  const { rows, cols, channels } = split;
  const plan = resizePlan(box.height, box.width, channels, resolution);
  const src = (index * rows * cols + box.top * cols + box.left) * channels;
  resizeInto(split.images, src, box.height, cols, channels, pixelTable(channels, split.normalization), plan, x, dst, resolution);
}

function view<T extends Float32Array | Int32Array>(buffer: T, length: number, name: string): T {
  if (buffer.length < length) throw new RangeError(`fillBatch: ${name} holds ${buffer.length} values, the batch needs ${length}`);
  return (buffer.length === length ? buffer : buffer.subarray(0, length)) as T;
}

/**
 * Resizes `rows` source rows (each `cols` pixels apart) starting at images[src] with `plan` (whose column taps may
 * cover fewer than `cols` columns: a box of a wider image).
 * Width first, then height, channel by channel: h0 * (w0 * a + w1 * b) + h1 * (w0 * c + w1 * d) in double, rounded
 * once on the store. This agrees with torch to within one float32 step (torch rounds its partial sums differently);
 * separable passes cost rows * R + R * R blends per image and channel instead of 3 * R * R.
 */
function resizeInto(
  images: Uint8Array,
  src: number,
  rows: number,
  cols: number,
  channels: number,
  lut: Float32Array,
  plan: ResizePlan,
  x: Float32Array,
  dst: number,
  r: number,
): void {
  const { lo: cLo, hi: cHi, wLo: cW0, wHi: cW1 } = plan.cols;
  const { lo: rLo, hi: rHi, wLo: rW0, wHi: rW1 } = plan.rows;
  const tmp = plan.scratch;
  const line = cols * channels;
  const outLine = r * channels;
  for (let ch = 0; ch < channels; ch++) {
    const table = ch << 8;
    for (let row = 0; row < rows; row++) {
      const from = src + row * line + ch;
      const o = row * outLine + ch;
      for (let c = 0; c < r; c++) {
        tmp[o + c * channels] = lut[table + images[from + cLo[c]! * channels]!]! * cW0[c]! + lut[table + images[from + cHi[c]! * channels]!]! * cW1[c]!;
      }
    }
    for (let row = 0; row < r; row++) {
      const w0 = rW0[row]!;
      const w1 = rW1[row]!;
      const a = rLo[row]! * outLine + ch;
      const b = rHi[row]! * outLine + ch;
      const o = dst + row * outLine + ch;
      for (let c = 0; c < outLine; c += channels) x[o + c] = tmp[a + c]! * w0 + tmp[b + c]! * w1;
    }
  }
}
