// Tests of src/report/verdict.ts on real reports: the page opens with a verdict that matches its numbers, and says
// when there are too few runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport, reportJson } from '../../src/report/report.ts';
import { sweepVerdict } from '../../src/analysis/verdict.ts';
import type { RunRecord } from '../../src/core/types.ts';
import { thinWarning, verdictSentences } from '../../src/report/verdict.ts';
import { makeSweep } from './sweep-fixture.ts';

/** The page's text without tags and entities. */
const text = (html: string): string => html.replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&').replace(/&#39;|&rsquo;/g, "'").replace(/\s+/g, ' ');

describe('report/verdict', () => {
  it('opens a finished sweep with which space is better and by how much, Holm-corrected, without "so far"', async () => {
    const sweep = makeSweep({ spaces: ['AnyNetX_A', 'RegNetX'], perSpace: 20 });
    const report = await renderReport(sweep);
    const v = report.data.verdict;
    assert.equal(v.kind, 'differ');
    assert.equal(v.unfinished, 0);
    const [headline, pair] = verdictSentences(v);
    assert.match(headline!, /^The evidence supports a difference between the two spaces \(two-sample KS tests at the 5% level with Holm's correction over 1 pair, 20 runs per space\)\.$/);
    // The sentence quotes the medians of the summary table and the bootstrap interval of their difference.
    const median = (space: string) => `${(report.data.spaces.find((s) => s.space === space)!.medianError! * 100).toFixed(1)}%`;
    assert.ok(pair!.startsWith(`RegNetX has lower error than AnyNetX_A: median ${median('RegNetX')} against ${median('AnyNetX_A')}`), pair);
    const d = v.pairs[0]!.medianDifference;
    assert.match(pair!, new RegExp(`lower \\(95% bootstrap interval ${(d.low * 100).toFixed(1)} to ${(d.high * 100).toFixed(1)}\\); D = \\d\\.\\d\\d, adjusted p = `));
    const page = text(report.html);
    assert.ok(page.includes('What the evidence supports'));
    assert.ok(page.indexOf('What the evidence supports') < page.indexOf('Do the spaces differ?'), 'the verdict opens the page');
    assert.ok(page.includes(headline!.replace(/'/g, "'")), 'the page shows the headline');
    assert.doesNotMatch(page, /so far/i);
    assert.equal(thinWarning(report.data.thin, 'edf'), null);
    // report --json carries the same sentences.
    assert.deepEqual(reportJson(report.data).verdict.sentences, verdictSentences(v));
  });

  it('says that 3 runs per space cannot show a difference, how many would, and flags the thin charts', async () => {
    const sweep = makeSweep({ spaces: ['AnyNetX_A', 'AnyNetX_E', 'RegNetX'], perSpace: 3 });
    const report = await renderReport(sweep);
    const v = report.data.verdict;
    assert.equal(v.kind, 'too-few');
    const sentences = verdictSentences(v);
    assert.match(sentences[0]!, /^Too few runs to tell the spaces apart: with 3 runs per space, even two samples that do not overlap give a KS p-value of 0\.100, which Holm's correction over 3 pairs cannot bring under 5%\.$/);
    assert.match(sentences[1]!, /has the lowest median error .*, which says little on so few runs\.$/);
    assert.match(sentences.at(-1)!, /(about|more than) \d+ runs per space .*\(a power estimate simulated from these runs' spread, not a guarantee\)\.$/);
    const page = text(report.html);
    assert.ok(page.includes('Too few runs to tell the spaces apart'));
    assert.match(page, /These EDFs are drawn from 3 runs per space in AnyNetX_A 3, AnyNetX_E 3, RegNetX 3: too few to read much into; 10 per space is the least this report trusts\./);
  });

  it('opens with a warning when every run is at chance, and says which stopped runs it leaves out', () => {
    let id = 0;
    const run = (space: string, finalError: number, status: RunRecord['status'] = 'done') => ({ id: ++id, space, status, finalError, settings: {} }) as unknown as RunRecord;
    const chance = [0.9, 0.88, 0.9].flatMap((e) => [run('A', e), run('B', e - 0.01)]);
    const verdict = sweepVerdict({ runs: [...chance, ...[0.89, 0.9, 0.9, 0.91].map((e) => run('A', e, 'stopped'))] });
    assert.equal(verdict.kind, 'at-chance', 'a script reading the kind sees it');
    const sentences = verdictSentences(verdict);
    assert.deepEqual(sentences, [
      'Every finished run is near chance (chance is 90% error here; median errors B 89.0%, A 90.0%): the models learnt next to nothing in this setting, ' +
        'so these runs say nothing about the spaces; train longer, on more images, or with another learning rate.',
      '4 runs stopped early by the fidelity schedule are left out: only runs trained to the full budget are compared.',
    ], 'no space is called better, and no run count is estimated');
    const learnt = verdictSentences(sweepVerdict({ runs: [0.3, 0.35, 0.32].flatMap((e) => [run('A', e), run('B', e + 0.01)]) }));
    assert.match(learnt[0]!, /^Too few runs/);
    assert.ok(learnt.every((t) => !/chance|stopped early/.test(t)));
  });

  it('calls the verdict of an unfinished sweep a verdict so far', async () => {
    const sweep = makeSweep({ spaces: ['AnyNetX_A', 'RegNetX'], perSpace: 12, statuses: ['done', 'done', 'pending'] });
    const report = await renderReport(sweep);
    const [headline] = verdictSentences(report.data.verdict);
    assert.match(headline!, /^So far, with 8 runs still to finish: /);
    assert.match(text(report.html), /Best run so far: #\d+/);
  });
});
