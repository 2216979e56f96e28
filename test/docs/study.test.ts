// The A-to-E study's numbers in the README cannot drift from its data: the committed database gives the committed
// fixture (docs/study/numbers.json) through `netspace report --json`'s own analysis, and the fixture gives the README's
// tables (scripts/study.ts).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { budgetOf, deriveStudyNumbers, readmeTables, STUDY, studyTables, type StudyNumbers } from '../../scripts/study.ts';
import type { RunRecord, SweepRecord } from '../../src/core/types.ts';

const numbers = JSON.parse(readFileSync(STUDY.numbers, 'utf8')) as StudyNumbers;

/** A sweep of `epochs` epochs whose runs have the given errors after each epoch (only what budgetOf reads). */
function sweepOf(epochs: number, runs: { key: string; space: string; status?: string; errors: number[] }[]): SweepRecord {
  const records = runs.map((r, i) => ({
    id: i + 1,
    space: r.space,
    configKey: r.key,
    status: r.status ?? 'done',
    finalError: r.errors.at(-1) ?? null,
    epochs: r.errors.map((e, k) => ({ epoch: k + 1, valAccuracy: 1 - e })),
  }));
  return { id: 1, name: 'x', spec: { train: { epochs } }, createdAt: '', runs: records as unknown as RunRecord[] };
}

describe('docs/study', () => {
  it('the README shows the tables the committed numbers give', () => {
    const shown = readmeTables(readFileSync(STUDY.readme, 'utf8'));
    assert.notEqual(shown, null, 'README.md has the study markers');
    assert.equal(shown, studyTables(numbers));
  });

  it('the committed numbers are what the committed database gives through report --json', () => {
    assert.ok(existsSync(STUDY.db), `${STUDY.db} is committed`);
    assert.deepEqual(deriveStudyNumbers(STUDY.db), numbers);
  });

  it('the committed database can be resumed anywhere: no process holds it and no run is left running', () => {
    const db = new Database(STUDY.db, { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT count(*) AS n FROM sweeps WHERE owner_pid IS NOT NULL OR owner_host IS NOT NULL').get(), { n: 0 });
      assert.deepEqual(db.prepare("SELECT count(*) AS n FROM runs WHERE status = 'running'").get(), { n: 0 });
      // Finished runs carry no checkpoint (that keeps the file small); pending ones may, to resume from.
      assert.deepEqual(db.prepare("SELECT count(*) AS n FROM checkpoints JOIN runs ON runs.id = run_id WHERE status != 'pending'").get(), { n: 0 });
    } finally {
      db.close();
    }
  });

  it('pairs the budget sweep with the fidelity check by config: the same error after the short budget, and its rank at full', () => {
    // The short runs equal epoch 2 of the check's runs but for e1 (0.05 lower); a4 was stopped by the check at epoch 2,
    // so it is compared at epoch 2 but has no error at 3. Ranked against epoch 3: A's in order, E's in reverse.
    const budget = sweepOf(2, [
      { key: 'a1', space: 'AnyNetX_A', errors: [0.3, 0.10] },
      { key: 'a2', space: 'AnyNetX_A', errors: [0.3, 0.20] },
      { key: 'a3', space: 'AnyNetX_A', errors: [0.3, 0.30] },
      { key: 'a4', space: 'AnyNetX_A', errors: [0.3, 0.40] },
      { key: 'e1', space: 'AnyNetX_E', errors: [0.3, 0.10] },
      { key: 'e2', space: 'AnyNetX_E', errors: [0.3, 0.20] },
      { key: 'e3', space: 'AnyNetX_E', errors: [0.3, 0.30] },
      { key: 'x9', space: 'AnyNetX_E', status: 'pending', errors: [] },
    ]);
    const check = sweepOf(3, [
      { key: 'a1', space: 'AnyNetX_A', errors: [0.3, 0.10, 0.05] },
      { key: 'a2', space: 'AnyNetX_A', errors: [0.3, 0.20, 0.15] },
      { key: 'a3', space: 'AnyNetX_A', errors: [0.3, 0.30, 0.25] },
      { key: 'a4', space: 'AnyNetX_A', status: 'stopped', errors: [0.3, 0.40] },
      { key: 'e1', space: 'AnyNetX_E', errors: [0.3, 0.15, 0.50] },
      { key: 'e2', space: 'AnyNetX_E', errors: [0.3, 0.20, 0.40] },
      { key: 'e3', space: 'AnyNetX_E', errors: [0.3, 0.30, 0.30] },
    ]);
    const b = budgetOf(budget, check)!;
    assert.deepEqual([b.epochs, b.full, b.compared, b.identical, b.medianDifference, b.pairs], [2, 3, 7, 6, 0, 6]);
    // Short errors 0.1, 0.2, 0.3, 0.1, 0.2, 0.3 against 0.05, 0.15, 0.25, 0.5, 0.4, 0.3: ranks 1.5 3.5 5.5 1.5 3.5 5.5
    // against 1 2 3 6 5 4, so rho = 0.
    assert.equal(b.spearman.value, 0);
    assert.equal(budgetOf(null, check), null);
  });

  it('the published report is of the same runs', () => {
    const html = readFileSync(STUDY.report, 'utf8');
    assert.ok(existsSync(STUDY.report.replace(/\.html$/, '-charts/edf.svg')), 'the EDF chart is published beside the page');
    const text = html.replace(/<[^>]+>/g, ' ').replace(/&#39;|&rsquo;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');
    // The page opens with the verdict the README quotes.
    assert.ok(text.includes(numbers.verdict.sentences[0]!), numbers.verdict.sentences[0]);
  });
});
