// Tests of src/store/store.ts on real SQLite files in a temporary folder.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { NetspaceError } from '../../src/errors.ts';
import { canonicalJson } from '../../src/core/json.ts';
import { jsonDiff, openStore, type NewRun, type Store } from '../../src/store/store.ts';
import { currentOwner } from '../../src/store/owner.ts';
import { SCHEMA_VERSION } from '../../src/store/schema.ts';
import type { EpochRecord, TrainSettings } from '../../src/core/types.ts';
import type { TrainResult } from '../../src/core/types.ts';

const settings: TrainSettings = { epochs: 2, resolution: 28, batchSize: 32, lr: 0.1, trainSize: 256, valSize: 128 };

function newRun(i: number, space = 'AnyNetX_A'): NewRun {
  return {
    space,
    configKey: `key-${space}-${i}`,
    config: {
      inputChannels: 1,
      stemWidth: 8,
      numClasses: 10,
      convBias: true,
      stages: [{ depth: 1, width: 8 * (i + 1), groupWidth: 8, bottleneckMultiplier: 1 }],
    },
    sampled: { d: [1], w: [8 * (i + 1)], g: 8 },
    flops: 1000 + i,
    params: 200 + i,
    acts: 30 + i,
    seed: 7 + i,
    settings,
  };
}

function epoch(n: number, accuracy = 0.5): EpochRecord {
  return { epoch: n, trainLoss: 2 - n * 0.1, valLoss: 1.9 - n * 0.1, valAccuracy: accuracy, seconds: 1.5, imagesPerSecond: 170 };
}

function result(status: TrainResult['status'], epochs: EpochRecord[], finalError: number | null): TrainResult {
  const failed = status === 'failed' || status === 'diverged';
  return { status, epochs, finalError, errorText: failed ? `it ${status}` : null, failureKind: failed ? (status === 'diverged' ? 'diverged' : 'internal') : null, backend: 'cpu', seconds: 3 };
}

describe('store/store', () => {
  let dir: string;
  let path: string;
  let store: Store;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-store-'));
    path = join(dir, 'test.db');
    store = openStore(path);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the schema in WAL mode with the current user_version and constraints', () => {
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
    assert.deepEqual(tables, ['checkpoints', 'decisions', 'epochs', 'runs', 'space_domains', 'sweeps']);
    db.close();
    const { id } = store.openSweep('s', { a: 1 });
    store.addRuns(id, [newRun(0)]);
    const raw = new Database(path);
    assert.throws(() => raw.prepare(`UPDATE runs SET status = 'lost'`).run(), /CHECK constraint/);
    raw.close();
  });

  it('opens an existing database again without migrating it twice', () => {
    const { id } = store.openSweep('s', { a: 1 });
    store.addRuns(id, [newRun(0)]);
    store.close();
    store = openStore(path);
    assert.equal(store.statusCounts('s').total, 1);
  });

  it('returns the same sweep for an equal spec, whatever the key order', () => {
    const first = store.openSweep('s', { a: 1, b: { c: [1, 2], d: 'x' } });
    assert.equal(first.created, true);
    const again = store.openSweep('s', { b: { d: 'x', c: [1, 2] }, a: 1 });
    assert.deepEqual(again, { id: first.id, name: 's', created: false });
    assert.deepEqual(store.readSweep('s').spec, { a: 1, b: { c: [1, 2], d: 'x' } });
  });

  it('refuses a changed spec with a message naming the sweep, the changed path and --force', () => {
    store.openSweep('s', { train: { epochs: 2 }, seed: 1 });
    assert.throws(
      () => store.openSweep('s', { train: { epochs: 3 }, seed: 1 }),
      (e: unknown) =>
        e instanceof NetspaceError &&
        e.message.includes('"s"') &&
        e.message.includes(path) &&
        e.message.includes('train.epochs: 2 -> 3') &&
        e.message.includes('--force') &&
        e.message.includes('"s-2"'),
    );
    assert.equal(store.listSweeps().length, 1);
  });

  it('forks a changed spec into <name>-2, <name>-3 with force, and resumes a fork with its own spec', () => {
    const a = store.openSweep('s', { v: 1 });
    const b = store.openSweep('s', { v: 2 }, { force: true });
    assert.deepEqual({ name: b.name, created: b.created }, { name: 's-2', created: true });
    const c = store.openSweep('s', { v: 3 }, { force: true });
    assert.equal(c.name, 's-3');
    assert.deepEqual(store.openSweep('s', { v: 2 }), { id: b.id, name: 's-2', created: false });
    assert.deepEqual(store.openSweep('s', { v: 1 }, { force: true }), { id: a.id, name: 's', created: false });
    assert.deepEqual(store.listSweeps().map((s) => s.name), ['s', 's-2', 's-3']);
  });

  it('adds runs once per config key and keeps every field', () => {
    const { id } = store.openSweep('s', {});
    assert.equal(store.addRuns(id, [newRun(0), newRun(1), newRun(0, 'RegNetX')]), 3);
    assert.equal(store.addRuns(id, [newRun(0), newRun(1), newRun(2)]), 1);
    const sweep = store.readSweep('s');
    assert.equal(sweep.runs.length, 4);
    const run = sweep.runs[1]!;
    const want = newRun(1);
    assert.deepEqual(
      { space: run.space, key: run.configKey, config: run.config, sampled: run.sampled, flops: run.flops, params: run.params, acts: run.acts, seed: run.seed, settings: run.settings },
      { space: want.space, key: want.configKey, config: want.config, sampled: want.sampled, flops: want.flops, params: want.params, acts: want.acts, seed: want.seed, settings: want.settings },
    );
    assert.deepEqual(
      { status: run.status, errorText: run.errorText, backend: run.backend, finalError: run.finalError, epochs: run.epochs },
      { status: 'pending', errorText: null, backend: null, finalError: null, epochs: [] },
    );
  });

  it('walks a run through running, epochs with checkpoints, and done', () => {
    const { id } = store.openSweep('s', {});
    store.addRuns(id, [newRun(0), newRun(1)]);
    const [run] = store.pendingRuns(id, 1);
    assert.ok(run);
    store.markRunning(run.id, null);
    assert.equal(store.readRun(run.id).status, 'running');
    assert.ok(store.readRun(run.id).startedAt);
    assert.equal(store.recordEpoch(run.id, epoch(1), new Uint8Array([1, 2, 3])), true);
    assert.deepEqual(store.readCheckpoint(run.id), { epoch: 1, checkpoint: new Uint8Array([1, 2, 3]) });
    assert.equal(store.recordEpoch(run.id, epoch(2), new Uint8Array([4, 5])), true);
    assert.deepEqual(store.readCheckpoint(run.id), { epoch: 2, checkpoint: new Uint8Array([4, 5]) });
    assert.deepEqual(store.readRun(run.id).epochs, [epoch(1), epoch(2)]);
    store.finishRun(run.id, result('done', [epoch(1), epoch(2, 0.75)], 0.25));
    const done = store.readRun(run.id);
    assert.equal(done.status, 'done');
    assert.equal(done.finalError, 0.25);
    assert.equal(done.backend, 'cpu');
    assert.equal(done.seconds, 3);
    assert.ok(done.finishedAt);
    // Stored epochs win over the result's copy: they were committed as they ended.
    assert.deepEqual(done.epochs, [epoch(1), epoch(2)]);
    // A done run keeps its last checkpoint: the trained model, and where a grown sweep continues it.
    assert.deepEqual(store.readCheckpoint(run.id), { epoch: 2, checkpoint: new Uint8Array([4, 5]) });
    assert.deepEqual(store.statusCounts('s'), { total: 2, pending: 1, running: 0, paused: 0, done: 1, stopped: 0, failed: 0, diverged: 0 });
    assert.equal(store.recordEpoch(run.id, epoch(3), null), false, 'a finished run takes no more epochs');
    assert.equal(store.readRun(run.id).epochs.length, 2);
  });

  it('stores the epochs of a result that were not sent one by one, and NaN losses of a diverged run', () => {
    const { id } = store.openSweep('s', {});
    store.addRuns(id, [newRun(0)]);
    const [run] = store.pendingRuns(id);
    store.markRunning(run!.id, 'wasm');
    const nan: EpochRecord = { ...epoch(1), trainLoss: Number.NaN, valLoss: Number.NaN, valAccuracy: 0.1 };
    store.finishRun(run!.id, result('diverged', [nan], null));
    const back = store.readRun(run!.id);
    assert.equal(back.status, 'diverged');
    assert.equal(back.errorText, 'it diverged');
    assert.equal(back.finalError, null);
    assert.equal(back.epochs.length, 1);
    assert.ok(Number.isNaN(back.epochs[0]!.trainLoss));
    assert.ok(Number.isNaN(back.epochs[0]!.valLoss));
  });

  it('resets running runs to pending and releases one run, keeping epochs and checkpoint', () => {
    const { id } = store.openSweep('s', {});
    store.addRuns(id, [newRun(0), newRun(1), newRun(2)]);
    const runs = store.pendingRuns(id);
    store.markRunning(runs[0]!.id, 'cpu');
    store.markRunning(runs[1]!.id, 'cpu');
    store.recordEpoch(runs[0]!.id, epoch(1), new Uint8Array([9]));
    assert.equal(store.resetRunning(id), 2);
    assert.equal(store.resetRunning(id), 0);
    assert.equal(store.readRun(runs[0]!.id).epochs.length, 1);
    store.markRunning(runs[2]!.id, 'cpu');
    store.recordEpoch(runs[2]!.id, epoch(1), new Uint8Array([7]));
    store.releaseRun(runs[2]!.id);
    const released = store.readRun(runs[2]!.id);
    assert.equal(released.status, 'pending');
    assert.equal(released.epochs.length, 1);
    assert.deepEqual(store.readCheckpoint(runs[2]!.id)?.checkpoint, new Uint8Array([7]));
    assert.deepEqual(store.pendingRuns(id).map((r) => r.id), runs.map((r) => r.id), 'oldest first');
    assert.deepEqual(store.pendingRuns(id, 2).map((r) => r.id), runs.slice(0, 2).map((r) => r.id));
  });

  it('gives the resume point of a run: epochs up to its checkpoint, later epochs dropped', () => {
    const { id } = store.openSweep('s', {});
    store.addRuns(id, [newRun(0), newRun(1)]);
    const [a, b] = store.pendingRuns(id);
    assert.equal(store.takeResumePoint(a!.id), null);
    store.markRunning(a!.id, 'cpu');
    store.recordEpoch(a!.id, epoch(1), new Uint8Array([1]));
    store.recordEpoch(a!.id, epoch(2), null); // an epoch whose checkpoint never came
    store.releaseRun(a!.id);
    const point = store.takeResumePoint(a!.id);
    assert.deepEqual(point, { epochs: [epoch(1)], checkpoint: new Uint8Array([1]) });
    assert.deepEqual(store.readRun(a!.id).epochs, [epoch(1)]);
    // Epochs without any checkpoint: nothing to resume from, so they go.
    store.markRunning(b!.id, 'cpu');
    store.recordEpoch(b!.id, epoch(1), null);
    store.releaseRun(b!.id);
    assert.equal(store.takeResumePoint(b!.id), null);
    assert.deepEqual(store.readRun(b!.id).epochs, []);
  });

  it('reports counts by space and the best done runs first', () => {
    const { id } = store.openSweep('s', {});
    store.addRuns(id, [newRun(0, 'B'), newRun(0, 'A'), newRun(1, 'B'), newRun(2, 'B')]);
    const runs = store.pendingRuns(id);
    const errors = [0.3, 0.1, 0.2];
    runs.slice(0, 3).forEach((r, i) => {
      store.markRunning(r.id, 'cpu');
      store.finishRun(r.id, result('done', [epoch(1, 1 - errors[i]!)], errors[i]!));
    });
    assert.deepEqual(Object.keys(store.statusBySpace('s')), ['B', 'A']);
    assert.deepEqual(store.statusBySpace('s').B, { total: 3, pending: 1, running: 0, paused: 0, done: 2, stopped: 0, failed: 0, diverged: 0 });
    const best = store.bestRuns('s', 2);
    assert.deepEqual(best.map((r) => r.finalError), [0.1, 0.2]);
    assert.deepEqual(best.map((r) => r.space), ['A', 'B']);
    assert.equal(best[0]!.epochCount, 1);
  });

  it('names the sweep and the known sweeps when a sweep is absent, and the id when a run is', () => {
    assert.throws(() => store.readSweep('nope'), { name: 'NetspaceError', message: /no sweep named "nope" in .*it holds no sweeps yet/ });
    store.openSweep('alpha', {});
    store.openSweep('beta', {});
    assert.throws(() => store.statusCounts('nope'), { name: 'NetspaceError', message: /"nope".*sweeps there: alpha, beta/ });
    assert.throws(() => store.readRun(999), { name: 'NetspaceError', message: /no run with id 999 in / });
  });

  it('lets one live process hold a sweep, refuses another, and takes over from a dead one', async () => {
    const { id } = store.openSweep('s', {});
    const me = currentOwner();
    store.claimSweep(id, me);
    store.claimSweep(id, me); // the holder may claim again
    assert.equal(store.sweepOwner('s')?.pid, process.pid);
    // A live stranger: a child process that sleeps.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      const stranger = { pid: child.pid!, host: me.host, token: '' };
      assert.throws(() => store.claimSweep(id, stranger), { name: 'NetspaceError', message: new RegExp(`"s" is being run by process ${process.pid}`) });
      store.releaseSweep(id, me);
      assert.equal(store.sweepOwner('s'), null);
      store.claimSweep(id, stranger);
      assert.throws(() => store.claimSweep(id, me), { message: new RegExp(`process ${child.pid}`) });
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    store.claimSweep(id, me); // the stranger died: its hold goes
    assert.equal(store.sweepOwner('s')?.pid, process.pid);
    // A reused pid (same pid, other start time) is not the owner either.
    store.releaseSweep(id, me);
    store.claimSweep(id, { ...me, pid: process.pid, token: 'another-start' });
    store.claimSweep(id, me);
    assert.equal(store.sweepOwner('s')?.token, me.token);
  });

  it('opens read-only beside a writer, and refuses missing and foreign files by name', () => {
    const { id } = store.openSweep('s', {});
    store.addRuns(id, [newRun(0)]);
    const reader = openStore(path, { readonly: true });
    try {
      assert.equal(reader.statusCounts('s').total, 1);
      store.addRuns(id, [newRun(1)]);
      assert.equal(reader.statusCounts('s').total, 2);
      assert.throws(() => reader.addRuns(id, [newRun(2)]), /cannot be written/);
    } finally {
      reader.close();
    }
    const missing = join(dir, 'missing.db');
    assert.throws(() => openStore(missing, { readonly: true }), { name: 'NetspaceError', message: new RegExp(`database ${missing} does not exist`) });
    const foreign = join(dir, 'foreign.db');
    writeFileSync(foreign, 'this is not sqlite at all, just text that is long enough to be a header'.repeat(20));
    assert.throws(() => openStore(foreign), { name: 'NetspaceError', message: new RegExp(`${foreign} is not a netspace database`) });
    const other = join(dir, 'other.db');
    new Database(other).exec('CREATE TABLE t (x)');
    assert.throws(() => openStore(other, { readonly: true }), { name: 'NetspaceError', message: /holds tables of another program \(t\)/ });
    assert.throws(() => openStore(join(dir, 'no', 'such', 'x.db')), { name: 'NetspaceError', message: /folder .* does not exist/ });
    const newer = join(dir, 'newer.db');
    const n = new Database(newer);
    n.pragma('user_version = 99');
    n.close();
    assert.throws(() => openStore(newer), { name: 'NetspaceError', message: /schema version 99, newer/ });
  });
});

describe('store/store json helpers', () => {
  it('writes canonical JSON with sorted keys and no undefined members', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });
  it('lists the paths that differ', () => {
    assert.deepEqual(jsonDiff({ a: 1, b: [1, 2], c: { d: 'x' } }, { a: 1, b: [1, 3], c: { d: 'y', e: 1 } }), [
      'b[1]: 2 -> 3',
      'c.d: "x" -> "y"',
      'c.e: absent -> 1',
    ]);
    assert.deepEqual(jsonDiff({ s: [1] }, { s: [1, 2] }), ['s has 2 entries, was 1']);
  });
});
