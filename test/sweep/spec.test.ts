// Tests of src/sweep/spec.ts: validation messages, defaults, run planning, and the shipped experiments.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetspaceError } from '../../src/errors.ts';
import { builtinSpaces } from '../../src/space/builtins.ts';
import { canonicalKey } from '../../src/space/key.ts';
import { complexity } from '../../src/space/complexity.ts';
import { REGNET32 } from '../../src/space/presets.ts';
import {
  defaultWorkers,
  loadSweepSpec,
  parseSweepSpec,
  planRuns,
  sweepIdentity,
  SWEEP_TRAIN_DEFAULTS,
} from '../../src/sweep/spec.ts';

const minimal = { name: 'demo', spaces: [{ space: 'AnyNetX_A', n: 3 }] };

function rejects(value: unknown, pattern: RegExp): void {
  assert.throws(() => parseSweepSpec(value, 'demo.yaml'), (e: unknown) => {
    assert.ok(e instanceof NetspaceError, `expected a NetspaceError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('sweep/spec', () => {
  it('fills the frozen defaults in a minimal spec', () => {
    const spec = parseSweepSpec(minimal, 'demo.yaml');
    assert.equal(spec.kind, 'sweep');
    assert.equal(spec.seed, 0);
    assert.equal(spec.backend, 'auto');
    assert.equal(spec.workers, 'auto');
    assert.deepEqual(spec.train, SWEEP_TRAIN_DEFAULTS);
    assert.notEqual(spec.train, SWEEP_TRAIN_DEFAULTS, 'a copy, not the frozen object');
    assert.deepEqual(spec.complexity, { flops: [null, null], params: [null, null], acts: [null, null] });
    assert.deepEqual(spec.spaces, [{ kind: 'space', name: 'AnyNetX_A', space: builtinSpaces.AnyNetX_A, n: 3 }]);
    assert.ok(Object.isFrozen(SWEEP_TRAIN_DEFAULTS));
  });

  it('reads every section: spaces, models, complexity with suffixes, train and workers', () => {
    const spec = parseSweepSpec(
      {
        kind: 'sweep',
        name: 'full',
        description: 'what it is for',
        seed: 42,
        spaces: [
          { space: 'RegNetX', n: 2 },
          { space: { kind: 'AnyNetX_C', name: 'narrowC', width: { dist: 'log-uniform', low: 8, high: 64, quantum: 8 } }, n: 2 },
          { model: 'RegNet32', n: 3 },
          { model: { stemWidth: 8, stages: [{ depth: 1, width: 8, groupWidth: 8 }] }, name: 'tiny', n: 1 },
        ],
        complexity: { flops: ['400k', '2.5M'], params: [null, 1e6], acts: '1k:' },
        train: { epochs: 3, resolution: 32, batchSize: 64, lr: 0.1, trainSize: 6000, valSize: 'all', backend: 'cpu' },
        workers: 3,
      },
      'full.yaml',
    );
    assert.deepEqual(spec.spaces.map((e) => [e.kind, e.name, e.n]), [
      ['space', 'RegNetX', 2],
      ['space', 'narrowC', 2],
      ['model', 'regnet32', 3],
      ['model', 'tiny', 1],
    ]);
    assert.deepEqual(spec.complexity, { flops: [400_000, 2_500_000], params: [null, 1_000_000], acts: [1000, null] });
    assert.deepEqual(spec.train, { epochs: 3, resolution: 32, batchSize: 64, lr: 0.1, trainSize: 6000, valSize: null });
    assert.equal(spec.backend, 'cpu');
    assert.equal(spec.workers, 3);
    const narrow = spec.spaces[1]!;
    assert.ok(narrow.kind === 'space' && narrow.space.name === 'narrowC' && narrow.space.kind === 'AnyNetX_C');
  });

  it('names the file, the path and the bad value in every refusal', () => {
    rejects(null, /^demo\.yaml: the sweep spec must be an object/);
    rejects({ ...minimal, epochs: 3 }, /^demo\.yaml: epochs is not a known key; expected one of: kind, name/);
    rejects({ ...minimal, nmae: 'x' }, /nmae is not a known key \(did you mean "name"\?\)/);
    rejects({ ...minimal, kind: 'space' }, /kind must be "sweep" when given, got "space"/);
    rejects({ ...minimal, name: 'has space' }, /^demo\.yaml: name must be letters, digits .* got "has space"/);
    rejects({ ...minimal, seed: -1 }, /seed must be a whole number from 0 to 4294967295, got -1/);
    rejects({ name: 'x', spaces: [] }, /spaces must be a non-empty list/);
    rejects({ name: 'x', spaces: [{ space: 'AnyNetX_Q', n: 1 }] }, /spaces\[0\]\.space must be a built-in space .* got "AnyNetX_Q" \(did you mean "AnyNetX_A"\?\)/);
    rejects({ name: 'x', spaces: [{ space: 'AnyNetX_A', n: 0 }] }, /spaces\[0\]\.n must be a whole number from 1 to 100000, got 0/);
    rejects({ name: 'x', spaces: [{ space: 'AnyNetX_A' , model: 'regnet32', n: 1 }] }, /spaces\[0\] must have exactly one of "space"/);
    rejects({ name: 'x', spaces: [{ space: 'AnyNetX_A', n: 1 }, { space: 'AnyNetX_A', n: 2 }] }, /spaces\[1\] is named "AnyNetX_A" like spaces\[0\]/);
    rejects({ name: 'x', spaces: [{ model: 'resnet50', n: 1 }] }, /spaces\[0\]\.model must be a preset \(regnet32\)/);
    rejects({ name: 'x', spaces: [{ model: { stemWidth: 8, stages: [{ depth: 1, width: 12, groupWidth: 8 }] }, n: 1 }] }, /^demo\.yaml: spaces\[0\]\.model: stages\[0\]\.groupWidth is 8, which does not divide/);
    rejects({ name: 'x', spaces: [{ space: { kind: 'AnyNetX_A', depth: { dist: 'gauss' } }, n: 1 }] }, /^demo\.yaml: spaces\[0\]\.space: depth\.dist must be one of/);
    rejects({ ...minimal, complexity: { flops: [5, 1] } }, /complexity\.flops \[5,1\] has low 5 above high 1/);
    rejects({ ...minimal, complexity: { flops: ['lots', null] } }, /complexity\.flops \["lots",null\] must hold two numbers \(4e8, or strings such as "400M" and "2\.5k"\) or null/);
    rejects({ ...minimal, complexity: { flop: [1, 2] } }, /complexity\.flop is not a known key \(did you mean "flops"\?\)/);
    rejects({ ...minimal, train: { epochs: 0 } }, /train\.epochs must be a whole number from 1 to 10,000, got 0/);
    rejects({ ...minimal, train: { lr: '0.1' } }, /train\.lr must be a number in \(0, 10\], got "0\.1"/);
    rejects({ ...minimal, train: { backend: 'gpu' } }, /train\.backend must be one of auto, tensorflow, wasm, cpu, got "gpu"/);
    rejects({ ...minimal, train: { epoch: 3 } }, /train\.epoch is not a known key \(did you mean "epochs"\?\); expected one of: epochs, resolution, batchSize/);
    rejects({ ...minimal, workers: 0 }, /workers must be a whole number from 1 to 256, got 0/);
  });

  it('loads YAML and JSON files, space files relative to the spec, and names unreadable ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-spec-'));
    try {
      writeFileSync(join(dir, 'narrow.yaml'), 'kind: AnyNetX_B\nwidth: {dist: log-uniform, low: 8, high: 32, quantum: 8}\n');
      writeFileSync(join(dir, 'a.yaml'), 'name: a\nspaces:\n  - {space: narrow.yaml, n: 2}\n');
      const spec = loadSweepSpec(join(dir, 'a.yaml'));
      assert.equal(spec.spaces[0]!.name, 'narrow', 'a space file is named after the file');
      writeFileSync(join(dir, 'b.json'), JSON.stringify(minimal));
      assert.equal(loadSweepSpec(join(dir, 'b.json')).name, 'demo');
      writeFileSync(join(dir, 'bad.yaml'), 'name: x\nspaces: [\n');
      assert.throws(() => loadSweepSpec(join(dir, 'bad.yaml')), { name: 'NetspaceError', message: /bad\.yaml: is not valid YAML: .* at line \d+, column \d+/ });
      assert.throws(() => loadSweepSpec(join(dir, 'missing.yaml')), { name: 'NetspaceError', message: /sweep spec .*missing\.yaml does not exist \(spec files in .*: a\.yaml, b\.json, bad\.yaml, narrow\.yaml\)/ });
      writeFileSync(join(dir, 'c.yaml'), 'name: c\nspaces:\n  - {space: gone.yaml, n: 2}\n');
      assert.throws(() => loadSweepSpec(join(dir, 'c.yaml')), { name: 'NetspaceError', message: /c\.yaml: spaces\[0\]\.space names the space file .*gone\.yaml, which does not exist/ });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('plans the same runs for the same spec, spaces interleaved, keys unique, complexity at the training resolution', () => {
    const spec = parseSweepSpec(
      {
        name: 'plan',
        seed: 7,
        spaces: [{ space: 'AnyNetX_A', n: 3 }, { space: 'RegNetX', n: 2 }, { model: 'regnet32', n: 2 }],
        complexity: { flops: [null, '20M'] },
        train: { resolution: 32 },
      },
      'plan.yaml',
    );
    const runs = planRuns(spec);
    assert.deepEqual(runs.map((r) => r.space), ['AnyNetX_A', 'RegNetX', 'regnet32', 'AnyNetX_A', 'RegNetX', 'regnet32', 'AnyNetX_A']);
    assert.deepEqual(planRuns(spec), runs, 'deterministic');
    assert.equal(new Set(runs.map((r) => r.configKey)).size, runs.length);
    assert.equal(new Set(runs.map((r) => r.seed)).size, runs.length, 'every run has its own training seed');
    for (const run of runs) {
      assert.equal(run.configKey.split('#')[0], `${run.space}:${canonicalKey(run.config)}`);
      const cx = complexity(run.config, 32);
      assert.deepEqual([run.flops, run.params, run.acts], [cx.flops, cx.params, cx.acts]);
      assert.deepEqual(run.settings, spec.train);
      if (run.space !== 'regnet32') assert.ok(run.flops <= 20e6);
    }
    const fixed = runs.filter((r) => r.space === 'regnet32');
    assert.deepEqual(fixed.map((r) => r.config), [REGNET32, REGNET32]);
    assert.deepEqual(fixed.map((r) => r.configKey.slice(-2)), ['#1', '#2']);
    // Adding an entry changes nothing of the others; another seed changes the samples.
    const more = planRuns({ ...spec, spaces: [...spec.spaces, { kind: 'model', name: 'extra', config: REGNET32, n: 1 }] });
    assert.deepEqual(more.filter((r) => r.space !== 'extra'), runs);
    const reseeded = planRuns({ ...spec, seed: 8 });
    assert.notDeepEqual(reseeded.filter((r) => r.space === 'AnyNetX_A').map((r) => r.configKey), runs.filter((r) => r.space === 'AnyNetX_A').map((r) => r.configKey));
  });

  it('keeps workers, backend and description out of the identity a resumed sweep must match', () => {
    const spec = parseSweepSpec(minimal, 'demo.yaml');
    const other = parseSweepSpec({ ...minimal, workers: 7, description: 'more words', train: { backend: 'cpu' } }, 'demo.yaml');
    assert.deepEqual(sweepIdentity(other), sweepIdentity(spec));
    assert.notDeepEqual(sweepIdentity(parseSweepSpec({ ...minimal, train: { epochs: 2 } }, 'demo.yaml')), sweepIdentity(spec));
  });

  it('defaults to one worker per core on every backend (tensorflow loads in several threads)', () => {
    assert.equal(defaultWorkers('wasm', 2), 2);
    assert.equal(defaultWorkers('cpu', 8), 8);
    assert.equal(defaultWorkers('tensorflow', 8), 8);
    assert.equal(defaultWorkers('auto', 4), 4);
  });

  it('accepts every shipped experiment and plans it', () => {
    const dir = new URL('../../experiments/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.includes('quickstart.yaml') && files.includes('anynet-a-to-e.yaml') && files.includes('regnet32-baseline.yaml'), files.join());
    for (const file of files) {
      const spec = loadSweepSpec(new URL(file, dir).pathname);
      assert.equal(`${spec.name}.yaml`, file, 'a sweep is named after its file');
      const runs = planRuns(spec);
      assert.equal(runs.length, spec.spaces.reduce((sum, e) => sum + e.n, 0), file);
      assert.ok(spec.description.length > 0, `${file} states what it is for and costs`);
    }
  });
});
