import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRun, loadSweep, loadSweeps } from '../../src/report/load.ts';
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

  it('combines several sweeps of one database, each space named after its sweep', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'netspace-load-')), 'two.db');
    writeSweepDb(db, makeSweep({ name: 'first', perSpace: 3 }));
    writeSweepDb(db, makeSweep({ name: 'second', spaces: ['RegNetX'], perSpace: 2, seed: 2 }));
    const both = loadSweeps(db, ['first', 'second']);
    assert.equal(both.name, 'first+second');
    assert.equal(both.id, 0);
    assert.deepEqual(
      [...new Set(both.runs.map((r) => r.space))],
      ['first/AnyNetX_A', 'first/RegNetX', 'second/RegNetX'],
    );
    assert.equal(both.runs.length, 8);
    const stored = [...loadSweep(db, 'first').runs, ...loadSweep(db, 'second').runs];
    assert.deepEqual(both.runs.map((r) => r.id), stored.map((r) => r.id));
    assert.deepEqual(both.runs.map((r) => r.finalError), stored.map((r) => r.finalError));
    // one name is that sweep as stored; a name twice or a missing one is refused, naming it
    assert.deepEqual(loadSweeps(db, ['second']), loadSweep(db, 'second'));
    assert.throws(() => loadSweeps(db, ['first', 'first']), { name: 'NetspaceError', message: /sweep "first" is named twice/ });
    assert.throws(() => loadSweeps(db, ['first', 'third']), { name: 'NetspaceError', message: /no sweep named "third"/ });
  });
});
