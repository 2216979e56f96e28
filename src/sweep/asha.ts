// The rules of asynchronous successive halving on one group of runs (a design space's bracket): standings at a rung,
// who is promoted next, who can never be. Pure functions over plain run states; fidelity-schedule.ts drives them.

/** Where a run is, as a schedule sees it. `paused`: waiting at a rung with its checkpoint, to go on if promoted. */
export type RunPhase = 'pending' | 'running' | 'paused' | 'stopped' | 'done' | 'failed';

/** What a schedule knows of one run. */
export interface TrackedRun {
  id: number;
  /** Design space: runs of different spaces never compete. */
  space: string;
  /** ASHA bracket within the space (0 for a single bracket and for the fidelity check). */
  bracket: number;
  /** Validation error (1 - accuracy, 0..1) after epoch e at errors[e - 1]. */
  errors: number[];
  phase: RunPhase;
  /** Epochs the run trains to before it is judged again: a rung, or the top fidelity once promoted past the last. */
  budget: number;
}

/** A run's place at a rung. */
export interface Standing {
  run: TrackedRun;
  /** 1 = lowest error at the rung among the runs that reached it; ties go to the lower run id. */
  rank: number;
  /** Runs of the group that reached the rung so far (whatever became of them after). */
  reached: number;
  /** How many of them the rung admits (see admits). */
  admitted: number;
}

/**
 * How many runs a rung admits to the next: the top 1/eta of those that reached it, floor(reached / eta) (Li et al.
 * 2020, Algorithm 2), but at least the best one once no more runs can reach the rung (`reached` = `bound`).
 * Algorithm 2 draws new configs for ever, so its rungs keep filling; a sweep has n runs per space, and without the
 * floor of one a rung reached by fewer than eta runs would never promote, leaving a space with no fully trained run.
 */
export function admits(reached: number, bound: number, eta: number): number {
  const top = Math.floor(reached / eta);
  return reached > 0 && reached >= bound ? Math.max(1, top) : top;
}

/** Runs of `group` that reached `epochs`, best first: by error at that epoch, then by run id. */
export function standings(group: readonly TrackedRun[], epochs: number): TrackedRun[] {
  return group
    .filter((r) => r.errors.length >= epochs)
    .sort((a, b) => a.errors[epochs - 1]! - b.errors[epochs - 1]! || a.id - b.id);
}

/** Whether `run` waits at the rung at `epochs`: paused there and not promoted past it. */
export function waitsAt(run: TrackedRun, epochs: number): boolean {
  return run.phase === 'paused' && run.errors.length === epochs && run.budget === epochs;
}

/**
 * Upper bound on the runs of `group` that will ever have reached `epochs`: those that have, and those below it that
 * may still get there (pending, training, or paused lower and not ruled out). A paused run ranked below
 * admits(bound, bound, eta) can never be admitted, since later arrivals can only push its rank down.
 */
export function reachable(group: readonly TrackedRun[], epochs: number): number {
  let n = 0;
  for (const r of group) {
    if (r.errors.length >= epochs) n += 1;
    else if (r.phase === 'pending' || r.phase === 'running' || r.phase === 'paused') n += 1;
  }
  return n;
}

/**
 * The run Algorithm 2 of Li et al. (2020) would promote next in `group`: scanning its pausing rungs `rungs` (epochs,
 * ascending) from the top down, the best-ranked run that waits at a rung and is among those the rung admits. Null
 * when no run can go on now.
 */
export function promotionChoice(group: readonly TrackedRun[], rungs: readonly number[], eta: number): (Standing & { rung: number }) | null {
  for (let k = rungs.length - 1; k >= 0; k--) {
    const epochs = rungs[k]!;
    const order = standings(group, epochs);
    const admitted = admits(order.length, reachable(group, epochs), eta);
    for (let i = 0; i < admitted; i++) {
      if (waitsAt(order[i]!, epochs)) return { run: order[i]!, rank: i + 1, reached: order.length, admitted, rung: k };
    }
  }
  return null;
}

/** A paused run that can never be promoted, with the numbers that show it. */
export interface OutOfReach extends Standing {
  rung: number;
  /** reachable() at the rung when it was ruled out. */
  bound: number;
}

/**
 * Marks stopped every run of `group` that waits at a rung and can never be promoted from it (rank above
 * admits(reachable, reachable, eta)), rungs from the bottom up so that runs ruled out low no longer count as reaching
 * higher rungs. Returns them in the order they were ruled out.
 */
export function ruleOut(group: readonly TrackedRun[], rungs: readonly number[], eta: number): OutOfReach[] {
  const out: OutOfReach[] = [];
  rungs.forEach((epochs, k) => {
    const bound = reachable(group, epochs);
    const limit = admits(bound, bound, eta);
    const order = standings(group, epochs);
    const admitted = admits(order.length, bound, eta);
    order.forEach((run, i) => {
      if (i + 1 > limit && waitsAt(run, epochs)) {
        run.phase = 'stopped';
        out.push({ run, rank: i + 1, reached: order.length, admitted, rung: k, bound });
      }
    });
  });
  return out;
}
