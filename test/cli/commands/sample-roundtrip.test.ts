// `sample --json` feeds `summary`, `complexity` and `train --model`; the sampled widths the compatibility rule changed are explained.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const netspace = (...args: string[]) => spawnSync(process.execPath, ['bin/netspace.js', ...args], { encoding: 'utf8' });

interface Record {
  key: string;
  flops: number;
  params: number;
  acts: number;
  config: { stages: { width: number; groupWidth: number }[] };
  sampled: { widths?: number[] };
  adjusted: { stage: number; field: string; sampled: number; trained: number; reason: string }[];
}

describe('cli/commands/sample (round trips)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netspace-roundtrip-'));
  const file = join(dir, 'samples.json');
  const run = netspace('sample', 'AnyNetX_A', '-n', '4', '--json');
  writeFileSync(file, run.stdout);
  const samples = JSON.parse(run.stdout) as Record[];

  it('writes records whose configs complexity counts as sample did', () => {
    assert.equal(run.status, 0, run.stderr);
    for (const [k, s] of samples.entries()) {
      const counted = netspace('complexity', `${file}#${k + 1}`, '--json');
      assert.equal(counted.status, 0, counted.stderr);
      assert.deepEqual(JSON.parse(counted.stdout), { flops: s.flops, params: s.params, acts: s.acts });
    }
    // One record on its own is a config file too.
    const one = join(dir, 'one.json');
    writeFileSync(one, JSON.stringify(samples[1]));
    assert.deepEqual(JSON.parse(netspace('complexity', one, '--json').stdout), { flops: samples[1]!.flops, params: samples[1]!.params, acts: samples[1]!.acts });
  });

  it('feeds summary, whose parameter count is the sampled one', () => {
    const summary = netspace('summary', `${file}#2`, '--json');
    assert.equal(summary.status, 0, summary.stderr);
    assert.equal((JSON.parse(summary.stdout) as { params: number }).params, samples[1]!.params);
  });

  it('asks which config of many, and names a k out of range', () => {
    const many = netspace('complexity', file);
    assert.equal(many.status, 1);
    assert.match(many.stderr, /samples\.json: holds 4 sampled configs; pick one as .*samples\.json#k with k from 1 to 4/);
    const out = netspace('summary', `${file}#9`);
    assert.equal(out.status, 1);
    assert.match(out.stderr, /samples\.json#9: no such config, the file holds 4 \(k from 1 to 4\)/);
    assert.doesNotMatch(out.stderr, /\n\s+at /);
  });

  it('says which sampled widths train otherwise, and why', () => {
    // Seed 0 of AnyNetX_A draws width 72 with group width 32 in #2: it trains as 64.
    const adjusted = samples[1]!.adjusted;
    assert.deepEqual(adjusted.map((a) => [a.stage, a.field, a.sampled, a.trained]), [[1, 'width', 72, 64]]);
    assert.equal(samples[1]!.sampled.widths![0], 72);
    assert.equal(samples[1]!.config.stages[0]!.width, 64);
    assert.match(adjusted[0]!.reason, /stage 1: width 72 trains as 64: its bottleneck width round\(72 x 1\) must be a multiple of the group width 32/);
    // Every record lists exactly the differences between what was drawn and what trains.
    for (const s of samples) {
      const widths = s.sampled.widths!;
      const changed = s.config.stages.flatMap((stage, i) => (stage.width === widths[i] ? [] : [i + 1]));
      assert.deepEqual(s.adjusted.filter((a) => a.field === 'width').map((a) => a.stage), changed);
    }
    const table = netspace('sample', 'AnyNetX_A', '-n', '4');
    assert.match(table.stdout, /^2 .* 64\* 192 /m);
    assert.match(table.stdout, /#2 stage 1: width 72 trains as 64/);
  });
});
