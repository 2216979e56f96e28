// The RegNet generator: a pure function from (d, w0, wa, wm, g, b) to AnyNet stages (paper section 3.3, eq. 2-4).
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { MAX_BLOCKS, roundHalfEven, type AnyNetConfig, type StageConfig } from './config.ts';
import { adjustStages } from './compatibility.ts';

/** The RegNet parameters of the paper (section 3.3), with the group width and bottleneck of the RegNetX block. */
export interface RegNetParams {
  /** d: total number of blocks over all stages. */
  depth: number;
  /** w0 > 0: width of the first block, channels; a multiple of 8. */
  w0: number;
  /** wa >= 0: slope of the linear widths u_j = w0 + wa * j, channels per block. */
  wa: number;
  /** wm > 1: ratio between the widths of consecutive stages. */
  wm: number;
  /** g: channels per group of every 3x3 convolution (before compatibility adjustment). */
  groupWidth: number;
  /** Bottleneck width / width; 1 (the default) for RegNetX. The paper's b is its inverse. */
  bottleneckMultiplier?: number;
}

/** The parts of a model config that RegNet parameters do not decide: stem, input and head. */
export type ModelBase = Pick<AnyNetConfig, 'inputChannels' | 'stemWidth' | 'numClasses' | 'convBias'>;

/** Per-stage widths and depths of a RegNet, before group compatibility. */
export interface RegNetWidths {
  /** Width of each stage: the runs of equal w_j. */
  widths: number[];
  /** Blocks in each stage. */
  depths: number[];
  /** max(s_j) + 1: the stages there would be if no exponent were skipped; more than widths.length when one is. */
  totalStages: number;
}

/** RegNet widths are quantized to multiples of this many channels (pycls `generate_regnet`, q = 8). */
export const REGNET_QUANTUM = 8;

function check(ok: boolean, message: string): void {
  if (!ok) throw new NetspaceError(message);
}

/** Validates RegNet parameters, naming the first bad one. */
export function checkRegNetParams(params: RegNetParams): void {
  const { depth, w0, wa, wm, groupWidth } = params;
  const multiplier = params.bottleneckMultiplier ?? 1;
  check(Number.isInteger(depth) && depth >= 1, messages.space.regnetDepth(depth));
  check(depth <= MAX_BLOCKS, messages.space.regnetTooDeep(depth, MAX_BLOCKS));
  check(Number.isInteger(w0) && w0 > 0 && w0 % REGNET_QUANTUM === 0, messages.space.regnetW0(w0, REGNET_QUANTUM));
  check(Number.isFinite(wa) && wa >= 0, messages.space.regnetWa(wa));
  check(Number.isFinite(wm) && wm > 1, messages.space.regnetWm(wm));
  check(Number.isInteger(groupWidth) && groupWidth >= 1, messages.space.regnetGroupWidth(groupWidth));
  check(Number.isFinite(multiplier) && multiplier > 0, messages.space.regnetMultiplier(multiplier));
}

/**
 * The quantized linear widths of the paper, section 3.3: u_j = w0 + wa * j (eq. 2), s_j = round(log(u_j / w0) /
 * log(wm)) (eq. 3), w_j = w0 * wm^s_j rounded to a multiple of 8 (eq. 4); rounding as numpy's (halves to even).
 * Parameters are assumed valid (see checkRegNetParams).
 */
export function regnetWidths(params: Pick<RegNetParams, 'depth' | 'w0' | 'wa' | 'wm'>): RegNetWidths {
  const { depth, w0, wa, wm } = params;
  const logWm = Math.log(wm);
  const widths: number[] = [];
  const depths: number[] = [];
  let maxExponent = 0;
  for (let j = 0; j < depth; j++) {
    const exponent = roundHalfEven(Math.log((w0 + wa * j) / w0) / logWm);
    maxExponent = Math.max(maxExponent, exponent);
    const width = roundHalfEven((w0 * wm ** exponent) / REGNET_QUANTUM) * REGNET_QUANTUM;
    if (widths.length > 0 && widths[widths.length - 1] === width) depths[depths.length - 1]! += 1;
    else {
      widths.push(width);
      depths.push(1);
    }
  }
  return { widths, depths, totalStages: maxExponent + 1 };
}

/**
 * The AnyNet config of already computed RegNet widths: one stage per run of equal width, each with the same group
 * width and bottleneck multiplier, made compatible (adjustBlockCompatibility), on the given stem and head.
 */
export function regnetConfig(
  widths: Pick<RegNetWidths, 'widths' | 'depths'>,
  groupWidth: number,
  bottleneckMultiplier: number,
  base: ModelBase,
): AnyNetConfig {
  const stages: StageConfig[] = widths.widths.map((width, i) => ({
    depth: widths.depths[i]!,
    width,
    groupWidth,
    bottleneckMultiplier,
  }));
  return {
    inputChannels: base.inputChannels,
    stemWidth: base.stemWidth,
    numClasses: base.numClasses,
    convBias: base.convBias,
    stages: adjustStages(stages),
  };
}

/**
 * A RegNet as AnyNet stages (pycls `generate_regnet` + `adjust_block_compatibility`): regnetWidths, then
 * regnetConfig. Throws a NetspaceError naming the first invalid parameter.
 */
export function generateRegNet(params: RegNetParams, base: ModelBase): AnyNetConfig {
  checkRegNetParams(params);
  return regnetConfig(regnetWidths(params), params.groupWidth, params.bottleneckMultiplier ?? 1, base);
}
