import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSweep } from '../../report/sweep-fixture.ts';
import { writeSweepDb } from '../../report/sweep-db.ts';
import { assertUserError, netspace } from '../netspace.ts';

describe('cli/commands/report and cli/commands/curves', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netspace-cli-'));
  const db = join(dir, 'sweep.db');
  let doneRunId = 0;

  before(() => {
    const sweep = makeSweep({ name: 'cli-sweep', perSpace: 4, statuses: ['done', 'pending'] });
    writeSweepDb(db, sweep);
    doneRunId = sweep.runs.find((r) => r.status === 'done')!.id;
  });

  it('refuses bad input with a message naming it', async () => {
    // Each spawn loads the whole CLI; the cases the library tests cover already (--out extension, unknown run id)
    // are left to them to keep this file quick.
    const [missing, unknown, top, runId] = await Promise.all([
      netspace(['report', 'cli-sweep', '--db', join(dir, 'none.db')]),
      netspace(['report', 'nope', '--db', db]),
      netspace(['report', 'cli-sweep', '--db', db, '--top', '0']),
      netspace(['curves', 'first', '--db', db]),
    ]);
    assertUserError(missing, /database .*none.db does not exist/);
    assertUserError(unknown, /no sweep named "nope" .*cli-sweep/);
    assertUserError(top, /--top must be a positive integer, got 0/);
    assertUserError(runId, /run-id must be a positive integer .*got "first"/);
  });

  it('writes a report and a run curve from a real database', async () => {
    const out = join(dir, 'out', 'cli.html');
    const svg = join(dir, 'curve.svg');
    const [report, curves] = await Promise.all([
      netspace(['report', 'cli-sweep', '--db', db, '--out', out, '--json', '--top', '2']),
      netspace(['curves', String(doneRunId), '--db', db, '--out', svg]),
    ]);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /^sweep cli-sweep: 8 runs, 4 done, 0 running, 4 pending, 0 failed, 0 diverged\n/);
    assert.match(report.stdout, /wrote .*cli.html \(\d+ charts in .*cli-charts\)\n/);
    assert.match(report.stdout, /wrote .*cli.json\n$/);
    const data = JSON.parse(readFileSync(join(dir, 'out', 'cli.json'), 'utf8'));
    assert.equal(data.curves.best.length, 2);
    assert.equal(data.counts.done, 4);
    assert.ok(!data.notes.some((n: string) => /different ways/.test(n)), 'one sweep trains every run the same way');
    assert.ok(existsSync(join(dir, 'out', 'cli-charts', 'edf.svg')));
    assert.equal(curves.code, 0, curves.stderr);
    assert.match(curves.stdout, new RegExp(`wrote .*curve.svg \\(4 epochs of run ${doneRunId}, `));
    assert.match(readFileSync(svg, 'utf8'), /<svg /);
  });

  it('compares several sweeps in one report, and says when they trained differently', async () => {
    const other = makeSweep({ name: 'longer', spaces: ['RegNetX'], perSpace: 4, seed: 3 });
    for (const run of other.runs) run.settings = { ...run.settings, epochs: run.settings.epochs + 2 };
    writeSweepDb(db, other);
    const out = join(dir, 'compare', 'both.html');
    const [report, twice] = await Promise.all([
      netspace(['report', 'cli-sweep', 'longer', '--db', db, '--out', out, '--json']),
      netspace(['report', 'longer', 'longer', '--db', db]),
    ]);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /^sweep cli-sweep\+longer: 12 runs, 8 done/);
    const data = JSON.parse(readFileSync(join(dir, 'compare', 'both.json'), 'utf8'));
    assert.deepEqual(
      data.spaces.map((s: { space: string }) => s.space),
      ['cli-sweep/AnyNetX_A', 'cli-sweep/RegNetX', 'longer/RegNetX'],
    );
    assert.ok(data.notes.some((n: string) => /trained 2 different ways/.test(n)), data.notes.join('\n'));
    assert.match(readFileSync(out, 'utf8'), /trained 2 different ways/);
    assertUserError(twice, /sweep "longer" is named twice/);
  });
});
