// Tests of the schema's migrations on real SQLite files: a version-1 database (as session 1 wrote them) is brought up
// to date with its rows, epochs and checkpoints intact and the kinds of its failures derived from their text.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.ts';
import { openStore } from '../../src/store/store.ts';
import { analyzeDesignChoices } from '../../src/analysis/design-choices.ts';

/** A database at version 1 with one run of each ending and an epoch and a checkpoint on the running one. */
function writeVersion1(path: string): void {
  const db = new Database(path);
  db.exec(MIGRATIONS[0]!);
  db.pragma('user_version = 1');
  db.prepare(`INSERT INTO sweeps (id, name, spec, created_at) VALUES (1, 'old', '{}', '2026-11-26T00:00:00Z')`).run();
  const insert = db.prepare(
    `INSERT INTO runs (id, sweep_id, space, config_key, config, sampled, flops, params, acts, seed, settings, status, error_text, final_error)
     VALUES (?, 1, 'A', ?, '{}', '{}', 1, 2, 3, 4, '{}', ?, ?, ?)`,
  );
  const rows: [number, string, string | null, number | null][] = [
    [1, 'done', null, 0.2],
    [2, 'diverged', 'training loss became NaN at epoch 1, batch 3', null],
    [3, 'failed', 'worker thread ran out of memory (ERR_WORKER_OUT_OF_MEMORY)', null],
    [4, 'failed', 'RuntimeError: memory access out of bounds', null],
    [5, 'failed', 'worker thread exited with code 3 during training', null],
    [6, 'failed', 'worker threw Error: something else', null],
    [7, 'running', null, null],
  ];
  for (const [id, status, text, error] of rows) insert.run(id, `k${id}`, status, text, error);
  db.prepare(`INSERT INTO epochs VALUES (7, 1, 0.5, 0.6, 0.7, 1.5, 100, '2026-11-26T00:00:00Z')`).run();
  db.prepare(`INSERT INTO checkpoints VALUES (7, 1, x'01020304')`).run();
  db.close();
}

describe('store/schema migrations', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'netspace-migrate-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a version-1 database to the current version, keeping every row and deriving failure kinds', () => {
    const path = join(dir, 'v1.db');
    writeVersion1(path);
    const store = openStore(path);
    try {
      const runs = store.readSweep('old').runs;
      assert.deepEqual(
        runs.map((r) => [r.id, r.status, r.failureKind]),
        [
          [1, 'done', null],
          [2, 'diverged', 'diverged'],
          [3, 'failed', 'out-of-memory'],
          [4, 'failed', 'out-of-memory'],
          [5, 'failed', 'worker-crash'],
          [6, 'failed', 'internal'],
          [7, 'running', null],
        ],
      );
      assert.equal(runs[0]!.finalError, 0.2);
      assert.deepEqual(runs[6]!.epochs.map((e) => [e.epoch, e.valAccuracy]), [[1, 0.7]]);
      assert.deepEqual(Array.from(store.readCheckpoint(7)!.checkpoint), [1, 2, 3, 4]);
    } finally {
      store.close();
    }
    const raw = new Database(path, { readonly: true });
    try {
      assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      assert.deepEqual(raw.pragma('foreign_key_check'), []);
      assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
      // The references of epochs and checkpoints still cascade from the rebuilt runs table.
      const fks = raw.prepare(`SELECT "table", "from", "to" FROM pragma_foreign_key_list('epochs')`).all();
      assert.deepEqual(fks, [{ table: 'runs', from: 'run_id', to: 'id' }]);
    } finally {
      raw.close();
    }
  });

  it('derives each stored run\'s flat parameters from its sampled record, and leaves the domains to the stored spec', () => {
    const path = join(dir, 'v2.db');
    const db = new Database(path);
    db.exec(MIGRATIONS[0]!);
    db.exec(MIGRATIONS[1]!);
    db.pragma('user_version = 2');
    const spec = { kind: 'sweep', name: 'v2', spaces: [{ kind: 'space', name: 'C', space: { kind: 'AnyNetX_C', name: 'C' }, n: 1 }, { kind: 'model', name: 'regnet32', n: 1 }] };
    db.prepare(`INSERT INTO sweeps (id, name, spec, created_at) VALUES (1, 'v2', ?, '2026-11-30T00:00:00Z')`).run(JSON.stringify(spec));
    const insert = db.prepare(
      `INSERT INTO runs (id, sweep_id, space, config_key, config, sampled, flops, params, acts, seed, settings, status, final_error)
       VALUES (?, 1, ?, ?, '{}', ?, 1, 2, 3, 4, '{}', 'done', ?)`,
    );
    // As the AnyNetX_C and RegNetX samplers and a fixed model stored them (sampled records of a real sweep).
    insert.run(1, 'C', 'k1', JSON.stringify({ bottleneckRatio: 1, groupWidth: 16, depths: [2, 1], widths: [32, 40] }), 0.2);
    insert.run(2, 'C', 'k2', JSON.stringify({ bottleneckRatio: 2, groupWidth: 8, depths: [3, 5], widths: [56, 88] }), 0.18);
    insert.run(3, 'R', 'k3', JSON.stringify({ depth: 5, w0: 32, wa: 7.3, wm: 2.457, groupWidth: 16, bottleneckRatio: 1 }), 0.17);
    insert.run(4, 'regnet32', 'k4', '{}', 0.1);
    db.close();
    const store = openStore(path);
    try {
      const sweep = store.readSweep('v2');
      assert.deepEqual(sweep.runs.map((r) => r.parameters), [
        { b: 1, g: 16, d1: 2, d2: 1, w1: 32, w2: 40 },
        { b: 2, g: 8, d1: 3, d2: 5, w1: 56, w2: 88 },
        { d: 5, w0: 32, wa: 7.3, wm: 2.457, g: 16, b: 1 },
        {},
      ]);
      assert.deepEqual(sweep.domains, {});
      // The analysis finds C's domains in the stored spec and says so; R (not in the spec) and the model have none.
      const choices = analyzeDesignChoices(sweep);
      assert.deepEqual(choices.spaces.map((s) => [s.space, s.domainSource, s.domains.map((d) => d.name).join(' ')]), [
        ['C', 'spec', 'd1 d2 w1 w2 b g'],
        ['R', 'none', ''],
        ['regnet32', 'none', ''],
      ]);
      assert.ok(choices.notes.some((n) => /domains of C were not stored with the sweep .*come from its stored spec/.test(n)), choices.notes.join('\n'));
      // A sweep planned now stores its runs' parameters and its spaces' domains, the first domains kept.
      const { id } = store.openSweep('v3', {});
      store.addRuns(id, [{ space: 'A', configKey: 'k', config: {} as never, sampled: { depths: [1, 2], groupWidth: 4 }, flops: 1, params: 1, acts: 1, seed: 1, settings: {} as never }]);
      const domain = { kind: 'int' as const, name: 'g', label: 'g', low: 1, high: 8, log: true, quantum: null };
      store.addDomains(id, { A: [domain] });
      store.addDomains(id, { A: [] });
      const fresh = store.readSweep('v3');
      assert.deepEqual(fresh.runs[0]!.parameters, { d1: 1, d2: 2, g: 4 });
      assert.deepEqual(fresh.domains, { A: [domain] });
    } finally {
      store.close();
    }
  });

  it('stores the statuses a schedule adds: a paused run keeps its checkpoint', () => {
    const path = join(dir, 'fresh.db');
    const store = openStore(path);
    try {
      const { id } = store.openSweep('s', {});
      store.addRuns(id, [{ space: 'A', configKey: 'k', config: {} as never, sampled: {}, flops: 1, params: 1, acts: 1, seed: 1, settings: {} as never }]);
      const [run] = store.pendingRuns(id);
      store.markRunning(run!.id, 'wasm');
      const epoch = { epoch: 1, trainLoss: 1, valLoss: 1, valAccuracy: 0.5, seconds: 1, imagesPerSecond: 1 };
      store.recordEpoch(run!.id, epoch, new Uint8Array([9]));
      store.finishRun(run!.id, { status: 'paused', epochs: [epoch], finalError: null, errorText: null, failureKind: null, backend: 'wasm', seconds: 1 });
      assert.equal(store.readRun(run!.id).status, 'paused');
      assert.deepEqual(Array.from(store.readCheckpoint(run!.id)!.checkpoint), [9], 'a paused run keeps its checkpoint');
    } finally {
      store.close();
    }
  });
});
