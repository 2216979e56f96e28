// `netspace train` with a recipe, as a user runs it: kill -9 in the middle and the same command again gives the
// epochs of an uninterrupted run bit for bit; recipe files and flags, and their mistakes named by file or flag.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { storedRun, tinyModel } from '../netspace.ts';

const BIN = new URL('../../../bin/netspace.js', import.meta.url).pathname;
const netspace = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });


const RECIPE_FLAGS = [
  '--momentum', '0.9', '--nesterov', '--weight-decay', '5e-4', '--exclude-bn-bias', '--schedule', 'cosine', '--warmup-epochs', '0.5',
  '--label-smoothing', '0.1', '--random-crop', '2', '--flip',
];

describe('cli train with a recipe', () => {
  it('survives kill -9: the same command resumes with the optimizer state, and every epoch equals an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-recipe-'));
    const args = (db: string) => [
      BIN, 'train', '--model', tinyModel(dir), '--epochs', '4', '--train-size', '1500', '--val-size', '200', '--batch', '32', '--lr', '0.05',
      ...RECIPE_FLAGS, '--backend', 'wasm', '--db', db,
    ];
    const whole = spawnSync(process.execPath, args(join(dir, 'whole.db')), { encoding: 'utf8' });
    assert.equal(whole.status, 0, whole.stderr);
    const reference = storedRun(join(dir, 'whole.db'))!;
    assert.equal(reference.status, 'done');
    assert.deepEqual(reference.settings.recipe, {
      optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true },
      weightDecay: 5e-4,
      excludeBnAndBias: true,
      schedule: { kind: 'cosine', minFactor: 0 },
      warmup: { epochs: 0.5, startFactor: 0.1 },
      labelSmoothing: 0.1,
      augmentation: { randomCrop: { padding: 2 }, horizontalFlip: true, randomResizedCrop: null },
    });

    const db = join(dir, 'killed.db');
    const child = spawn(process.execPath, args(db), { stdio: 'ignore' });
    let before: ReturnType<typeof storedRun>;
    // Poll (no fixed sleep): up to 10 minutes for the first epoch on a loaded machine.
    for (let i = 0; i < 6000 && (before === undefined || before.epochs.length < 1); i++) {
      await sleep(100);
      try {
        before = storedRun(db);
      } catch {
        before = undefined; // the database may not exist yet
      }
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    const killed = storedRun(db)!;
    assert.ok(killed.epochs.length >= 1 && killed.epochs.length < 4, `killed after ${killed.epochs.length} epochs`);
    assert.equal(killed.status, 'pending', 'stored as running, read as pending: its process is gone');

    const resumed = spawnSync(process.execPath, args(db), { encoding: 'utf8' });
    assert.equal(resumed.status, 0, resumed.stderr);
    const run = storedRun(db)!;
    assert.equal(run.status, 'done');
    const metrics = (r: typeof run) => r.epochs.map(({ epoch, trainLoss, valLoss, valAccuracy }) => ({ epoch, trainLoss, valLoss, valAccuracy }));
    assert.deepEqual(metrics(run), metrics(reference), `killed after epoch ${killed.epochs.length}, resumed: the uninterrupted run's epochs`);
    assert.equal(run.finalError, reference.finalError);
  });

  it('reads a recipe file and lets flags change it; the chapter recipe given explicitly is the run without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-recipe-'));
    const file = join(dir, 'recipe.yaml');
    writeFileSync(file, 'optimizer: adamw\nweightDecay: 0.05\nschedule: {kind: step, every: 1, gamma: 0.5}\n');
    const db = join(dir, 'r.db');
    const common = ['train', '--model', tinyModel(dir), '--epochs', '1', '--train-size', '256', '--val-size', '100', '--lr', '0.01', '--db', db, '--json'];
    const run = netspace(...common, '--recipe', file, '--label-smoothing', '0.2');
    assert.equal(run.status, 0, run.stderr);
    const stored = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { settings: { recipe: Record<string, unknown> } };
    assert.deepEqual(stored.settings.recipe.optimizer, { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    assert.deepEqual(stored.settings.recipe.schedule, { kind: 'step', every: 1, gamma: 0.5 });
    assert.equal(stored.settings.recipe.labelSmoothing, 0.2);

    const plain = netspace(...common);
    const chapter = netspace(...common, '--recipe', 'chapter');
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(chapter.stdout, /"type":"run"/);
    const sweepOf = (out: string) => (JSON.parse(out.trim().split('\n').at(-1)!) as { sweep: string }).sweep;
    assert.equal(sweepOf(chapter.stdout), sweepOf(plain.stdout), 'the same run: stored without a recipe');
  });

  it('names the flag, or the file and the place in it, for each bad recipe option, without a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-recipe-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'optimizer: {kind: sgd, momentum: 1.5}\n');
    for (const [args, message] of [
      [['--momentum', '1'], /^netspace: --momentum must be a number in \[0, 1\), got 1$/m],
      [['--nesterov'], /^netspace: --nesterov needs momentum > 0/m],
      [['--optimizer', 'adagrad'], /^netspace: --optimizer must be one of sgd, adam, adamw, got "adagrad"$/m],
      [['--optimizer', 'adam', '--momentum', '0.9'], /^netspace: --momentum goes with --optimizer sgd; the recipe's optimizer is adam$/m],
      [['--lr-gamma', '0.5'], /^netspace: --lr-gamma goes with --schedule step or exponential; the recipe's schedule is constant$/m],
      [['--schedule', 'step', '--lr-steps', '5,3'], /^netspace: --lr-steps must be a non-empty list of increasing epochs, got \[5,3\]$/m],
      [['--warmup-factor', '0.2'], /^netspace: --warmup-epochs is missing: give a number$/m],
      [['--label-smoothing', '1'], /^netspace: --label-smoothing must be a number in \[0, 1\), got 1$/m],
      [['--random-crop', '4', '--random-resized-crop'], /^netspace: --random-crop\/--random-resized-crop takes randomCrop or randomResizedCrop, not both$/m],
      [['--random-resized-crop', 'big'], /^netspace: --random-resized-crop must be a pair \[low, high\] with low <= high, got "big"$/m],
      [['--recipe', 'pycl'], /^netspace: --recipe must be a recipe \(an object\) or a preset \(chapter, pycls\), got "pycl" \(did you mean "pycls"\?\)$/m],
      [['--recipe', file], new RegExp(`^netspace: ${file.replace(/[.]/g, '\\.')}: optimizer\\.momentum must be a number in \\[0, 1\\), got 1\\.5$`, 'm')],
    ] as const) {
      const db = join(tmpdir(), `never-written-${process.pid}.db`);
      const run = netspace('train', ...args, '--db', db);
      assert.notEqual(run.status, 0, args.join(' '));
      assert.equal(existsSync(db), false, `${args.join(' ')} wrote ${db}`);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    }
  });
});
