import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyNetConfig } from '../../src/space/config.ts';
import { hashString } from '../../src/core/random.ts';
import { canonicalKey } from '../../src/space/key.ts';
import { REGNET32 } from '../../src/space/presets.ts';

describe('space/key', () => {
  it('names RegNet32 by its fields, stage by stage', () => {
    assert.equal(canonicalKey(REGNET32), 'in1_stem32_out10_bias_d4w32b32g16_d6w80b80g16');
  });

  it('does not depend on the key order of the objects', () => {
    const shuffled = JSON.parse(
      '{"stages":[{"bottleneckMultiplier":1,"groupWidth":16,"width":32,"depth":4},{"width":80,"depth":6,"bottleneckMultiplier":1,"groupWidth":16}],' +
        '"convBias":true,"numClasses":10,"stemWidth":32,"inputChannels":1}',
    ) as AnyNetConfig;
    assert.equal(canonicalKey(shuffled), canonicalKey(REGNET32));
  });

  it('changes with every field that changes the network', () => {
    const base = structuredClone(REGNET32) as AnyNetConfig;
    const variants: AnyNetConfig[] = [
      { ...base, inputChannels: 3 },
      { ...base, stemWidth: 16 },
      { ...base, numClasses: 100 },
      { ...base, convBias: false },
      { ...base, stages: [base.stages[0]!] },
      { ...base, stages: [{ ...base.stages[0]!, depth: 5 }, base.stages[1]!] },
      { ...base, stages: [{ ...base.stages[0]!, width: 48 }, base.stages[1]!] },
      { ...base, stages: [{ ...base.stages[0]!, groupWidth: 8 }, base.stages[1]!] },
      { ...base, stages: [{ ...base.stages[0]!, bottleneckMultiplier: 0.5 }, base.stages[1]!] },
      { ...base, stages: [base.stages[1]!, base.stages[0]!] },
    ];
    const keys = new Set([canonicalKey(base), ...variants.map(canonicalKey)]);
    assert.equal(keys.size, variants.length + 1);
  });

  it('gives one key to multipliers that build the same bottleneck', () => {
    const stage = { depth: 2, width: 32, groupWidth: 8, bottleneckMultiplier: 0.5 };
    const a = { ...REGNET32, stages: [stage] };
    const b = { ...REGNET32, stages: [{ ...stage, bottleneckMultiplier: 0.51 }] };
    assert.equal(canonicalKey(a), canonicalKey(b));
  });

  it('hashes with 32-bit FNV-1a, so stored seeds stay what they were (published test vectors)', () => {
    assert.equal(hashString(''), 0x811c9dc5);
    assert.equal(hashString('a'), 0xe40c292c);
    assert.equal(hashString('foobar'), 0xbf9cf968);
  });
});
