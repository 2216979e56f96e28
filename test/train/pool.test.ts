// Tests of src/train/pool.ts with real worker threads training tiny models on the real Fashion-MNIST files.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset, type Dataset } from '../../src/data/index.ts';
import { PoolClosedError, TrainPool } from '../../src/train/pool.ts';
import { FAULT_ENV, FAULT_WORKER } from '../fixtures/fault-worker.ts';
import type { EpochRecord, TrainSettings } from '../../src/core/types.ts';
import type { TrainRequest } from '../../src/train/types.ts';
import { tinyAnyNet } from '../model/tiny.ts';

const config = tinyAnyNet({ width: 8 });
const settings: TrainSettings = { epochs: 2, resolution: 28, batchSize: 64, lr: 0.1, trainSize: 256, valSize: 128 };
const request = (seed: number, epochs = 2): TrainRequest => ({ config, settings: { ...settings, epochs }, seed, backend: 'wasm' });

describe('train/pool', () => {
  let data: Dataset;
  before(async () => {
    data = await loadDataset('fashion-mnist', { download: false });
  });

  describe('two threads', () => {
    let pool: TrainPool;
    before(() => {
      pool = new TrainPool({ workers: 2, data, backend: 'wasm', worker: FAULT_WORKER, env: { ...process.env, [FAULT_ENV]: 'throw:3,exit:4,throw:faulty-,abort:8' } });
    });
    after(() => pool.destroy());

    it('trains runs side by side, reporting start, batches and every epoch with its checkpoint', async () => {
      const seen = new Map<number, { backend?: string; batches: number; epochs: EpochRecord[]; sizes: number[] }>();
      const results = await Promise.all(
        [1, 2].map((id) => {
          const log = { batches: 0, epochs: [] as EpochRecord[], sizes: [] as number[] } as { backend?: string; batches: number; epochs: EpochRecord[]; sizes: number[] };
          seen.set(id, log);
          return pool.run(id, `key-${id}`, request(id), {
            onStart: (b) => (log.backend = b),
            onBatch: () => (log.batches += 1),
            onEpoch: (e, checkpoint) => {
              log.epochs.push(e);
              log.sizes.push(checkpoint.byteLength);
            },
          });
        }),
      );
      for (const [i, result] of results.entries()) {
        const log = seen.get(i + 1)!;
        assert.equal(result.status, 'done', result.errorText ?? '');
        assert.equal(result.backend, 'wasm');
        assert.equal(log.backend, 'wasm');
        assert.equal(log.batches, 2 * Math.ceil(256 / 64));
        assert.deepEqual(log.epochs, result.epochs);
        assert.deepEqual(log.epochs.map((e) => e.epoch), [1, 2]);
        // float32 weights and batch-norm statistics of the model: 4 bytes each, more than the 1,050 parameters.
        assert.ok(log.sizes.every((n) => n > 1050 * 4 && n % 4 === 0), `checkpoint sizes ${log.sizes}`);
        assert.equal(result.finalError, 1 - result.epochs[1]!.valAccuracy);
      }
      assert.equal(pool.threadIds.length, 2);
    });

    it('lets the main thread decide after each epoch: a run told to pause or stop ends there, one told to go on does not', async () => {
      const decided: [number, number][] = [];
      const [paused, stopped, onward] = await Promise.all(
        (['pause', 'stop', 'continue'] as const).map((decision, i) =>
          pool.run(20 + i, `decide-${decision}`, request(20 + i, 3), {
            onEpoch: (e) => {
              decided.push([20 + i, e.epoch]);
              return e.epoch === 1 ? decision : 'continue';
            },
          }),
        ),
      );
      assert.deepEqual([paused!.status, paused!.epochs.length, paused!.finalError], ['paused', 1, null]);
      assert.deepEqual([stopped!.status, stopped!.epochs.length, stopped!.finalError], ['stopped', 1, 1 - stopped!.epochs[0]!.valAccuracy]);
      assert.deepEqual([onward!.status, onward!.epochs.map((e) => e.epoch)], ['done', [1, 2, 3]]);
      assert.deepEqual(decided.filter(([run]) => run !== 22).sort(), [[20, 1], [21, 1]]);
    });

    it('turns a throwing task and an exiting thread into failed results, replaces the threads and goes on', async () => {
      const before = pool.threadIds;
      const [threw, exited, fine] = await Promise.all([
        pool.run(3, 'key-3', request(3, 1)),
        pool.run(4, 'key-4', request(4, 1)),
        pool.run(5, 'key-5', request(5, 1)),
      ]);
      assert.equal(threw.status, 'failed');
      assert.match(threw.errorText ?? '', /^worker threw Error: planted fault: NETSPACE_FAULT asked run 3 to throw$/);
      assert.equal(exited.status, 'failed');
      assert.equal(exited.errorText, 'worker thread exited with code 3 during training');
      assert.equal(fine.status, 'done', fine.errorText ?? '');
      const keyed = await pool.run(6, 'faulty-config', request(6, 1));
      assert.match(keyed.errorText ?? '', /asked run 6 to throw/, 'a key-prefix target plants the fault too');
      const after = await pool.run(7, 'key-7', request(7, 1));
      assert.equal(after.status, 'done', after.errorText ?? '');
      assert.equal(pool.threadIds.length, 2);
      assert.ok(pool.threadIds.some((id) => !before.includes(id)), `threads replaced: before ${before}, now ${pool.threadIds}`);
    });

    it('replaces the thread of a run that the trainer reports failed (an aborted wasm heap is not reused)', async () => {
      const before = pool.threadIds;
      const aborted = await pool.run(8, 'key-8', request(8, 1));
      assert.equal(aborted.status, 'failed');
      assert.equal(aborted.errorText, 'RuntimeError: Aborted(planted fault)');
      assert.equal(pool.threadIds.length, 2);
      assert.equal(pool.threadIds.filter((id) => !before.includes(id)).length, 1, `one thread replaced: before ${before}, now ${pool.threadIds}`);
      const next = await Promise.all([pool.run(9, 'key-9', request(9, 1)), pool.run(10, 'key-10', request(10, 1))]);
      assert.deepEqual(next.map((r) => r.status), ['done', 'done']);
    });
  });

  it('fails a run whose thread runs out of heap, and trains the next one on a fresh thread', async () => {
    const pool = new TrainPool({
      workers: 1,
      data,
      backend: 'wasm',
      resourceLimits: { maxOldGenerationSizeMb: 128 },
      worker: FAULT_WORKER, env: { ...process.env, [FAULT_ENV]: 'oom:1' },
    });
    try {
      const oom = await pool.run(1, 'key-1', request(1, 1));
      assert.equal(oom.status, 'failed');
      assert.match(oom.errorText ?? '', /^worker thread ran out of memory/);
      const next = await pool.run(2, 'key-2', request(2, 1));
      assert.equal(next.status, 'done', next.errorText ?? '');
    } finally {
      await pool.destroy();
    }
  });

  it('rejects in-flight and later tasks with PoolClosedError once destroyed', async () => {
    const pool = new TrainPool({ workers: 1, data, backend: 'wasm' });
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const inFlight = pool.run(1, 'key-1', request(1, 50), { onBatch: () => started() });
    const rejected = assert.rejects(inFlight, PoolClosedError);
    await running;
    await pool.destroy();
    await rejected;
    await assert.rejects(pool.run(2, 'key-2', request(2)), PoolClosedError);
  });
});

/** One epoch on 128 images: the race below needs many short runs. */
const tinyRequest = (seed: number): TrainRequest => ({
  config: tinyAnyNet({ width: 8 }),
  settings: { epochs: 1, resolution: 28, batchSize: 64, lr: 0.1, trainSize: 128, valSize: 64 },
  seed,
  backend: 'wasm',
});

describe('train/pool replacing threads', () => {
  let data: Dataset;
  let pool: TrainPool;
  before(async () => {
    data = await loadDataset('fashion-mnist', { download: false });
    pool = new TrainPool({ workers: 2, data, backend: 'wasm', worker: FAULT_WORKER, env: { ...process.env, [FAULT_ENV]: 'throw:thrower-,exit:exiter-' } });
  });
  after(() => pool.destroy());

  it('never hands a run to a thread it is ending, whichever slot frees first', async () => {
    // Each round: one run throws (its thread is ended and replaced), one thread exits (piscina replaces it), and a
    // third run waits for whichever slot frees first. It must train, not die with the thread being ended.
    for (let round = 0; round < 8; round++) {
      // Warm threads throw and exit within a few milliseconds of each other, so the ends overlap.
      await Promise.all([pool.run(1000 + 2 * round, `warm-${round}a`, tinyRequest(round)), pool.run(1001 + 2 * round, `warm-${round}b`, tinyRequest(round))]);
      const [threw, exited, fine] = await Promise.all([
        pool.run(round * 3 + 1, `thrower-${round}`, tinyRequest(round)),
        pool.run(round * 3 + 2, `exiter-${round}`, tinyRequest(round)),
        pool.run(round * 3 + 3, `fine-${round}`, tinyRequest(round)),
      ]);
      assert.equal(threw.status, 'failed');
      assert.equal(exited.status, 'failed');
      assert.equal(exited.errorText, 'worker thread exited with code 3 during training');
      assert.equal(fine.status, 'done', `round ${round}: ${fine.errorText ?? ''}`);
    }
  });
});
