// Seeded choices over a split: a class-stratified subset and a per-epoch shuffle, reproducible on any machine.
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { dataRng, type JumpableRandomGenerator } from '../core/random.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';

/** The data stream of `seed` (core/random.ts dataRng); a seed must be a non-negative safe integer. */
function generator(seed: number): JumpableRandomGenerator {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new NetspaceError(messages.data.badSeed(seed));
  return dataRng(seed);
}

/**
 * Fisher-Yates from the front (Knuth, TAOCP vol. 2, 3.4.2 algorithm P): after `count` steps a[0..count) is a uniform
 * random ordered draw from a; count = length - 1 shuffles the whole array.
 */
function shuffleFront(a: Uint32Array, rng: JumpableRandomGenerator, count: number): void {
  for (let i = 0; i < count; i++) {
    const j = uniformInt(rng, i, a.length - 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/**
 * Indices of `size` items of `labels`, drawn per class in proportion to the class sizes (largest remainders, ties
 * to the lower class) and at random within each class; returned in ascending order. `null` means all, in order.
 * Uses the seed's first stream; `epochOrder` uses later ones, so the two never share random numbers.
 */
export function stratifiedSubset(labels: Uint8Array, size: number | null, seed: number, name = 'subset size'): Uint32Array {
  const total = labels.length;
  if (size === null) return Uint32Array.from({ length: total }, (_, i) => i);
  if (!Number.isInteger(size) || size < 1 || size > total) throw new NetspaceError(messages.data.badSubsetSize(name, size, total));
  const rng = generator(seed);

  const byClass: number[][] = [];
  for (let i = 0; i < total; i++) (byClass[labels[i]!] ??= []).push(i);
  const classes = [...byClass.keys()].filter((k) => byClass[k] !== undefined);
  // Hamilton's method with exact integers: class k's quota is size * n_k / total.
  const take = new Map<number, number>(classes.map((k) => [k, Math.floor((size * byClass[k]!.length) / total)]));
  let left = size - [...take.values()].reduce((a, b) => a + b, 0);
  const byRemainder = [...classes].sort((a, b) => ((size * byClass[b]!.length) % total) - ((size * byClass[a]!.length) % total) || a - b);
  for (const k of byRemainder) {
    if (left === 0) break;
    take.set(k, take.get(k)! + 1);
    left--;
  }

  const chosen = new Uint32Array(size);
  let filled = 0;
  for (const k of classes) {
    const members = Uint32Array.from(byClass[k]!);
    const m = take.get(k)!;
    shuffleFront(members, rng, Math.min(m, members.length - 1));
    chosen.set(members.subarray(0, m), filled);
    filled += m;
  }
  return chosen.sort();
}

/**
 * A shuffled copy of `indices` that depends only on (seed, epoch): epoch e uses the seed's stream e + 1, reached by
 * e + 1 jumps of 2^64 draws each, so a run resumed at epoch k sees exactly the orders an uninterrupted run would.
 */
export function epochOrder(indices: Uint32Array, seed: number, epoch: number): Uint32Array {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new NetspaceError(messages.data.badEpoch(epoch));
  const rng = generator(seed);
  for (let j = 0; j <= epoch; j++) rng.jump();
  const order = Uint32Array.from(indices);
  shuffleFront(order, rng, order.length - 1);
  return order;
}
