// The AnyNet model config: plain JSON-able data that the builder, the complexity counter and the store all share.
import { NetspaceError } from '../errors.ts';

/** One stage of an AnyNet: `depth` residual bottleneck blocks of the same width (d2l chapter, paper section 3.1). */
export interface StageConfig {
  /** Number of blocks, d_i (>= 1). The first block has stride 2 and a projection shortcut. */
  depth: number;
  /** Output channels of every block in the stage, w_i. */
  width: number;
  /** Channels per group of the 3x3 convolution, g_i; groups = bottleneck width / groupWidth. */
  groupWidth: number;
  /** Bottleneck width = round(width * bottleneckMultiplier); the paper's ratio is b_i = 1 / multiplier. */
  bottleneckMultiplier: number;
}

/** A whole AnyNet: stem (3x3 conv stride 2, BN, ReLU), stages, head (global average pool, linear). */
export interface AnyNetConfig {
  /** Channels of the input images (1 for Fashion-MNIST, 3 for ImageNet). */
  inputChannels: number;
  /** Output channels of the stem convolution. */
  stemWidth: number;
  /** Outputs of the final linear layer. */
  numClasses: number;
  /** Whether convolutions carry a bias: true in the d2l chapter, false in pycls. */
  convBias: boolean;
  stages: StageConfig[];
}

/** Python 3's round(): halves go to the even neighbour. The chapter computes int(round(w * bot_mul)) with it. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Channels inside a block's bottleneck: round(width * multiplier) as the chapter computes it. */
export function bottleneckWidth(stage: StageConfig): number {
  return roundHalfEven(stage.width * stage.bottleneckMultiplier);
}

/** Groups of the 3x3 convolution of a stage's blocks. */
export function groupCount(stage: StageConfig): number {
  return bottleneckWidth(stage) / stage.groupWidth;
}

const CONFIG_KEYS = ['inputChannels', 'stemWidth', 'numClasses', 'convBias', 'stages'] as const;
const STAGE_KEYS = ['depth', 'width', 'groupWidth', 'bottleneckMultiplier'] as const;
const CONFIG_DEFAULTS: Readonly<Partial<AnyNetConfig>> = Object.freeze({ inputChannels: 1, numClasses: 10, convBias: true });

function fail(source: string, path: string, problem: string): never {
  throw new NetspaceError(`${source}: ${path} ${problem}`);
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
}

function checkKeys(source: string, path: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      fail(source, path === '' ? key : `${path}.${key}`, `is not a known key (expected one of: ${allowed.join(', ')})`);
    }
  }
}

function positiveInteger(source: string, path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    fail(source, path, `must be a positive integer, got ${show(value)}`);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks an untrusted value (parsed JSON, a sampled config) and returns it as an AnyNetConfig with defaults filled
 * in, or throws a NetspaceError naming `source`, the field path and the bad value. Nothing is built before this.
 */
export function parseAnyNetConfig(value: unknown, source = 'model config'): AnyNetConfig {
  if (!isRecord(value)) fail(source, 'the config', `must be a JSON object, got ${show(value)}`);
  checkKeys(source, '', value, CONFIG_KEYS);
  const merged = { ...CONFIG_DEFAULTS, ...value } as Record<string, unknown>;
  const inputChannels = positiveInteger(source, 'inputChannels', merged.inputChannels);
  const stemWidth = positiveInteger(source, 'stemWidth', merged.stemWidth);
  const numClasses = positiveInteger(source, 'numClasses', merged.numClasses);
  if (typeof merged.convBias !== 'boolean') fail(source, 'convBias', `must be true or false, got ${show(merged.convBias)}`);
  if (!Array.isArray(merged.stages) || merged.stages.length === 0) {
    fail(source, 'stages', `must be a non-empty list of stages, got ${show(merged.stages)}`);
  }
  const stages = merged.stages.map((raw: unknown, i: number): StageConfig => {
    const path = `stages[${i}]`;
    if (!isRecord(raw)) fail(source, path, `must be an object, got ${show(raw)}`);
    checkKeys(source, path, raw, STAGE_KEYS);
    const depth = positiveInteger(source, `${path}.depth`, raw.depth);
    const width = positiveInteger(source, `${path}.width`, raw.width);
    const groupWidth = positiveInteger(source, `${path}.groupWidth`, raw.groupWidth);
    const multiplier = raw.bottleneckMultiplier ?? 1;
    if (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier <= 0) {
      fail(source, `${path}.bottleneckMultiplier`, `must be a positive number, got ${show(raw.bottleneckMultiplier)}`);
    }
    const stage = { depth, width, groupWidth, bottleneckMultiplier: multiplier };
    const inner = bottleneckWidth(stage);
    if (inner < 1) {
      fail(source, `${path}.bottleneckMultiplier`, `${multiplier} leaves round(${width} x ${multiplier}) = ${inner} bottleneck channels`);
    }
    if (inner % groupWidth !== 0) {
      fail(
        source,
        `${path}.groupWidth`,
        `is ${groupWidth}, which does not divide the bottleneck width ${inner} (= round(${width} x ${multiplier}))`,
      );
    }
    return stage;
  });
  return { inputChannels, stemWidth, numClasses, convBias: merged.convBias, stages };
}
