import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const netspace = (...args: string[]) => spawnSync(process.execPath, ['bin/netspace.js', ...args], { encoding: 'utf8' });

describe('cli/commands/summary', () => {
  it('prints the chapter layer summary of RegNet32 at 96x96 as JSON', () => {
    const run = netspace('summary', 'regnet32', '--input', '1,1,96,96', '--json');
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      layers: [
        { name: 'stem', outputShape: [1, 32, 48, 48], params: 384 },
        { name: 'stage1', outputShape: [1, 32, 24, 24], params: 28_896 },
        { name: 'stage2', outputShape: [1, 80, 12, 12], params: 149_200 },
        { name: 'head', outputShape: [1, 10], params: 810 },
      ],
      params: 179_290,
    });
  });

  it('summarises any AnyNet config file and prints a table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-summary-'));
    const file = join(dir, 'tiny.json');
    writeFileSync(file, JSON.stringify({ stemWidth: 8, stages: [{ depth: 1, width: 16, groupWidth: 8, bottleneckMultiplier: 0.5 }] }));
    const run = netspace('summary', file, '--input', '2,1,28,28');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /stage1\s+2x16x7x7/);
    assert.match(run.stdout, /head\s+2x10/);
  });

  it('names the field and value of a bad config file, without a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-summary-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ stemWidth: 8, stages: [{ depth: 2, width: 24, groupWidth: 16 }] }));
    const run = netspace('summary', file);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /bad\.json: stages\[0\]\.groupWidth is 16, which does not divide the bottleneck width 24/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it('refuses an unknown model and a malformed --input', () => {
    const unknown = netspace('summary', 'regnet999');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /model "regnet999": not a preset \(regnet32\) and no such file/);
    const shape = netspace('summary', 'regnet32', '--input', '1,1,96');
    assert.equal(shape.status, 1);
    assert.match(shape.stderr, /--input 1,1,96: expected four positive integers/);
  });
});
