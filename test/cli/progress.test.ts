// Tests of src/cli/progress.ts, the progress of a sweep: plain lines, JSON lines and terminal bars.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createProgressReporter, formatDuration } from '../../src/cli/progress.ts';
import type { ProgressEvent } from '../../src/sweep/progress.ts';

/** A stream that keeps what is written; `isTTY` makes it look like a terminal. */
function sink(isTTY = false): { write: (t: string) => boolean; isTTY: boolean; columns: number; text: () => string } {
  let text = '';
  return {
    write: (t: string) => {
      text += t;
      return true;
    },
    isTTY,
    columns: 120,
    text: () => text,
  };
}

const epochRecord = (epoch: number) => ({ epoch, trainLoss: 1.5, valLoss: 1.25, valAccuracy: 0.625, seconds: 2, imagesPerSecond: 500 });

/** Two runs on two workers; 30 minutes pass between the sweep start and each run end. */
function script(): ProgressEvent[] {
  return [
    { type: 'sweep-start', sweep: 's', total: 4, done: 1, failed: 0, diverged: 0, workers: 2, backend: 'wasm' },
    { type: 'run-start', worker: 1, runId: 2, label: 'A (1.0M flops, 20.0k params)', epochs: 2, resumedAt: 0 },
    { type: 'run-start', worker: 2, runId: 3, label: 'B (2.0M flops, 30.0k params)', epochs: 2, resumedAt: 1 },
    { type: 'batch', worker: 1, runId: 2, epoch: 1, epochs: 2, batch: 1, batches: 4, loss: 2.3, imagesPerSecond: 400 },
    { type: 'batch', worker: 1, runId: 2, epoch: 1, epochs: 2, batch: 2, batches: 4, loss: 2.2, imagesPerSecond: 410 },
    { type: 'epoch', worker: 1, runId: 2, epochs: 2, record: epochRecord(1) },
    { type: 'run-end', worker: 1, runId: 2, label: 'A', status: 'done', finalError: 0.375, errorText: null, seconds: 65 },
    { type: 'run-end', worker: 2, runId: 3, label: 'B', status: 'failed', finalError: null, errorText: 'worker thread exited with code 3 during training', seconds: 1 },
    { type: 'sweep-end', sweep: 's', interrupted: true, released: 0 },
  ] as ProgressEvent[];
}

function play(mode: 'plain' | 'json' | 'bars', isTTY = false): string {
  const clock = { t: 0 };
  const out = sink(isTTY);
  const progress = createProgressReporter({ mode, stream: out, now: () => clock.t, batchIntervalMs: 1000 });
  const events = script();
  let elapsed = 0;
  for (const e of events) {
    if (e.type === 'run-end') elapsed += 30 * 60_000;
    clock.t = elapsed;
    progress.emit(e);
  }
  progress.close();
  return out.text();
}

describe('cli/progress', () => {
  it('writes a plain batch line at most once a minute in long epochs, with the run ETA', () => {
    const clock = { t: 0 };
    const out = sink(false);
    const progress = createProgressReporter({ mode: 'plain', stream: out, now: () => clock.t });
    const batch = (n: number) => ({ type: 'batch', worker: 1, runId: 7, epoch: 1, epochs: 2, batch: n, batches: 100, loss: 1.25, imagesPerSecond: 90 }) as ProgressEvent;
    progress.emit({ type: 'run-start', worker: 1, runId: 7, label: 'regnet32', epochs: 2, resumedAt: 0 });
    clock.t = 30_000; // 30 s: 10 of 200 batches of the run, too soon for a line
    progress.emit(batch(10));
    clock.t = 60_000; // 60 s: 20 of 200 batches done, so 9 minutes to go
    progress.emit(batch(20));
    clock.t = 90_000;
    progress.emit(batch(30));
    progress.close();
    assert.deepEqual(out.text().trim().split('\n'), [
      '[w1] run 7 regnet32',
      '[w1] run 7 epoch 1/2 batch 20/100 loss 1.250 90 img/s ETA 9m00s',
    ]);
  });

  it('writes plain lines: runs, epochs, ends with reasons, and the sweep totals with models/hour and ETA', () => {
    const lines = play('plain').trim().split('\n');
    assert.deepEqual(lines, [
      'sweep s: 4 runs, 1 finished before, 2 workers, backend wasm',
      '[w1] run 2 A (1.0M flops, 20.0k params)',
      '[w2] run 3 B (2.0M flops, 30.0k params) (resumed after epoch 1)',
      '[w1] run 2 epoch 1/2: train loss 1.5000, val loss 1.2500, val error 37.50%, 500 img/s',
      '[w1] run 2 done, error 37.50% in 1m05s',
      // One run in half an hour: 2 models/h, and the 2 runs left take an hour.
      'sweep s: 2/4 runs | done 2 | failed 0 | 2.0 models/h | ETA 1h00m',
      '[w2] run 3 failed: worker thread exited with code 3 during training',
      'sweep s: 3/4 runs | done 2 | failed 1 | 2.0 models/h | ETA 30m00s',
      'sweep s interrupted: 0 in-flight runs back to pending; run the same command to resume',
    ]);
  });

  it('writes one JSON object per event, with time, rate and ETA at run ends, batch lines thinned', () => {
    const records = play('json').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(records.map((r) => r.type), ['sweep-start', 'run-start', 'run-start', 'batch', 'epoch', 'run-end', 'run-end', 'sweep-end']);
    assert.equal(records[0]!.time, '1970-01-01T00:00:00.000Z');
    const end = records[5]!;
    assert.deepEqual([end.finished, end.total, end.modelsPerHour, end.etaSeconds], [2, 4, 2, 3600]);
    assert.equal(records[3]!.batch, 1, 'the second batch came within the interval and was dropped');
  });

  it('keeps NaN out of JSON lines', () => {
    const out = sink();
    const progress = createProgressReporter({ mode: 'json', stream: out });
    progress.emit({ type: 'epoch', worker: 1, runId: 1, epochs: 1, record: { ...epochRecord(1), trainLoss: Number.NaN } });
    assert.equal((JSON.parse(out.text()) as { record: { trainLoss: unknown } }).record.trainLoss, null);
  });

  it('counts a paused run as paused until its schedule promotes it, and once when it ends', () => {
    const out = sink(false);
    const progress = createProgressReporter({ mode: 'plain', stream: out, now: () => 0 });
    const end = (runId: number, status: 'paused' | 'done' | 'stopped') =>
      progress.emit({ type: 'run-end', worker: 1, runId, label: 'A', status, finalError: status === 'paused' ? null : 0.25, errorText: null, seconds: 1 });
    const start = (runId: number) => progress.emit({ type: 'run-start', worker: 1, runId, label: 'A', epochs: 4, resumedAt: 0 });
    progress.emit({ type: 'sweep-start', sweep: 's', total: 2, done: 0, failed: 0, diverged: 0, workers: 1, backend: 'wasm' });
    start(1);
    end(1, 'paused');
    start(2);
    end(2, 'stopped');
    start(1);
    end(1, 'done');
    progress.emit({ type: 'sweep-end', sweep: 's', interrupted: false, released: 0 });
    const lines = out.text().trim().split('\n').filter((l) => l.startsWith('sweep s:'));
    assert.deepEqual(lines.slice(1).map((l) => l.split(' | ').slice(0, 4).join(' | ')), [
      'sweep s: 0/2 runs | done 0 | failed 0 | paused 1',
      'sweep s: 1/2 runs | done 0 | failed 0 | stopped 1',
      'sweep s: 2/2 runs | done 1 | failed 0 | stopped 1',
    ]);
    assert.match(out.text(), /sweep s finished: 2\/2 runs \| done 1 \| failed 0 \| stopped 1 \| /);
  });

  it('prints a notice once, as a note line, in every mode (JSON as its own event)', () => {
    const notice: ProgressEvent = { type: 'notice', text: 'the tensorflow addon x.node lacks the lock' };
    for (const [mode, isTTY, expected] of [['plain', false, /^note: the tensorflow addon x\.node lacks the lock$/m], ['bars', true, /note: the tensorflow addon x\.node lacks the lock/], ['json', false, /"type":"notice","text":"the tensorflow addon x\.node lacks the lock"/]] as const) {
      const out = sink(isTTY);
      const progress = createProgressReporter({ mode, stream: out, now: () => 0 });
      progress.emit(script()[0]!);
      progress.emit(notice);
      progress.close();
      assert.match(out.text(), expected, mode);
      assert.equal(out.text().split('lacks the lock').length, 2, `${mode}: once`);
    }
  });

  it('draws an overall bar and a bar per worker on a terminal, finished runs printed above them', () => {
    const text = play('bars', true);
    assert.match(text, /sweep .*\d+\/4 runs \| done \d \| failed \d \| [\d.]+ models\/h \| ETA /);
    assert.match(text, /w1 run 2 A done, error 37\.50% in 1m05s/);
    assert.match(text, /w2 run 3 B failed: worker thread exited with code 3 during training/);
  });

  it('shows a worker\'s run, epoch, batch, loss and speed on its bar', async () => {
    const out = sink(true);
    const progress = createProgressReporter({ mode: 'bars', stream: out });
    progress.emit({ type: 'run-start', worker: 2, runId: 7, label: 'RegNetX (3.1M flops, 90.2k params)', epochs: 3, resumedAt: 0 });
    progress.emit({ type: 'batch', worker: 2, runId: 7, epoch: 2, epochs: 3, batch: 5, batches: 10, loss: 1.23456, imagesPerSecond: 812.4 });
    await sleep(400); // bars redraw 5 times a second
    progress.close();
    assert.match(out.text(), /w2 █{12}░{12} run 7 epoch 2\/3 batch 5\/10 loss 1\.235 812 img\/s/);
  });

  it('draws no "1/1 runs" bar over the one run of netspace train', async () => {
    const out = sink(true);
    const progress = createProgressReporter({ mode: 'bars', stream: out });
    progress.emit({ type: 'sweep-start', sweep: 'train-regnet32-0123abcd', total: 1, done: 0, failed: 0, diverged: 0, workers: 1, backend: 'wasm' });
    progress.emit({ type: 'run-start', worker: 1, runId: 1, label: 'regnet32', epochs: 2, resumedAt: 0 });
    progress.emit({ type: 'batch', worker: 1, runId: 1, epoch: 1, epochs: 2, batch: 5, batches: 10, loss: 1.2, imagesPerSecond: 800 });
    await sleep(400); // bars redraw 5 times a second
    progress.close();
    assert.match(out.text(), /w1 .* run 1 epoch 1\/2 batch 5\/10/);
    assert.doesNotMatch(out.text(), /\d\/1 runs/);
  });

  it('chooses bars on a terminal and plain lines elsewhere', () => {
    const tty = sink(true);
    const auto = createProgressReporter({ stream: tty });
    auto.emit({ type: 'run-end', worker: 1, runId: 1, label: 'x', status: 'done', finalError: 0.5, errorText: null, seconds: 3 });
    auto.close();
    assert.match(tty.text(), /\x1b\[/, 'escape codes on a terminal');
    const file = sink(false);
    const plain = createProgressReporter({ stream: file });
    plain.emit({ type: 'run-end', worker: 1, runId: 1, label: 'x', status: 'done', finalError: 0.5, errorText: null, seconds: 3 });
    assert.equal(file.text(), '[w1] run 1 done, error 50.00% in 3s\n');
  });

  it('formats durations', () => {
    assert.deepEqual([0, 59.4, 61, 3599, 3600, 90_061, Number.NaN].map(formatDuration), ['0s', '59s', '1m01s', '59m59s', '1h00m', '25h01m', '?']);
  });
});
