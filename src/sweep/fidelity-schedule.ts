// Multi-fidelity schedules behind the sweep's scheduler seam: ASHA within each design space, or the fidelity check.
// Pure: runs and decisions in, decisions out as data, so that the store keeps them and a resumed sweep replays them.
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { purposeRng } from '../core/random.ts';
import type { EpochDecision, EpochRecord, RunRecord, TrainResult } from '../core/types.ts';
import { admits, promotionChoice, reachable, ruleOut, standings, type RunPhase, type Standing, type TrackedRun } from './asha.ts';
import { fidelityEpochs, rungEpochs, type AshaFidelity, type CheckFidelity, type FidelityKind, type FidelitySpec } from './fidelity-spec.ts';
import type { Scheduler } from './schedule.ts';

export type { RunPhase, TrackedRun } from './asha.ts';

/**
 * What a schedule decided about a run at a rung: go on without pausing (`continue`), wait there (`pause`), go on
 * from there later (`promote`, a paused run handed to a free worker), or end there for good (`stop`).
 */
export type DecisionKind = 'continue' | 'pause' | 'promote' | 'stop';

/**
 * Why: in the top 1/eta of its rung (`top`); not (yet) in it but could still be (`waiting`); can never be in it, as
 * `reachable` shows (`out-of-reach`); in the fidelity check's subset or not.
 */
export type DecisionReason = 'top' | 'waiting' | 'out-of-reach' | 'in-subset' | 'outside-subset';

/** One decision of a schedule, as the store keeps it (one row each, in the order made). */
export interface ScheduleDecision {
  kind: DecisionKind;
  reason: DecisionReason;
  runId: number;
  space: string;
  /** ASHA bracket of the run within its space; 0 for the fidelity check. */
  bracket: number;
  /** Index of the rung among its bracket's pausing rungs (0 = first); 0 (the low fidelity) for the check. */
  rung: number;
  /** Epochs the run had trained when decided: the rung's epochs. */
  epoch: number;
  /** Its validation error at that epoch, 0..1. */
  error: number;
  /** Epochs it may train to after the decision: the next rung's, or the top fidelity, for continue and promote; else `epoch`. */
  target: number;
  /** ASHA only (null for the check): the run's rank at the rung, 1 = lowest error (ties to the lower run id)... */
  rank: number | null;
  /** ...among this many runs of its space and bracket that had reached the rung... */
  reached: number | null;
  /** ...of which the rung admits this many (floor(reached / eta), at least 1 once no more can come: asha.ts admits)... */
  admitted: number | null;
  /** ...and at most this many can ever reach it (a stop: rank > admits(reachable, reachable, eta)). */
  reachable: number | null;
}

/** What a schedule needs of a stored run (RunRecord has it all; the status may also be paused or stopped). */
export interface ScheduleRun {
  id: number;
  space: string;
  configKey: string;
  status: string;
  epochs: readonly Pick<EpochRecord, 'epoch' | 'valAccuracy'>[];
}

/** The answer after an epoch: what the trainer does, and the decisions to store (the run's own first). */
export interface EpochVerdict {
  decision: EpochDecision;
  log: ScheduleDecision[];
}

/** The answer to a free worker: a run id to train (fresh, resumed or promoted), 'wait', or null (nothing left). */
export interface NextRun {
  pick: number | 'wait' | null;
  log: ScheduleDecision[];
}

/** What differs between schedules; the bookkeeping around it is FidelitySchedule's. */
interface Policy {
  /** Bracket of the run at `position` (0-based, in id order) among its space's runs. */
  bracketOf(position: number): number;
  /** Epochs a fresh run of `bracket` trains before it is first judged. */
  firstBudget(bracket: number): number;
  /** Judges `run`, which has just reached its budget: its decision first, then stops of other runs it caused. */
  judge(run: TrackedRun, group: TrackedRun[]): ScheduleDecision[];
  /** The paused run to hand to a free worker (phase and budget updated), or null. */
  promote(groups: readonly TrackedRun[][]): ScheduleDecision | null;
  /** Paused runs that can never go on, now stopped. */
  settle(groups: readonly TrackedRun[][]): ScheduleDecision[];
}

const EPOCH_DECISION: Record<DecisionKind, EpochDecision> = { continue: 'continue', promote: 'continue', pause: 'pause', stop: 'stop' };

/** A stored status that settles a run's phase by itself; the others (pending, running, paused) follow from the log. */
const FINAL_PHASE: Record<string, RunPhase | undefined> = { done: 'done', failed: 'failed', diverged: 'failed', stopped: 'stopped' };

/** The phase a run enters when its attempt ends with a status; null (released by Ctrl-C) puts a training run back. */
const ENDED_PHASE: Record<TrainResult['status'], RunPhase> = { done: 'done', paused: 'paused', stopped: 'stopped', failed: 'failed', diverged: 'failed' };

function decide(
  kind: DecisionKind,
  reason: DecisionReason,
  run: TrackedRun,
  rung: number,
  target: number,
  standing: Pick<Standing, 'rank' | 'reached' | 'admitted'> | null = null,
  bound: number | null = null,
): ScheduleDecision {
  const epoch = run.errors.length;
  return {
    kind,
    reason,
    runId: run.id,
    space: run.space,
    bracket: run.bracket,
    rung,
    epoch,
    error: run.errors[epoch - 1]!,
    target,
    rank: standing?.rank ?? null,
    reached: standing?.reached ?? null,
    admitted: standing?.admitted ?? null,
    reachable: bound,
  };
}

/** ASHA (Li et al. 2020, Algorithm 2) per (space, bracket); see AshaFidelity. */
function ashaPolicy(spec: AshaFidelity): Policy {
  const eta = spec.reductionFactor;
  const rungsOf = Array.from({ length: spec.brackets }, (_, b) => rungEpochs(spec, b));
  const after = (bracket: number, rung: number): number => rungsOf[bracket]![rung + 1] ?? spec.maxEpochs;
  const settle = (group: TrackedRun[]): ScheduleDecision[] =>
    group.length === 0
      ? []
      : ruleOut(group, rungsOf[group[0]!.bracket]!, eta).map((o) => decide('stop', 'out-of-reach', o.run, o.rung, o.run.errors.length, o, o.bound));
  return {
    bracketOf: (position) => position % spec.brackets,
    firstBudget: (bracket) => rungsOf[bracket]![0]!,
    judge(run, group) {
      const rungs = rungsOf[run.bracket]!;
      const epochs = run.errors.length;
      const k = rungs.indexOf(epochs);
      if (k < 0) throw new Error(`asha: run ${run.id} is judged at ${epochs} epochs, which is no rung of bracket ${run.bracket}`);
      run.phase = 'paused';
      const stops = settle(group);
      const own = stops.find((d) => d.runId === run.id);
      if (own !== undefined) return [own, ...stops.filter((d) => d !== own)];
      const order = standings(group, epochs);
      const bound = reachable(group, epochs);
      const standing = { rank: order.indexOf(run) + 1, reached: order.length, admitted: admits(order.length, bound, eta) };
      if (promotionChoice(group, rungs, eta)?.run !== run) return [decide('pause', 'waiting', run, k, epochs, standing, bound), ...stops];
      run.phase = 'running';
      run.budget = after(run.bracket, k);
      return [decide('continue', 'top', run, k, run.budget, standing, bound), ...stops];
    },
    promote(groups) {
      // Higher rungs first, as Algorithm 2 scans them; between spaces, the one listed first.
      let best: { choice: NonNullable<ReturnType<typeof promotionChoice>>; group: TrackedRun[] } | null = null;
      for (const group of groups) {
        const choice = promotionChoice(group, rungsOf[group[0]!.bracket]!, eta);
        if (choice !== null && (best === null || choice.run.errors.length > best.choice.run.errors.length)) best = { choice, group };
      }
      if (best === null) return null;
      const { run, rung } = best.choice;
      run.phase = 'running';
      run.budget = after(run.bracket, rung);
      return decide('promote', 'top', run, rung, run.budget, best.choice, reachable(best.group, run.errors.length));
    },
    settle: (groups) => groups.flatMap(settle),
  };
}

/**
 * The runs of each space that the check continues to full fidelity: per space, the runs sorted by config key and a
 * seeded partial Fisher-Yates draw of ceil(fraction * n) (or min(count, n)) of them, from the stream
 * `fidelity-check/<space>` of the check's seed. Depends on nothing but the keys and the seed.
 */
export function checkSubset(spec: CheckFidelity, runs: readonly Pick<ScheduleRun, 'id' | 'space' | 'configKey'>[]): Set<number> {
  const chosen = new Set<number>();
  const spaces = new Map<string, Pick<ScheduleRun, 'id' | 'configKey'>[]>();
  for (const run of runs) spaces.set(run.space, [...(spaces.get(run.space) ?? []), run]);
  for (const [space, members] of spaces) {
    const pool = [...members].sort((a, b) => (a.configKey < b.configKey ? -1 : a.configKey > b.configKey ? 1 : 0));
    const n = pool.length;
    const take = spec.subset.kind === 'fraction' ? Math.ceil(spec.subset.fraction * n - 1e-9) : Math.min(spec.subset.count, n);
    const rng = purposeRng(spec.seed, `fidelity-check/${space}`);
    for (let i = 0; i < take; i++) {
      const j = uniformInt(rng, i, n - 1);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      chosen.add(pool[i]!.id);
    }
  }
  return chosen;
}

/** The fidelity check; see CheckFidelity. */
function checkPolicy(spec: CheckFidelity, runs: readonly ScheduleRun[]): Policy {
  const subset = checkSubset(spec, runs);
  return {
    bracketOf: () => 0,
    firstBudget: () => spec.low,
    judge(run) {
      if (subset.has(run.id)) {
        run.phase = 'running';
        run.budget = spec.full;
        return [decide('continue', 'in-subset', run, 0, spec.full)];
      }
      run.phase = 'stopped';
      return [decide('stop', 'outside-subset', run, 0, spec.low)];
    },
    promote: () => null,
    settle: () => [],
  };
}

const POLICIES: { [K in FidelityKind]: (spec: Extract<FidelitySpec, { kind: K }>, runs: readonly ScheduleRun[]) => Policy } = {
  asha: (spec) => ashaPolicy(spec),
  check: checkPolicy,
};

/**
 * The state of a multi-fidelity sweep and the decisions that move it, on plain data: no store, no workers, no clock.
 * Built from the stored runs and the stored decisions, it stands where the sweep stood (a run killed mid-way is
 * pending again with the budget its last decision gave it), so that a resumed sweep makes the decisions the first
 * would have made. A run that reached its budget with no decision stored (killed between the two writes) is judged
 * at once; those decisions, and stops they cause, are in `recovered`.
 */
export class FidelitySchedule {
  readonly spec: FidelitySpec;
  /** Epochs of a fully trained run (maxEpochs, or the check's full). */
  readonly top: number;
  /** Decisions made while restoring, to be stored before anything else. */
  readonly recovered: ScheduleDecision[];
  readonly #policy: Policy;
  readonly #runs = new Map<number, TrackedRun>();
  /** (space, bracket) groups in order of their first run id; runs in id order. */
  readonly #groups: TrackedRun[][] = [];
  readonly #groupOf = new Map<number, TrackedRun[]>();

  constructor(spec: FidelitySpec, runs: readonly ScheduleRun[], decisions: readonly ScheduleDecision[] = []) {
    this.spec = spec;
    this.top = fidelityEpochs(spec);
    this.#policy = (POLICIES[spec.kind] as (s: FidelitySpec, r: readonly ScheduleRun[]) => Policy)(spec, runs);
    const last = new Map<number, ScheduleDecision>();
    const lastPromotion = new Map<number, ScheduleDecision>();
    for (const d of decisions) {
      last.set(d.runId, d);
      if (d.kind === 'continue' || d.kind === 'promote') lastPromotion.set(d.runId, d);
    }
    const positions = new Map<string, number>();
    const keys = new Map<string, TrackedRun[]>();
    for (const stored of [...runs].sort((a, b) => a.id - b.id)) {
      const position = positions.get(stored.space) ?? 0;
      positions.set(stored.space, position + 1);
      const run = this.#restore(stored, this.#policy.bracketOf(position), last.get(stored.id), lastPromotion.get(stored.id));
      this.#runs.set(run.id, run);
      const key = `${run.space}\u0000${run.bracket}`;
      let group = keys.get(key);
      if (group === undefined) {
        group = [];
        keys.set(key, group);
        this.#groups.push(group);
      }
      group.push(run);
      this.#groupOf.set(run.id, group);
    }
    this.recovered = [];
    for (const run of this.#runs.values()) {
      if (run.phase !== 'pending' || run.errors.length !== run.budget || run.budget >= this.top) continue;
      this.recovered.push(...this.#policy.judge(run, this.#group(run)));
      // Judged while on no worker: a run told to go on waits for one like any pending run.
      if ((run.phase as RunPhase) === 'running') run.phase = 'pending';
    }
    this.recovered.push(...this.#policy.settle(this.#groups));
  }

  /**
   * A stored run as it stands: errors from its epochs, budget from its last promotion, phase from its status and its
   * last decision.
   */
  #restore(stored: ScheduleRun, bracket: number, last: ScheduleDecision | undefined, promotion: ScheduleDecision | undefined): TrackedRun {
    const errors = [...stored.epochs].sort((a, b) => a.epoch - b.epoch).map((e) => 1 - e.valAccuracy);
    const budget = promotion?.target ?? this.#policy.firstBudget(bracket);
    let phase: RunPhase = FINAL_PHASE[stored.status] ?? 'pending';
    if (phase === 'pending' && last?.kind === 'stop') phase = 'stopped';
    else if (phase === 'pending' && last?.kind === 'pause' && last.epoch === errors.length) phase = 'paused';
    if (phase === 'pending' && errors.length > budget) {
      throw new Error(`fidelity schedule: run ${stored.id} has ${errors.length} epochs, past the ${budget} its decisions allow`);
    }
    return { id: stored.id, space: stored.space, bracket, errors, phase, budget };
  }

  #get(runId: number): TrackedRun {
    const run = this.#runs.get(runId);
    if (run === undefined) throw new Error(`fidelity schedule: run ${runId} is not one of the sweep's runs`);
    return run;
  }

  #group(run: TrackedRun): TrackedRun[] {
    return this.#groupOf.get(run.id)!;
  }

  /**
   * A free worker's next run: one cut short earlier (pending with epochs), else a promotion, else a fresh run in id
   * order (the planned interleaving of spaces); else 'wait' while runs are training, null when none is.
   */
  next(): NextRun {
    const pending = [...this.#runs.values()].filter((r) => r.phase === 'pending');
    const resumed = pending.find((r) => r.errors.length > 0);
    if (resumed !== undefined) return this.#hand(resumed, []);
    const promotion = this.#policy.promote(this.#groups);
    if (promotion !== null) return { pick: promotion.runId, log: [promotion] };
    if (pending.length > 0) return this.#hand(pending[0]!, []);
    const log = this.#policy.settle(this.#groups);
    const training = [...this.#runs.values()].some((r) => r.phase === 'running');
    return { pick: training ? 'wait' : null, log };
  }

  #hand(run: TrackedRun, log: ScheduleDecision[]): NextRun {
    run.phase = 'running';
    return { pick: run.id, log };
  }

  /**
   * After epoch `epoch` of run `runId` is stored with validation error `error` (0..1): go on between rungs and at the
   * top; at its budget, the schedule's judgement, with the decisions to store.
   */
  afterEpoch(runId: number, epoch: number, error: number): EpochVerdict {
    const run = this.#get(runId);
    if (epoch > run.errors.length + 1) throw new Error(`fidelity schedule: run ${runId} reports epoch ${epoch} after ${run.errors.length}`);
    run.errors.length = epoch - 1;
    run.errors.push(error);
    if (epoch >= this.top || epoch < run.budget) return { decision: 'continue', log: [] };
    if (epoch > run.budget) throw new Error(`fidelity schedule: run ${runId} trained to epoch ${epoch}, past its budget ${run.budget}`);
    const log = this.#policy.judge(run, this.#group(run));
    return { decision: EPOCH_DECISION[log[0]!.kind], log };
  }

  /**
   * Run `runId` ended an attempt with `status`, or went back to pending (null: Ctrl-C, a worker that did not start;
   * a run already paused or stopped by its decision stays so). Returns stops this causes (a failed run no longer
   * counts as reaching the rungs above it).
   */
  ended(runId: number, status: TrainResult['status'] | null): ScheduleDecision[] {
    const run = this.#get(runId);
    if (status !== null) run.phase = ENDED_PHASE[status];
    else if ((run.phase as RunPhase) === 'running') run.phase = 'pending';
    return this.#policy.settle(this.#groups);
  }

  /** Where run `runId` stands now. */
  phaseOf(runId: number): RunPhase {
    return this.#get(runId).phase;
  }

  /** Copies of the tracked runs, in id order. */
  runs(): TrackedRun[] {
    return [...this.#runs.values()].map((r) => ({ ...r, errors: [...r.errors] }));
  }
}

/** Where the sweep loop keeps what a fidelity schedule decides (the store, in practice). */
export interface ScheduleSink {
  /** Keep these decisions, in order (decisions after an epoch: right after the epoch, ideally in its transaction). */
  record(decisions: readonly ScheduleDecision[]): void;
  /**
   * A run on no worker (paused at a rung, or pending after a restart) is stopped for good: status `stopped`, its
   * epochs kept, final error that of its last epoch, checkpoint dropped.
   */
  stopIdle(runId: number): void;
}

/**
 * The scheduler seam (sweep/schedule.ts) served by a fidelity schedule: `runs` are every run of the sweep as stored
 * (each with `settings.epochs` = fidelityEpochs(spec)), `decisions` the schedule decisions stored so far, in order.
 * Every decision goes to `sink.record` before the answer it justifies is returned.
 */
export function fidelityScheduler(spec: FidelitySpec, runs: readonly RunRecord[], decisions: readonly ScheduleDecision[], sink: ScheduleSink): Scheduler {
  const schedule = new FidelitySchedule(spec, runs, decisions);
  const byId = new Map(runs.map((r) => [r.id, r]));
  const inFlight = new Set<number>();
  const keep = (log: readonly ScheduleDecision[]): void => {
    if (log.length === 0) return;
    sink.record(log);
    for (const d of log) if (d.kind === 'stop' && !inFlight.has(d.runId)) sink.stopIdle(d.runId);
  };
  keep(schedule.recovered);
  // A stop stored while its run was on a worker that then went away (Ctrl-C) left the run pending in the store.
  const stoppedNow = new Set(schedule.recovered.filter((d) => d.kind === 'stop').map((d) => d.runId));
  for (const run of runs) {
    if (schedule.phaseOf(run.id) === 'stopped' && FINAL_PHASE[run.status] === undefined && !stoppedNow.has(run.id)) sink.stopIdle(run.id);
  }
  return {
    next() {
      const { pick, log } = schedule.next();
      keep(log);
      if (typeof pick !== 'number') return pick;
      inFlight.add(pick);
      return byId.get(pick)!;
    },
    afterEpoch(run, epoch) {
      const { decision, log } = schedule.afterEpoch(run.id, epoch.epoch, 1 - epoch.valAccuracy);
      keep(log);
      return decision;
    },
    ended(run, result) {
      inFlight.delete(run.id);
      const log = schedule.ended(run.id, result?.status ?? null);
      if (result === null && schedule.phaseOf(run.id) === 'stopped') sink.stopIdle(run.id);
      keep(log);
    },
  };
}
