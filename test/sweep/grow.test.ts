// Growing a real sweep: more models per space, then more epochs, training only the new work and keeping every finished
// epoch byte for byte; a change of what a run means is refused with the reason. Real threads, a real SQLite file.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { classifyChange } from '../../src/sweep/grow.ts';
import { parseSweepSpec, sweepIdentity, type SweepSpec } from '../../src/sweep/spec.ts';
import { runSweep } from '../../src/sweep/sweep.ts';

/** Two one-stage spaces of eight possible configs each (widths 8..64), a second or two per run. */
function spec(n: number, epochs: number, extra: Record<string, unknown> = {}): SweepSpec {
  const space = (name: string, depth: number) => ({
    kind: 'AnyNetX_A',
    name,
    stages: 1,
    stemWidth: 8,
    depth,
    width: { dist: 'choice', values: [8, 16, 24, 32, 40, 48, 56, 64] },
    bottleneckRatio: 1,
    groupWidth: 8,
  });
  return parseSweepSpec(
    {
      name: 'grow',
      seed: 7,
      spaces: [{ space: space('one', 1), n }, { space: space('two', 2), n }],
      train: { epochs, batchSize: 64, lr: 0.1, trainSize: 256, valSize: 128, backend: 'wasm' },
      workers: 2,
      ...extra,
    },
    'grow.yaml',
  );
}

interface EpochRow {
  config_key: string;
  epoch: number;
  train_loss: number;
  val_loss: number;
  val_accuracy: number;
  seconds: number;
  recorded_at: string;
}

/** Every stored epoch, by config key and epoch, exactly as SQLite holds it. */
function epochRows(db: string): Map<string, EpochRow> {
  const raw = new Database(db, { readonly: true });
  try {
    const rows = raw
      .prepare('SELECT r.config_key, e.epoch, e.train_loss, e.val_loss, e.val_accuracy, e.seconds, e.recorded_at FROM epochs e JOIN runs r ON r.id = e.run_id')
      .all() as EpochRow[];
    return new Map(rows.map((r) => [`${r.config_key}@${r.epoch}`, r]));
  } finally {
    raw.close();
  }
}

describe('sweep/grow', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'netspace-grow-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('classifies changes: more runs, new spaces, wider bands and more epochs grow; the rest changes what a run means', () => {
    const base = sweepIdentity(spec(3, 1));
    assert.deepEqual(classifyChange(base, sweepIdentity(spec(3, 1))), { kind: 'same' });
    const more = classifyChange(base, sweepIdentity(spec(5, 2)));
    assert.deepEqual(more, { kind: 'grow', additions: ['train.epochs 1 -> 2 (finished runs continue from their last epoch)', 'one: n 3 -> 5', 'two: n 3 -> 5'], epochs: 2 });
    const wider = classifyChange(sweepIdentity(spec(3, 1, { complexity: { flops: [1000, 1e6] } })), sweepIdentity(spec(3, 1, { complexity: { flops: [null, 2e6] } })));
    assert.equal(wider.kind, 'grow');
    const changed = classifyChange(base, sweepIdentity({ ...spec(3, 1), train: { ...spec(3, 1).train, lr: 0.2 }, seed: 8 }));
    assert.deepEqual(changed, { kind: 'changed', reasons: ['seed: 7 -> 8', 'train.lr: 0.1 -> 0.2'] });
    assert.deepEqual(classifyChange(base, sweepIdentity(spec(2, 1))), { kind: 'changed', reasons: ['spaces "one": n 3 -> 2 (a sweep never loses runs)', 'spaces "two": n 3 -> 2 (a sweep never loses runs)'] });
    assert.equal(classifyChange(sweepIdentity(spec(3, 2)), sweepIdentity(spec(3, 1))).kind, 'changed', 'fewer epochs');
  });

  it('grows n 3 -> 5 per space, then epochs 1 -> 2, training only the new work and keeping finished epochs as they were', async () => {
    const db = join(dir, 'grow.db');
    const first = await runSweep(spec(3, 1), { db, download: false });
    assert.deepEqual([first.trained, first.counts.done], [6, 6]);
    const afterFirst = epochRows(db);

    const wider = await runSweep(spec(5, 1), { db, download: false });
    assert.deepEqual(wider.grown, { additions: ['one: n 3 -> 5', 'two: n 3 -> 5'], reopened: 0 });
    assert.deepEqual([wider.added, wider.trained, wider.counts.done], [4, 4, 10]);
    const afterWider = epochRows(db);
    for (const [key, row] of afterFirst) assert.deepEqual(afterWider.get(key), row, `${key} was kept byte for byte`);

    const longer = await runSweep(spec(5, 2), { db, download: false });
    assert.deepEqual(longer.grown, { additions: ['train.epochs 1 -> 2 (finished runs continue from their last epoch)'], reopened: 10 });
    assert.deepEqual([longer.added, longer.trained, longer.counts.done], [0, 10, 10]);
    const afterLonger = epochRows(db);
    assert.equal(afterLonger.size, 20);
    for (const [key, row] of afterWider) assert.deepEqual(afterLonger.get(key), row, `${key} was kept byte for byte`);

    // A continued run is the run trained to 2 epochs from the start: the same seeds, the same order, the same state.
    const direct = join(dir, 'direct.db');
    await runSweep(spec(5, 2), { db: direct, download: false });
    const straight = epochRows(direct);
    for (const [key, row] of afterLonger) {
      const other = straight.get(key)!;
      assert.deepEqual([row.train_loss, row.val_loss, row.val_accuracy], [other.train_loss, other.val_loss, other.val_accuracy], key);
    }
    const again = await runSweep(spec(5, 2), { db, download: false });
    assert.deepEqual([again.grown, again.trained], [null, 0]);
  });

  it('refuses a change of what a run means, naming it, and trains nothing', async () => {
    const db = join(dir, 'grow.db');
    const changed = { ...spec(5, 2), train: { ...spec(5, 2).train, lr: 0.2 } };
    await assert.rejects(runSweep(changed, { db, download: false }), {
      name: 'NetspaceError',
      message: new RegExp(`sweep "grow" in ${db} was started from a different spec \\(train\\.lr: 0\\.1 -> 0\\.2\\); run it with the spec it had to resume it, or pass --force to start a new sweep "grow-2"`),
    });
  });
});
