// A changed sweep spec, classified: the same sweep grown (more runs, a new space, a wider band, more epochs), which
// keeps every finished run, or another sweep (a change of what a run means), which is refused or forked.
import { canonicalJson } from '../core/json.ts';
import { recipeOf, scheduleSpansRun, type Recipe } from '../core/recipe.ts';

/** How a spec stored with a sweep relates to the spec it is run with now. */
export type SpecChange =
  | { kind: 'same' }
  /** Additive: `additions` says what grows, in words; `epochs` is the new number of epochs when it grew. */
  | { kind: 'grow'; additions: string[]; epochs: number | null }
  /** What a run means changed: `reasons` names each change (`train.lr: 0.05 -> 0.1`). */
  | { kind: 'changed'; reasons: string[] };

type Json = Record<string, unknown>;
type Range = [number | null, number | null];

const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);
const shown = (v: unknown): string => JSON.stringify(v) ?? 'absent';

/** Whether range `wide` holds all of `narrow` (null is an open end). */
function holds(wide: Range, narrow: Range): boolean {
  const lowOk = wide[0] === null || (narrow[0] !== null && wide[0] <= narrow[0]);
  const highOk = wide[1] === null || (narrow[1] !== null && wide[1] >= narrow[1]);
  return lowOk && highOk;
}

/**
 * Compares two sweep identities (sweep/spec.ts sweepIdentity, as stored and as given now). Growing: an entry's `n`
 * raised (the sampler draws the same first n configs whatever n is), a new entry, a complexity band that holds the
 * old one, more epochs when no fidelity schedule decides them and the recipe's learning rate at epoch k does not
 * depend on the run's length (a run continues from its final checkpoint, weights and optimizer state: with a constant,
 * step or exponential rate, epoch k of a longer run is epoch k of a shorter one; with a cosine over the run it is not,
 * so more epochs there is a change). Anything else changes what a run means: the seed, the data, the training
 * settings, a space's definition, a narrower band, fewer runs or epochs.
 */
export function classifyChange(before: unknown, after: unknown): SpecChange {
  if (same(before, after)) return { kind: 'same' };
  const b = before as Json;
  const a = after as Json;
  const reasons: string[] = [];
  const additions: string[] = [];
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (key === 'spaces' || key === 'complexity' || key === 'train') continue;
    if (!same(b[key], a[key])) reasons.push(`${key}: ${shown(b[key])} -> ${shown(a[key])}`);
  }
  let epochs: number | null = null;
  const bt = (b.train ?? {}) as Json;
  const at = (a.train ?? {}) as Json;
  for (const key of new Set([...Object.keys(bt), ...Object.keys(at)])) {
    if (same(bt[key], at[key])) continue;
    const longer = key === 'epochs' && typeof bt.epochs === 'number' && typeof at.epochs === 'number' && at.epochs > bt.epochs && a.fidelity === undefined;
    const spans = longer && scheduleSpansRun(recipeOf(at as { recipe?: Recipe }));
    if (longer && !spans) {
      epochs = at.epochs as number;
      additions.push(`train.epochs ${bt.epochs as number} -> ${epochs} (finished runs continue from their last epoch)`);
    } else {
      reasons.push(`train.${key}: ${shown(bt[key])} -> ${shown(at[key])}${spans ? ' (the recipe\'s cosine schedule spans the run, so a longer run is no shorter one continued)' : ''}`);
    }
  }
  const bc = (b.complexity ?? {}) as Record<string, Range>;
  const ac = (a.complexity ?? {}) as Record<string, Range>;
  for (const key of new Set([...Object.keys(bc), ...Object.keys(ac)])) {
    if (same(bc[key], ac[key])) continue;
    if (bc[key] !== undefined && ac[key] !== undefined && holds(ac[key]!, bc[key]!)) additions.push(`complexity.${key} widened to ${shown(ac[key])}`);
    else reasons.push(`complexity.${key}: ${shown(bc[key])} -> ${shown(ac[key])} (a band may only widen)`);
  }
  const bs = (b.spaces ?? []) as Json[];
  const as = (a.spaces ?? []) as Json[];
  for (const entry of bs) {
    const now = as.find((e) => e.name === entry.name);
    if (now === undefined) {
      reasons.push(`spaces: ${shown(entry.name)} was removed (a sweep never loses runs)`);
      continue;
    }
    const { n: nb, ...restB } = entry;
    const { n: na, ...restA } = now;
    if (!same(restB, restA)) reasons.push(`spaces ${shown(entry.name)}: its definition changed`);
    else if ((na as number) < (nb as number)) reasons.push(`spaces ${shown(entry.name)}: n ${nb as number} -> ${na as number} (a sweep never loses runs)`);
    else if ((na as number) > (nb as number)) additions.push(`${entry.name as string}: n ${nb as number} -> ${na as number}`);
  }
  for (const entry of as) if (!bs.some((e) => e.name === entry.name)) additions.push(`new space ${entry.name as string} (n ${entry.n as number})`);
  if (reasons.length > 0) return { kind: 'changed', reasons };
  return { kind: 'grow', additions, epochs };
}
