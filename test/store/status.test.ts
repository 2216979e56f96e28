// Tests of src/store/status.ts and src/store/export.ts on a real SQLite file written through the store.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportSweep, EXPORT_COLUMNS } from '../../src/store/export.ts';
import { formatStatus } from '../../src/cli/status.ts';
import { listSweeps, sweepStatus } from '../../src/store/status.ts';
import { openStore, type NewRun } from '../../src/store/store.ts';
import type { EpochRecord, TrainSettings } from '../../src/core/types.ts';

const settings: TrainSettings = { epochs: 2, resolution: 28, batchSize: 32, lr: 0.1, trainSize: 256, valSize: 128 };

function run(space: string, i: number, sampled: NewRun['sampled']): NewRun {
  return {
    space,
    configKey: `${space}:key,"${i}"`,
    config: { inputChannels: 1, stemWidth: 8, numClasses: 10, convBias: true, stages: [{ depth: 1, width: 8 * i, groupWidth: 8, bottleneckMultiplier: 1 }] },
    sampled,
    flops: 1000 * i,
    params: 100 * i,
    acts: 10 * i,
    seed: i,
    settings,
  };
}

const epoch = (n: number, accuracy: number, loss = 1): EpochRecord => ({ epoch: n, trainLoss: loss, valLoss: loss, valAccuracy: accuracy, seconds: 1, imagesPerSecond: 256 });

describe('store/status and store/export', () => {
  let dir: string;
  let db: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-status-'));
    db = join(dir, 's.db');
    const store = openStore(db);
    const { id } = store.openSweep('demo', { v: 1 });
    store.openSweep('other', { v: 2 });
    store.addRuns(id, [
      run('A', 1, { depths: [1, 2], g: 8 }),
      run('B', 2, { w0: 24, wa: 3.5 }),
      run('A', 3, { depths: [2, 2], g: 16 }),
      run('B', 4, { w0: 32, wa: 1.5 }),
      run('A', 5, {}),
    ]);
    const [r1, r2, r3, r4] = store.pendingRuns(id);
    const finish = (r: typeof r1, status: 'done' | 'failed' | 'diverged', epochs: EpochRecord[], finalError: number | null, errorText: string | null) => {
      store.markRunning(r!.id, 'wasm');
      for (const e of epochs) store.recordEpoch(r!.id, e, new Uint8Array(4));
      store.finishRun(r!.id, { status, epochs, finalError, errorText, failureKind: status === 'done' ? null : status === 'diverged' ? 'diverged' : 'internal', backend: 'wasm', seconds: 2.5 });
    };
    finish(r1, 'done', [epoch(1, 0.5), epoch(2, 0.7)], 0.30000000000000004, null);
    finish(r2, 'done', [epoch(1, 0.8), epoch(2, 0.75)], 0.25, null);
    finish(r3, 'diverged', [epoch(1, 0.1, Number.NaN)], null, 'training loss became NaN at epoch 1, batch 3');
    store.markRunning(r4!.id, 'wasm');
    store.recordEpoch(r4!.id, epoch(1, 0.4), new Uint8Array(4));
    store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('counts runs by status and by space, lists the best and the failures', () => {
    const s = sweepStatus(db, 'demo', { top: 1 });
    assert.deepEqual(
      { total: s.total, pending: s.pending, running: s.running, paused: s.paused, done: s.done, stopped: s.stopped, failed: s.failed, diverged: s.diverged },
      { total: 5, pending: 1, running: 1, paused: 0, done: 2, stopped: 0, failed: 0, diverged: 1 },
    );
    assert.deepEqual(s.bySpace, {
      A: { total: 3, pending: 1, running: 0, paused: 0, done: 1, stopped: 0, failed: 0, diverged: 1 },
      B: { total: 2, pending: 0, running: 1, paused: 0, done: 1, stopped: 0, failed: 0, diverged: 0 },
    });
    assert.deepEqual(s.best.map((r) => [r.space, r.finalError, r.epochs]), [['B', 0.25, 2]]);
    assert.deepEqual(s.failures.map((r) => [r.space, r.status, r.errorText]), [['A', 'diverged', 'training loss became NaN at epoch 1, batch 3']]);
    assert.equal(s.owner, null);
    const text = formatStatus(sweepStatus(db, 'demo'));
    assert.match(text, /^sweep demo \(.*s\.db, created \d{4}-/);
    assert.match(text, /5 runs: 2 done, 0 failed, 1 diverged, 1 running, 1 pending/);
    assert.match(text, /by space:\n\s+A  3 runs: 1 done.*\n\s+B  2 runs: 1 done/);
    assert.match(text, /best runs:\n\s+#2 B error 25\.00% .*\n\s+#1 A error 30\.00%/);
    assert.match(text, /latest failures:\n\s+#3 A diverged: training loss became NaN/);
    assert.deepEqual(listSweeps(db).map((x) => [x.name, x.runs]), [['demo', 5], ['other', 0]]);
  });

  it('names the sweep and the sweeps there when asked for an absent one', () => {
    assert.throws(() => sweepStatus(db, 'dmeo'), { name: 'NetspaceError', message: /no sweep named "dmeo" in .*\(sweeps there: demo, other\)/ });
    assert.throws(() => exportSweep(db, 'dmeo', 'csv'), { name: 'NetspaceError', message: /no sweep named "dmeo"/ });
    assert.throws(() => exportSweep(db, 'demo', 'xml' as 'csv'), { name: 'NetspaceError', message: /export format "xml" is not one of: csv, json/ });
  });

  it('exports one CSV row per run with quoted fields and sampled parameters in columns', () => {
    const lines = exportSweep(db, 'demo', 'csv').split('\r\n');
    assert.equal(lines.at(-1), '');
    const header = lines[0]!.split(',');
    assert.deepEqual(header, [...EXPORT_COLUMNS, 'sampled.depths', 'sampled.g', 'sampled.w0', 'sampled.wa']);
    assert.equal(lines.length - 2, 5);
    const first = lines[1]!;
    assert.ok(first.startsWith('demo,1,A,"A:key,""1""",done,,0.30000000000000004,0.30000000000000004,2,1000,100,10,1,wasm,,,2.5,'), first);
    assert.ok(first.endsWith(',1 2,8,,'), first);
    assert.match(lines[2]!, /,done,,0\.25,0\.19999999999999996,2,/, 'best error is the lowest over epochs');
    assert.match(lines[3]!, /,diverged,diverged,,0\.9,1,.*training loss became NaN at epoch 1\, batch 3/);
    assert.match(lines[4]!, /,running,,,0\.6,1,/);
    assert.match(lines[5]!, /,pending,,,,0,5000,500,50,5,,,,,,,/);
  });

  it('exports a JSON array with config, sampled, settings and epochs, NaN as null', () => {
    const rows = JSON.parse(exportSweep(db, 'demo', 'json')) as Record<string, unknown>[];
    assert.equal(rows.length, 5);
    const first = rows[0]!;
    assert.deepEqual(first.config, run('A', 1, {}).config);
    assert.deepEqual(first.sampled, { depths: [1, 2], g: 8 });
    assert.deepEqual(first.settings, settings);
    assert.deepEqual(first.epochs, [epoch(1, 0.5), epoch(2, 0.7)]);
    const diverged = rows[2]!.epochs as { trainLoss: unknown }[];
    assert.equal(diverged[0]!.trainLoss, null);
  });

  it('reads a sweep that another connection is writing', () => {
    const writer = openStore(db);
    try {
      const { id } = writer.openSweep('demo', { v: 1 });
      writer.addRuns(id, [run('C', 6, {})]);
      assert.equal(sweepStatus(db, 'demo').total, 6);
      assert.equal(JSON.parse(exportSweep(db, 'demo', 'json')).length, 6);
    } finally {
      writer.close();
    }
  });
});
