// Tests of src/sweep/sweep.ts: real sweeps of tiny models in real worker threads into a real SQLite file.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { NetspaceError } from '../../src/errors.ts';
import { openStore } from '../../src/store/store.ts';
import type { RunRecord, SweepRecord } from '../../src/core/types.ts';
import { createProgressReporter } from '../../src/cli/progress.ts';
import type { ProgressEvent } from '../../src/sweep/progress.ts';
import { parseSweepSpec, type SweepSpec } from '../../src/sweep/spec.ts';
import { runSweep } from '../../src/sweep/sweep.ts';
import { FAULT_ENV, FAULT_WORKER } from '../fixtures/fault-worker.ts';

/** A one-stage space with four possible configs (widths 8..32), small enough to train in a second. */
const tinySpace = {
  kind: 'AnyNetX_A',
  name: 'tiny',
  stages: 1,
  stemWidth: 8,
  depth: 1,
  width: { dist: 'choice', values: [8, 16, 24, 32] },
  bottleneckRatio: 1,
  groupWidth: 8,
};

function tinySpec(overrides: Record<string, unknown> = {}): SweepSpec {
  return parseSweepSpec(
    {
      name: 'tiny',
      seed: 1,
      spaces: [
        { space: tinySpace, n: 4 },
        { model: { stemWidth: 8, stages: [{ depth: 1, width: 8, groupWidth: 8 }] }, name: 'fixed', n: 2 },
      ],
      train: { epochs: 2, batchSize: 64, lr: 0.1, trainSize: 256, valSize: 128, backend: 'wasm' },
      workers: 2,
      ...overrides,
    },
    'tiny.yaml',
  );
}

/** Collects the events a sweep reports. */
function recorder(): { events: ProgressEvent[]; progress: ReturnType<typeof createProgressReporter> } {
  const events: ProgressEvent[] = [];
  return { events, progress: { emit: (e) => events.push(e), close: () => {} } };
}

/** Everything a finished run must satisfy, whatever it trained. */
function assertConsistent(run: RunRecord, db: Database.Database): void {
  const where = `run ${run.id} (${run.configKey})`;
  assert.ok(run.startedAt && run.finishedAt && run.finishedAt >= run.startedAt, where);
  assert.ok(run.seconds !== null && run.seconds >= 0, where);
  assert.equal(run.backend, 'wasm', where);
  if (run.status === 'done') {
    assert.equal(run.errorText, null, where);
    assert.deepEqual(run.epochs.map((e) => e.epoch), Array.from({ length: run.settings.epochs }, (_, i) => i + 1), where);
    assert.equal(run.finalError, 1 - run.epochs.at(-1)!.valAccuracy, where);
    for (const e of run.epochs) {
      assert.ok(Number.isFinite(e.trainLoss) && Number.isFinite(e.valLoss) && e.valAccuracy >= 0 && e.valAccuracy <= 1, where);
      assert.ok(e.seconds > 0 && e.imagesPerSecond > 0, where);
    }
  } else {
    assert.equal(run.finalError, null, where);
    assert.ok(run.errorText, `${where} has a reason`);
  }
  // A done run keeps its final checkpoint (the trained model); a failed one keeps none.
  const checkpoint = db.prepare('SELECT COUNT(*) AS n, MAX(epoch) AS epoch FROM checkpoints WHERE run_id = ?').get(run.id) as { n: number; epoch: number | null };
  if (run.status === 'done') {
    assert.equal(checkpoint.n, 1, `${where}: a done run keeps its final checkpoint`);
    assert.equal(checkpoint.epoch, run.settings.epochs, `${where}: the kept checkpoint is the last epoch's`);
  } else {
    assert.equal(checkpoint.n, 0, `${where}: a failed run keeps no checkpoint`);
  }
}

describe('sweep/sweep', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-sweep-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('trains every run of a sweep with 2 workers into a consistent database, then finds nothing left to do', async () => {
    const db = join(dir, 'complete.db');
    const { events, progress } = recorder();
    const summary = await runSweep(tinySpec(), { db, progress, download: false });
    assert.deepEqual(
      { created: summary.created, added: summary.added, trained: summary.trained, workers: summary.workers, interrupted: summary.interrupted },
      { created: true, added: 6, trained: 6, workers: 2, interrupted: false },
    );
    assert.deepEqual(summary.counts, { total: 6, pending: 0, running: 0, paused: 0, done: 6, stopped: 0, failed: 0, diverged: 0 });
    assert.ok(summary.modelsPerHour > 0);

    const store = openStore(db, { readonly: true });
    const raw = new Database(db, { readonly: true });
    let sweep: SweepRecord;
    try {
      sweep = store.readSweep('tiny');
      for (const run of sweep.runs) assertConsistent(run, raw);
      assert.deepEqual(sweep.runs.map((r) => r.space), ['tiny', 'fixed', 'tiny', 'fixed', 'tiny', 'tiny']);
      // The space's parameter domains are stored at plan time, and every run's drawn values by those names.
      assert.deepEqual(sweep.domains!.tiny!.map((d) => [d.name, d.kind]), [['d1', 'int'], ['w1', 'categorical'], ['b1', 'int'], ['g1', 'int']]);
      assert.deepEqual(Object.keys(sweep.domains!), ['tiny'], 'a fixed model has no domains');
      for (const run of sweep.runs) {
        assert.deepEqual(Object.keys(run.parameters), run.space === 'tiny' ? ['d1', 'w1', 'b1', 'g1'] : [], run.configKey);
      }
      const attempts = raw.prepare('SELECT DISTINCT attempts FROM runs').all() as { attempts: number }[];
      assert.deepEqual(attempts, [{ attempts: 1 }]);
      assert.equal(store.sweepOwner('tiny'), null, 'the hold is released at the end');
    } finally {
      raw.close();
      store.close();
    }
    // Events: both worker slots used, one run-start and run-end per run, an epoch event per stored epoch.
    const starts = events.filter((e) => e.type === 'run-start');
    const ends = events.filter((e) => e.type === 'run-end');
    const epochs = events.filter((e) => e.type === 'epoch');
    assert.equal(starts.length, 6);
    assert.equal(ends.length, 6);
    assert.equal(epochs.length, 12);
    assert.deepEqual(new Set(starts.map((e) => e.worker)), new Set([1, 2]));
    assert.equal(events[0]!.type, 'sweep-start');
    assert.equal(events.at(-1)!.type, 'sweep-end');

    const again = await runSweep(tinySpec(), { db, progress: recorder().progress, download: false });
    assert.deepEqual({ created: again.created, added: again.added, trained: again.trained }, { created: false, added: 0, trained: 0 });
    const reread = openStore(db, { readonly: true });
    try {
      assert.deepEqual(reread.readSweep('tiny'), sweep, 'a finished sweep is not touched by a second run');
    } finally {
      reread.close();
    }
  });

  it('refuses a changed spec by path, and with force trains it as a new sweep', async () => {
    const db = join(dir, 'changed.db');
    const small = tinySpec({ spaces: [{ space: tinySpace, n: 1 }], workers: 1 });
    await runSweep(small, { db, progress: recorder().progress, download: false });
    const changed = tinySpec({ spaces: [{ space: tinySpace, n: 1 }], workers: 1, train: { epochs: 1, batchSize: 64, lr: 0.1, trainSize: 256, valSize: 128, backend: 'wasm' } });
    await assert.rejects(runSweep(changed, { db, progress: recorder().progress, download: false }), (e: unknown) => {
      assert.ok(e instanceof NetspaceError);
      assert.match(e.message, /sweep "tiny" in .*changed\.db was started from a different spec \(train\.epochs: 2 -> 1\).*--force.*"tiny-2"/);
      return true;
    });
    const forced = await runSweep(changed, { db, force: true, progress: recorder().progress, download: false });
    assert.deepEqual({ sweep: forced.sweep, created: forced.created, trained: forced.trained }, { sweep: 'tiny-2', created: true, trained: 1 });
    const store = openStore(db, { readonly: true });
    try {
      assert.deepEqual(store.listSweeps().map((s) => [s.name, s.runs]), [['tiny', 1], ['tiny-2', 1]]);
      assert.equal(store.readSweep('tiny-2').runs[0]!.epochs.length, 1);
    } finally {
      store.close();
    }
  });

  it('ends a run whose worker throws and one whose worker exits as failed with the reason, and all others done', async () => {
    const db = join(dir, 'faults.db');
    const spec = tinySpec();
    const env = { ...process.env, [FAULT_ENV]: 'throw:2,exit:tiny:in1_stem8_out10_bias_d1w24' };
    const summary = await runSweep(spec, { db, progress: recorder().progress, download: false, pool: { env, worker: FAULT_WORKER } });
    assert.deepEqual(summary.counts, { total: 6, pending: 0, running: 0, paused: 0, done: 4, stopped: 0, failed: 2, diverged: 0 });
    const store = openStore(db, { readonly: true });
    const raw = new Database(db, { readonly: true });
    try {
      const runs = store.readSweep('tiny').runs;
      const failed = runs.filter((r) => r.status === 'failed');
      assert.deepEqual(
        failed.map((r) => [r.id === 2 || r.configKey.startsWith('tiny:in1_stem8_out10_bias_d1w24'), r.errorText]),
        failed.map((r) =>
          r.id === 2
            ? [true, 'worker threw Error: planted fault: NETSPACE_FAULT asked run 2 to throw']
            : [true, 'worker thread exited with code 3 during training'],
        ),
      );
      for (const run of runs) assertConsistent(run, raw);
      assert.deepEqual(Object.fromEntries(failed.map((r) => [r.id === 2 ? 'threw' : 'exited', r.failureKind])), { threw: 'internal', exited: 'worker-crash' });
    } finally {
      raw.close();
      store.close();
    }
    // --retry worker-crash trains the exited run again (no fault planted now), and only that one.
    const retried = await runSweep(spec, { db, download: false, retry: ['worker-crash'] });
    assert.deepEqual([retried.retried, retried.trained, retried.counts.done, retried.counts.failed], [1, 1, 5, 1]);
    const all = await runSweep(spec, { db, download: false, retry: 'failed' });
    assert.deepEqual([all.retried, all.trained, all.counts.done, all.counts.failed], [1, 1, 6, 0]);
    const after = openStore(db, { readonly: true });
    try {
      const again = after.readSweep('tiny').runs;
      assert.ok(again.every((r) => r.status === 'done' && r.failureKind === null && r.errorText === null && r.epochs.length === 2));
    } finally {
      after.close();
    }
  });

  it('stops on abort with in-flight runs back to pending, keeping their epochs, and resumes them from there', async () => {
    const db = join(dir, 'abort.db');
    const spec = tinySpec({ train: { epochs: 6, batchSize: 64, lr: 0.1, trainSize: 256, valSize: 128, backend: 'wasm' } });
    const controller = new AbortController();
    const events: ProgressEvent[] = [];
    const progress = {
      emit: (e: ProgressEvent) => {
        events.push(e);
        // Abort once two epochs of some run are stored: that run is in flight with a checkpoint.
        if (e.type === 'epoch' && e.record.epoch === 2) controller.abort();
      },
      close: () => {},
    };
    const stopped = await runSweep(spec, { db, progress, signal: controller.signal, download: false });
    assert.equal(stopped.interrupted, true);
    assert.ok(stopped.released >= 1, `released ${stopped.released}`);
    assert.equal(stopped.counts.running, 0);
    assert.equal(stopped.counts.pending, stopped.counts.total - stopped.trained);
    const before = openStore(db, { readonly: true });
    let kept: Map<number, unknown>;
    try {
      const runs = before.readSweep('tiny').runs;
      const partial = runs.filter((r) => r.status === 'pending' && r.epochs.length > 0);
      assert.ok(partial.length >= 1, 'an in-flight run kept its epochs');
      for (const r of partial) assert.equal(before.readCheckpoint(r.id)?.epoch, r.epochs.length, 'and the checkpoint of its last epoch');
      kept = new Map(partial.map((r) => [r.id, r.epochs]));
      assert.equal(before.sweepOwner('tiny'), null);
    } finally {
      before.close();
    }
    const { events: resumedEvents, progress: resumedProgress } = recorder();
    const resumed = await runSweep(spec, { db, progress: resumedProgress, download: false });
    assert.deepEqual(resumed.counts, { total: 6, pending: 0, running: 0, paused: 0, done: 6, stopped: 0, failed: 0, diverged: 0 });
    const resumedAt = new Map(resumedEvents.flatMap((e) => (e.type === 'run-start' ? [[e.runId, e.resumedAt]] : [])));
    const after = openStore(db, { readonly: true });
    const raw = new Database(db, { readonly: true });
    try {
      for (const run of after.readSweep('tiny').runs) assertConsistent(run, raw);
      for (const [id, epochs] of kept) {
        const run = after.readRun(id);
        assert.deepEqual(run.epochs.slice(0, (epochs as unknown[]).length), epochs, `run ${id}: its stored epochs were not trained again`);
        assert.equal(resumedAt.get(id), (epochs as unknown[]).length, `run ${id} resumed after its last stored epoch`);
      }
    } finally {
      raw.close();
      after.close();
    }
  });

  it('stops with a NetspaceError, failing no run, when the workers cannot load the backend', async () => {
    const db = join(dir, 'nobackend.db');
    const spec = tinySpec({ spaces: [{ space: tinySpace, n: 3 }] });
    const { events, progress } = recorder();
    await assert.rejects(runSweep(spec, { db, backend: 'tensorflow', workers: 2, progress, download: false }), {
      name: 'NetspaceError',
      message: /^sweep tiny: the workers cannot train here: the tensorflow backend does not load: .*tfjs-node-gpu.*No run was marked failed/,
    });
    // tfjs-node loads in one thread per process, so the sweep asked for two workers and said why it started one
    const start = events.find((e) => e.type === 'sweep-start');
    assert.ok(start?.type === 'sweep-start');
    assert.equal(start.workers, 1);
    assert.match(start.note ?? '', /^2 workers asked, 1 used: @tensorflow\/tfjs-node-gpu loads in one thread per process/);
    const store = openStore(db, { readonly: true });
    try {
      assert.deepEqual(store.statusCounts('tiny'), { total: 3, pending: 3, running: 0, paused: 0, done: 0, stopped: 0, failed: 0, diverged: 0 });
      assert.equal(store.sweepOwner('tiny'), null);
    } finally {
      store.close();
    }
  });

  it('refuses to run a sweep that another live process holds', async () => {
    const db = join(dir, 'held.db');
    const spec = tinySpec({ spaces: [{ space: tinySpace, n: 1 }] });
    const store = openStore(db);
    const { id } = store.openSweep('tiny', (await import('../../src/sweep/spec.ts')).sweepIdentity(spec));
    // The test runner's parent process is alive and is not this process.
    store.claimSweep(id, { pid: process.ppid, host: (await import('node:os')).hostname(), token: '' });
    store.close();
    await assert.rejects(runSweep(spec, { db, progress: recorder().progress, download: false }), {
      name: 'NetspaceError',
      message: new RegExp(`sweep "tiny" is being run by process ${process.ppid} on .* since .*; wait for it to end or stop it`),
    });
  });
});
