// Tests of src/cluster/submit.ts on a real one-node Slurm cluster (scripts/slurm-cluster.sh): a job array of real
// training tasks, one killed -9 mid-run and requeued, the follow-up collect job, and the epochs compared with the same
// spec trained by a local sweep.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectSweep } from '../../src/cluster/collect.ts';
import { LAYOUT, shardPath } from '../../src/cluster/layout.ts';
import { readShard } from '../../src/cluster/shard.ts';
import { clusterStatus, formatClusterStatus } from '../../src/cluster/status.ts';
import { submitSweep } from '../../src/cluster/submit.ts';
import type { ShardEvent } from '../../src/cluster/types.ts';
import { readStore } from '../../src/store/store.ts';
import type { RunRecord } from '../../src/core/types.ts';
import { runSweep } from '../../src/sweep/sweep.ts';
import { FAULT_ENV } from '../fixtures/fault-worker.ts';
import { assertUserError, netspace } from '../cli/netspace.ts';
import { DATA_DIR, tinySweep, tinySweepSource, useSlurmCluster } from './fixtures.ts';

/** The CLI with the fault-planting worker, as the array tasks run it (absolute paths: the jobs run in a temporary folder). */
const WITH_FAULTS = [
  process.execPath,
  '--import',
  import.meta.resolve('tsx'),
  new URL('../fixtures/netspace-with-faults.ts', import.meta.url).pathname,
];

const cluster = useSlurmCluster();

function slurm(command: string, ...args: string[]): string {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  assert.equal(run.status, 0, `${command} ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/** Polls `check` every 50 ms until it returns a value other than undefined; fails after `seconds`. */
async function until<T>(what: string, check: () => T | undefined, seconds = 300): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** squeue's lines for a job (array elements one per line); empty once every element has ended. */
const queued = (jobId: string): string[] => slurm('squeue', '-h', '-r', '-j', jobId, '-o', '%K|%T').split('\n').filter((l) => l !== '');

const metrics = (r: RunRecord): unknown => r.epochs.map(({ epoch, trainLoss, valLoss, valAccuracy }) => ({ epoch, trainLoss, valLoss, valAccuracy }));

/** Job ids these tests submitted, cancelled at the end whatever happened. */
const jobs: string[] = [];
function track<T extends { jobId: string | null; collectJobId: string | null }>(result: T): T {
  for (const id of [result.jobId, result.collectJobId]) if (id !== null) jobs.push(id);
  return result;
}

describe('cluster/submit (a real Slurm cluster)', { skip: cluster.skip ?? false }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-slurm-'));
  });
  after(() => {
    if (jobs.length > 0) spawnSync('scancel', jobs);
    rmSync(dir, { recursive: true, force: true });
    if (cluster.skip === null) cluster.stop();
  });

  it('trains 8 runs as a 2-task array; a task killed -9 mid-run and requeued resumes; each run done once, as a local sweep trains it', async () => {
    const db = join(dir, 'array.db');
    const spec = tinySweep('array', 2);
    // Every batch sleeps 100 ms (the fault-planting worker the tasks run), so that the kill below finds a run between
    // two epochs; sbatch passes the variable on to the tasks.
    process.env[FAULT_ENV] = 'delay:*';
    let submitted;
    try {
      submitted = track(
        await submitSweep(spec, { db, dataDir: DATA_DIR, download: false, workDir: dir, netspace: WITH_FAULTS, slurm: { tasks: 2, gpusPerTask: 1 } }),
      );
    } finally {
      delete process.env[FAULT_ENV];
    }
    const { jobId, collectJobId } = submitted;
    assert.ok(jobId !== null && collectJobId !== null);
    assert.deepEqual([submitted.runs, submitted.tasks, submitted.submission, submitted.added], [8, 2, 1, 8]);
    // The collect job waits until the requeued task has finished too (held now, released below).
    slurm('scontrol', 'hold', collectJobId);
    const sub = join(`${db}.cluster`, 'array', 'submission-1');
    assert.equal(readFileSync(submitted.script!, 'utf8'), submitted.scriptText);

    // Kill task 1's process when one of its runs has an epoch on disk and no end: the run is mid-way.
    const victim = await until('a run of task 1 between epochs', () => {
      const state = readShard(sub, 1);
      const run = [...state.runs.values()].find((r) => r.epochs.length >= 1 && r.result === null);
      return run && { runId: run.runId, epochs: run.epochs.length, pid: state.starts.at(-1)!.pid };
    });
    process.kill(victim.pid, 'SIGKILL');
    const epochsAtKill = await until('the killed task to leave the queue', () => (queued(jobId).some((l) => l.startsWith('1|')) ? undefined : readShard(sub, 1).runs.get(victim.runId)!.epochs.length));
    assert.ok(epochsAtKill >= victim.epochs);
    slurm('scontrol', 'requeue', `${jobId}_1`);
    await until('the array to end', () => (queued(jobId).length === 0 ? true : undefined));
    slurm('scontrol', 'release', collectJobId);
    await until('the collect job to end', () => (queued(collectJobId).length === 0 ? true : undefined));

    // The collect job merged every run and wrote the report.
    const cluster = readStore(db, (store) => store.readSweep('array'));
    assert.deepEqual(cluster.runs.map((r) => r.status), Array(8).fill('done'), readFileSync(join(sub, LAYOUT.logs, `collect-${collectJobId}.out`), 'utf8'));
    assert.ok(existsSync(join(dir, 'reports', 'array.html')), 'the collect job wrote the report');
    assert.equal(collectSweep(db, 'array').merged, 0, 'collecting again merges nothing');

    // The killed run: a second attempt (restart 1) resumed after the epochs the first had written; no epoch twice.
    const shard = readShard(sub, 1);
    assert.deepEqual(shard.starts.map((s) => [s.jobId !== null, s.arrayJobId, s.restart]), [[true, jobId, null], [true, jobId, 1]]);
    assert.equal(shard.runs.get(victim.runId)!.attempts, 2);
    // --gpus-per-task 1 on the node's two fake GPUs: Slurm gave every attempt one device of its own.
    const devices = [...readShard(sub, 0).starts, ...shard.starts].map((s) => s.cudaVisibleDevices);
    for (const device of devices) assert.match(device ?? 'unset', /^[01]$/);
    const events = readFileSync(join(sub, shardPath(1), LAYOUT.events), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ShardEvent);
    const starts = events.filter((e): e is Extract<ShardEvent, { type: 'run-start' }> => e.type === 'run-start' && e.runId === victim.runId);
    assert.equal(starts[1]!.resumed.length, epochsAtKill, 'resumed from the last epoch the killed attempt wrote');
    for (const run of cluster.runs) {
      const lines = events.filter((e) => e.type === 'epoch' && e.runId === run.id).length;
      if (shard.runs.has(run.id)) assert.equal(lines, 2, `run ${run.id}: each epoch written once`);
    }
    const status = clusterStatus(db, 'array')!;
    assert.deepEqual([status.array, status.notCollected, status.inProgress.length], [{ kind: 'ended' }, 0, 0]);
    assert.match(formatClusterStatus(status, db, 'array'), /submission 1: 8 runs in 2 tasks, Slurm array job \d+/);

    // The same spec trained locally: the same runs, epoch for epoch.
    const local = join(dir, 'local.db');
    await runSweep(spec, { db: local, dataDir: DATA_DIR, download: false, workers: 2, progress: { emit: () => {}, close: () => {} } });
    const reference = readStore(local, (store) => store.readSweep('array'));
    const byKey = new Map(reference.runs.map((r) => [r.configKey, r]));
    for (const run of cluster.runs) {
      assert.deepEqual(metrics(run), metrics(byKey.get(run.configKey)!), `${run.configKey}: epochs as trained locally`);
      assert.equal(run.finalError, byKey.get(run.configKey)!.finalError);
    }

    // Submitting again finds nothing left to train and submits nothing.
    const again = await submitSweep(spec, { db, dataDir: DATA_DIR, download: false, workDir: dir, slurm: { tasks: 2 } });
    assert.deepEqual([again.runs, again.jobId], [0, null]);
  });

  it('refuses to submit, or to sweep run, while an array of the sweep is still queued, and resubmits what a cancelled array left', async () => {
    const db = join(dir, 'resubmit.db');
    const spec = tinySweep('resubmit', 1);
    const first = track(await submitSweep(spec, { db, dataDir: DATA_DIR, download: false, workDir: dir, slurm: { tasks: 2, collectJob: false } }));
    const refusal = new RegExp(`the array job ${first.jobId} of submission 1 still has .* \`scancel ${first.jobId}\``);
    await assert.rejects(submitSweep(spec, { db, dataDir: DATA_DIR, download: false, workDir: dir, slurm: { tasks: 2 } }), refusal);
    // Nor does a local sweep start on the same runs meanwhile, and it leaves the database as it was.
    const file = join(dir, 'resubmit.json');
    writeFileSync(file, JSON.stringify(tinySweepSource('resubmit', 1)));
    const local = netspace(['sweep', 'run', file, '--db', db, '--data-dir', DATA_DIR, '--no-download']);
    // Cancel task 1 as soon as it has finished a run: the rest of its share is left for a new submission.
    const sub = join(`${db}.cluster`, 'resubmit', 'submission-1');
    await until('a finished run in task 1', () => ([...readShard(sub, 1).runs.values()].some((r) => r.result !== null) ? true : undefined));
    slurm('scancel', `${first.jobId}_1`);
    assertUserError(await local, refusal);
    assert.equal(readStore(db, (store) => store.sweepOwner('resubmit')), null, 'the refused sweep run never held the sweep');
    await until('the first array to end', () => (queued(first.jobId!).length === 0 ? true : undefined));
    const finishedBefore = [0, 1].reduce((n, t) => n + [...readShard(sub, t).runs.values()].filter((r) => r.result !== null).length, 0);
    assert.ok(finishedBefore < 8, 'the cancel left runs to train');

    const second = track(await submitSweep(spec, { db, dataDir: DATA_DIR, download: false, workDir: dir, slurm: { tasks: 2 } }));
    assert.equal(second.merged, finishedBefore, 'the second submit collected what the first array finished');
    assert.equal(second.runs, 8 - finishedBefore, 'and froze only the rest');
    await until('the second array and its collect job to end', () => (queued(second.jobId!).length + queued(second.collectJobId!).length === 0 ? true : undefined));
    const runs = readStore(db, (store) => store.readSweep('resubmit').runs);
    assert.deepEqual(runs.map((r) => r.status), Array(8).fill('done'));
    const collect = collectSweep(db, 'resubmit');
    assert.deepEqual([collect.merged, collect.duplicates, collect.finished], [0, 0, 8], 'each run trained once over both submissions');
  });
});
