import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinSpaces } from '../../src/space/builtins.ts';
import { isMultipleOf } from '../../src/space/distributions.ts';
import { flatParameters, spaceDomains, type ParameterDomain } from '../../src/space/domains.ts';
import { sampleConfigs } from '../../src/space/sampler.ts';
import { parseSpaceSpec, type SpaceSpec } from '../../src/space/spec.ts';

/** Whether `v` is a value the domain allows: in range, whole for int, on the quantum grid, or one of the choices. */
function allows(d: ParameterDomain, v: number): boolean {
  if (d.kind === 'categorical') return d.choices.includes(v);
  if (v < d.low || v > d.high) return false;
  if (d.kind === 'int' && !Number.isInteger(v)) return false;
  return d.quantum === null || isMultipleOf(v, d.quantum);
}

/** A user-defined space: four stages, a depth shared by all, per-stage width lists, a categorical group width. */
const USER_SPACE = parseSpaceSpec(
  {
    kind: 'AnyNet',
    name: 'four-stage',
    stages: 4,
    depth: { dist: 'uniform', low: 1, high: 3, quantum: 1 },
    width: [
      { dist: 'log-uniform', low: 8, high: 64, quantum: 8 },
      { dist: 'log-uniform', low: 16, high: 128, quantum: 8 },
      { dist: 'log-uniform', low: 32, high: 256, quantum: 8 },
      { dist: 'log-uniform', low: 32, high: 256, quantum: 8 },
    ],
    bottleneckRatio: 1,
    groupWidth: { dist: 'choice', values: [8, 4] },
    shared: ['depth'],
    nonDecreasing: [],
  },
  'test space',
);

describe('space/domains', () => {
  it('names the parameters as the paper does, per stage unless shared', () => {
    const names = (space: SpaceSpec) => spaceDomains(space).map((d) => d.name);
    const perStage = ['d1', 'd2', 'w1', 'w2'];
    assert.deepEqual(names(builtinSpaces.AnyNetX_A), [...perStage, 'b1', 'b2', 'g1', 'g2']);
    assert.deepEqual(names(builtinSpaces.AnyNetX_B), [...perStage, 'b', 'g1', 'g2']);
    for (const kind of ['AnyNetX_C', 'AnyNetX_D', 'AnyNetX_E'] as const) assert.deepEqual(names(builtinSpaces[kind]), [...perStage, 'b', 'g']);
    assert.deepEqual(names(builtinSpaces.RegNetX), ['d', 'w0', 'wa', 'wm', 'g', 'b']);
    assert.deepEqual(names(USER_SPACE), ['d', 'w1', 'w2', 'w3', 'w4', 'b1', 'b2', 'b3', 'b4', 'g1', 'g2', 'g3', 'g4']);
  });

  it('gives each parameter its kind, range, scale and grid', () => {
    const byName = (space: SpaceSpec) => Object.fromEntries(spaceDomains(space).map((d) => [d.name, d]));
    const regnet = byName(builtinSpaces.RegNetX);
    assert.deepEqual(regnet.d, { name: 'd', label: 'depth d (blocks, all stages)', kind: 'int', low: 4, high: 16, log: false, quantum: 1 });
    assert.deepEqual(regnet.w0, { name: 'w0', label: 'initial width w0 (channels)', kind: 'int', low: 8, high: 96, log: true, quantum: 8 });
    assert.deepEqual(regnet.wa, { name: 'wa', label: 'slope wa (channels per block)', kind: 'float', low: 4, high: 64, log: true, quantum: 0.1 });
    assert.deepEqual(regnet.g, { name: 'g', label: 'group width g (channels)', kind: 'int', low: 8, high: 64, log: true, quantum: null });
    assert.deepEqual(regnet.b, { name: 'b', label: 'bottleneck ratio b', kind: 'int', low: 1, high: 1, log: false, quantum: null });
    const a = byName(builtinSpaces.AnyNetX_A);
    assert.deepEqual(a.w2, { name: 'w2', label: 'width w2 (channels, stage 2)', kind: 'int', low: 8, high: 256, log: true, quantum: 8 });
    assert.deepEqual(a.b1, { name: 'b1', label: 'bottleneck ratio b1 (stage 1)', kind: 'int', low: 1, high: 4, log: true, quantum: null });
    const user = byName(USER_SPACE);
    assert.deepEqual(user.g3, { name: 'g3', label: 'group width g3 (channels, stage 3)', kind: 'categorical', choices: [4, 8] });
    assert.equal(user.d!.label, 'depth d (blocks, every stage)');
    assert.deepEqual([user.w3!.kind === 'int' && user.w3!.low, user.w1!.kind === 'int' && user.w1!.high], [32, 64]);
  });

  it('flattens every sampled config to exactly the domain names, each value inside its domain', () => {
    for (const space of [...Object.values(builtinSpaces), USER_SPACE]) {
      const domains = spaceDomains(space);
      const names = domains.map((d) => d.name).sort();
      for (const config of sampleConfigs(space, { n: 150, seed: 11 })) {
        const flat = flatParameters(config.sampled);
        assert.deepEqual(Object.keys(flat).sort(), names, `${space.name}: ${JSON.stringify(config.sampled)}`);
        for (const d of domains) assert.ok(allows(d, flat[d.name]!), `${space.name}: ${d.name} = ${flat[d.name]}`);
      }
    }
  });

  it('reads the sampled records that runs have stored since the first schema', () => {
    assert.deepEqual(flatParameters({ depths: [1, 7], widths: [8, 112], bottleneckRatios: [2, 1], groupWidths: [2, 8] }), {
      d1: 1, d2: 7, w1: 8, w2: 112, b1: 2, b2: 1, g1: 2, g2: 8,
    });
    assert.deepEqual(flatParameters({ bottleneckRatio: 1, groupWidth: 16, depths: [2, 1], widths: [32, 40] }), { b: 1, g: 16, d1: 2, d2: 1, w1: 32, w2: 40 });
    assert.deepEqual(flatParameters({ depth: 5, w0: 32, wa: 7.3, wm: 2.457, groupWidth: 16, bottleneckRatio: 1 }), { d: 5, w0: 32, wa: 7.3, wm: 2.457, g: 16, b: 1 });
    assert.deepEqual(flatParameters({}), {});
  });
});
