// The types of design spaces as data (a tagged union on `kind`), apart from their validator (spec.ts) and the
// built-in spaces (builtins.ts), which both build on them.
import type { Distribution } from './distributions.ts';

/** The paper's AnyNetX design spaces (section 3.2), each the one before with one more constraint. */
export type AnyNetXKind = 'AnyNetX_A' | 'AnyNetX_B' | 'AnyNetX_C' | 'AnyNetX_D' | 'AnyNetX_E';
/** Every kind of space: the AnyNetX ladder, free AnyNet spaces with constraints of one's choice, and RegNetX. */
export type SpaceKind = AnyNetXKind | 'AnyNet' | 'RegNetX';
export const SPACE_KINDS: readonly SpaceKind[] = ['AnyNetX_A', 'AnyNetX_B', 'AnyNetX_C', 'AnyNetX_D', 'AnyNetX_E', 'AnyNet', 'RegNetX'];

/** Which family of defaults fills the fields a spec leaves out. */
export type SpaceScaleName = 'fashion-mnist' | 'imagenet';
export const SPACE_SCALES: readonly SpaceScaleName[] = ['fashion-mnist', 'imagenet'];

/** What every space states about the networks in it besides their stages. */
export interface SpaceScale {
  /** Name under which results are stored and plotted; defaults to the kind (or to a spec file's base name). */
  name: string;
  /** The defaults this spec started from; fields given in the spec override them. */
  scale: SpaceScaleName;
  /** Number of stages of every network in the space (RegNetX draws with another count are rejected). */
  stages: number;
  /** Output channels of the stem (3x3 conv, stride 2). */
  stemWidth: number;
  /** Channels of the input images: 1 for Fashion-MNIST, 3 for ImageNet. */
  inputChannels: number;
  /** Square input side in pixels at which complexity is counted (28 for Fashion-MNIST, 224 for ImageNet). */
  resolution: number;
  /** Outputs of the classifier. */
  numClasses: number;
  /** Whether convolutions carry a bias: true in the d2l chapter, false in pycls. */
  convBias: boolean;
}

/** The per-stage parameters of an AnyNet (paper section 3.1): d_i, w_i, b_i, g_i. */
export type AnyNetParam = 'depth' | 'width' | 'bottleneckRatio' | 'groupWidth';
export const ANYNET_PARAMS: readonly AnyNetParam[] = ['depth', 'width', 'bottleneckRatio', 'groupWidth'];

/** One distribution for every stage, or one per stage. */
export type StageDistribution = Distribution | Distribution[];

/**
 * An AnyNet design space: per stage, depth d_i (blocks), width w_i (channels), bottleneck ratio b_i (width /
 * bottleneck width; the config's multiplier is 1/b_i) and group width g_i (channels), each drawn from its
 * distribution independently per stage, then made compatible (adjustBlockCompatibility). Parameters in `shared`
 * are drawn once for all stages, and a config in which compatibility made them differ (a group width above some
 * stage's bottleneck width) is rejected; so is a config whose parameters in `nonDecreasing` decrease from one stage
 * to the next. Rejection samples the restricted space exactly: each space is the one before conditioned on its
 * constraint (the spaces are nested subsets, section 3.2).
 * The AnyNetX kinds fix the constraints: A none; B shared b; C shared b, g; D also non-decreasing widths;
 * E also non-decreasing depths. Kind `AnyNet` takes any constraints.
 */
export interface AnyNetSpace extends SpaceScale {
  kind: AnyNetXKind | 'AnyNet';
  depth: StageDistribution;
  width: StageDistribution;
  bottleneckRatio: StageDistribution;
  groupWidth: StageDistribution;
  /** Parameters drawn once and used by every stage. */
  shared: AnyNetParam[];
  /** Parameters that must not decrease from one stage to the next. */
  nonDecreasing: AnyNetParam[];
}

/**
 * The RegNetX design space (paper section 3.3): depth d, initial width w0, slope wa, width multiplier wm, group
 * width g and bottleneck ratio b (1 for RegNetX) are drawn, the stages follow from generateRegNet, and draws whose
 * stage count differs from `stages` (or that skip a stage exponent, as pycls checks) are rejected.
 */
export interface RegNetXSpace extends SpaceScale {
  kind: 'RegNetX';
  depth: Distribution;
  w0: Distribution;
  wa: Distribution;
  wm: Distribution;
  groupWidth: Distribution;
  bottleneckRatio: Distribution;
}

/** A design space: plain JSON data, told apart by `kind`. */
export type SpaceSpec = AnyNetSpace | RegNetXSpace;

export type RegNetParam = 'depth' | 'w0' | 'wa' | 'wm' | 'groupWidth' | 'bottleneckRatio';
export const REGNET_PARAMS: readonly RegNetParam[] = ['depth', 'w0', 'wa', 'wm', 'groupWidth', 'bottleneckRatio'];

