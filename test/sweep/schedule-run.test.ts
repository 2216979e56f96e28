// Schedules on real sweeps: ASHA and the fidelity check through the sweep loop with real worker threads and a real
// SQLite file; a sweep killed -9 mid-schedule resumes to the same decisions, epochs and statuses as one never stopped;
// `sweep status` shows the rungs and the epoch cost.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseSweepSpec } from '../../src/sweep/spec.ts';
import { runSweep } from '../../src/sweep/sweep.ts';
import { BIN, netspace } from '../cli/netspace.ts';
import { storedEpochs } from './mid-sweep.ts';

/** Two one-stage spaces of eight possible configs each; a second or two per run. */
function specValue(name: string, fidelity: Record<string, unknown>, n = 4): Record<string, unknown> {
  const space = (spaceName: string, depth: number) => ({
    kind: 'AnyNetX_A',
    name: spaceName,
    stages: 1,
    stemWidth: 8,
    depth,
    width: { dist: 'choice', values: [8, 16, 24, 32, 40, 48, 56, 64] },
    bottleneckRatio: 1,
    groupWidth: 8,
  });
  return {
    name,
    seed: 11,
    spaces: [{ space: space('one', 1), n }, { space: space('two', 2), n }],
    train: { epochs: 4, batchSize: 64, lr: 0.1, trainSize: 256, valSize: 128, backend: 'wasm' },
    fidelity,
    workers: 1,
  };
}

interface RunRow {
  config_key: string;
  space: string;
  status: string;
  epochs: number;
  losses: string;
}

/** Each run's status, epoch count and losses, by config key. */
function runRows(db: string): Map<string, RunRow> {
  const raw = new Database(db, { readonly: true });
  try {
    const rows = raw
      .prepare(
        `SELECT r.config_key, r.space, r.status, COUNT(e.epoch) AS epochs, COALESCE(GROUP_CONCAT(e.val_loss, ' '), '') AS losses
           FROM runs r LEFT JOIN epochs e ON e.run_id = r.id GROUP BY r.id`,
      )
      .all() as RunRow[];
    return new Map(rows.map((r) => [r.config_key, r]));
  } finally {
    raw.close();
  }
}

function decisionsOf(db: string): string[] {
  const raw = new Database(db, { readonly: true });
  try {
    const rows = raw.prepare('SELECT r.config_key, d.decision FROM decisions d JOIN runs r ON r.id = d.run_id ORDER BY d.seq').all() as { config_key: string; decision: string }[];
    return rows.map((r) => `${r.config_key} ${r.decision}`);
  } finally {
    raw.close();
  }
}

/** Starts `netspace sweep run`, kills it with SIGKILL once `epochs` epochs are stored, and waits for its end. */
async function killAfterEpochs(args: readonly string[], db: string, epochs: number): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
  const ended = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const deadline = Date.now() + 300_000;
  while (storedEpochs(db) < epochs) {
    assert.ok(Date.now() < deadline, `no ${epochs} epochs stored within 5 minutes`);
    assert.equal(child.exitCode, null, 'the sweep ended before it could be killed');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  await ended;
}

describe('sweep: schedules on real sweeps', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'netspace-schedule-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ASHA: killed -9 mid-sweep and resumed, it makes the decisions, statuses and epochs of a sweep never stopped', async () => {
    const value = specValue('asha', { kind: 'asha', minEpochs: 1, maxEpochs: 4, reductionFactor: 2 });
    const straight = join(dir, 'straight.db');
    const summary = await runSweep(parseSweepSpec(value, 'asha.yaml'), { db: straight, download: false });
    assert.equal(summary.counts.total, 8);
    assert.equal(summary.counts.done + summary.counts.stopped, 8, 'every run ends done or stopped');
    const rows = runRows(straight);
    for (const r of rows.values()) {
      if (r.status === 'done') assert.equal(r.epochs, 4, `${r.config_key}: a done run trained to maxEpochs`);
      else assert.ok(r.status === 'stopped' && [1, 2].includes(r.epochs), `${r.config_key}: stopped at a rung, not ${r.status} after ${r.epochs}`);
    }
    for (const space of ['one', 'two']) {
      const own = [...rows.values()].filter((r) => r.space === space);
      assert.ok(own.some((r) => r.status === 'done'), `${space}: its best run trains fully`);
      assert.ok(own.some((r) => r.status === 'stopped'), `${space}: some run stops early`);
    }
    const trained = [...rows.values()].reduce((sum, r) => sum + r.epochs, 0);
    assert.ok(trained < 8 * 4, `ASHA trained ${trained} epochs, fewer than 32`);
    const decisions = decisionsOf(straight);
    assert.ok(decisions.length > 0, 'decisions are stored');

    // The same spec from the CLI, killed -9 after 5 stored epochs (mid-schedule), then run again to the end.
    const specPath = join(dir, 'asha.yaml');
    writeFileSync(specPath, JSON.stringify(value));
    const resumed = join(dir, 'resumed.db');
    const args = ['sweep', 'run', specPath, '--db', resumed, '--no-download', '--json'];
    await killAfterEpochs(args, resumed, 5);
    assert.ok(runRows(resumed).size === 8 && storedEpochs(resumed) < trained, 'killed before the end');
    const again = await netspace(args);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(runRows(resumed), rows, 'the resumed sweep ends as the sweep that never stopped, loss for loss');
    assert.deepEqual(decisionsOf(resumed), decisions, 'and made the same decisions in the same order');

    const status = await netspace(['sweep', 'status', 'asha', '--db', resumed, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout) as { schedule: { kind: string; rungs: number[]; counts: { space: string; epochs: number; reached: number; stopped: number; done: number }[]; cost: { trained: number; unscheduled: number } } };
    assert.equal(parsed.schedule.kind, 'asha');
    assert.deepEqual(parsed.schedule.rungs, [1, 2, 4]);
    assert.deepEqual(parsed.schedule.cost, { ...parsed.schedule.cost, trained, unscheduled: 32 });
    for (const c of parsed.schedule.counts) {
      const own = [...rows.values()].filter((r) => r.space === c.space);
      assert.equal(c.reached, own.filter((r) => r.epochs >= c.epochs).length, `${c.space} at ${c.epochs}`);
      assert.equal(c.stopped, own.filter((r) => r.epochs === c.epochs && r.status === 'stopped').length);
      assert.equal(c.done, own.filter((r) => r.epochs === c.epochs && r.status === 'done').length);
    }
    const text = await netspace(['sweep', 'status', 'asha', '--db', resumed]);
    assert.match(text.stdout, /schedule: ASHA, rungs at 1, 2, 4 epochs/);
    assert.match(text.stdout, new RegExp(`epochs trained: ${trained} of 32 without the schedule`));
  });

  it('the fidelity check trains every run to low and exactly the subset to full; status shows both rungs', async () => {
    const value = specValue('check', { kind: 'check', low: 1, full: 3, perSpace: 2 }, 3);
    (value.train as Record<string, unknown>).epochs = 3;
    const db = join(dir, 'check.db');
    const summary = await runSweep(parseSweepSpec(value, 'check.yaml'), { db, download: false });
    assert.deepEqual([summary.counts.done, summary.counts.stopped], [4, 2]);
    const rows = [...runRows(db).values()];
    for (const space of ['one', 'two']) {
      const own = rows.filter((r) => r.space === space);
      assert.deepEqual(own.map((r) => r.epochs).sort(), [1, 3, 3], `${space}: two runs to 3 epochs, the third stopped at 1`);
      for (const r of own) assert.equal(r.status, r.epochs === 3 ? 'done' : 'stopped');
    }
    const status = await netspace(['sweep', 'status', 'check', '--db', db]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /schedule: fidelity check, rungs at 1, 3 epochs/);
    assert.match(status.stdout, /epochs trained: 14 of 18 without the schedule/);
  });
});
