// The AnyNet model config: plain JSON-able data that the builder, the complexity counter and the store all share.
import { messages, specError } from '../messages.ts';
import type { AnyNetConfig, StageConfig } from '../core/types.ts';
import { checkKeys, isRecord } from './document.ts';

export type { AnyNetConfig, StageConfig };

/** Python 3's round(): halves go to the even neighbour. The chapter computes int(round(w * bot_mul)) with it. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The paper's bottleneck ratio b_i of a config's multiplier: b = width / bottleneck width = 1 / multiplier. Spaces
 * and reports speak of b (the paper's name); configs store the chapter's multiplier (its `bot_mul`); these two
 * functions are the one place the two meet.
 */
export function bottleneckRatio(multiplier: number): number {
  return 1 / multiplier;
}

/** The config's multiplier for the paper's bottleneck ratio b: 1 / b (see bottleneckRatio). */
export function bottleneckMultiplier(ratio: number): number {
  return 1 / ratio;
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

function positiveInteger(source: string, path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    specError(source, path, messages.spec.positiveCount(value));
  }
  return value;
}

/**
 * Checks an untrusted value (parsed JSON, a sampled config) and returns it as an AnyNetConfig with defaults filled
 * in, or throws a NetspaceError naming `source`, the field path and the bad value. Nothing is built before this.
 */
export function parseAnyNetConfig(value: unknown, source = 'model config'): AnyNetConfig {
  if (!isRecord(value)) specError(source, 'the config', messages.spec.notObject(value));
  checkKeys(source, '', value, CONFIG_KEYS);
  const merged = { ...CONFIG_DEFAULTS, ...value } as Record<string, unknown>;
  const inputChannels = positiveInteger(source, 'inputChannels', merged.inputChannels);
  const stemWidth = positiveInteger(source, 'stemWidth', merged.stemWidth);
  const numClasses = positiveInteger(source, 'numClasses', merged.numClasses);
  if (typeof merged.convBias !== 'boolean') specError(source, 'convBias', messages.spec.boolean(merged.convBias));
  if (!Array.isArray(merged.stages) || merged.stages.length === 0) {
    specError(source, 'stages', messages.spec.stageList(merged.stages));
  }
  const stages = merged.stages.map((raw: unknown, i: number): StageConfig => {
    const path = `stages[${i}]`;
    if (!isRecord(raw)) specError(source, path, messages.spec.notObject(raw));
    checkKeys(source, path, raw, STAGE_KEYS);
    const depth = positiveInteger(source, `${path}.depth`, raw.depth);
    const width = positiveInteger(source, `${path}.width`, raw.width);
    const groupWidth = positiveInteger(source, `${path}.groupWidth`, raw.groupWidth);
    const multiplier = raw.bottleneckMultiplier ?? 1;
    if (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier <= 0) {
      specError(source, `${path}.bottleneckMultiplier`, messages.spec.positiveNumber(raw.bottleneckMultiplier));
    }
    const stage = { depth, width, groupWidth, bottleneckMultiplier: multiplier };
    const inner = bottleneckWidth(stage);
    if (inner < 1) {
      specError(source, `${path}.bottleneckMultiplier`, messages.spec.noBottleneck(multiplier, width, inner));
    }
    if (inner % groupWidth !== 0) {
      specError(source, `${path}.groupWidth`, messages.spec.groupWidthDoesNotDivide(groupWidth, inner, width, multiplier));
    }
    return stage;
  });
  return { inputChannels, stemWidth, numClasses, convBias: merged.convBias, stages };
}
