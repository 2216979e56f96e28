// Tests of src/cluster/work.ts: which task a process is, and one task's share trained in-process into its shard,
// then again as a requeued attempt would (nothing trained twice), then collected.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectSweep } from '../../src/cluster/collect.ts';
import { readShard } from '../../src/cluster/shard.ts';
import { prepareSubmission } from '../../src/cluster/submit.ts';
import { resolveTask, taskIdentity, workShare } from '../../src/cluster/work.ts';
import { NetspaceError } from '../../src/errors.ts';
import { readStore } from '../../src/store/store.ts';
import { assertUserError, netspace } from '../cli/netspace.ts';
import { DATA_DIR, tinySweep } from './fixtures.ts';

const silent = { emit: () => {}, close: () => {} };

describe('cluster/work', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-work-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the task from --task, else from SLURM_ARRAY_TASK_ID, and says so when neither is there', () => {
    assert.equal(resolveTask(3, { SLURM_ARRAY_TASK_ID: '5' }), 3);
    assert.equal(resolveTask(undefined, { SLURM_ARRAY_TASK_ID: '5' }), 5);
    assert.throws(() => resolveTask(undefined, {}), (e: unknown) => e instanceof NetspaceError && /give --task <n>.*SLURM_ARRAY_TASK_ID is not set/.test(e.message));
    assert.throws(() => resolveTask(-1, {}), /--task must be a whole number >= 0/);
    assert.throws(() => resolveTask(undefined, { SLURM_ARRAY_TASK_ID: 'x' }), /--task must be a whole number >= 0 .* got "x"/);
    const id = taskIdentity(1, 4, { SLURM_JOB_ID: '31', SLURM_ARRAY_JOB_ID: '30', SLURM_RESTART_COUNT: '2', CUDA_VISIBLE_DEVICES: '1' });
    assert.deepEqual([id.jobId, id.arrayJobId, id.restart, id.cudaVisibleDevices, id.pid], ['31', '30', 2, '1', process.pid]);
    assert.deepEqual([taskIdentity(0, 1, {}).jobId, taskIdentity(0, 1, {}).restart], [null, null]);
  });

  it('trains its share into its shard, trains nothing a second time, and leaves tasks past the shares idle', async () => {
    const db = join(dir, 'work.db');
    const prepared = await prepareSubmission(tinySweep('work', 1), { db, dataDir: DATA_DIR, download: false, kind: 'slurm', tasks: () => 3, workersPerTask: 2 });
    const manifest = prepared.manifestPath!;
    assert.equal(prepared.manifest!.tasks, 3);
    const first = await workShare({ manifest, task: 1, progress: silent, env: {} });
    assert.deepEqual([first.share, first.alreadyDone, first.trained, first.workers, first.interrupted], [3, 0, 3, 2, false]);
    assert.ok(first.startupSeconds !== null && first.startupSeconds > 0);
    const again = await workShare({ manifest, task: 1, progress: silent, env: {} });
    assert.deepEqual([again.alreadyDone, again.trained], [3, 0], 'a requeued attempt finds its share finished');
    const shard = readShard(prepared.submissionDir!, 1);
    assert.deepEqual([shard.starts.length, [...shard.runs.values()].map((r) => r.attempts)], [2, [1, 1, 1]]);
    const idle = await workShare({ manifest, task: 7, progress: silent, env: {} });
    assert.deepEqual([idle.share, idle.trained], [0, 0]);

    const collected = collectSweep(db, 'work');
    assert.deepEqual([collected.merged, collected.counts.done, collected.counts.pending], [3, 3, 5]);
    const runs = readStore(db, (store) => store.readSweep('work').runs.filter((r) => r.status === 'done'));
    assert.deepEqual(runs.map((r) => r.id).sort(), prepared.manifest!.runs.filter((_, j) => j % 3 === 1).map((r) => r.runId).sort());
  });

  it('refuses a missing manifest and a missing task number with a message and exit code 1', async () => {
    const [missing, noTask, badWorkers] = await Promise.all([
      netspace(['sweep', 'work', join(dir, 'nope.json'), '--task', '0']),
      netspace(['sweep', 'work', join(dir, 'nope.json')], { SLURM_ARRAY_TASK_ID: '' }),
      netspace(['sweep', 'work', join(dir, 'nope.json'), '--task', '0', '--workers', '0']),
    ]);
    assertUserError(missing, /manifest .*nope\.json does not exist/);
    assertUserError(noTask, /sweep work: give --task <n> \(0-based\), or run it as a Slurm array task/);
    assertUserError(badWorkers, /--workers must be a whole number >= 1, got 0/);
  });
});
