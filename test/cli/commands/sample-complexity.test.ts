import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const netspace = (...args: string[]) => spawnSync(process.execPath, ['bin/netspace.js', ...args], { encoding: 'utf8' });

describe('cli/commands/sample', () => {
  it('prints N distinct configs as JSON, the same for the same seed', () => {
    const run = netspace('sample', 'RegNetX', '-n', '4', '--seed', '7', '--flops', ':20M', '--json');
    assert.equal(run.status, 0, run.stderr);
    const samples = JSON.parse(run.stdout) as Array<{ space: string; key: string; flops: number; sampled: Record<string, unknown> }>;
    assert.equal(samples.length, 4);
    assert.ok(samples.every((s) => s.space === 'RegNetX' && s.flops <= 20e6 && typeof s.sampled.wm === 'number'));
    assert.equal(new Set(samples.map((s) => s.key)).size, 4);
    assert.equal(netspace('sample', 'RegNetX', '-n', '4', '--seed', '7', '--flops', ':20M', '--json').stdout, run.stdout);
  });

  it('samples a spec file and prints a table', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netspace-sample-')), 'narrow.yaml');
    writeFileSync(file, 'kind: AnyNetX_C\nwidth: {dist: uniform, low: 16, high: 64, quantum: 16}\n');
    const run = netspace('sample', file, '-n', '3');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^narrow, seed 0: 3 configs\n#\s+flops \(M\)\s+params \(M\)\s+acts \(M\)\s+widths\s+key\n/);
    assert.equal(run.stdout.trim().split('\n').length, 5);
  });

  it('names the bad input without a stack trace', () => {
    const range = netspace('sample', 'AnyNetX_A', '-n', '2', '--flops', '5M');
    assert.equal(range.status, 1);
    assert.match(range.stderr, /^netspace: --flops "5M" is not a range/);
    assert.doesNotMatch(range.stderr, /\n\s+at /);
    const space = netspace('sample', 'AnyNetX_F', '-n', '2');
    assert.equal(space.status, 1);
    assert.match(space.stderr, /^netspace: "AnyNetX_F" is neither a built-in design space/);
    const impossible = netspace('sample', 'AnyNetX_A', '-n', '2', '--params', ':10', '--max-attempts', '1000');
    assert.equal(impossible.status, 1);
    assert.match(impossible.stderr, /^netspace: AnyNetX_A: found only 0 of 2 distinct configs in 1,000 attempts; most attempts were rejected by "params <= 10"/);
  });
});

describe('cli/commands/complexity', () => {
  it('prints RegNetX-400MF as pycls counts it', () => {
    const run = netspace('complexity', '--regnet', 'd=22,w0=24,wa=24.48,wm=2.54,g=16', '--resolution', '224', '--channels', '3', '--classes', '1000', '--json');
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { flops: 397_678_568, params: 5_157_512, acts: 3_143_272 });
  });

  it('counts a preset, in words', () => {
    const run = netspace('complexity', 'regnet32');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /params\s+179,290\n/);
  });

  it('names the bad input without a stack trace', () => {
    const run = netspace('complexity', '--regnet', 'd=22,w0=24,wa=24.48,wm=1,g=16');
    assert.equal(run.status, 1);
    assert.equal(run.stderr, 'netspace: RegNet parameters: wm must be a number > 1, got 1\n');
    const missing = netspace('complexity', 'no-such-config.json');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^netspace: model "no-such-config\.json": not a preset/);
  });
});
