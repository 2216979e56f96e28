import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRun, loadSweep } from '../../src/report/load.ts';
import { openStore } from '../../src/store/store.ts';
import { makeSweep } from './sweep-fixture.ts';
import { writeSweepDb } from './sweep-db.ts';

describe('report/load', () => {
  it('reads a sweep while its writer is still open and writing', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'netspace-load-')), 'live.db');
    const sweep = makeSweep({ name: 'live', perSpace: 3, statuses: ['done', 'running', 'pending'] });
    writeSweepDb(db, sweep);
    const writer = openStore(db);
    try {
      const before = loadSweep(db, 'live');
      assert.deepEqual(before.runs.map((r) => r.status), sweep.runs.map((r) => r.status));
      const running = before.runs.find((r) => r.status === 'running')!;
      assert.equal(running.epochs.length, 2);
      // The writer goes on: one more epoch of the running run, visible to the next read.
      writer.recordEpoch(running.id, { ...running.epochs[1]!, epoch: 3 }, null);
      assert.equal(loadSweep(db, 'live').runs.find((r) => r.id === running.id)!.epochs.length, 3);
      assert.equal(loadRun(db, running.id).epochs.length, 3);
      const done = before.runs.find((r) => r.status === 'done')!;
      assert.equal(done.finalError, sweep.runs.find((r) => r.configKey === done.configKey)!.finalError);
    } finally {
      writer.close();
    }
    assert.throws(() => loadSweep(db, 'other'), /no sweep named "other" .*live/);
  });
});
