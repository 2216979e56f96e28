// Every seeded random stream in netspace starts here: one seeding rule (mixed 32-bit seeds into xoroshiro128+), the
// string hash that turns names and keys into seeds, and the one frozen exception, the training data's stream.
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

export type { JumpableRandomGenerator, RandomGenerator };

/** Largest seed of `createRng`: seeds are 32-bit words. */
export const MAX_SEED = 0xffffffff;

/**
 * 32-bit FNV-1a of a string, for seeds derived from names and keys only (a run's from its config key, a bootstrap's
 * from its space), never from the order in which things are drawn or run.
 */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** splitmix32 finaliser: a bijection of 32-bit words that scatters nearby seeds across the state space. */
function mix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return z ^ (z >>> 16);
}

/**
 * The seeding rule: a xoroshiro128+ generator for `seed` (an integer in [0, 2^32)) whose four state words are mixed
 * from the seed first. pure-rand's own seeding puts the seed straight into the state, so its first output is ~seed
 * and seeds 1, 2, 3 start almost alike. Only 32-bit integer arithmetic is involved, so the stream is the same on every
 * machine. The sampler of every design space draws from it (changing it would change every stored sweep's configs).
 */
export function createRng(seed: number): JumpableRandomGenerator {
  const words = [1, 2, 3, 4].map((i) => mix32(Math.imul(seed | 0, 0x9e3779b9) + Math.imul(i, 0x632be5ab)));
  // xoroshiro's one forbidden state; no 32-bit seed maps to it, but the guard costs nothing.
  if ((words[0]! | words[1]! | words[2]! | words[3]!) === 0) words[0] = 1;
  return xoroshiro128plusFromState(words);
}

/** A generator for one named purpose under a seed (e.g. "edf-band/RegNetX"): same seed and name, same stream. */
export function purposeRng(seed: number, purpose: string): JumpableRandomGenerator {
  return createRng((seed ^ hashString(purpose)) >>> 0);
}

/**
 * The training data's stream (class-stratified subsets and per-epoch shuffles, data/sampling.ts), the one exception to
 * the rule above, kept bit for bit because every stored run's subsets and shuffles were drawn from it: changing it
 * would make a resumed run train its later epochs on a different order than its first. For seeds below 2^32 the state
 * is pure-rand's own `xoroshiro128plus(seed)` (-1, ~seed, seed, 0); run seeds are FNV-1a hashes (hashString), already
 * well spread, so the missing mix costs nothing there. The upper 21 bits of larger seeds (the trainer uses seed + 1)
 * go where pure-rand puts its constants, so they stay distinct instead of wrapping.
 */
export function dataRng(seed: number): JumpableRandomGenerator {
  const lo = seed % 2 ** 32 | 0;
  const hi = Math.floor(seed / 2 ** 32) | 0;
  return xoroshiro128plusFromState([~hi, ~lo, lo, hi]);
}
