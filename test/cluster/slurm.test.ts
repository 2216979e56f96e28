// Tests of src/cluster/slurm.ts: option checks and their messages, the scripts, sbatch's and squeue's answers read
// back, and `sweep submit --dry-run` as a user runs it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetspaceError } from '../../src/errors.ts';
import {
  SLURM_DEFAULTS,
  arrayTasks,
  parseSbatchOutput,
  parseSlurmOptions,
  parseSqueue,
  renderArrayScript,
  renderCollectScript,
  type ScriptInput,
} from '../../src/cluster/slurm.ts';
import { assertUserError, netspace } from '../cli/netspace.ts';

function input(options: Parameters<typeof parseSlurmOptions>[0] = {}): ScriptInput {
  return {
    sweep: 'tiny',
    submission: 2,
    runs: 8,
    tasks: 3,
    db: '/data/x.db',
    submissionDir: '/data/x.db.cluster/tiny/submission-2',
    manifest: '/data/x.db.cluster/tiny/submission-2/manifest.json',
    workDir: '/home/u/proj',
    netspace: ['/usr/bin/node', '/opt/netspace/bin/netspace.js'],
    options: parseSlurmOptions(options),
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

const sbatchLines = (script: string): string[] => script.split('\n').filter((l) => l.startsWith('#SBATCH ')).map((l) => l.slice(8));

function rejects(given: Parameters<typeof parseSlurmOptions>[0], message: RegExp): void {
  assert.throws(() => parseSlurmOptions(given), (e: unknown) => e instanceof NetspaceError && message.test(e.message), JSON.stringify(given));
}

describe('cluster/slurm', () => {
  it('takes the defaults, and checks every option with a message naming the flag and the value', () => {
    assert.deepEqual(parseSlurmOptions({}), { ...SLURM_DEFAULTS });
    rejects({ cpusPerTask: 0 }, /^--cpus-per-task must be an integer in \[1, 1,024\], got 0$/);
    rejects({ gpusPerTask: 1.5 }, /^--gpus-per-task must be an integer in \[0, 64\], got 1\.5$/);
    rejects({ tasks: 1001 }, /^--tasks must be an integer in \[1, 1,000\], got 1001$/);
    rejects({ maxConcurrent: Number.NaN }, /^--max-concurrent must be an integer .* got NaN$/);
    rejects({ time: '1h' }, /^--time must be a Slurm time limit: .* got "1h"$/);
    rejects({ mem: '4 GB' }, /^--mem must be a memory size such as 4000, 8G or 512M, got "4 GB"$/);
    rejects({ partition: 'gpu;rm' }, /^--partition must be letters, digits and _ \. @ -, got "gpu;rm"$/);
    rejects({ sbatch: ['account=lab'] }, /^--sbatch must be an sbatch option on one line/);
    rejects({ sbatch: ['--qos=a\n#SBATCH --x'] }, /^--sbatch must be an sbatch option on one line/);
    rejects({ sbatch: ['--array=0-3'] }, /^--sbatch "--array=0-3": netspace writes --array itself/);
    for (const time of ['90', '1:30', '1:30:00', '2-12', '2-12:30', '2-12:30:00', 'UNLIMITED']) assert.equal(parseSlurmOptions({ time }).time, time);
    assert.deepEqual(parseSlurmOptions({ sbatch: '--account=lab' }).sbatch, ['--account=lab']);
  });

  it('never asks for more array tasks than runs, nor for none', () => {
    assert.equal(arrayTasks({ tasks: null }, 8), 8);
    assert.equal(arrayTasks({ tasks: 3 }, 8), 3);
    assert.equal(arrayTasks({ tasks: 20 }, 8), 8);
    assert.equal(arrayTasks({ tasks: null }, 5000), 1000);
    assert.equal(arrayTasks({ tasks: 4 }, 0), 1);
  });

  it('writes an array script with every option given, running sweep work for its task', () => {
    const script = renderArrayScript(
      input({ partition: 'gpu', time: '1:00:00', cpusPerTask: 2, gpusPerTask: 1, mem: '8G', maxConcurrent: 2, sbatch: ['--account=lab', '--qos short'], jobName: 'rx' }),
    );
    assert.ok(script.startsWith('#!/bin/bash\n'));
    assert.deepEqual(sbatchLines(script), [
      '--job-name=rx',
      '--array=0-2%2',
      '--partition=gpu',
      '--time=1:00:00',
      '--ntasks=1',
      '--cpus-per-task=2',
      '--gpus-per-task=1',
      '--mem=8G',
      '--requeue',
      '--chdir=/home/u/proj',
      '--open-mode=append',
      '--output=/data/x.db.cluster/tiny/submission-2/logs/task-%a.out',
      '--account=lab',
      '--qos short',
    ]);
    assert.match(script, /\nexec \/usr\/bin\/node \/opt\/netspace\/bin\/netspace\.js sweep work \/data\/x\.db\.cluster\/tiny\/submission-2\/manifest\.json --task "\$SLURM_ARRAY_TASK_ID"\n$/);
    assert.match(script, /# netspace sweep tiny, submission 2: 8 runs in 3 array tasks\./);
    const plain = sbatchLines(renderArrayScript(input({ requeue: false })));
    assert.deepEqual(plain.slice(0, 4), ['--job-name=netspace-tiny', '--array=0-2', '--ntasks=1', '--cpus-per-task=1']);
    assert.ok(!plain.some((l) => /requeue|gpus|partition|time|mem/.test(l)));
    assert.throws(() => renderArrayScript({ ...input(), submissionDir: '/my data/s' }), /white space/);
  });

  it('writes a collect script that waits for the whole array (afterany) and writes the report', () => {
    const script = renderCollectScript(input({ partition: 'cpu' }), '4242', '/home/u/r.html');
    assert.deepEqual(sbatchLines(script), [
      '--job-name=netspace-tiny-collect',
      '--partition=cpu',
      '--ntasks=1',
      '--cpus-per-task=1',
      '--dependency=afterany:4242',
      '--kill-on-invalid-dep=yes',
      '--chdir=/home/u/proj',
      '--output=/data/x.db.cluster/tiny/submission-2/logs/collect-%j.out',
    ]);
    assert.match(script, /\n\/usr\/bin\/node \/opt\/netspace\/bin\/netspace\.js sweep collect tiny --db \/data\/x\.db\n/);
    assert.match(script, /\n\/usr\/bin\/node \/opt\/netspace\/bin\/netspace\.js report tiny --db \/data\/x\.db --out \/home\/u\/r\.html\n$/);
    assert.match(renderCollectScript(input(), null, null), /--dependency=afterany:<array job id>/);
  });

  it('reads the job id from sbatch --parsable, and counts array tasks from squeue', () => {
    assert.equal(parseSbatchOutput('123\n'), '123');
    assert.equal(parseSbatchOutput('77;netspace\n'), '77');
    assert.equal(parseSbatchOutput('Submitted batch job 5\n'), null);
    assert.equal(parseSbatchOutput(''), null);
    const text = ['2|PENDING|JobArrayTaskLimit', '3|PENDING|JobArrayTaskLimit', '4|PENDING|Priority', '0|RUNNING|None', '1|COMPLETING|None', ''].join('\n');
    assert.deepEqual(parseSqueue(text, 8), { kind: 'queued', pending: 3, running: 2, done: 3, reasons: ['JobArrayTaskLimit', 'Priority'] });
    assert.deepEqual(parseSqueue('', 8), { kind: 'ended' });
    assert.deepEqual(parseSqueue('N/A|PENDING|Dependency\n', 1), { kind: 'queued', pending: 1, running: 0, done: 0, reasons: ['Dependency'] });
  });

  describe('sweep submit --dry-run (CLI)', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'netspace-submit-dry-'));
      writeFileSync(
        join(dir, 'dry.yaml'),
        'name: dry\nseed: 1\nspaces: [{model: {stemWidth: 8, stages: [{depth: 1, width: 8, groupWidth: 8}]}, name: fixed, n: 5}]\n' +
          'train: {epochs: 1, trainSize: 256, valSize: 128, backend: wasm}\n',
      );
      writeFileSync(
        join(dir, 'asha.yaml'),
        'name: asha\nseed: 1\nspaces: [{model: {stemWidth: 8, stages: [{depth: 1, width: 8, groupWidth: 8}]}, name: fixed, n: 9}]\n' +
          'train: {epochs: 9, trainSize: 256, valSize: 128, backend: wasm}\nfidelity: {kind: asha, minEpochs: 1, maxEpochs: 9, reductionFactor: 3}\n',
      );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('prints the array script with the options given and the collect script, and writes nothing', async () => {
      const db = join(dir, 'dry.db');
      const result = await netspace([
        'sweep', 'submit', join(dir, 'dry.yaml'), '--slurm', '--dry-run', '--db', db,
        '--partition', 'gpu', '--time', '2:00:00', '--cpus-per-task', '2', '--gpus-per-task', '1', '--mem', '4G',
        '--tasks', '2', '--max-concurrent', '1', '--sbatch=--account=lab',
      ]);
      assert.equal(result.code, 0, result.stderr);
      const [array, collect] = result.stdout.split('# ---- the follow-up job (collect.sbatch), submitted after the array ----\n');
      const lines = sbatchLines(array!);
      for (const line of ['--array=0-1%1', '--partition=gpu', '--time=2:00:00', '--cpus-per-task=2', '--gpus-per-task=1', '--mem=4G', '--requeue', '--account=lab']) {
        assert.ok(lines.includes(line), `${line} in ${lines.join(' ')}`);
      }
      assert.ok(lines.includes(`--output=${db}.cluster/dry/submission-1/logs/task-%a.out`));
      assert.match(array!, /# netspace sweep dry, submission 1: 5 runs in 2 array tasks\./);
      assert.match(array!, new RegExp(`sweep work ${db}\\.cluster/dry/submission-1/manifest\\.json --task "\\$SLURM_ARRAY_TASK_ID"`));
      assert.match(collect!, /#SBATCH --dependency=afterany:<array job id>/);
      assert.match(result.stderr, /dry run: 5 runs in 2 tasks; nothing written or submitted/);
      assert.ok(!existsSync(db), 'a dry run creates no database');
      assert.ok(!existsSync(`${db}.cluster`), 'nor a submission folder');
    });

    it('refuses bad options, a missing --slurm and a fidelity: schedule with a message, exit code 1 and no stack trace', async () => {
      const spec = join(dir, 'dry.yaml');
      const cases: [string[], RegExp][] = [
        [['--dry-run'], /name the scheduler with --slurm/],
        [['--slurm', '--dry-run', '--time', 'soon'], /--time must be a Slurm time limit/],
        [['--slurm', '--dry-run', '--tasks', '0'], /--tasks must be an integer in \[1, 1,000\], got 0/],
        [['--slurm', '--dry-run', '--sbatch=--output=x'], /netspace writes --output itself/],
      ];
      const results = await Promise.all([
        ...cases.map(([args]) => netspace(['sweep', 'submit', spec, ...args])),
        netspace(['sweep', 'submit', join(dir, 'none.yaml'), '--slurm', '--dry-run']),
        netspace(['sweep', 'submit', join(dir, 'asha.yaml'), '--slurm', '--dry-run', '--db', join(dir, 'asha.db')]),
        netspace(['sweep', 'run', join(dir, 'asha.yaml'), '--gpus', '0,1', '--db', join(dir, 'asha.db')]),
      ]);
      cases.forEach(([, message], i) => assertUserError(results[i]!, message));
      assertUserError(results.at(-3)!, /sweep spec .*none\.yaml does not exist/);
      // A fidelity schedule decides in the one process that holds the sweep: separate processes cannot follow it.
      assertUserError(results.at(-2)!, /sweep "asha" has a fidelity: schedule, which sweep submit --slurm cannot follow: .* train it with `netspace sweep run`/);
      assertUserError(results.at(-1)!, /sweep "asha" has a fidelity: schedule, which sweep run --gpus cannot follow/);
      assert.ok(!existsSync(join(dir, 'asha.db')) && !existsSync(join(dir, 'asha.db.cluster')), 'refused before anything was written');
    });
  });
});
