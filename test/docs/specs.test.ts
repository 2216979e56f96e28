// docs/specs.md and docs/spec.schema.json: every documented example parses, the schema is the generated one and
// accepts the examples and the shipped experiments, and every key the parsers know is documented.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { CONFIG_KEYS, STAGE_KEYS, parseAnyNetConfig } from '../../src/space/config.ts';
import { ANYNET_PARAMS, REGNET_PARAMS, SCALE_KEYS, parseSpaceSpec } from '../../src/space/spec.ts';
import { FIDELITY_KEYS } from '../../src/sweep/fidelity-spec.ts';
import { specSchema } from '../../src/sweep/schema.ts';
import { COMPLEXITY_KEYS, SPACE_ENTRY_KEYS, TOP_KEYS, TRAIN_KEYS, parseSweepSpec } from '../../src/sweep/spec.ts';

const DOC = readFileSync('docs/specs.md', 'utf8');
type Kind = 'sweep' | 'space' | 'model';
const examples = [...DOC.matchAll(/^```(yaml|json) (sweep|space|model)\n(.*?)^```$/gms)].map((m) => ({
  format: m[1]!,
  kind: m[2] as Kind,
  text: m[3]!,
  value: (m[1] === 'json' ? JSON.parse(m[3]!) : parseYaml(m[3]!)) as unknown,
}));

const PARSERS: Record<Kind, (value: unknown, source: string) => unknown> = {
  sweep: (value, source) => parseSweepSpec(value, source, 'experiments'),
  space: parseSpaceSpec,
  model: parseAnyNetConfig,
};

const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addSchema(specSchema());

function validator(kind: Kind): (value: unknown) => boolean {
  const fn = ajv.getSchema(`https://netspace.invalid/spec.schema.json#/$defs/${kind}`)!;
  return (value) => {
    const ok = fn(value) as boolean;
    if (!ok) assert.fail(`${kind} fails the schema: ${JSON.stringify(fn.errors)}`);
    return ok;
  };
}

describe('docs/specs.md', () => {
  it('has examples of every kind of document, and each one parses', () => {
    assert.deepEqual([...new Set(examples.map((e) => e.kind))].sort(), ['model', 'space', 'sweep']);
    assert.ok(examples.length >= 8, `${examples.length} examples`);
    for (const [i, e] of examples.entries()) {
      assert.doesNotThrow(() => PARSERS[e.kind](e.value, `docs/specs.md example ${i + 1}`), `example ${i + 1} (${e.kind}):\n${e.text}`);
    }
  });

  it('documents every key the parsers accept', () => {
    const documented = new Set([...DOC.matchAll(/^\| `([A-Za-z0-9]+)` \|/gm)].map((m) => m[1]!));
    const keys = [
      ...TOP_KEYS,
      ...SPACE_ENTRY_KEYS,
      ...COMPLEXITY_KEYS,
      ...TRAIN_KEYS,
      ...Object.values(FIDELITY_KEYS).flat(),
      ...SCALE_KEYS,
      ...ANYNET_PARAMS,
      'shared',
      'nonDecreasing',
      ...REGNET_PARAMS,
      ...CONFIG_KEYS,
    ];
    assert.deepEqual(keys.filter((k) => !documented.has(k)), []);
    // Stage fields are documented in the stages row.
    for (const k of STAGE_KEYS) assert.match(DOC, new RegExp(`\\| \`stages\` \\|.*${k}`));
    for (const dist of ['uniform', 'log-uniform', 'power-of-2', 'power-of-2-or-log', 'choice', 'fixed']) assert.match(DOC, new RegExp(`^\\| \`${dist}\` \\|`, 'm'));
  });

  it('ships the generated schema, which accepts every example and experiment and refuses a misspelt key', () => {
    assert.deepEqual(JSON.parse(readFileSync('docs/spec.schema.json', 'utf8')), specSchema(), 'run npx tsx scripts/write-spec-schema.ts');
    for (const e of examples) validator(e.kind)(e.value);
    const sweep = validator('sweep');
    for (const file of readdirSync('experiments').filter((f) => /\.ya?ml$/.test(f))) sweep(parseYaml(readFileSync(join('experiments', file), 'utf8')));
    const check = ajv.getSchema('https://netspace.invalid/spec.schema.json')!;
    assert.equal(check({ name: 'x', spaces: [{ space: 'RegNetX', n: 2 }], trian: { epochs: 1 } }), false);
    assert.equal(check({ name: 'x', spaces: [{ space: { kind: 'AnyNet', widht: 8 }, n: 2 }] }), false);
    assert.equal(check({ name: 'x', spaces: [{ space: { kind: 'RegNetX', w0: { dist: 'log-uniform', low: 8, high: 64 } }, n: 2 }] }), false, 'quantum is required');
    assert.equal(check({ name: 'x', spaces: [{ space: 'RegNetX', n: 2 }], fidelity: { kind: 'check', low: 1, full: 2, fraction: 0.5 } }), true);
  });

  it('matches kinds and built-in spaces whatever their case, as sample does', () => {
    const space = parseSpaceSpec({ kind: 'anynetx_e' }, 'lower.yaml');
    assert.equal(space.kind, 'AnyNetX_E');
    assert.equal(space.name, 'AnyNetX_E');
    const sweep = parseSweepSpec({ name: 'x', spaces: [{ space: 'regnetx', n: 2 }, { space: { kind: 'ANYNETX_A' }, n: 2 }] }, 'x.yaml');
    assert.deepEqual(sweep.spaces.map((s) => s.name), ['RegNetX', 'AnyNetX_A']);
    assert.throws(() => parseSpaceSpec({ kind: 'AnyNetX_F' }, 'f.yaml'), /f\.yaml: kind/);
  });
});
