// The A-to-E study's numbers in the README cannot drift from its data: the committed database gives the committed
// fixture (docs/study/numbers.json) through `netspace report --json`'s own analysis, and the fixture gives the README's
// tables (scripts/study.ts).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { deriveStudyNumbers, readmeTables, STUDY, studyTables, type StudyNumbers } from '../../scripts/study.ts';

const numbers = JSON.parse(readFileSync(STUDY.numbers, 'utf8')) as StudyNumbers;

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

  it('the published report is of the same runs', () => {
    const html = readFileSync(STUDY.report, 'utf8');
    assert.ok(existsSync(STUDY.report.replace(/\.html$/, '-charts/edf.svg')), 'the EDF chart is published beside the page');
    const text = html.replace(/<[^>]+>/g, ' ').replace(/&#39;|&rsquo;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');
    // The page opens with the verdict the README quotes.
    assert.ok(text.includes(numbers.verdict.sentences[0]!), numbers.verdict.sentences[0]);
  });
});
