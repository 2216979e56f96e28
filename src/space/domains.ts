// A design space's parameters as typed data (name, kind, range, scale) and each sampled config's values as a flat map.
import type { CategoricalDomain, NumericDomain, ParameterDomain } from '../core/types.ts';
import type { Distribution, DistributionName } from './distributions.ts';
import { PLURAL } from './sampler.ts';
import { ANYNET_PARAMS, REGNET_PARAMS, type AnyNetParam, type AnyNetSpace, type RegNetParam, type RegNetXSpace, type SpaceSpec } from './spec.ts';

export type { CategoricalDomain, NumericDomain, ParameterDomain, ParameterKind } from '../core/types.ts';

/** The symbol of each parameter as the paper writes it (section 3.1 and 3.3): d_i, w_i, b_i, g_i; d, w0, wa, wm. */
const SYMBOLS: Record<AnyNetParam | RegNetParam, string> = {
  depth: 'd',
  width: 'w',
  bottleneckRatio: 'b',
  groupWidth: 'g',
  w0: 'w0',
  wa: 'wa',
  wm: 'wm',
};

/** Axis titles; `where` is "stage i", "every stage" or "all stages". */
const ANYNET_LABELS: Record<AnyNetParam, (symbol: string, where: string) => string> = {
  depth: (s, where) => `depth ${s} (blocks, ${where})`,
  width: (s, where) => `width ${s} (channels, ${where})`,
  bottleneckRatio: (s, where) => `bottleneck ratio ${s} (${where})`,
  groupWidth: (s, where) => `group width ${s} (channels, ${where})`,
};

const REGNET_LABELS: Record<RegNetParam, string> = {
  depth: 'depth d (blocks, all stages)',
  w0: 'initial width w0 (channels)',
  wa: 'slope wa (channels per block)',
  wm: 'width multiplier wm',
  groupWidth: 'group width g (channels)',
  bottleneckRatio: 'bottleneck ratio b',
};

/** A numeric domain: `int` when the range and its grid are whole numbers. */
function numeric(low: number, high: number, log: boolean, quantum: number | null): Omit<NumericDomain, 'name' | 'label'> {
  const whole = Number.isInteger(low) && Number.isInteger(high) && (quantum === null || Number.isInteger(quantum));
  return { kind: whole ? 'int' : 'float', low, high, log, quantum };
}

type Unnamed = Omit<NumericDomain, 'name' | 'label'> | Omit<CategoricalDomain, 'name' | 'label'>;

/** Each distribution's domain; a fixed value is a range of one value, which every importance measure skips. */
const DOMAINS: { [K in DistributionName]: (d: Extract<Distribution, { dist: K }>) => Unnamed } = {
  uniform: ({ low, high, quantum }) => numeric(low, high, false, quantum),
  'log-uniform': ({ low, high, quantum }) => numeric(low, high, true, quantum),
  'power-of-2': ({ low, high }) => numeric(low, high, true, null),
  'power-of-2-or-log': ({ low, high }) => numeric(low, high, true, null),
  choice: ({ values }) => ({ kind: 'categorical', choices: [...new Set(values)].sort((a, b) => a - b) }),
  fixed: ({ value }) => numeric(value, value, false, null),
};

function domainOf(d: Distribution, name: string, label: string): ParameterDomain {
  return { name, label, ...(DOMAINS[d.dist] as (d: Distribution) => Unnamed)(d) } as ParameterDomain;
}

/** d1, d2, w1, w2, b1, b2, g1, g2 for two stages; a shared parameter is one name without a stage number. */
function anyNetDomains(space: AnyNetSpace): ParameterDomain[] {
  return ANYNET_PARAMS.flatMap((p) => {
    const d = space[p];
    const symbol = SYMBOLS[p];
    if (space.shared.includes(p)) return [domainOf(Array.isArray(d) ? d[0]! : d, symbol, ANYNET_LABELS[p](symbol, 'every stage'))];
    return Array.from({ length: space.stages }, (_, i) =>
      domainOf(Array.isArray(d) ? d[i]! : d, `${symbol}${i + 1}`, ANYNET_LABELS[p](`${symbol}${i + 1}`, `stage ${i + 1}`)),
    );
  });
}

/** d, w0, wa, wm, g, b. */
function regNetDomains(space: RegNetXSpace): ParameterDomain[] {
  return REGNET_PARAMS.map((p) => domainOf(space[p], SYMBOLS[p], REGNET_LABELS[p]));
}

const SPACE_DOMAINS: { [K in SpaceSpec['kind']]: (space: Extract<SpaceSpec, { kind: K }>) => ParameterDomain[] } = {
  AnyNetX_A: anyNetDomains,
  AnyNetX_B: anyNetDomains,
  AnyNetX_C: anyNetDomains,
  AnyNetX_D: anyNetDomains,
  AnyNetX_E: anyNetDomains,
  AnyNet: anyNetDomains,
  RegNetX: regNetDomains,
};

/**
 * The parameters a design space draws, each with the distribution it is drawn from, in the order the paper lists
 * them: AnyNet spaces d_i, w_i, b_i, g_i stage by stage (one d, w, b or g for a parameter the space shares), RegNetX
 * d, w0, wa, wm, g, b. The names are the keys of flatParameters() of every config the space samples, and every value
 * drawn lies in its domain: the values are as drawn, before compatibility adjusts widths to b and g.
 */
export function spaceDomains(space: SpaceSpec): ParameterDomain[] {
  return (SPACE_DOMAINS[space.kind] as (space: SpaceSpec) => ParameterDomain[])(space);
}

/** Sampled keys (SampledConfig.sampled) to symbols: the per-stage lists under their plural names, scalars as named. */
const SAMPLED_SYMBOLS: Record<string, string> = {
  ...SYMBOLS,
  ...Object.fromEntries(ANYNET_PARAMS.map((p) => [PLURAL[p], SYMBOLS[p]])),
};

/**
 * A sampled config's drawn values as a flat map name -> number, named as spaceDomains() names them: the per-stage
 * list `depths: [2, 5]` becomes d1 = 2, d2 = 5; `groupWidth: 16` becomes g; RegNet's w0, wa, wm keep their names.
 * Reads the `sampled` record of any stored run, whatever netspace version planned it.
 */
export function flatParameters(sampled: Readonly<Record<string, number | readonly number[]>>): Record<string, number> {
  const flat: Record<string, number> = {};
  for (const [key, value] of Object.entries(sampled)) {
    const symbol = SAMPLED_SYMBOLS[key] ?? key;
    if (typeof value === 'number') flat[symbol] = value;
    else value.forEach((v, i) => (flat[`${symbol}${i + 1}`] = v));
  }
  return flat;
}
