// `netspace train` as a user runs it: a real database, a kill -9 in the middle and a resume, a failed run, bad input.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tensorflowMissing } from '../../engine/backends.ts';

/** What --backend auto (the default) trains on: tensorflow where it loads, else wasm. */
const AUTO = (await tensorflowMissing()) === null ? 'tensorflow' : 'wasm';
import { storedRun, tinyModel } from '../netspace.ts';

const BIN = new URL('../../../bin/netspace.js', import.meta.url).pathname;
/** The CLI with the fault-planting worker (test/fixtures/netspace-with-faults.ts). */
const WITH_FAULTS = ['--import', 'tsx', new URL('../../fixtures/netspace-with-faults.ts', import.meta.url).pathname];
const netspace = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('cli/commands/train', () => {
  it('trains, stores every epoch, and prints the epoch table; a second call reads it back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-train-'));
    const db = join(dir, 'runs.db');
    const args = ['train', '--model', tinyModel(dir), '--epochs', '2', '--train-size', '512', '--val-size', '200', '--batch', '64', '--lr', '0.1', '--db', db];
    const first = netspace(...args);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /epoch\s+train loss\s+val loss\s+val error/);
    assert.match(first.stdout, new RegExp(`run 1 \\(train-tiny-[0-9a-f]{8}, backend ${AUTO}, \\d+ s\\): done: validation error`));
    const run = storedRun(db)!;
    assert.equal(run.status, 'done');
    assert.equal(run.epochs.length, 2);
    const again = netspace(...args);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /already trained/);
    assert.deepEqual(storedRun(db)!.epochs, run.epochs);
  });

  it('prints one JSON line per epoch with --json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-train-'));
    const run = netspace('train', '--model', tinyModel(dir), '--epochs', '2', '--train-size', '256', '--val-size', '100', '--db', join(dir, 'r.db'), '--json');
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.slice(0, 2).map((l) => l.epoch), [1, 2]);
    assert.ok(lines.slice(0, 2).every((l) => typeof l.valAccuracy === 'number' && typeof l.trainLoss === 'number'));
    assert.equal(lines[2].type, 'run');
    assert.equal(lines[2].status, 'done');
  });

  it('survives kill -9: the stored epochs stay, and the same command resumes after them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-train-'));
    const db = join(dir, 'runs.db');
    const args = [BIN, 'train', '--model', tinyModel(dir), '--epochs', '6', '--train-size', '3000', '--val-size', '200', '--batch', '32', '--db', db];
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    let before: ReturnType<typeof storedRun>;
    for (let i = 0; i < 600 && (before === undefined || before.epochs.length < 2); i++) {
      await sleep(100);
      try {
        before = storedRun(db);
      } catch {
        before = undefined; // the database may not exist yet
      }
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    assert.ok(before !== undefined && before.epochs.length >= 2, 'two epochs were stored before the kill');
    const killed = storedRun(db)!;
    // Stored as running, read as pending: its process is gone, and the next run takes it up again.
    assert.equal(killed.status, 'pending');
    assert.ok(killed.epochs.length < 6, 'killed before the end');

    const resumed = spawnSync(process.execPath, args, { encoding: 'utf8' });
    assert.equal(resumed.status, 0, resumed.stderr);
    const run = storedRun(db)!;
    assert.equal(run.status, 'done');
    assert.deepEqual(run.epochs.map((e) => e.epoch), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(run.epochs.slice(0, killed.epochs.length), killed.epochs, 'epochs stored before the kill are kept as they were');
  });

  it('stores a run that fails with its reason and kind, and exits 1 (divergence: test/train/trainer.test.ts)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-train-'));
    const db = join(dir, 'runs.db');
    // The CLI with the fault-planting worker: the run's worker throws before training.
    const run = spawnSync(process.execPath, [...WITH_FAULTS, 'train', '--model', tinyModel(dir), '--train-size', '256', '--val-size', '100', '--db', db], {
      encoding: 'utf8',
      env: { ...process.env, NETSPACE_FAULT: 'throw:*' },
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stdout, /failed: worker threw Error: planted fault/);
    const stored = storedRun(db)!;
    assert.deepEqual([stored.status, stored.failureKind], ['failed', 'internal']);
  });

  it('names each bad option and its value, without a stack trace', () => {
    for (const [args, message] of [
      [['--lr', '-1'], /^netspace: --lr must be a number in \(0, 10\], got -1$/m],
      [['--lr', '1e38'], /^netspace: --lr must be a number in \(0, 10\], got 1e\+38$/m],
      [['--epochs', '0'], /^netspace: --epochs must be a whole number from 1 to 10,000, got 0$/m],
      [['--resolution', '5000'], /^netspace: --resolution must be a whole number from 8 to 1,024, got 5000$/m],
      [['--train-size', '2.5'], /^netspace: --train-size must be a whole number from 10 to 10,000,000, got 2.5$/m],
      [['--micro-batch', '200'], /^netspace: --micro-batch is 200, more images than a batch holds \(128\): it must be at most the batch size$/m],
      [['--seed', '-1'], /^netspace: --seed must be an integer in \[0, 4,294,967,295\], got -1$/m],
      [['--val-size', '20000'], /^netspace: --val-size is 20,000, but Fashion-MNIST has 10,000 test \(validation\) images$/m],
      [['--train-size', '70000'], /^netspace: --train-size is 70,000, but Fashion-MNIST has 60,000 training images$/m],
      [['--resolution', '96', '--batch', '512', '--train-size', '512', '--val-size', '256', '--backend', 'wasm'], /^netspace: --batch asks for about 9\.5 GB of wasm heap per training pass .*--micro-batch|micro-batches \(188 images or fewer per pass would fit\)$/m],
      [['--model', 'nope'], /model "nope": not a preset/],
      [['--backend', 'gpu'], /Invalid values:\s+Argument: backend, Given: "gpu"/],
    ] as const) {
      const db = join(tmpdir(), `never-written-${process.pid}.db`);
      const run = netspace('train', ...args, '--db', db);
      assert.notEqual(run.status, 0);
      assert.equal(existsSync(db), false, `${args.join(' ')} wrote ${db}`);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    }
  });
});
