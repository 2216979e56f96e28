// The built-in design spaces, at Fashion-MNIST scale (the CLI's names) and at the paper's ImageNet scale.
import type { Distribution } from './distributions.ts';
import type { AnyNetParam, AnyNetSpace, AnyNetXKind, RegNetXSpace, SpaceKind, SpaceScale, SpaceScaleName, SpaceSpec } from './types.ts';

type Scale = Omit<SpaceScale, 'name' | 'scale'>;

/**
 * Fashion-MNIST: 28x28x1 images, 10 classes; 2 stages and stem 32 as the d2l chapter's RegNet32, conv bias as there.
 * At 28 pixels the stem leaves 14x14 and the two stages 7x7 and 4x4: a third stage would work on 2x2 maps.
 */
export const FASHION_MNIST_SCALE: Readonly<Scale> = Object.freeze({
  stages: 2,
  stemWidth: 32,
  inputChannels: 1,
  resolution: 28,
  numClasses: 10,
  convBias: true,
});

/** ImageNet as in the paper and pycls: 4 stages, stem 32, 224x224x3 images, 1000 classes, no conv bias. */
export const IMAGENET_SCALE: Readonly<Scale> = Object.freeze({
  stages: 4,
  stemWidth: 32,
  inputChannels: 3,
  resolution: 224,
  numClasses: 1000,
  convBias: false,
});

/** The constraints each AnyNetX kind stands for (paper section 3.2): each space is the one before, restricted. */
export const ANYNETX_CONSTRAINTS: Readonly<Record<AnyNetXKind, { shared: readonly AnyNetParam[]; nonDecreasing: readonly AnyNetParam[] }>> =
  Object.freeze({
    AnyNetX_A: { shared: [], nonDecreasing: [] },
    AnyNetX_B: { shared: ['bottleneckRatio'], nonDecreasing: [] },
    AnyNetX_C: { shared: ['bottleneckRatio', 'groupWidth'], nonDecreasing: [] },
    AnyNetX_D: { shared: ['bottleneckRatio', 'groupWidth'], nonDecreasing: ['width'] },
    AnyNetX_E: { shared: ['bottleneckRatio', 'groupWidth'], nonDecreasing: ['depth', 'width'] },
  });

const logUniform = (low: number, high: number, quantum: number): Distribution => ({ dist: 'log-uniform', low, high, quantum });
const powerOfTwo = (low: number, high: number): Distribution => ({ dist: 'power-of-2', low, high, quantum: 1 });

/** AnyNetX ranges, paper section 3.1: d_i <= 16, w_i <= 1024 in multiples of 8, b_i in {1,2,4}, g_i in {1,...,32}. */
const IMAGENET_ANYNET = {
  depth: logUniform(1, 16, 1),
  width: logUniform(8, 1024, 8),
  bottleneckRatio: powerOfTwo(1, 4),
  groupWidth: powerOfTwo(1, 32),
};

/**
 * AnyNetX ranges for Fashion-MNIST: at most 8 blocks per stage (16 in all; RegNet32 has 4 + 6) and widths up to 256,
 * so that the largest network trains on a CPU in minutes rather than hours; b and g as in the paper.
 */
const FASHION_MNIST_ANYNET = {
  depth: logUniform(1, 8, 1),
  width: logUniform(8, 256, 8),
  bottleneckRatio: powerOfTwo(1, 4),
  groupWidth: powerOfTwo(1, 32),
};

/** RegNetX ranges as pycls samples them (`SAMPLERS.REGNET_SAMPLER` and `regnet_sampler`), b = 1. */
const IMAGENET_REGNET = {
  depth: { dist: 'uniform', low: 12, high: 28, quantum: 1 },
  w0: logUniform(8, 256, 8),
  wa: logUniform(8, 256, 0.1),
  wm: logUniform(2, 3, 0.001),
  groupWidth: { dist: 'power-of-2-or-log', low: 8, high: 128, quantum: 8 },
  bottleneckRatio: { dist: 'fixed', value: 1 },
} as const satisfies Record<string, Distribution>;

/**
 * RegNetX ranges for 2 Fashion-MNIST stages: 4 to 16 blocks; w0 up to 96 so that w1 = w0 * wm stays near 256 or
 * below; wa from 4, since two stages need wa * (d - 1) / w0 between about 0.4 and 4 (u_{d-1} / w0 in
 * [wm^0.5, wm^1.5)); wm and the quanta as pycls; g up to 64. RegNet32 (d 10, w0 32, wa 5, wm 2.5, g 16) is inside.
 */
const FASHION_MNIST_REGNET = {
  ...IMAGENET_REGNET,
  depth: { dist: 'uniform', low: 4, high: 16, quantum: 1 },
  w0: logUniform(8, 96, 8),
  wa: logUniform(4, 64, 0.1),
  groupWidth: { dist: 'power-of-2-or-log', low: 8, high: 64, quantum: 8 },
} as const satisfies Record<string, Distribution>;

function anyNet(kind: AnyNetSpace['kind'], name: string, scale: SpaceScaleName): AnyNetSpace {
  const ranges = scale === 'imagenet' ? IMAGENET_ANYNET : FASHION_MNIST_ANYNET;
  const sizes = scale === 'imagenet' ? IMAGENET_SCALE : FASHION_MNIST_SCALE;
  const { shared, nonDecreasing } = kind === 'AnyNet' ? { shared: [], nonDecreasing: [] } : ANYNETX_CONSTRAINTS[kind];
  return { kind, name, scale, ...sizes, ...ranges, shared: [...shared], nonDecreasing: [...nonDecreasing] };
}

function regNetX(name: string, scale: SpaceScaleName): RegNetXSpace {
  const ranges = scale === 'imagenet' ? IMAGENET_REGNET : FASHION_MNIST_REGNET;
  const sizes = scale === 'imagenet' ? IMAGENET_SCALE : FASHION_MNIST_SCALE;
  return { kind: 'RegNetX', name, scale, ...sizes, ...ranges };
}

function spacesAt(scale: SpaceScaleName, suffix: string): Record<SpaceKind, SpaceSpec> {
  const kinds = ['AnyNetX_A', 'AnyNetX_B', 'AnyNetX_C', 'AnyNetX_D', 'AnyNetX_E', 'AnyNet'] as const;
  const table = Object.fromEntries(kinds.map((kind) => [kind, anyNet(kind, kind + suffix, scale)]));
  return deepFreeze({ ...table, RegNetX: regNetX('RegNetX' + suffix, scale) } as Record<SpaceKind, SpaceSpec>);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * The complete spec of each kind at each scale: what a spec's missing fields are filled from. The ImageNet-scale
 * spaces are named `<kind>@imagenet` so that their results never mix with the Fashion-MNIST ones of the same kind.
 */
export const SPACE_DEFAULTS: Readonly<Record<SpaceScaleName, Readonly<Record<SpaceKind, SpaceSpec>>>> = Object.freeze({
  'fashion-mnist': spacesAt('fashion-mnist', ''),
  imagenet: spacesAt('imagenet', '@imagenet'),
});

/** The design spaces the command line knows by name, at Fashion-MNIST scale: AnyNetX_A..AnyNetX_E and RegNetX. */
export type BuiltinSpaceName = Exclude<SpaceKind, 'AnyNet'>;
export const builtinSpaces: Readonly<Record<BuiltinSpaceName, SpaceSpec>> = Object.freeze({
  AnyNetX_A: SPACE_DEFAULTS['fashion-mnist'].AnyNetX_A,
  AnyNetX_B: SPACE_DEFAULTS['fashion-mnist'].AnyNetX_B,
  AnyNetX_C: SPACE_DEFAULTS['fashion-mnist'].AnyNetX_C,
  AnyNetX_D: SPACE_DEFAULTS['fashion-mnist'].AnyNetX_D,
  AnyNetX_E: SPACE_DEFAULTS['fashion-mnist'].AnyNetX_E,
  RegNetX: SPACE_DEFAULTS['fashion-mnist'].RegNetX,
});
