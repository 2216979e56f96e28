// Tests of src/sweep/fidelity-schedule.ts and src/sweep/asha.ts: ASHA's promotion rule on hand-worked sweeps, the
// fidelity check's subset, and resumed schedules that make the decisions the first one would have made.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EpochDecision, RunRecord, TrainResult } from '../../src/core/types.ts';
import type { AshaFidelity, CheckFidelity, FidelitySpec } from '../../src/sweep/fidelity-spec.ts';
import {
  checkSubset,
  fidelityScheduler,
  FidelitySchedule,
  type ScheduleDecision,
  type ScheduleRun,
} from '../../src/sweep/fidelity-schedule.ts';

/** A stored run as the schedule reads it. */
interface StoredRun {
  id: number;
  space: string;
  configKey: string;
  status: string;
  epochs: { epoch: number; valAccuracy: number }[];
}

function stored(id: number, space = 'S'): StoredRun {
  return { id, space, configKey: `${space}:k${id}`, status: 'pending', epochs: [] };
}

const ETA2: AshaFidelity = { kind: 'asha', minEpochs: 1, maxEpochs: 4, reductionFactor: 2, brackets: 1 };

/** The decision fields a hand-worked example states: kind, run, rung, target and the ranks behind it. */
function brief(d: ScheduleDecision): string {
  const ranks = d.rank === null ? '' : ` rank ${d.rank}/${d.reached} admit ${d.admitted} reach ${d.reachable}`;
  return `${d.kind} #${d.runId} rung ${d.rung} @${d.epoch} -> ${d.target}${ranks}`;
}

describe('sweep/fidelity-schedule: ASHA by hand', () => {
  it('pauses, continues, promotes out of order and stops as worked out on paper (eta 2, rungs at 1 and 2 epochs, 4 runs)', () => {
    const s = new FidelitySchedule(ETA2, [1, 2, 3, 4].map((id) => stored(id)));
    assert.deepEqual(s.recovered, []);
    const step = (id: number, epoch: number, error: number, expected: EpochDecision, log: string[]): void => {
      const verdict = s.afterEpoch(id, epoch, error);
      assert.equal(verdict.decision, expected, `run ${id} epoch ${epoch}`);
      assert.deepEqual(verdict.log.map(brief), log, `run ${id} epoch ${epoch}`);
    };
    assert.deepEqual(s.next(), { pick: 1, log: [] });
    // Run 1 alone at rung 0: floor(1/2) = 0 admitted, but 4 may still come (rank 1 <= floor(4/2)): it waits.
    step(1, 1, 0.5, 'pause', ['pause #1 rung 0 @1 -> 1 rank 1/1 admit 0 reach 4']);
    assert.deepEqual(s.ended(1, 'paused'), []);
    // Nobody is admitted yet, so a fresh run starts.
    assert.deepEqual(s.next(), { pick: 2, log: [] });
    // Run 2 is better: floor(2/2) = 1 admitted, run 2 is it, and goes on without pausing.
    step(2, 1, 0.3, 'continue', ['continue #2 rung 0 @1 -> 2 rank 1/2 admit 1 reach 4']);
    // At rung 1 (2 epochs) run 2 is the only one: it waits for company.
    step(2, 2, 0.25, 'pause', ['pause #2 rung 1 @2 -> 2 rank 1/1 admit 0 reach 4']);
    s.ended(2, 'paused');
    assert.deepEqual(s.next(), { pick: 3, log: [] });
    // Run 3 is second of 3 at rung 0 (admit 1: run 2, already promoted): it waits. Run 1 is now third, and with 4
    // runs at most ever at rung 0, only 2 will be admitted: run 1 is out of reach and stopped.
    step(3, 1, 0.4, 'pause', ['pause #3 rung 0 @1 -> 1 rank 2/3 admit 1 reach 4', 'stop #1 rung 0 @1 -> 1 rank 3/3 admit 1 reach 4']);
    s.ended(3, 'paused');
    assert.deepEqual(s.next(), { pick: 4, log: [] });
    // Run 4 is last of 4: stopped at once.
    step(4, 1, 0.6, 'stop', ['stop #4 rung 0 @1 -> 1 rank 4/4 admit 2 reach 4']);
    s.ended(4, 'stopped');
    // Run 4's arrival admitted a second run at rung 0: run 3, which arrived before it, is promoted now.
    assert.deepEqual(
      (() => {
        const { pick, log } = s.next();
        return { pick, log: log.map(brief) };
      })(),
      { pick: 3, log: ['promote #3 rung 0 @1 -> 2 rank 2/4 admit 2 reach 4'] },
    );
    // At rung 1 run 3 beats run 2; only runs 2 and 3 can ever reach it (1 and 4 stopped), so 1 is admitted: run 3
    // goes on to the top and run 2, paused, can never be promoted.
    step(3, 2, 0.2, 'continue', ['continue #3 rung 1 @2 -> 4 rank 1/2 admit 1 reach 2', 'stop #2 rung 1 @2 -> 2 rank 2/2 admit 1 reach 2']);
    step(3, 3, 0.18, 'continue', []);
    step(3, 4, 0.15, 'continue', []);
    assert.deepEqual(s.ended(3, 'done'), []);
    assert.deepEqual(s.next(), { pick: null, log: [] });
    assert.deepEqual(
      s.runs().map((r) => [r.id, r.phase, r.errors.length]),
      [
        [1, 'stopped', 1],
        [2, 'stopped', 2],
        [3, 'done', 4],
        [4, 'stopped', 1],
      ],
    );
  });

  it('tells a free worker to wait while a rung may still fill, and promotes the best of a rung no more runs can reach', () => {
    const s = new FidelitySchedule(ETA2, [1, 2, 3].map((id) => stored(id)));
    assert.equal(s.next().pick, 1);
    assert.equal(s.next().pick, 2);
    assert.equal(s.next().pick, 3);
    // All three are training: a fourth worker has nothing to do until one of them reaches a rung.
    assert.deepEqual(s.next(), { pick: 'wait', log: [] });
    assert.equal(s.afterEpoch(2, 1, 0.5).decision, 'pause');
    s.ended(2, 'paused');
    assert.deepEqual(s.next(), { pick: 'wait', log: [] });
    // Run 3 beats run 2: with 2 at rung 0 one is admitted, run 3, which goes on. With 3 runs at most at rung 0 only
    // one will ever be admitted, so run 2 is out of reach.
    assert.deepEqual(s.afterEpoch(3, 1, 0.1).log.map(brief), ['continue #3 rung 0 @1 -> 2 rank 1/2 admit 1 reach 3', 'stop #2 rung 0 @1 -> 1 rank 2/2 admit 1 reach 3']);
    // Alone at rung 1 while run 1 may still come: it waits.
    assert.equal(s.afterEpoch(3, 2, 0.1).decision, 'pause');
    s.ended(3, 'paused');
    // Run 1 arrives last and worst at rung 0: stopped. Now nobody else can reach rung 1, where run 3 waits alone:
    // floor(1/2) = 0, but the best of a complete rung is admitted, so run 3 is promoted to the top.
    assert.deepEqual(s.afterEpoch(1, 1, 0.9).log.map(brief), ['stop #1 rung 0 @1 -> 1 rank 3/3 admit 1 reach 3']);
    s.ended(1, 'stopped');
    assert.deepEqual(s.next().log.map(brief), ['promote #3 rung 1 @2 -> 4 rank 1/1 admit 1 reach 1']);
    s.afterEpoch(3, 3, 0.08);
    s.afterEpoch(3, 4, 0.07);
    s.ended(3, 'done');
    assert.deepEqual(s.next(), { pick: null, log: [] });
  });

  it('promotes from the highest rung first, across spaces', () => {
    // Space A has a run waiting (admitted) at rung 1, space B one at rung 0: A's goes first.
    const runs: StoredRun[] = [
      { ...stored(1, 'A'), status: 'paused', epochs: [{ epoch: 1, valAccuracy: 0.9 }, { epoch: 2, valAccuracy: 0.9 }] },
      { ...stored(2, 'A'), status: 'stopped', epochs: [{ epoch: 1, valAccuracy: 0.5 }] },
      { ...stored(3, 'B'), status: 'paused', epochs: [{ epoch: 1, valAccuracy: 0.9 }] },
      { ...stored(4, 'B'), status: 'stopped', epochs: [{ epoch: 1, valAccuracy: 0.5 }] },
    ];
    const at = (runId: number, space: string, epoch: number, rung: number): ScheduleDecision => ({
      kind: 'pause', reason: 'waiting', runId, space, bracket: 0, rung, epoch, error: 0.1, target: epoch, rank: 1, reached: 1, admitted: 0, reachable: 2,
    });
    const promoted: ScheduleDecision = { ...at(1, 'A', 1, 0), kind: 'continue', reason: 'top', target: 2 };
    const s = new FidelitySchedule(ETA2, runs, [promoted, at(1, 'A', 2, 1), at(3, 'B', 1, 0)]);
    assert.deepEqual(s.recovered, []);
    assert.deepEqual([s.next(), s.next()].map((n) => n.log.map(brief)), [
      ['promote #1 rung 1 @2 -> 4 rank 1/1 admit 1 reach 1'],
      ['promote #3 rung 0 @1 -> 2 rank 1/2 admit 1 reach 2'],
    ]);
  });

  it('keeps design spaces apart: each space promotes its own top 1/eta however much better another space is', () => {
    const runs = [1, 2, 3, 4].flatMap((i) => [stored(2 * i - 1, 'A'), stored(2 * i, 'B')]);
    const log = drive(new FidelitySchedule(ETA2, runs), { workers: 2, error: (id, epoch) => (id % 2 === 1 ? 0.9 : 0.1) - id * 0.001 - epoch * 0.01 });
    for (const d of log.decisions) assert.ok(d.reached === null || d.reached <= 4, `${brief(d)} counts only its own space`);
    // Space B's errors are all far below space A's, in the same order within the space: each space's decisions
    // follow from its own runs alone, so both spaces see the same ranks and make the same decisions.
    const pattern = (space: string): string[] =>
      log.decisions.filter((d) => d.space === space).map((d) => `${d.kind} rung ${d.rung} rank ${d.rank}/${d.reached} admit ${d.admitted}`);
    assert.ok(pattern('A').length > 0);
    assert.deepEqual(pattern('B'), pattern('A'));
    const done = (space: string): number => log.final.filter((r) => r.space === space && r.phase === 'done').length;
    assert.ok(done('A') >= 1);
    assert.equal(done('B'), done('A'));
  });

  it('deals runs to brackets in turn; a later bracket starts at a higher rung', () => {
    const spec: AshaFidelity = { kind: 'asha', minEpochs: 1, maxEpochs: 8, reductionFactor: 2, brackets: 2 };
    const s = new FidelitySchedule(spec, [1, 2, 3, 4].map((id) => stored(id)));
    assert.deepEqual(s.runs().map((r) => [r.id, r.bracket, r.budget]), [
      [1, 0, 1],
      [2, 1, 2],
      [3, 0, 1],
      [4, 1, 2],
    ]);
    assert.equal(s.next().pick, 1);
    assert.equal(s.next().pick, 2);
    // Run 2 (bracket 1) trains through epoch 1 without being judged, and is judged at 2 among bracket 1 only.
    assert.deepEqual(s.afterEpoch(2, 1, 0.5), { decision: 'continue', log: [] });
    const verdict = s.afterEpoch(2, 2, 0.5);
    assert.equal(verdict.decision, 'pause');
    assert.equal(verdict.log[0]!.reached, 1);
    assert.equal(verdict.log[0]!.reachable, 2);
  });
});

describe('sweep/fidelity-schedule: the fidelity check', () => {
  const check = (subset: CheckFidelity['subset'], seed = 3): CheckFidelity => ({ kind: 'check', low: 2, full: 5, subset, seed });

  it('draws a seeded subset per space from the config keys alone, ceil(fraction * n) or the number asked', () => {
    const runs = Array.from({ length: 10 }, (_, i) => stored(i + 1, i % 2 === 0 ? 'A' : 'B'));
    const a = checkSubset(check({ kind: 'fraction', fraction: 0.3 }), runs);
    // ceil(0.3 * 5) = 2 of each space's 5.
    assert.equal([...a].filter((id) => id % 2 === 1).length, 2);
    assert.equal([...a].filter((id) => id % 2 === 0).length, 2);
    assert.deepEqual(checkSubset(check({ kind: 'fraction', fraction: 0.3 }), [...runs].reverse()), a, 'the order runs are listed in does not matter');
    assert.equal(checkSubset(check({ kind: 'count', count: 4 }), runs).size, 8);
    assert.equal(checkSubset(check({ kind: 'count', count: 99 }), runs).size, 10);
    assert.equal(checkSubset(check({ kind: 'fraction', fraction: 1 }), runs).size, 10);
    const seeds = new Set(Array.from({ length: 8 }, (_, seed) => [...checkSubset(check({ kind: 'count', count: 2 }, seed), runs)].sort().join(',')));
    assert.ok(seeds.size > 1, 'another seed draws another subset');
  });

  it('trains every run to low, continues the subset to full and stops the rest at low', () => {
    const runs = Array.from({ length: 6 }, (_, i) => stored(i + 1));
    const spec = check({ kind: 'count', count: 2 });
    const subset = checkSubset(spec, runs);
    const log = drive(new FidelitySchedule(spec, runs), { workers: 2, error: (id, epoch) => 0.5 - id * 0.01 - epoch * 0.02 });
    assert.deepEqual(
      log.final.map((r) => [r.id, r.phase, r.errors.length]),
      runs.map((r) => [r.id, subset.has(r.id) ? 'done' : 'stopped', subset.has(r.id) ? 5 : 2]),
    );
    assert.deepEqual(
      log.decisions.map((d) => [d.runId, d.kind, d.reason, d.epoch, d.target]).sort((x, y) => (x[0] as number) - (y[0] as number)),
      runs.map((r) => (subset.has(r.id) ? [r.id, 'continue', 'in-subset', 2, 5] : [r.id, 'stop', 'outside-subset', 2, 2])),
    );
    assert.equal(log.epochs, 4 * 2 + 2 * 5);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// A deterministic simulated sweep: `workers` slots, each epoch of run i taking a time that depends on i, so that
// runs reach their rungs in another order than they started. Epochs and decisions go to a store as the sweep
// loop would write them; the store can be cut at any event, as kill -9 would.

interface SimStore {
  runs: Map<number, StoredRun>;
  decisions: ScheduleDecision[];
}

interface DriveOptions {
  workers: number;
  /** Validation error of run `id` after `epoch`. */
  error: (id: number, epoch: number) => number;
  /** Time units an epoch of run `id` takes. Default 1 + (id * 7) % 5. */
  duration?: (id: number) => number;
  /** Stop after this many epochs (a kill), leaving runs in flight. */
  killAfter?: number;
  /** With killAfter: the decisions of the last epoch never reach the store (killed between the two writes). */
  loseLastDecisions?: boolean;
  store?: SimStore;
}

interface DriveLog {
  /** Every decision and every next() answer, in order, as the schedule made them. */
  trace: string[];
  decisions: ScheduleDecision[];
  final: ReturnType<FidelitySchedule['runs']>;
  /** Epochs trained in this drive. */
  epochs: number;
  inFlight: number[];
  store: SimStore;
}

function emptyStore(runs: readonly ScheduleRun[]): SimStore {
  return { runs: new Map(runs.map((r) => [r.id, { ...r, epochs: [...r.epochs] } as StoredRun])), decisions: [] };
}

function drive(schedule: FidelitySchedule, options: DriveOptions): DriveLog {
  const duration = options.duration ?? ((id: number) => 1 + ((id * 7) % 5));
  const store = options.store ?? emptyStore(schedule.runs().map((r) => ({ id: r.id, space: r.space, configKey: `k${r.id}`, status: 'pending', epochs: [] })));
  const log: DriveLog = { trace: [], decisions: [], final: [], epochs: 0, inFlight: [], store };
  const keep = (decisions: ScheduleDecision[], toStore = true): void => {
    log.decisions.push(...decisions);
    log.trace.push(...decisions.map(brief));
    if (!toStore) return;
    store.decisions.push(...decisions);
    for (const d of decisions) {
      const run = store.runs.get(d.runId)!;
      if (d.kind === 'stop' && run.status !== 'running') run.status = 'stopped';
    }
  };
  // Slots: the run each trains and the time its next epoch ends.
  const slots: ({ id: number; at: number } | null)[] = Array.from({ length: options.workers }, () => null);
  let now = 0;
  const end = (i: number, id: number, status: TrainResult['status']): void => {
    slots[i] = null;
    store.runs.get(id)!.status = status;
    keep(schedule.ended(id, status));
  };
  const fill = (): void => {
    for (let i = 0; i < slots.length; i++) {
      if (slots[i] !== null) continue;
      const { pick, log: decided } = schedule.next();
      keep(decided);
      log.trace.push(`next ${String(pick)}`);
      if (typeof pick !== 'number') return;
      store.runs.get(pick)!.status = 'running';
      slots[i] = { id: pick, at: now + duration(pick) };
      // Killed after its last epoch but before it was marked done: the trainer has nothing left to train.
      if (store.runs.get(pick)!.epochs.length >= schedule.top) {
        end(i, pick, 'done');
        i -= 1;
      }
    }
  };
  fill();
  for (;;) {
    const busy = slots.flatMap((s, i) => (s === null ? [] : [{ ...s, i }]));
    if (busy.length === 0) break;
    // The slot whose epoch ends first; ties to the lower slot.
    const next = busy.reduce((a, b) => (b.at < a.at ? b : a));
    now = next.at;
    const run = store.runs.get(next.id)!;
    const epoch = run.epochs.length + 1;
    const valAccuracy = 1 - options.error(next.id, epoch);
    // What the sweep passes on: the error as 1 - the stored accuracy, exactly what a restart reads back.
    const error = 1 - valAccuracy;
    run.epochs.push({ epoch, valAccuracy });
    log.epochs += 1;
    const killed = options.killAfter !== undefined && log.epochs >= options.killAfter;
    const verdict = schedule.afterEpoch(next.id, epoch, error);
    keep(verdict.log, !(killed && options.loseLastDecisions));
    if (killed) {
      log.inFlight = busy.map((s) => s.id);
      break;
    }
    if (verdict.decision === 'pause') end(next.i, next.id, 'paused');
    else if (verdict.decision === 'stop') end(next.i, next.id, 'stopped');
    else if (epoch >= schedule.top) end(next.i, next.id, 'done');
    else slots[next.i] = { id: next.id, at: now + duration(next.id) };
    fill();
  }
  log.final = schedule.runs();
  return log;
}

/** What the store holds after kill -9 and the restart's resetRunning: running runs pending again. */
function afterRestart(store: SimStore): { runs: StoredRun[]; decisions: ScheduleDecision[] } {
  const runs = [...store.runs.values()].map((r) => ({ ...r, epochs: [...r.epochs], status: r.status === 'running' ? 'pending' : r.status }));
  return { runs, decisions: structuredClone(store.decisions) };
}

describe('sweep/fidelity-schedule: resumed sweeps', () => {
  const spaces = (n: number): StoredRun[] => Array.from({ length: n }, (_, i) => stored(i + 1, ['A', 'B', 'C'][i % 3]!));
  // Errors that cross: a run's rank at 1 epoch is not its rank at 4.
  const error = (id: number, epoch: number): number => 0.2 + ((id * 37) % 11) / 40 + (((id * 13) % 7) - 3) * 0.01 * epoch;
  const specs: [string, FidelitySpec][] = [
    ['asha eta 2', ETA2],
    ['asha eta 3, two brackets', { kind: 'asha', minEpochs: 1, maxEpochs: 9, reductionFactor: 3, brackets: 2 }],
    ['check', { kind: 'check', low: 1, full: 3, subset: { kind: 'fraction', fraction: 0.4 }, seed: 11 }],
  ];

  for (const [name, spec] of specs) {
    it(`${name}: killed after any epoch, the restored schedule stands where the first stood and decides as it would`, () => {
      const runs = spaces(15);
      const whole = drive(new FidelitySchedule(spec, runs), { workers: 3, error });
      assert.ok(whole.final.every((r) => r.phase === 'done' || r.phase === 'stopped'), 'the sweep ends with every run done or stopped');
      for (let kill = 1; kill < whole.epochs; kill++) {
        for (const lose of [false, true]) {
          const first = new FidelitySchedule(spec, runs);
          const cut = drive(first, { workers: 3, error, killAfter: kill, loseLastDecisions: lose, store: emptyStore(runs) });
          // The first schedule as a clean stop would leave it: runs in flight back to pending.
          for (const id of cut.inFlight) first.ended(id, null);
          const restart = afterRestart(cut.store);
          const resumed = new FidelitySchedule(spec, restart.runs, restart.decisions);
          const lost = lose ? cut.decisions.filter((d) => !cut.store.decisions.includes(d)) : [];
          assert.deepEqual(resumed.recovered, lost, `kill after ${kill} epochs${lose ? ', last decisions lost' : ''}: recovery re-makes exactly the lost decisions`);
          assert.deepEqual(resumed.runs(), first.runs(), `kill after ${kill}: same state`);
          // From here both get the same events; every decision and answer must be the same.
          const goOn = (s: FidelitySchedule): DriveLog => {
            const store = afterRestart(cut.store);
            return drive(s, { workers: 3, error, store: { runs: new Map(store.runs.map((r) => [r.id, r])), decisions: [] } });
          };
          const a = goOn(first);
          const b = goOn(resumed);
          assert.deepEqual(b.trace, a.trace, `kill after ${kill}: the same decisions after the restart`);
          assert.deepEqual(b.final, a.final);
        }
      }
    });
  }

  it('replays stored promotions instead of re-deriving them: a run promoted early stays promoted though later runs outrank it', () => {
    // Run 1 was promoted when it led rung 0 among 2; runs 3 and 4 then beat it. Re-deriving promotions from the errors
    // alone would not promote it (rank 3 of 4, admit 2); the stored decision does.
    const runs: StoredRun[] = [
      { ...stored(1), status: 'pending', epochs: [{ epoch: 1, valAccuracy: 0.7 }] },
      { ...stored(2), status: 'stopped', epochs: [{ epoch: 1, valAccuracy: 0.5 }] },
      { ...stored(3), status: 'paused', epochs: [{ epoch: 1, valAccuracy: 0.9 }] },
      { ...stored(4), status: 'paused', epochs: [{ epoch: 1, valAccuracy: 0.8 }] },
    ];
    const promoted: ScheduleDecision = {
      kind: 'promote', reason: 'top', runId: 1, space: 'S', bracket: 0, rung: 0, epoch: 1, error: 0.3, target: 2,
      rank: 1, reached: 2, admitted: 1, reachable: 4,
    };
    const pause = (runId: number, error: number): ScheduleDecision => ({ ...promoted, kind: 'pause', reason: 'waiting', runId, error, target: 1 });
    const s = new FidelitySchedule(ETA2, runs, [promoted, pause(3, 0.1), pause(4, 0.2)]);
    assert.deepEqual(s.recovered, []);
    assert.deepEqual(s.runs().map((r) => [r.id, r.phase, r.budget]), [
      [1, 'pending', 2],
      [2, 'stopped', 1],
      [3, 'paused', 1],
      [4, 'paused', 1],
    ]);
    // Run 1 resumes first (it was cut short on its way to rung 1), then run 3 (rank 1 of 4, admit 2) is promoted.
    assert.equal(s.next().pick, 1);
    const next = s.next();
    assert.equal(next.pick, 3);
    assert.equal(next.log[0]!.kind, 'promote');
    assert.equal(next.log[0]!.rank, 1);
  });
});

describe('sweep/fidelity-schedule: fidelityScheduler', () => {
  function record(id: number, space: string, status: string, accuracies: number[]): RunRecord {
    return {
      ...stored(id, space),
      status,
      epochs: accuracies.map((a, i) => ({ epoch: i + 1, trainLoss: 1, valLoss: 1, valAccuracy: a, seconds: 1, imagesPerSecond: 1 })),
    } as unknown as RunRecord;
  }

  it('serves the sweep seam: runs out, epoch decisions back, every decision to the sink first, idle stops applied', () => {
    const runs = [record(1, 'S', 'pending', []), record(2, 'S', 'pending', []), record(3, 'S', 'pending', [])];
    const recorded: ScheduleDecision[][] = [];
    const stoppedIdle: number[] = [];
    const scheduler = fidelityScheduler(ETA2, runs, [], { record: (d) => recorded.push([...d]), stopIdle: (id) => stoppedIdle.push(id) });
    const epoch = (e: number, accuracy: number) => ({ epoch: e, trainLoss: 1, valLoss: 1, valAccuracy: accuracy, seconds: 1, imagesPerSecond: 1 });
    // The adapter reads only the status of a result.
    const result = (status: TrainResult['status']): TrainResult => ({ status }) as TrainResult;
    const first = scheduler.next();
    assert.equal(first, runs[0], 'the stored RunRecord itself');
    assert.equal(scheduler.afterEpoch(runs[0]!, epoch(1, 0.6)), 'pause');
    assert.deepEqual(recorded.map((d) => d.map((x) => `${x.kind} #${x.runId}`)), [['pause #1']]);
    scheduler.ended(runs[0]!, result('paused'));
    assert.equal(scheduler.next(), runs[1]);
    // Run 2 beats run 1 and goes on; run 1, second of at most 3 (one admitted), paused on no worker: stopped idle.
    assert.equal(scheduler.afterEpoch(runs[1]!, epoch(1, 0.7)), 'continue');
    assert.deepEqual(recorded.at(-1)!.map((d) => `${d.kind} #${d.runId}`), ['continue #2', 'stop #1']);
    assert.deepEqual(stoppedIdle, [1]);
    assert.equal(scheduler.next(), runs[2]);
    // Run 3, the worst, is stopped on its worker: the trainer ends it, no idle stop.
    assert.equal(scheduler.afterEpoch(runs[2]!, epoch(1, 0.1)), 'stop');
    assert.deepEqual(recorded.at(-1)!.map((d) => `${d.kind} #${d.runId}`), ['stop #3']);
    assert.deepEqual(stoppedIdle, [1]);
    scheduler.ended(runs[2]!, result('stopped'));
    assert.equal(scheduler.next(), 'wait', 'run 2 is still training');
  });

  it('on restart stores recovered decisions and stops runs whose stop was stored while they were in flight', () => {
    const runs = [record(1, 'S', 'pending', [0.6]), record(2, 'S', 'pending', [0.5])];
    const stop: ScheduleDecision = {
      kind: 'stop', reason: 'out-of-reach', runId: 2, space: 'S', bracket: 0, rung: 0, epoch: 1, error: 0.5, target: 1,
      rank: 2, reached: 2, admitted: 1, reachable: 2,
    };
    const recorded: ScheduleDecision[] = [];
    const stoppedIdle: number[] = [];
    fidelityScheduler(ETA2, runs, [stop], { record: (d) => recorded.push(...d), stopIdle: (id) => stoppedIdle.push(id) });
    // Run 1 reached rung 0 with no decision stored: judged now (best of 2, admitted) and told to go on.
    assert.deepEqual(recorded.map((d) => `${d.kind} #${d.runId} -> ${d.target}`), ['continue #1 -> 2']);
    assert.deepEqual(stoppedIdle, [2]);
  });
});
