// Tests of src/cluster/collect.ts: three writer processes (one killed -9 and restarted) while a reader and collects
// run, then collect twice: every run lands in the real SQLite file once, with its epochs, and nothing twice.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { collectSweep, readShards } from '../../src/cluster/collect.ts';
import { LAYOUT, shardPath, submissionFolder } from '../../src/cluster/layout.ts';
import { readShard } from '../../src/cluster/shard.ts';
import { NetspaceError } from '../../src/errors.ts';
import { openStore } from '../../src/store/store.ts';
import { planRuns, sweepIdentity } from '../../src/sweep/spec.ts';
import { fakeCheckpoint, fakeEpoch, tinySweep } from './fixtures.ts';

const WRITER = new URL('./shard-writer.ts', import.meta.url).pathname;
const EPOCHS = 12;
const TASKS = 3;

function writer(dir: string, task: number, ids: number[], holdAt?: string): { child: ChildProcess; exited: Promise<number | null> } {
  const args = [WRITER, dir, String(task), ids.join(','), String(EPOCHS), ...(holdAt === undefined ? [] : [holdAt])];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`writer ${task}: ${stderr}`);
      resolve(code);
    }),
  );
  return { child, exited };
}

/** Polls `check` every 20 ms until it holds, failing after `seconds`. */
async function until(what: string, check: () => boolean, seconds = 120): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('cluster/collect', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-collect-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('merges shards written by concurrent processes (one killed -9 and restarted) while read and collected, once per run', async () => {
    const db = join(dir, 'sweeps.db');
    const spec = tinySweep('shards', EPOCHS);
    const store = openStore(db);
    const sweep = store.openSweep(spec.name, sweepIdentity(spec));
    store.addRuns(sweep.id, planRuns(spec));
    const ids = store.pendingRuns(sweep.id).map((r) => r.id);
    store.close();
    assert.equal(ids.length, 8);
    const sub = submissionFolder(db, spec.name, 1);
    mkdirSync(sub, { recursive: true });
    const shares = Array.from({ length: TASKS }, (_, t) => ids.filter((_, j) => j % TASKS === t));

    // Task 1 is killed in the middle of its second run: it holds after writing epoch 5 of it.
    const victim = shares[1]![1]!;
    const writers = shares.map((share, t) => writer(sub, t, share, t === 1 ? `${victim}:5` : undefined));
    await until('task 1 inside its second run', () => readShard(sub, 1).runs.get(victim)?.epochs.length === 5);
    writers[1]!.child.kill('SIGKILL');
    assert.equal(await writers[1]!.exited, null);
    const restarted = writer(sub, 1, shares[1]!);

    // A reader and collects while the writers run: complete lines only, every state consistent.
    let reads = 0;
    let mergedWhileWriting = 0;
    let running = true;
    const allExited = Promise.all([writers[0]!.exited, writers[2]!.exited, restarted.exited]).finally(() => (running = false));
    while (running) {
      const view = readShards(db, spec.name);
      reads += 1;
      assert.equal(view.badLines, 0, 'a reader never sees a broken line');
      assert.equal(view.duplicates, 0);
      for (const found of view.results.values()) {
        assert.deepEqual(found.result.epochs.map((e) => e.epoch), Array.from({ length: EPOCHS }, (_, i) => i + 1));
      }
      for (const p of view.inProgress) assert.deepEqual(p.epochs.map((e) => e.epoch), Array.from({ length: p.epochs.length }, (_, i) => i + 1));
      if (mergedWhileWriting === 0 && view.results.size > 0 && view.results.size < ids.length) mergedWhileWriting = collectSweep(db, spec.name).merged;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.deepEqual(await allExited, [0, 0, 0]);
    assert.ok(reads > 3, `the reader read ${reads} times while the writers wrote`);
    assert.ok(mergedWhileWriting > 0, 'a collect while the tasks still wrote merged what had finished');

    const first = collectSweep(db, spec.name);
    assert.equal(first.merged + mergedWhileWriting, 8);
    assert.equal(first.alreadyCollected, mergedWhileWriting);
    assert.deepEqual(first.counts, { total: 8, pending: 0, running: 0, done: 8, paused: 0, stopped: 0, failed: 0, diverged: 0 });
    assert.deepEqual([first.duplicates, first.badLines, first.unknownRuns, first.inProgress], [0, 0, 0, 0]);
    const second = collectSweep(db, spec.name);
    assert.deepEqual([second.merged, second.alreadyCollected], [0, 8], 'collecting again changes nothing');

    // The database: each run once, done, with exactly the shard's epochs (NaN as NULL -> NaN) and its final checkpoint.
    const reread = openStore(db, { readonly: true });
    try {
      for (const run of reread.readSweep(spec.name).runs) {
        assert.equal(run.status, 'done');
        assert.deepEqual(run.epochs, Array.from({ length: EPOCHS }, (_, i) => fakeEpoch(run.id, i + 1)), `run ${run.id}`);
        assert.equal(run.finalError, 1 - fakeEpoch(run.id, EPOCHS).valAccuracy);
        const kept = reread.readCheckpoint(run.id)!;
        assert.equal(kept.epoch, EPOCHS);
        assert.deepEqual(new Uint8Array(kept.checkpoint), fakeCheckpoint(run.id, EPOCHS), `run ${run.id}: the final checkpoint, as a local sweep keeps it`);
      }
      assert.equal(reread.sweepOwner(spec.name), null, 'collect lets go of the sweep');
    } finally {
      reread.close();
    }
    const raw = new Database(db, { readonly: true });
    try {
      // Attempts as the shards tell them (the killed run was started twice), however often it was collected.
      const attempts = raw.prepare('SELECT id, attempts FROM runs ORDER BY id').all() as { id: number; attempts: number }[];
      assert.deepEqual(attempts, ids.map((id) => ({ id, attempts: id === victim ? 2 : 1 })), 'each run was counted once');
      assert.equal((raw.prepare('SELECT COUNT(*) AS n FROM epochs').get() as { n: number }).n, 8 * EPOCHS);
    } finally {
      raw.close();
    }

    // The killed task: its run resumed after the last epoch line, each epoch written once; each shard keeps only its
    // runs' final checkpoints.
    const shard1 = readShard(sub, 1);
    assert.equal(shard1.starts.length, 2);
    const resumedRun = shard1.runs.get(victim)!;
    assert.equal(resumedRun.attempts, 2);
    const lines = readFileSync(join(sub, shardPath(1), LAYOUT.events), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; runId?: number; resumed?: unknown[] });
    const starts = lines.filter((l) => l.type === 'run-start' && l.runId === victim);
    assert.equal(starts[1]!.resumed!.length, 5, 'the second attempt resumed from the last epoch the first wrote');
    assert.equal(lines.filter((l) => l.type === 'epoch' && l.runId === victim).length, EPOCHS, 'no epoch written twice');
    for (let t = 0; t < TASKS; t++) {
      assert.deepEqual(readdirSync(join(sub, shardPath(t))).sort(), [LAYOUT.events, ...shares[t]!.map((id) => `run-${id}-e${EPOCHS}.ckpt`)].sort());
    }
  });

  it('refuses to collect a sweep the database does not hold, naming the ones it does', () => {
    const db = join(dir, 'sweeps.db');
    assert.ok(existsSync(db));
    assert.throws(() => collectSweep(db, 'nope'), (e: unknown) => e instanceof NetspaceError && /no sweep named "nope" in .*sweeps\.db \(sweeps there: shards\)/.test(e.message));
  });
});
