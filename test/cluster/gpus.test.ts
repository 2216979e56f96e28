// Tests of src/cluster/gpus.ts: the worker processes' environment and shares (no GPU needed), and
// `netspace sweep run --gpus 0,1` for real: two worker processes (wasm here), each seeing only "its" device.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectSweep } from '../../src/cluster/collect.ts';
import { gpuWorkers, parseGpuList } from '../../src/cluster/gpus.ts';
import { submissionFolder } from '../../src/cluster/layout.ts';
import { taskShare } from '../../src/cluster/manifest.ts';
import { readShard } from '../../src/cluster/shard.ts';
import type { ManifestRun } from '../../src/cluster/types.ts';
import { NetspaceError } from '../../src/errors.ts';
import { readStore } from '../../src/store/store.ts';
import { assertUserError, netspace } from '../cli/netspace.ts';
import { DATA_DIR } from './fixtures.ts';

describe('cluster/gpus', () => {
  it('reads --gpus as a list of distinct device ids, and refuses anything else by name', () => {
    assert.deepEqual(parseGpuList('0,1,3'), ['0', '1', '3']);
    assert.deepEqual(parseGpuList(2), ['2']);
    assert.deepEqual(parseGpuList('GPU-8f6c0e2a-1b2c-4d5e-9f00-0123456789ab'), ['GPU-8f6c0e2a-1b2c-4d5e-9f00-0123456789ab']);
    for (const bad of ['', '0,,1', '0,0', 'a', '1;rm', true]) {
      assert.throws(() => parseGpuList(bad), (e: unknown) => e instanceof NetspaceError && /^--gpus must be a comma-separated list of GPU ids such as 0,1/.test(e.message), String(bad));
    }
  });

  it('starts one `sweep work` per GPU with only that GPU visible, its own task number, and the rest of the environment', () => {
    const env = { PATH: '/bin', CUDA_VISIBLE_DEVICES: '0,1,2,3', SLURM_ARRAY_TASK_ID: '9', NETSPACE_DATA: '/d' };
    const launches = gpuWorkers(['2', '3', '5'], 2, '/s/manifest.json', env, ['/usr/bin/node', '/n/bin/netspace.js']);
    assert.deepEqual(
      launches.map((l) => [l.task, l.gpu, l.command, l.args.join(' ')]),
      [
        [0, '2', '/usr/bin/node', '/n/bin/netspace.js sweep work /s/manifest.json --task 0'],
        [1, '3', '/usr/bin/node', '/n/bin/netspace.js sweep work /s/manifest.json --task 1'],
      ],
      'two shares use the first two GPUs',
    );
    for (const [i, l] of launches.entries()) {
      assert.deepEqual(l.env, { PATH: '/bin', NETSPACE_DATA: '/d', CUDA_VISIBLE_DEVICES: ['2', '3'][i], CUDA_DEVICE_ORDER: 'PCI_BUS_ID' });
    }
    assert.equal(env.CUDA_VISIBLE_DEVICES, '0,1,2,3', 'the parent environment is not changed');
  });

  it('gives every run to exactly one share, shares differing by at most one run', () => {
    const runs = Array.from({ length: 11 }, (_, i) => ({ runId: 100 + i }) as ManifestRun);
    for (const tasks of [1, 2, 3, 4, 11]) {
      const shares = Array.from({ length: tasks }, (_, t) => taskShare({ runs, tasks }, t).map((r) => r.runId));
      assert.deepEqual(shares.flat().sort(), runs.map((r) => r.runId), `${tasks} shares`);
      const sizes = shares.map((s) => s.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${tasks} shares: ${sizes.join(',')}`);
    }
  });

  describe('sweep run --gpus (CLI, real worker processes)', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'netspace-gpus-'));
      writeFileSync(
        join(dir, 'gpus.yaml'),
        'name: gpus\nseed: 2\nspaces: [{model: {stemWidth: 8, stages: [{depth: 1, width: 8, groupWidth: 8}]}, name: fixed, n: 4}]\n' +
          'train: {epochs: 2, batchSize: 64, lr: 0.1, trainSize: 256, valSize: 128, backend: wasm}\n',
      );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('trains every run once in one process per GPU, each with its CUDA_VISIBLE_DEVICES, into the database', async () => {
      const db = join(dir, 'gpus.db');
      const result = await netspace(['sweep', 'run', join(dir, 'gpus.yaml'), '--db', db, '--gpus', '0,1', '--data-dir', DATA_DIR, '--no-download']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /sweep gpus: 4 done, 0 failed, 0 diverged, 0 pending of 4; trained 4 here in 2 processes on GPUs 0,1/);
      assert.match(result.stderr, /^\[gpu 0\] /m);
      assert.match(result.stderr, /^\[gpu 1\] /m);
      const sub = submissionFolder(db, 'gpus', 1);
      for (const task of [0, 1]) {
        const shard = readShard(sub, task);
        assert.deepEqual(shard.starts.map((s) => [s.task, s.tasks, s.cudaVisibleDevices, s.jobId]), [[task, 2, String(task), null]]);
        assert.equal([...shard.runs.values()].filter((r) => r.result?.status === 'done').length, 2);
      }
      const runs = readStore(db, (store) => store.readSweep('gpus').runs);
      assert.deepEqual(runs.map((r) => [r.status, r.epochs.length]), Array(4).fill(['done', 2]));
      assert.equal(collectSweep(db, 'gpus').merged, 0, 'the run merged everything before it returned');

      const again = await netspace(['sweep', 'run', join(dir, 'gpus.yaml'), '--db', db, '--gpus', '0,1', '--data-dir', DATA_DIR]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /sweep gpus: nothing to train, every run is finished/);
      const status = await netspace(['sweep', 'status', 'gpus', '--db', db]);
      assert.match(status.stdout, /submission 1: 4 runs in 2 tasks, GPUs 0,1 on \S+, submitted /);
      assert.match(status.stdout, /the database holds every result in the shards/);
    });

    it('refuses a malformed --gpus before anything is written', async () => {
      assertUserError(await netspace(['sweep', 'run', join(dir, 'gpus.yaml'), '--db', join(dir, 'bad.db'), '--gpus', '0,0']), /--gpus must be a comma-separated list/);
      assert.ok(!existsSync(join(dir, 'bad.db')));
    });
  });
});
