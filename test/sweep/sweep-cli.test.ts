// Tests of `netspace sweep run|status|export` as a user runs them: child processes, kill -9, Ctrl-C, concurrent reads.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/store.ts';

const BIN = new URL('../../bin/netspace.js', import.meta.url).pathname;
/** The CLI with the fault-planting worker: NETSPACE_FAULT=delay:* slows every batch, so a sweep can be caught mid-run. */
const WITH_FAULTS = ['--import', 'tsx', new URL('../fixtures/netspace-with-faults.ts', import.meta.url).pathname];

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<Finished> } {
  const entry = env.NETSPACE_FAULT === undefined ? [BIN] : WITH_FAULTS;
  const child = spawn(process.execPath, [...entry, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

const netspace = (...args: string[]): Promise<Finished> => start(args).done;

/** A one-stage space with four configs, and a fixed model trained with four seeds: eight runs of a second or two. */
function writeSpec(dir: string, name: string, epochs: number, batchSize = 64): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    `name: ${name}
seed: 5
spaces:
  - space: {kind: AnyNetX_A, name: tiny, stages: 1, stemWidth: 8, depth: 1, width: {dist: choice, values: [8, 16, 24, 32]}, bottleneckRatio: 1, groupWidth: 8}
    n: 4
  - model: {stemWidth: 8, stages: [{depth: 1, width: 8, groupWidth: 8}]}
    name: fixed
    n: 4
train: {epochs: ${epochs}, batchSize: ${batchSize}, lr: 0.1, trainSize: 256, valSize: 128, backend: wasm}
workers: 2
`,
  );
  return path;
}

interface RunRow {
  id: number;
  config_key: string;
  status: string;
  attempts: number;
  finished_at: string | null;
}
interface EpochRow {
  run_id: number;
  epoch: number;
  train_loss: number;
  val_accuracy: number;
  recorded_at: string;
}

function snapshot(db: string): { runs: RunRow[]; epochs: EpochRow[]; checkpoints: number } {
  const raw = new Database(db, { readonly: true, timeout: 10_000 });
  try {
    return {
      runs: raw.prepare('SELECT id, config_key, status, attempts, finished_at FROM runs ORDER BY id').all() as RunRow[],
      epochs: raw.prepare('SELECT run_id, epoch, train_loss, val_accuracy, recorded_at FROM epochs ORDER BY run_id, epoch').all() as EpochRow[],
      checkpoints: (raw.prepare('SELECT COUNT(*) AS n FROM checkpoints').get() as { n: number }).n,
    };
  } finally {
    raw.close();
  }
}

/** Polls until `ready` holds for the database (which may not exist yet), or fails after `ms`. */
async function waitFor(db: string, ready: (s: ReturnType<typeof snapshot>) => boolean, ms = 120_000): Promise<ReturnType<typeof snapshot>> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const s = snapshot(db);
      if (ready(s)) return s;
    } catch {
      // not created or not migrated yet
    }
    await sleep(150);
  }
  throw new Error(`timed out waiting on ${db}`);
}

function assertNoStack(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at /m, `no stack trace expected:\n${stderr}`);
}

describe('cli sweep', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-sweep-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses bad input with a message naming it, exit code 1 or 2, and no stack trace', async () => {
    const badSpec = join(dir, 'bad.yaml');
    writeFileSync(badSpec, 'name: bad\nspaces: [{space: AnyNetX_A, n: 2}]\ntrain: {epochs: -1}\n');
    const [missing, bad, workers, noDb, noFormat, backend, retry, autoWorkers] = await Promise.all([
      netspace('sweep', 'run', join(dir, 'nope.yaml'), '--db', join(dir, 'x.db')),
      netspace('sweep', 'run', badSpec, '--db', join(dir, 'x.db')),
      netspace('sweep', 'run', badSpec, '--workers', '0'),
      netspace('sweep', 'status', 'any', '--db', join(dir, 'absent.db')),
      netspace('sweep', 'export', 'any', '--csv', '--json', '--db', join(dir, 'absent.db')),
      netspace('sweep', 'run', badSpec, '--backend', 'gpu'),
      netspace('sweep', 'run', badSpec, '--retry', 'out-of-memory,crash'),
      netspace('sweep', 'run', badSpec, '--workers', 'auto'),
    ]);
    // --workers auto is taken, as the spec's `workers: auto` is: the refusal is the spec's.
    assert.match(autoWorkers.stderr, /^netspace: .*bad\.yaml: train\.epochs must be a whole number/);
    assert.equal(retry.code, 1);
    assert.match(retry.stderr, /^netspace: --retry "crash" is not a kind of failure; give failed \(every failed run\) or some of: out-of-memory, diverged, worker-crash, backend-load, user-setting, internal\n$/);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^netspace: sweep spec .*nope\.yaml does not exist/);
    assertNoStack(missing.stderr);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^netspace: .*bad\.yaml: train\.epochs must be a whole number from 1 to 10,000, got -1\n$/);
    assertNoStack(bad.stderr);
    assert.equal(workers.code, 1);
    assert.match(workers.stderr, /^netspace: --workers must be a whole number >= 1 or auto, got 0/);
    assert.equal(noDb.code, 1);
    assert.match(noDb.stderr, /^netspace: database .*absent\.db does not exist/);
    assertNoStack(noDb.stderr);
    assert.equal(noFormat.code, 1);
    assert.match(noFormat.stderr, /^netspace: sweep export: give --csv or --json, not both/);
    assert.equal(backend.code, 2);
    assert.match(backend.stderr, /Invalid values:[\s\S]*backend/);
  });

  it('refuses a spec that asks for more images than the data has before anything is stored, every time it is run', async () => {
    const spec = writeSpec(dir, 'toomany', 1);
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('trainSize: 256', 'trainSize: 70000'));
    const db = join(dir, 'toomany.db');
    for (let attempt = 0; attempt < 2; attempt++) {
      const run = await netspace('sweep', 'run', spec, '--db', db);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^netspace: .*toomany\.yaml: train\.trainSize is 70,000, but Fashion-MNIST has 60,000 training images\n$/);
      assertNoStack(run.stderr);
    }
    assert.equal(existsSync(db), false, 'nothing was stored');
  });

  it('survives kill -9 mid-sweep: readers and a second writer meanwhile, then resume trains each config once and loses no epoch', async () => {
    // 8 batches per epoch, each followed by a 100 ms pause (the fault worker's delay): runs of 5-6 s, so that the sweep is still
    // going while the checks below start their own processes.
    const spec = writeSpec(dir, 'killed', 6, 32);
    const db = join(dir, 'killed.db');
    const first = start(['sweep', 'run', spec, '--db', db], { NETSPACE_FAULT: 'delay:*' });

    // Concurrent reads while it writes: the CLI's status, the report, and the store's full read.
    const mid = await waitFor(db, (s) => s.epochs.length >= 2);
    const [status, second, report] = await Promise.all([
      netspace('sweep', 'status', 'killed', '--db', db, '--json'),
      netspace('sweep', 'run', spec, '--db', db),
      netspace('report', 'killed', '--db', db, '--out', join(dir, 'report', 'killed.html')),
    ]);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /^sweep killed: 8 runs, /);
    assert.equal(status.code, 0, status.stderr);
    const counts = JSON.parse(status.stdout) as Record<string, number> & { owner: { pid: number } | null };
    assert.equal(counts.total, 8);
    assert.equal(counts.pending + counts.running + counts.done + counts.failed + counts.diverged, 8);
    assert.ok(counts.running >= 1);
    assert.equal(counts.owner?.pid, first.child.pid);
    const reader = openStore(db, { readonly: true });
    try {
      const sweep = reader.readSweep('killed');
      assert.equal(sweep.runs.length, 8);
      assert.ok(sweep.runs.reduce((n, r) => n + r.epochs.length, 0) >= mid.epochs.length);
    } finally {
      reader.close();
    }

    // A second process on the same sweep is refused while the first lives.
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`^netspace: sweep "killed" is being run by process ${first.child.pid} on `));
    assertNoStack(second.stderr);

    // Kill it once a run is done and another is part-way (an epoch stored, not finished).
    assert.equal(first.child.exitCode, null, 'the sweep is still running after the concurrent checks');
    const atKill = await waitFor(db, (s) => {
      const done = s.runs.some((r) => r.status === 'done');
      const partial = s.runs.some((r) => r.status === 'running' && s.epochs.some((e) => e.run_id === r.id));
      return done && partial;
    });
    first.child.kill('SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL');
    const dead = snapshot(db);
    assert.ok(dead.runs.some((r) => r.status === 'running'), 'runs left running by the dead process');
    const orphaned = await netspace('sweep', 'status', 'killed', '--db', db);
    assert.match(orphaned.stdout, new RegExp(`was run by process ${first.child.pid}, which ended without finishing \\(killed\\?\\): run the sweep again to resume it`));
    assert.ok(dead.epochs.length >= atKill.epochs.length);

    const resumed = await netspace('sweep', 'run', spec, '--db', db, '--json');
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = JSON.parse(resumed.stdout.trim().split('\n').at(-1)!) as { type: string; created: boolean; added: number; reset: number; counts: Record<string, number> };
    assert.equal(summary.type, 'summary');
    assert.deepEqual({ created: summary.created, added: summary.added }, { created: false, added: 0 });
    assert.equal(summary.reset, dead.runs.filter((r) => r.status === 'running').length);
    assert.deepEqual(summary.counts, { total: 8, pending: 0, running: 0, paused: 0, done: 8, stopped: 0, failed: 0, diverged: 0 });

    const end = snapshot(db);
    assert.equal(new Set(end.runs.map((r) => r.config_key)).size, 8, 'each config once');
    assert.equal(end.checkpoints, 8, 'each done run keeps its final checkpoint, one per run');
    for (const run of end.runs) {
      assert.deepEqual(end.epochs.filter((e) => e.run_id === run.id).map((e) => e.epoch), [1, 2, 3, 4, 5, 6], `run ${run.id} has every epoch once`);
      const before = dead.runs.find((r) => r.id === run.id)!;
      if (before.status === 'done') {
        assert.deepEqual(run, before, `run ${run.id} was done before the kill and was not trained again`);
      } else if (before.status === 'running') {
        assert.equal(run.attempts, 2, `run ${run.id} was started again once`);
      }
    }
    // Every epoch committed before the kill is still there, unchanged (resumed runs continued after it).
    for (const e of dead.epochs) {
      assert.deepEqual(end.epochs.find((x) => x.run_id === e.run_id && x.epoch === e.epoch), e, `run ${e.run_id} epoch ${e.epoch} kept`);
    }
    assert.ok(dead.epochs.some((e) => dead.runs.find((r) => r.id === e.run_id)!.status === 'running'), 'the kill cut a run with stored epochs short');

    // What a finished sweep prints, and one row per run out.
    const text = await netspace('sweep', 'status', 'killed', '--db', db);
    assert.match(text.stdout, /8 runs: 8 done, 0 failed, 0 diverged, 0 running, 0 pending/);
    assert.match(text.stdout, /best runs:\n\s+#\d+ /);
    const csvPath = join(dir, 'killed.csv');
    const csv = await netspace('sweep', 'export', 'killed', '--db', db, '--csv', '--out', csvPath);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = readFileSync(csvPath, 'utf8').trim().split('\r\n');
    assert.equal(lines.length, 9);
    assert.match(lines[0]!, /^sweep,id,space,configKey,status,failureKind,finalError,/);
    const json = await netspace('sweep', 'export', 'killed', '--db', db, '--json');
    const rows = JSON.parse(json.stdout) as { id: number; status: string; epochs: unknown[] }[];
    assert.deepEqual(rows.map((r) => [r.id, r.status, r.epochs.length]), end.runs.map((r) => [r.id, 'done', 6]));
  });

  it('stops on Ctrl-C with exit code 130, in-flight runs back to pending with their epochs, and no hold left', async () => {
    const spec = writeSpec(dir, 'interrupted', 4, 32);
    const db = join(dir, 'interrupted.db');
    const run = start(['sweep', 'run', spec, '--db', db], { NETSPACE_FAULT: 'delay:*' });
    await waitFor(db, (s) => s.epochs.length >= 2 && s.runs.some((r) => r.status === 'running'));
    run.child.kill('SIGINT');
    const ended = await run.done;
    assert.equal(ended.code, 130, ended.stderr);
    assert.match(ended.stderr, /netspace: sweep interrupted interrupted; \d+ runs back to pending\. Run the same command to resume\./);
    assertNoStack(ended.stderr);
    const after = snapshot(db);
    assert.equal(after.runs.filter((r) => r.status === 'running').length, 0);
    assert.ok(after.runs.some((r) => r.status === 'pending' && after.epochs.some((e) => e.run_id === r.id)), 'a cut run kept its epochs');
    const status = JSON.parse((await netspace('sweep', 'status', 'interrupted', '--db', db, '--json')).stdout) as { owner: unknown; running: number };
    assert.deepEqual({ owner: status.owner, running: status.running }, { owner: null, running: 0 });
  });
});
