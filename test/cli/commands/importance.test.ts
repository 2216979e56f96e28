import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSweep } from '../../report/sweep-fixture.ts';
import { writeSweepDb } from '../../report/sweep-db.ts';
import { assertUserError, netspace } from '../netspace.ts';

describe('cli/commands/importance', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netspace-importance-'));
  const db = join(dir, 'sweep.db');

  before(() => {
    writeSweepDb(db, makeSweep({ name: 'imp-sweep', spaces: ['AnyNetX_A', 'RegNetX'], perSpace: 12, statuses: ['done', 'done', 'pending'] }));
  });

  it('prints each space\'s parameters by importance, and the numbers as JSON', async () => {
    const [text, json, mdi] = await Promise.all([
      netspace(['importance', 'imp-sweep', '--db', db]),
      netspace(['importance', 'imp-sweep', '--db', db, '--json', '--scale', 'linear', '--seed', '3']),
      netspace(['importance', 'imp-sweep', '--db', db, '--json', '--method', 'mdi']),
    ]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^sweep imp-sweep: fANOVA, log scale, 64 trees per space, seed 0\n/);
    assert.match(text.stdout, /\nAnyNetX_A: 8 finished runs, 8 parameters\n {2}parameter {2}importance {2}sd over trees\n/);
    assert.match(text.stdout, /\nRegNetX: 8 finished runs, 6 parameters\n/);
    assert.match(text.stdout, /\n {2}b +0\.0% +0\.0%\n/);
    assert.match(text.stdout, /strongest pairs: \w+ x \w+ \d+\.\d%/);
    const data = JSON.parse(json.stdout);
    assert.deepEqual(data.options, { method: 'fanova', scale: 'linear', trees: 64, seed: 3 });
    assert.deepEqual(data.spaces.map((s: { space: string; n: number }) => [s.space, s.n]), [['AnyNetX_A', 8], ['RegNetX', 8]]);
    const regnet = data.spaces[1];
    assert.deepEqual(regnet.domains.map((d: { name: string }) => d.name), ['d', 'w0', 'wa', 'wm', 'g', 'b']);
    assert.equal(regnet.importance.trees, 64);
    const total = regnet.importance.parameters.reduce((s: number, p: { importance: number }) => s + p.importance, 0);
    assert.ok(total > 0 && total <= 1, String(total));
    const shares = JSON.parse(mdi.stdout).spaces[0].importance;
    assert.equal(shares.method, 'mdi');
    assert.ok(Math.abs(shares.parameters.reduce((s: number, p: { importance: number }) => s + p.importance, 0) - 1) < 1e-9);
  });

  it('refuses bad options and unknown sweeps with a message naming them', async () => {
    const [method, trees, scale, sweep] = await Promise.all([
      netspace(['importance', 'imp-sweep', '--db', db, '--method', 'shap']),
      netspace(['importance', 'imp-sweep', '--db', db, '--trees', '0']),
      netspace(['importance', 'imp-sweep', '--db', db, '--scale', 'lin']),
      netspace(['importance', 'nope', '--db', db]),
    ]);
    assertUserError(method, /^netspace: importance method "shap" is not one of: fanova, mdi\n$/);
    assertUserError(trees, /^netspace: importance: --trees must be a positive integer, got 0\n$/);
    assertUserError(scale, /^netspace: importance scale "lin" is not one of: log, linear\n$/);
    assertUserError(sweep, /no sweep named "nope" .*imp-sweep/);
  });
});
