import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isNetspaceError } from '../../src/errors.ts';
import { builtinSpaces } from '../../src/space/builtins.ts';
import { describeComplexity } from '../../src/cli/complexity.ts';
import { loadSpace, parseRegNetArgument, sampleSpace } from '../../src/space/load.ts';
import type { AnyNetSpace } from '../../src/space/spec.ts';

const rejectsWith = (run: () => unknown, message: RegExp) =>
  assert.throws(run, (e) => isNetspaceError(e) && message.test(e.message), `expected ${message}`);

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'netspace-space-')), name);
  writeFileSync(file, text);
  return file;
}

describe('space/load', () => {
  it('finds built-in spaces by name, in any case', () => {
    assert.equal(loadSpace('RegNetX'), builtinSpaces.RegNetX);
    assert.equal(loadSpace('anynetx_d'), builtinSpaces.AnyNetX_D);
  });

  it('reads a YAML spec file and names the space after the file', () => {
    const file = tempFile(
      'wide-e.yaml',
      ['kind: AnyNetX_E', 'stages: 3', 'width: {dist: log-uniform, low: 16, high: 512, quantum: 8}', 'depth: [1, 2, {dist: uniform, low: 1, high: 4, quantum: 1}]'].join('\n'),
    );
    const space = loadSpace(file) as AnyNetSpace;
    assert.equal(space.name, 'wide-e');
    assert.equal(space.stages, 3);
    assert.deepEqual(space.width, { dist: 'log-uniform', low: 16, high: 512, quantum: 8 });
    const samples = sampleSpace(file, { n: 5, seed: 0 });
    assert.ok(samples.every((s) => s.space === 'wide-e' && s.config.stages.length === 3));
  });

  it('reads a JSON spec file and keeps the name it gives', () => {
    const file = tempFile('r.json', JSON.stringify({ kind: 'RegNetX', name: 'regnet-3', stages: 3, scale: 'imagenet' }));
    assert.equal(loadSpace(file).name, 'regnet-3');
  });

  it('names the file in every error about it', () => {
    rejectsWith(() => loadSpace('RegNetY'), /^"RegNetY" is neither a built-in design space \(AnyNetX_A, .*, RegNetX\) nor a readable spec file \(did you mean "RegNetX"\?\)/);
    const broken = tempFile('broken.yaml', 'kind: [AnyNetX_A\n');
    rejectsWith(() => loadSpace(broken), new RegExp(`^${broken.replace(/[.\\/]/g, '\\$&')}: is not valid YAML: `));
    const brokenJson = tempFile('broken.json', '{"kind": ');
    rejectsWith(() => loadSpace(brokenJson), /broken\.json: is not valid JSON: /);
    const misspelled = tempFile('typo.yaml', 'kind: AnyNetX_A\ndepth: {dist: uniform, low: 1, high: 4, quantun: 1}\n');
    rejectsWith(() => loadSpace(misspelled), /typo\.yaml: depth\.quantun is not a known key \(did you mean "quantum"\?\)/);
  });

  it('reads --regnet parameters', () => {
    assert.deepEqual(parseRegNetArgument('d=22,w0=24,wa=24.48,wm=2.54,g=16'), { depth: 22, w0: 24, wa: 24.48, wm: 2.54, groupWidth: 16, bottleneckMultiplier: 1 });
    assert.equal(parseRegNetArgument('d=10, w0=32, wa=5, wm=2.5, g=16, b=4').bottleneckMultiplier, 0.25);
    rejectsWith(() => parseRegNetArgument('d=22,w0=24,wa=24.48,wm=2.54'), /^--regnet "d=22,w0=24,wa=24\.48,wm=2\.54": g= is missing/);
    rejectsWith(() => parseRegNetArgument('d=22,w0=24,wa=x,wm=2.54,g=16'), /^--regnet .*: wa must be a number, got "x"/);
    rejectsWith(() => parseRegNetArgument('d=22,w1=24,wa=1,wm=2.54,g=16'), /^--regnet .*: "w1=24" is not one of d=, w0=, wa=, wm=, g=, b=/);
    rejectsWith(() => parseRegNetArgument('d=22,d=3,w0=24,wa=1,wm=2.54,g=16'), /^--regnet .*: d is given twice/);
    rejectsWith(() => parseRegNetArgument('d=22,w0=24,wa=1,wm=2.54,g=16,b=0'), /^--regnet .*: b must be > 0, got 0/);
  });

  it('counts a RegNetX with the paper stem and head, and a preset or config file', () => {
    const report = describeComplexity({ regnet: 'd=22,w0=24,wa=24.48,wm=2.54,g=16', resolution: 224, inputChannels: 3, numClasses: 1000 });
    assert.deepEqual([report.flops, report.params, report.acts], [397_678_568, 5_157_512, 3_143_272]);
    assert.equal(describeComplexity({ config: 'regnet32' }).params, 179_290);
    assert.equal(describeComplexity({ config: 'regnet32' }).resolution, 28);
    const file = tempFile('tiny.json', JSON.stringify({ stemWidth: 8, stages: [{ depth: 1, width: 16, groupWidth: 8 }] }));
    assert.equal(describeComplexity({ config: file, resolution: 8 }).config.stemWidth, 8);
  });

  it('refuses conflicting or missing complexity inputs', () => {
    rejectsWith(() => describeComplexity({}), /^name a config .* or give --regnet/);
    rejectsWith(() => describeComplexity({ config: 'regnet32', regnet: 'd=1' }), /not both/);
    rejectsWith(() => describeComplexity({ config: 'regnet32', inputChannels: 3 }), /^--channels goes with --regnet only/);
    rejectsWith(() => describeComplexity({ config: 'regnet32', resolution: 0 }), /^--resolution must be a positive integer, got 0/);
    rejectsWith(() => describeComplexity({ regnet: 'd=22,w0=20,wa=24.48,wm=2.54,g=16' }), /^RegNet parameters: w0 must be a positive multiple of 8, got 20/);
  });
});
