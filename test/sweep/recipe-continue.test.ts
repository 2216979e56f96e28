// Recipe runs that stop and go on inside a sweep: an ASHA run paused at a rung and promoted later, and a finished run
// grown to more epochs, continue from their stored checkpoint with the optimizer's buffers and the schedule where
// they stood; the schedule is over the run's full train.epochs (ASHA's maxEpochs), and a cosine run cannot grow.
// Real threads, real SQLite files.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { classifyChange } from '../../src/sweep/grow.ts';
import { parseSweepSpec, sweepIdentity, type SweepSpec } from '../../src/sweep/spec.ts';
import { runSweep } from '../../src/sweep/sweep.ts';

const MOMENTUM = {
  optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true },
  weightDecay: 5e-4,
  warmup: { epochs: 0.5 },
  labelSmoothing: 0.1,
  augmentation: { randomCrop: 2, horizontalFlip: true },
};
const COSINE = { ...MOMENTUM, schedule: 'cosine' };
const STEP = { ...MOMENTUM, schedule: { kind: 'step', every: 1, gamma: 0.5 } };

/** One one-stage space of eight possible configs (widths 8..64), n runs, a second or two each. */
function spec(n: number, epochs: number, recipe: object, extra: Record<string, unknown> = {}): SweepSpec {
  return parseSweepSpec(
    {
      name: 'recipe',
      seed: 11,
      spaces: [
        {
          space: { kind: 'AnyNetX_A', name: 'one', stages: 1, stemWidth: 8, depth: 1, width: { dist: 'choice', values: [8, 16, 24, 32, 40, 48, 56, 64] }, bottleneckRatio: 1, groupWidth: 8 },
          n,
        },
      ],
      train: { epochs, batchSize: 64, lr: 0.1, trainSize: 256, valSize: 128, backend: 'wasm', recipe },
      workers: 2,
      ...extra,
    },
    'recipe.yaml',
  );
}

interface Row {
  config_key: string;
  status: string;
  epoch: number;
  train_loss: number;
  val_loss: number;
  val_accuracy: number;
}

/** Every stored epoch's metrics as SQLite holds them, by config key, in epoch order. */
function runsOf(db: string): Map<string, { status: string; epochs: number[][] }> {
  const raw = new Database(db, { readonly: true });
  try {
    const rows = raw
      .prepare('SELECT r.config_key, r.status, e.epoch, e.train_loss, e.val_loss, e.val_accuracy FROM runs r JOIN epochs e ON e.run_id = r.id ORDER BY r.id, e.epoch')
      .all() as Row[];
    const runs = new Map<string, { status: string; epochs: number[][] }>();
    for (const r of rows) {
      const run = runs.get(r.config_key) ?? { status: r.status, epochs: [] };
      run.epochs.push([r.epoch, r.train_loss, r.val_loss, r.val_accuracy]);
      runs.set(r.config_key, run);
    }
    return runs;
  } finally {
    raw.close();
  }
}

describe('sweep: recipe runs that pause, continue and grow', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'netspace-recipe-sweep-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ASHA: a run paused at a rung and promoted later continues as the run trained straight to maxEpochs (cosine over maxEpochs)', async () => {
    const asha = join(dir, 'asha.db');
    const fidelity = { kind: 'asha', minEpochs: 1, maxEpochs: 3, reductionFactor: 2 };
    const scheduled = await runSweep(spec(6, 3, COSINE, { fidelity }), { db: asha, download: false });
    assert.equal(scheduled.counts.failed ?? 0, 0);
    const straight = join(dir, 'straight.db');
    await runSweep(spec(6, 3, COSINE), { db: straight, download: false });
    const reference = runsOf(straight);
    const runs = runsOf(asha);
    assert.equal(runs.size, 6);
    const lengths = [...runs.values()].map((r) => r.epochs.length).sort();
    assert.ok(lengths[0]! < 3 && lengths.at(-1) === 3, `some runs stopped early, some reached maxEpochs: ${lengths.join(',')}`);
    // Some run paused at a rung (its worker moved on) and was promoted later: continued in a new trainer from the store.
    const raw = new Database(asha, { readonly: true });
    const decided = raw.prepare('SELECT r.config_key AS key, d.decision FROM decisions d JOIN runs r ON r.id = d.run_id').all() as { key: string; decision: string }[];
    raw.close();
    const kinds = (kind: string) => new Set(decided.filter((d) => (JSON.parse(d.decision) as { kind: string }).kind === kind).map((d) => d.key));
    const resumed = [...kinds('pause')].filter((key) => kinds('promote').has(key) && runs.get(key)!.epochs.length === 3);
    assert.ok(resumed.length > 0, 'a paused run was promoted and trained on to maxEpochs');
    for (const [key, run] of runs) {
      const whole = reference.get(key)!;
      assert.equal(whole.epochs.length, 3);
      // Epoch k of a promoted run is epoch k of the uninterrupted run: weights, momentum buffers, step count, and a
      // learning rate on the 3-epoch cosine (a schedule over the rung's 1 epoch would differ from epoch 1 on).
      assert.deepEqual(run.epochs, whole.epochs.slice(0, run.epochs.length), `${key} (${run.status}, ${run.epochs.length} epochs)`);
    }
  });

  it('grows train.epochs 1 -> 2 under a step schedule, continuing each run with its optimizer state as if planned for 2', async () => {
    const db = join(dir, 'grow.db');
    await runSweep(spec(3, 1, STEP), { db, download: false });
    const longer = await runSweep(spec(3, 2, STEP), { db, download: false });
    assert.deepEqual(longer.grown, { additions: ['train.epochs 1 -> 2 (finished runs continue from their last epoch)'], reopened: 3 });
    const direct = join(dir, 'direct.db');
    await runSweep(spec(3, 2, STEP), { db: direct, download: false });
    const want = runsOf(direct);
    const got = runsOf(db);
    for (const [key, run] of got) assert.deepEqual(run.epochs, want.get(key)!.epochs, key);
  });

  it('refuses to grow train.epochs under a cosine schedule, which spans the run: it is another sweep', async () => {
    const change = classifyChange(sweepIdentity(spec(3, 1, COSINE)), sweepIdentity(spec(3, 2, COSINE)));
    assert.deepEqual(change, {
      kind: 'changed',
      reasons: ["train.epochs: 1 -> 2 (the recipe's cosine schedule spans the run, so a longer run is no shorter one continued)"],
    });
    assert.equal(classifyChange(sweepIdentity(spec(3, 1, STEP)), sweepIdentity(spec(3, 2, STEP))).kind, 'grow');
    const db = join(dir, 'cosine.db');
    await runSweep(spec(2, 1, COSINE), { db, download: false });
    await assert.rejects(runSweep(spec(2, 2, COSINE), { db, download: false }), { name: 'NetspaceError', message: /train\.epochs: 1 -> 2 \(the recipe's cosine schedule spans the run/ });
  });
});
