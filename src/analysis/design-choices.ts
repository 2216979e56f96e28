// Which design choices matter in each space: the runs' parameters read through the space's domains, and their importance.
import { isNetspaceError, NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { spaceDomains, type ParameterDomain } from '../space/domains.ts';
import { isRecord } from '../space/document.ts';
import { parseSpaceSpec } from '../space/spec.ts';
import type { SweepRecord } from '../core/types.ts';
import { IMPORTANCE_METHODS, parameterImportance, type ImportanceMethod, type ImportanceResult, type ImportanceTable } from './importance.ts';

/**
 * The scale on which fANOVA measures the parameter space: `log` measures a log-distributed parameter (log-uniform,
 * powers of 2) on a log scale, so that the space is weighted as it is sampled, as the original fANOVA does on
 * ConfigSpace's log-scaled unit cube; `linear` measures every parameter on its own scale, as Optuna's
 * FanovaImportanceEvaluator does (transform_log=False). MDI and the forest itself do not depend on it.
 */
export type ImportanceScale = 'log' | 'linear';
export const IMPORTANCE_SCALES: readonly ImportanceScale[] = ['log', 'linear'];

export interface DesignChoiceOptions {
  /** Default 'fanova'. */
  method?: ImportanceMethod;
  /** Default 'log'. */
  scale?: ImportanceScale;
  /** Trees of each space's forest. Default 64. */
  trees?: number;
  /** Seed of the forests (each space draws its own stream). Default 0. */
  seed?: number;
}

export const DESIGN_CHOICE_DEFAULTS: Readonly<Required<DesignChoiceOptions>> = Object.freeze({ method: 'fanova', scale: 'log', trees: 64, seed: 0 });

const OPTION_CHECKS: { [K in keyof DesignChoiceOptions]-?: (v: unknown, source: string, key: string) => string | null } = {
  method: (v) => ((IMPORTANCE_METHODS as readonly unknown[]).includes(v) ? null : messages.analysis.importanceMethod(v, IMPORTANCE_METHODS)),
  scale: (v) => ((IMPORTANCE_SCALES as readonly unknown[]).includes(v) ? null : messages.analysis.importanceScale(v, IMPORTANCE_SCALES)),
  trees: (v, source, key) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 10_000 ? null : messages.analysis.positiveInteger(source, key, v)),
  seed: (v, source, key) => (Number.isInteger(v) && (v as number) >= 0 ? null : messages.analysis.nonNegativeInteger(source, key, v)),
};

/**
 * Validates untrusted options of analyzeDesignChoices and fills in the defaults; messages name `source` and the option
 * as `nameOf` spells it (the CLI's --trees). Undefined values take the default.
 */
export function parseDesignChoiceOptions(
  value: DesignChoiceOptions | Record<string, unknown>,
  source = 'importance options',
  nameOf: (key: string) => string = (key) => key,
): Required<DesignChoiceOptions> {
  const given = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(given)) {
    const check = OPTION_CHECKS[key as keyof DesignChoiceOptions];
    if (check === undefined) throw new NetspaceError(messages.analysis.unknownOption(source, nameOf(key), Object.keys(OPTION_CHECKS).map(nameOf)));
    const problem = v === undefined ? null : check(v, source, nameOf(key));
    if (problem !== null) throw new NetspaceError(problem);
  }
  return { ...DESIGN_CHOICE_DEFAULTS, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
}

/** Where a space's domains come from: stored when the sweep was planned, derived from its stored spec, or unknown. */
export type DomainSource = 'stored' | 'spec' | 'none';

/** One finished run as a point of its space: its error and its value of every parameter. */
export interface ParameterRun {
  runId: number;
  /** Top-1 validation error, 0..1. */
  error: number;
  parameters: Record<string, number>;
}

/** The design choices of one space: its parameters, its finished runs over them, and how much each one matters. */
export interface SpaceDesignChoices {
  space: string;
  /** The space's parameters in the paper's order; empty for a fixed model or a space whose domains are unknown. */
  domains: ParameterDomain[];
  domainSource: DomainSource;
  /** Finished runs that have a value of every parameter: the rows the forest is fitted to. */
  runs: ParameterRun[];
  /** Null with fewer than 2 such runs or no parameter that varies; parameters come in domain order. */
  importance: ImportanceResult | null;
}

export interface DesignChoicesAnalysis {
  spaces: SpaceDesignChoices[];
  /** Plain sentences on what could not be analysed and why. */
  notes: string[];
  options: Required<DesignChoiceOptions>;
}

/**
 * The domains of every space entry of a stored sweep spec (SweepSpec as the store keeps it: `spaces` a list of
 * {kind: 'space', name, space} or {kind: 'model', ...}), for sweeps planned before domains were stored. An entry
 * whose space no longer parses is left out and named in `problems`.
 */
export function domainsFromSpec(spec: unknown): { domains: Map<string, ParameterDomain[]>; problems: string[] } {
  const domains = new Map<string, ParameterDomain[]>();
  const problems: string[] = [];
  const entries = isRecord(spec) && Array.isArray(spec.spaces) ? spec.spaces : [];
  for (const entry of entries) {
    if (!isRecord(entry) || entry.kind !== 'space' || typeof entry.name !== 'string') continue;
    try {
      domains.set(entry.name, spaceDomains(parseSpaceSpec(entry.space, `stored spec of ${entry.name}`)));
    } catch (error) {
      if (!isNetspaceError(error)) throw error;
      problems.push(`${entry.name}: ${error.message}`);
    }
  }
  return { domains, problems };
}

/**
 * Each space's domains: those `stored` with the sweep, else those its stored spec gives (a sweep planned before
 * netspace stored domains), else none; with notes saying which spaces were derived and which could not be.
 */
export function resolveDomains(
  sweep: Pick<SweepRecord, 'spec'>,
  spaces: readonly string[],
  stored?: Readonly<Record<string, ParameterDomain[]>>,
): { domains: Map<string, { domains: ParameterDomain[]; source: DomainSource }>; notes: string[] } {
  const fromSpec = domainsFromSpec(sweep.spec);
  const out = new Map<string, { domains: ParameterDomain[]; source: DomainSource }>();
  for (const space of spaces) {
    const own = stored?.[space];
    const spec = fromSpec.domains.get(space);
    out.set(space, own !== undefined ? { domains: own, source: 'stored' } : spec !== undefined ? { domains: spec, source: 'spec' } : { domains: [], source: 'none' });
  }
  const derived = spaces.filter((s) => out.get(s)!.source === 'spec');
  const notes = fromSpec.problems.map((p) => `No parameter domains for ${p}`);
  if (stored !== undefined && derived.length > 0) {
    notes.unshift(`The parameter domains of ${derived.join(', ')} were not stored with the sweep (planned by an older netspace); they come from its stored spec.`);
  }
  return { domains: out, notes };
}

/** A value on the scale fANOVA measures its domain in. */
function measure(domain: ParameterDomain, scale: ImportanceScale): (v: number) => number {
  return domain.kind !== 'categorical' && domain.log && scale === 'log' ? Math.log : (v) => v;
}

/**
 * The forest's table: a numeric parameter is one column bounded by its domain (widened to any value outside it); a
 * categorical one is one column of category positions, each category a unit cell (Optuna one-hot encodes instead).
 * Parameters with one possible value are left out: they explain nothing.
 */
function importanceTable(domains: readonly ParameterDomain[], runs: readonly ParameterRun[], scale: ImportanceScale): ImportanceTable {
  const columns: { name: string; bounds: [number, number]; encode: (v: number) => number }[] = [];
  for (const d of domains) {
    const values = runs.map((r) => r.parameters[d.name]!);
    if (d.kind === 'categorical') {
      const categories = [...new Set([...d.choices, ...values])].sort((a, b) => a - b);
      if (categories.length > 1) columns.push({ name: d.name, bounds: [0, categories.length], encode: (v) => categories.indexOf(v) + 0.5 });
      continue;
    }
    const m = measure(d, scale);
    const low = m(Math.min(d.low, ...values));
    const high = m(Math.max(d.high, ...values));
    if (low < high) columns.push({ name: d.name, bounds: [low, high], encode: m });
  }
  return {
    names: columns.map((c) => c.name),
    bounds: columns.map((c) => c.bounds),
    x: runs.map((r) => columns.map((c) => c.encode(r.parameters[c.name]!))),
    y: runs.map((r) => r.error),
  };
}

/** Importance of every domain in order, those left out of the table (one value) at 0. */
function importanceOf(domains: readonly ParameterDomain[], runs: readonly ParameterRun[], space: string, opts: Required<DesignChoiceOptions>): ImportanceResult | null {
  if (runs.length < 2) return null;
  const table = importanceTable(domains, runs, opts.scale);
  if (table.names.length === 0) return null;
  const result = parameterImportance(table, { method: opts.method, trees: opts.trees, seed: opts.seed, stream: `importance/${space}` });
  const byName = new Map(result.parameters.map((p) => [p.name, p]));
  return { ...result, parameters: domains.map((d) => byName.get(d.name) ?? { name: d.name, importance: 0, std: 0 }) };
}

/**
 * Reads every space of a sweep through its parameter domains and measures which parameters matter to the error of
 * its finished runs (done, with a final error): a seeded forest per space, fANOVA by default. Spaces without domains
 * (fixed models) and runs missing a parameter are left out, and the notes say so. Deterministic for a seed.
 */
export function analyzeDesignChoices(sweep: SweepRecord, options: DesignChoiceOptions = {}): DesignChoicesAnalysis {
  const opts = parseDesignChoiceOptions(options);
  const runs = [...sweep.runs].sort((a, b) => a.id - b.id);
  const spaceNames = [...new Set(runs.map((r) => r.space))];
  const { domains, notes } = resolveDomains(sweep, spaceNames, sweep.domains);
  const spaces = spaceNames.map((space): SpaceDesignChoices => {
    const { domains: own, source } = domains.get(space)!;
    const finished = runs.filter((r) => r.space === space && r.status === 'done' && typeof r.finalError === 'number' && Number.isFinite(r.finalError));
    const points = finished.map((r) => ({ runId: r.id, error: r.finalError!, parameters: r.parameters }));
    const complete = points.filter((p) => own.every((d) => Number.isFinite(p.parameters[d.name])));
    if (own.length > 0 && complete.length < points.length) {
      notes.push(`${space}: ${points.length - complete.length} finished runs lack some of the space's parameters and are left out of its importance.`);
    }
    const importance = own.length === 0 ? null : importanceOf(own, complete, space, opts);
    if (own.length > 0 && importance === null && complete.length < 2) {
      notes.push(`${space}: parameter importance needs at least 2 finished runs; it has ${complete.length}.`);
    }
    return { space, domains: own, domainSource: source, runs: own.length === 0 ? [] : complete, importance };
  });
  return { spaces, notes, options: opts };
}
