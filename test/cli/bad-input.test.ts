// Property-based checks of every input edge (fast-check): random and mutated sweep specs, space specs, model
// configs, command-line option values, IDX files and database files. Whatever the input, netspace answers with a
// NetspaceError (a message, no stack, its exit code) or a result, never an internal error; input that is bad by
// construction is refused with a non-zero exit and a message naming it; a database given with --db is left byte for
// byte as it was by a refused command. Seeded: a failure prints the seed and the shrunk counterexample, and
// NETSPACE_PROPERTY_SEED=<seed> replays it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { EXIT_CODES, isNetspaceError } from '../../src/errors.ts';
import { loadSweepSpec } from '../../src/sweep/spec.ts';
import { loadSpace } from '../../src/space/load.ts';
import { readIdxImages, readIdxLabels } from '../../src/data/idx.ts';
import { openStore } from '../../src/store/store.ts';
import { DATASET_NAMES } from '../../src/data/datasets.ts';
import { runInProcess, type InProcessResult } from './in-process.ts';

/** One seed for every property (printed by fast-check on failure); runs are few enough for a loaded 2-core box. */
const SEED = Number(process.env.NETSPACE_PROPERTY_SEED ?? 20_261_201);
/** Runs per property scale with NETSPACE_PROPERTY_SCALE (default 1) for a longer search by hand. */
const SCALE = Number(process.env.NETSPACE_PROPERTY_SCALE ?? 1);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)), seed: SEED, endOnFailure: true });
const RUNS = runs(60);

const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** What a user may see whatever the input: `netspace: <message>`, never an internal error or a stack. */
function assertNoInternalError(result: InProcessResult, what: string): void {
  assert.equal(result.escaped, undefined, `${what}: an exception escaped main(): ${String(result.escaped)}`);
  assert.notEqual(result.code, EXIT_CODES.internal, `${what}: internal error:\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at /, `${what}: ${result.stderr}`);
  assert.doesNotMatch(result.stdout, /\bnull\b|Infinity|NaN/, `${what}: printed a count that is not a number: ${result.stdout}`);
}

/** A refusal of bad input: non-zero exit and a `netspace:` message that names the input (`names`). */
function assertRefused(result: InProcessResult, what: string, names: RegExp): void {
  assertNoInternalError(result, what);
  assert.notEqual(result.code, 0, `${what}: accepted:\n${result.stdout}`);
  assert.match(result.stderr, /^netspace: /, what);
  assert.match(result.stderr, names, `${what}: the message does not name the input:\n${result.stderr}`);
}

/** Calls a library parser: it returns, or throws a NetspaceError (a user's message), nothing else. */
async function parserOutcome(call: () => unknown): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    await call();
    return { ok: true };
  } catch (error) {
    if (!isNetspaceError(error)) throw new Error(`not a NetspaceError: ${error instanceof Error ? error.stack : String(error)}`);
    assert.doesNotMatch(error.message, /\n\s+at /);
    return { ok: false, message: error.message };
  }
}

// ---- Values a user may type or a file may hold -------------------------------------------------------------------

/** Numbers that break naive checks: zero, negatives, fractions, past 2^53, non-finite, tiny. */
const edgeNumber = fc.constantFrom(0, -0, -1, 0.5, 1.5, -7.25, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e21, 1e300, -1e300, 5e-324, Number.NaN, Infinity, -Infinity);
/** Any JSON-ish value a mutated document may put where something else belongs. */
const weirdValue = fc.oneof(
  edgeNumber,
  fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(null, true, false, '', 'all', 'auto', '1e400', '3M', '[1, 2]', 'NaN'),
  fc.array(fc.oneof(fc.integer(), fc.constant(null), fc.string({ maxLength: 4 })), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxKeys: 2 }),
);
/** Text typed after a flag: numbers in every spelling, words, empties. */
const flagText = fc.oneof(
  edgeNumber.map(String),
  fc.integer({ min: -100_000, max: 100_000 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.constantFrom('', ' ', 'abc', '0x10', '1e400', '-1e400', '1_000', '1,000', '2.', '.5', '5M', 'null', 'true', '1:2', '∞'),
  fc.string({ maxLength: 10 }),
);

// ---- Mutations of a valid document --------------------------------------------------------------------------------

/** Paths to every object and leaf in a JSON-able value, as key lists. */
function paths(value: unknown, prefix: (string | number)[] = []): { objects: (string | number)[][]; leaves: (string | number)[][] } {
  const out = { objects: [] as (string | number)[][], leaves: [] as (string | number)[][] };
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      const inner = paths(v, [...prefix, i]);
      out.objects.push(...inner.objects);
      out.leaves.push(...inner.leaves);
    });
    if (prefix.length > 0) out.leaves.push(prefix);
  } else if (typeof value === 'object' && value !== null) {
    out.objects.push(prefix);
    for (const [k, v] of Object.entries(value)) {
      const inner = paths(v, [...prefix, k]);
      out.objects.push(...inner.objects);
      out.leaves.push(...inner.leaves);
    }
    if (prefix.length > 0) out.leaves.push(prefix);
  } else {
    out.leaves.push(prefix);
  }
  return out;
}

function at(value: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value);
}

/** A mutation of a document: `bad` when the result is wrong by construction (an unknown key), else maybe valid. */
type Mutation = { kind: 'replace'; pick: number; value: unknown } | { kind: 'delete'; pick: number } | { kind: 'unknownKey'; pick: number; key: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: weirdValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknownKey' as const), pick: fc.nat(), key: fc.constantFrom('typo', 'epoch', 'Stages', 'widht', '__proto__x') }) },
);

/** Applies the mutations to a copy of `doc`; returns it and whether it is bad by construction. */
function mutate(doc: unknown, mutations: readonly Mutation[]): { doc: unknown; bad: boolean } {
  const copy = structuredClone(doc);
  let bad = false;
  // Unknown keys go in last, so that a later mutation cannot delete the key that makes the document bad.
  const ordered = [...mutations.filter((m) => m.kind !== 'unknownKey'), ...mutations.filter((m) => m.kind === 'unknownKey')];
  for (const m of ordered) {
    const { objects, leaves } = paths(copy);
    if (m.kind === 'unknownKey') {
      if (objects.length === 0) continue;
      const target = at(copy, objects[m.pick % objects.length]!) as Record<string, unknown>;
      target[m.key] = 1;
      bad = true;
      continue;
    }
    if (leaves.length === 0) continue;
    const path = leaves[m.pick % leaves.length]!;
    const parent = at(copy, path.slice(0, -1)) as Record<string | number, unknown>;
    const key = path[path.length - 1]!;
    if (m.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else {
      parent[key] = m.value;
    }
  }
  return { doc: copy, bad };
}

/** The document as a file's text: JSON, YAML, or a text mutation of either (cut short, a character inserted). */
const textForm = fc.record({
  format: fc.constantFrom('json', 'yaml'),
  edit: fc.option(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), cut: fc.boolean(), insert: fc.constantFrom('{', ']', ':', '"', '\t', '- ', '\u0000', '#') }), { freq: 4 }),
});

function writeDocument(dir: string, name: string, doc: unknown, form: { format: string; edit: { at: number; cut: boolean; insert: string } | null }): string {
  const text = form.format === 'json' ? JSON.stringify(doc, null, 1) ?? 'null' : toYaml(doc);
  let edited = text;
  if (form.edit !== null) {
    const i = Math.floor(form.edit.at * text.length);
    edited = form.edit.cut ? text.slice(0, i) : text.slice(0, i) + form.edit.insert + text.slice(i);
  }
  const path = join(dir, `${name}.${form.format}`);
  writeFileSync(path, edited);
  return path;
}

// ---- Valid documents the mutations start from ----------------------------------------------------------------------

const TINY_MODEL = { stemWidth: 8, stages: [{ depth: 1, width: 8, groupWidth: 8, bottleneckMultiplier: 1 }, { depth: 2, width: 16, groupWidth: 8 }] };
const SWEEP = {
  kind: 'sweep',
  name: 'props',
  description: 'mutated',
  seed: 7,
  dataset: 'fashion-mnist',
  spaces: [{ space: 'AnyNetX_A', n: 2 }, { space: { kind: 'RegNetX', depth: { dist: 'uniform', low: 4, high: 8, quantum: 1 } }, name: 'r', n: 2 }, { model: TINY_MODEL, n: 1 }, { model: 'regnet32', name: 'base', n: 1 }],
  complexity: { flops: [null, '3M'], params: [1000, null], acts: null },
  train: { epochs: 4, resolution: 28, batchSize: 32, lr: 0.1, trainSize: 256, valSize: 'all', microBatch: 16, backend: 'wasm' },
  fidelity: { kind: 'asha', minEpochs: 1, maxEpochs: 4, reductionFactor: 2 },
  workers: 2,
};
const REGNET32_PARAMS: Record<string, string> = { d: '10', w0: '32', wa: '5', wm: '2.5', g: '16' };
const SPACES = [
  { kind: 'AnyNetX_E', stages: 2, depth: { dist: 'log-uniform', low: 1, high: 4, quantum: 1 }, width: { dist: 'log-uniform', low: 8, high: 64, quantum: 8 } },
  { kind: 'RegNetX', name: 'mine', resolution: 32, depth: { dist: 'uniform', low: 4, high: 10, quantum: 1 }, wm: { dist: 'fixed', value: 2.5 } },
  { kind: 'AnyNet', scale: 'fashion-mnist', stemWidth: 16, groupWidth: { dist: 'power-of-2', low: 8, high: 16, quantum: 1 } },
];

describe('bad input, property-based (fast-check)', () => {
  let dir: string;
  let db: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-props-'));
    mkdirSync(join(dir, 'empty-data'));
    db = join(dir, 'kept.db');
    const store = openStore(db);
    try {
      store.openSweep('kept', { name: 'kept' });
    } finally {
      store.close();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts from valid documents, so that every mutation is a step away from input netspace accepts', async () => {
    const sweep = writeDocument(dir, 'sweep', SWEEP, { format: 'yaml', edit: null });
    assert.equal(loadSweepSpec(sweep).spaces.length, 4);
    SPACES.forEach((space, i) => assert.ok(loadSpace(writeDocument(dir, `space${i}`, space, { format: 'json', edit: null }))));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(TINY_MODEL));
    const counted = await runInProcess(['complexity', join(dir, 'config.json'), '--json']);
    assert.equal(counted.code, 0, counted.stderr);
  });

  it('sweep specs: a mutated spec file is loaded or refused with a message naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), textForm, async (mutations, form) => {
        const { doc, bad } = mutate(SWEEP, mutations);
        const file = writeDocument(dir, 'sweep', doc, form);
        const outcome = await parserOutcome(() => loadSweepSpec(file));
        if (bad && form.edit === null) assert.equal(outcome.ok, false, 'an unknown key was accepted');
        if (!outcome.ok) assert.ok(outcome.message.includes(file), `the message does not name ${file}: ${outcome.message}`);
      }),
      RUNS,
    );
  });

  it('space specs: a mutated space file is loaded or refused naming the file, and `sample` of it never fails inside', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: SPACES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), textForm, async (which, mutations, form) => {
        const { doc, bad } = mutate(SPACES[which], mutations);
        const file = writeDocument(dir, 'space', doc, form);
        const outcome = await parserOutcome(() => loadSpace(file));
        if (bad && form.edit === null) assert.equal(outcome.ok, false, 'an unknown key was accepted');
        if (!outcome.ok) {
          assert.ok(outcome.message.includes(file), `the message does not name ${file}: ${outcome.message}`);
          assertRefused(await runInProcess(['sample', file, '--n', '2', '--json']), `sample ${file}`, /space/);
        } else {
          assertNoInternalError(await runInProcess(['sample', file, '--n', '2', '--max-attempts', '40', '--json']), `sample ${file}`);
        }
      }),
      runs(40),
    );
  });

  it('model configs: `complexity` of a mutated config file prints exact counts or refuses naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const { doc, bad } = mutate(TINY_MODEL, mutations);
        const file = join(dir, 'config.json');
        writeFileSync(file, JSON.stringify(doc) ?? 'null');
        const result = await runInProcess(['complexity', file, '--json']);
        if (bad) assertRefused(result, `complexity ${JSON.stringify(doc)}`, /config\.json/);
        else assertNoInternalError(result, `complexity ${JSON.stringify(doc)}`);
        if (result.code === 0) {
          const counts = JSON.parse(result.stdout) as Record<string, unknown>;
          for (const v of Object.values(counts)) assert.ok(Number.isSafeInteger(v), `count ${String(v)} is not exact`);
        }
      }),
      RUNS,
    );
  });

  /** Flags of `train`, each with values that are wrong for it and what the message must name. */
  const TRAIN_FLAGS: Record<string, { bad: fc.Arbitrary<string>; names: RegExp }> = {
    epochs: { bad: fc.oneof(fc.constantFrom('0', '-1', '1.5', '10001', '1e300', 'abc', '', 'NaN', 'Infinity'), fc.integer({ min: 10_001 }).map(String)), names: /--epochs/ },
    resolution: { bad: fc.oneof(fc.constantFrom('0', '7', '1025', '5000', '28.5', 'x', '-28', '1e9'), fc.integer({ min: -1000, max: 7 }).map(String)), names: /--resolution/ },
    batch: { bad: fc.constantFrom('0', '-4', '2.5', '65537', '1e12', 'many', ''), names: /--batch/ },
    lr: { bad: fc.oneof(fc.constantFrom('0', '-0.1', '10.5', '1e38', 'NaN', 'Infinity', 'fast', '1e400'), fc.double({ min: 10.001, noNaN: true }).map(String)), names: /--lr/ },
    'train-size': { bad: fc.constantFrom('0', '9', '-100', '1e8', '100.5', 'half', 'NaN'), names: /--train-size/ },
    'val-size': { bad: fc.constantFrom('0', '9', '-100', '1e8', '100.5', 'half', 'NaN'), names: /--val-size/ },
    'micro-batch': { bad: fc.constantFrom('0', '-1', '1.5', '65537', '64', 'x'), names: /--micro-batch/ },
    seed: { bad: fc.constantFrom('-1', '0.5', '4294967296', '1e20', 'seed', 'NaN'), names: /--seed/ },
    dataset: { bad: fc.oneof(fc.constantFrom('Fashion-MNIST', '', 'cifar', '../x', 'mnist '), fc.string({ minLength: 1, maxLength: 8 })).filter((s) => !(DATASET_NAMES as readonly string[]).includes(s)), names: /dataset/ },
    backend: { bad: fc.constantFrom('gpu', 'WASM', '', 'webgl', 'tensorflow-gpu'), names: /backend/ },
    model: { bad: fc.constantFrom('regnet33', 'nofile.json', './missing/model.json', '', 'RegNetX'), names: /model|preset|regnet|config|file/i },
  };

  it('train options: a wrong value of any flag is refused naming the flag, and the database is left as it was', async () => {
    const before = digest(db);
    const flagValue = fc.constantFrom(...Object.keys(TRAIN_FLAGS)).chain((flag) => fc.tuple(fc.constant(flag), TRAIN_FLAGS[flag]!.bad));
    await fc.assert(
      fc.asyncProperty(flagValue, async ([flag, value]) => {
        const argv = ['train', '--db', db, '--no-download', '--data-dir', join(dir, 'empty-data'), '--epochs', '1', '--batch', '32', '--micro-batch', '32', '--train-size', '64', '--val-size', '32', '--backend', 'cpu', `--${flag}`, value];
        const result = await runInProcess(argv);
        assertRefused(result, `train --${flag} ${JSON.stringify(value)}`, TRAIN_FLAGS[flag]!.names);
        // A value that is not a number is quoted as typed, not as the NaN it parses to.
        if (value !== 'NaN') assert.doesNotMatch(result.stderr, /got NaN/, `train --${flag} ${JSON.stringify(value)}`);
        assert.equal(digest(db), before, `train --${flag} ${JSON.stringify(value)} changed the database`);
        assert.ok(!existsSync(`${db}-wal`) || readFileSync(`${db}-wal`).length === 0, 'a write-ahead log was left');
      }),
      runs(30),
    );
  });

  it('names a numeric option as typed, with the text given (--workers zero, --resolution=abc, -n -3), and a missing database folder', async () => {
    const cases: [string[], string][] = [
      [['sweep', 'run', 'experiments/quickstart.yaml', '--db', join(dir, 'never.db'), '--workers', 'zero'], 'netspace: --workers must be a whole number >= 1 or auto, got "zero"'],
      [['train', '--model', 'regnet32', '--db', join(dir, 'never.db'), '--resolution=abc'], "netspace: --resolution must be a number, got \"abc\""],
      [['sample', 'AnyNetX_A', '-n', 'x'], "netspace: -n must be a number, got \"x\""],
      [['sample', 'AnyNetX_A', '-n', '-3'], 'netspace: -n must be a whole number from 1 to 100,000,000, got -3'],
      [['sample', 'AnyNetX_A', '-n', '2', '--max-attempts', '0'], 'netspace: --max-attempts must be a whole number >= 1, got 0'],
      // No hint to create it where no sweep could: the folder is missing too.
      [['sweep', 'status', '--db', join(dir, 'nowhere', 'x.db')], `netspace: database ${join(dir, 'nowhere', 'x.db')} does not exist, nor does its folder ${join(dir, 'nowhere')}`],
      [['sweep', 'status', '--db', join(dir, 'never.db')], `netspace: database ${join(dir, 'never.db')} does not exist (a sweep creates it: netspace sweep run <spec> --db ${join(dir, 'never.db')})`],
    ];
    for (const [argv, message] of cases) {
      const result = await runInProcess(argv);
      assertRefused(result, argv.join(' '), /./);
      assert.equal(result.stderr.trim(), message, argv.join(' '));
      assert.ok(!existsSync(join(dir, 'never.db')), `${argv.join(' ')} created a database`);
    }
  });

  it('refuses missing data with downloads off before it opens the database: no sweep or run is stored', async () => {
    for (const argv of [
      ['train', '--model', 'regnet32', '--no-download', '--data-dir', join(dir, 'empty-data')],
      ['sweep', 'run', 'experiments/quickstart.yaml', '--no-download', '--data-dir', join(dir, 'empty-data')],
    ]) {
      const result = await runInProcess([...argv, '--db', join(dir, 'never.db')]);
      assertRefused(result, argv.join(' '), /Fashion-MNIST not found \(looked in: .*empty-data \(--data-dir\).*downloading is off/);
      assert.ok(!existsSync(join(dir, 'never.db')), `${argv.join(' ')} created a database`);
    }
    // In an existing database, nothing is added.
    const before = digest(db);
    assertRefused(await runInProcess(['train', '--model', 'regnet32', '--db', db, '--no-download', '--data-dir', join(dir, 'empty-data')]), 'train into kept.db', /not found/);
    assert.equal(digest(db), before);
  });

  it('sample, complexity and summary options: any value ends in a result or a message, never an internal error', async () => {
    const side = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(0, -1, 4096, 1e6, 2 ** 32, 1e21));
    const command = fc.oneof(
      fc.tuple(fc.constantFrom('--n', '--seed', '--max-attempts', '--flops', '--params', '--acts'), flagText).map(([flag, v]) => ['sample', 'RegNetX', '--n', '2', '--max-attempts', '200', flag, v]),
      fc.tuple(fc.constantFrom('--resolution', '--channels', '--classes', '--stem'), flagText).map(([flag, v]) => ['complexity', '--regnet', 'd=10,w0=32,wa=5,wm=2.5,g=16', flag, v, '--json']),
      fc.tuple(fc.constantFrom('d', 'w0', 'wa', 'wm', 'g', 'b'), flagText).map(([key, v]) => {
        const params = { ...REGNET32_PARAMS, [key]: v };
        return ['complexity', '--regnet', Object.entries(params).map(([k, x]) => `${k}=${x}`).join(','), '--json'];
      }),
      fc.tuple(fc.oneof(fc.integer({ min: 1, max: 4 }), side), fc.oneof(fc.constant(1), side), side, side).map((dims) => ['summary', 'regnet32', '--input', dims.join(','), '--json']),
      flagText.map((v) => ['summary', 'regnet32', '--input', v]),
    );
    await fc.assert(
      fc.asyncProperty(command, async (argv) => {
        assertNoInternalError(await runInProcess(argv), argv.join(' '));
      }),
      runs(60),
    );
  });

  /** A valid IDX file (images or labels), its bytes mutated, gzipped or not: the oracle reads the header itself. */
  it('IDX files: a mutated header or length is read exactly when it is valid, else refused naming the file', async () => {
    const idx = fc.record({
      images: fc.boolean(),
      dims: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })),
      edits: fc.array(fc.oneof(
        fc.record({ kind: fc.constant('byte' as const), at: fc.nat({ max: 15 }), value: fc.nat({ max: 255 }) }),
        fc.record({ kind: fc.constant('cut' as const), keep: fc.nat({ max: 120 }) }),
        fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 3 }) }),
      ), { maxLength: 2 }),
      gzip: fc.constantFrom('no', 'yes', 'cut'),
    });
    await fc.assert(
      fc.asyncProperty(idx, async ({ images, dims, edits, gzip }) => {
        const shape = images ? dims : [dims[0]];
        const header = Buffer.alloc(4 + 4 * shape.length);
        header.writeUInt32BE(images ? 0x803 : 0x801, 0);
        shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
        const size = shape.reduce((a, b) => a * b, 1);
        let bytes = Buffer.concat([header, Buffer.from(Array.from({ length: size }, (_, i) => (images ? (i * 37) % 256 : i % 10)))]);
        for (const e of edits) {
          if (e.kind === 'byte' && e.at < bytes.length) bytes[e.at] = e.value;
          if (e.kind === 'cut') bytes = bytes.subarray(0, e.keep);
          if (e.kind === 'append') bytes = Buffer.concat([bytes, e.bytes]);
        }
        // The oracle: what a correct reader accepts.
        const n = shape.length;
        const headerOk = bytes.length >= 4 + 4 * n && bytes.readUInt32BE(0) === (images ? 0x803 : 0x801);
        const got = headerOk ? Array.from({ length: n }, (_, i) => bytes.readUInt32BE(4 + 4 * i)) : [];
        const payload = got.reduce((a, b) => a * b, 1);
        const payloadBytes = bytes.subarray(4 + 4 * n);
        const valid = headerOk && gzip !== 'cut' && got.every((d) => d >= 1) && payloadBytes.length === payload && (images || payloadBytes.every((b) => b < 10));
        let file = join(dir, images ? 'images-idx3-ubyte' : 'labels-idx1-ubyte');
        if (gzip !== 'no') {
          const zipped = gzipSync(bytes);
          file += '.gz';
          writeFileSync(file, gzip === 'cut' ? zipped.subarray(0, zipped.length - 5) : zipped);
        } else {
          writeFileSync(file, bytes);
        }
        let read: { count: number; data: Uint8Array } | undefined;
        const outcome = await parserOutcome(async () => {
          if (images) {
            const r = await readIdxImages(file);
            read = { count: r.count, data: r.pixels };
          } else {
            const r = await readIdxLabels(file, 10);
            read = { count: r.count, data: r.labels };
          }
        });
        assert.equal(outcome.ok, valid, outcome.ok ? `accepted an invalid file (${gzip})` : `refused a valid file: ${outcome.message}`);
        if (outcome.ok) {
          assert.equal(read!.count, got[0]);
          assert.deepEqual(Buffer.from(read!.data), payloadBytes);
        } else {
          assert.ok(outcome.message.includes(file), `the message does not name ${file}: ${outcome.message}`);
        }
      }),
      runs(150),
    );
  });

  it('database files: `sweep status` of a mutated netspace database answers or refuses, and never writes to it', async () => {
    const pristine = readFileSync(db);
    const file = join(dir, 'mutated.db');
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('byte' as const), at: fc.nat({ max: pristine.length - 1 }), value: fc.nat({ max: 255 }) }),
      fc.record({ kind: fc.constant('header' as const), at: fc.nat({ max: 99 }), value: fc.nat({ max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), keep: fc.nat({ max: pristine.length }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
        for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
        let bytes = Buffer.from(pristine);
        for (const e of edits) {
          if (e.kind === 'cut') bytes = bytes.subarray(0, e.keep);
          else if (e.at < bytes.length) bytes[e.at] = e.value;
        }
        writeFileSync(file, bytes);
        const before = digest(file);
        const result = await runInProcess(['sweep', 'status', '--db', file]);
        assertNoInternalError(result, `sweep status of ${JSON.stringify(edits)}`);
        if (result.code !== 0) assert.match(result.stderr, /mutated\.db/);
        assert.equal(digest(file), before, `sweep status changed ${JSON.stringify(edits)}`);
      }),
      runs(40),
    );
    copyFileSync(db, file);
  });
});

// Each fault the properties above found, as a plain test that failed (or never ended) before its fix.
describe('bad input found by the properties', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'netspace-props-found-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a RegNet deeper than MAX_BLOCKS instead of computing its widths for hours', { timeout: 60_000 }, async () => {
    for (const d of ['1e9', '2147483648', '1001']) {
      const result = await runInProcess(['complexity', '--regnet', `d=${d},w0=32,wa=5,wm=2.5,g=16`, '--json']);
      assertRefused(result, `--regnet d=${d}`, /RegNet parameters: depth d must be at most 1,000 blocks, got [\d,]+/);
      assert.equal(result.code, EXIT_CODES.userError);
    }
    assert.equal((await runInProcess(['complexity', '--regnet', 'd=1000,w0=32,wa=5,wm=2.5,g=16', '--json'])).code, 0);
  });

  it('refuses a config whose depths add up past MAX_BLOCKS instead of counting block by block', { timeout: 60_000 }, async () => {
    const file = join(dir, 'deep.json');
    for (const stages of [[{ depth: 1e12, width: 8, groupWidth: 8 }], [{ depth: 600, width: 8, groupWidth: 8 }, { depth: 401, width: 16, groupWidth: 8 }]]) {
      writeFileSync(file, JSON.stringify({ stemWidth: 8, stages }));
      const result = await runInProcess(['complexity', file, '--json']);
      assertRefused(result, JSON.stringify(stages), /deep\.json: stages make networks of up to [\d,]+ blocks; netspace takes at most 1,000/);
    }
  });

  it('refuses a space whose deepest draw passes MAX_BLOCKS, RegNetX and AnyNet alike, before sampling', { timeout: 60_000 }, async () => {
    const regnet = join(dir, 'deep-regnet.json');
    writeFileSync(regnet, JSON.stringify({ kind: 'RegNetX', depth: { dist: 'uniform', low: 4, high: 1e9, quantum: 1 } }));
    assert.throws(() => loadSpace(regnet), /deep-regnet\.json: depth make networks of up to 1,000,000,000 blocks; netspace takes at most 1,000/);
    assertRefused(await runInProcess(['sample', regnet, '--n', '2']), 'sample deep RegNetX', /deep-regnet\.json: depth/);
    const anynet = join(dir, 'deep-anynet.json');
    writeFileSync(anynet, JSON.stringify({ kind: 'AnyNetX_A', stages: 16, depth: { dist: 'log-uniform', low: 1, high: 64, quantum: 1 } }));
    assert.throws(() => loadSpace(anynet), /deep-anynet\.json: depth make networks of up to 1,024 blocks/);
    const perStage = join(dir, 'deep-stages.json');
    writeFileSync(perStage, JSON.stringify({ kind: 'AnyNet', stages: 2, depth: [{ dist: 'fixed', value: 999 }, { dist: 'fixed', value: 2 }] }));
    assert.throws(() => loadSpace(perStage), /deep-stages\.json: depth make networks of up to 1,001 blocks/);
  });

  it('refuses a summary input too large to pass through the model, naming --input', async () => {
    for (const input of ['1,1,1000000,1000000', '1,1,4096,4096', '4294967296,1,8,8']) {
      const result = await runInProcess(['summary', 'regnet32', '--input', input]);
      assertRefused(result, `--input ${input}`, new RegExp(`--input ${input}: [\\d,]+ input values, more than the 4,194,304 a summary runs on`));
    }
  });
});

// Issue 12 case 5, as users met it: counts that JavaScript numbers cannot hold exactly are refused, never printed.
describe('counts past 2^53', () => {
  it('refuses configs whose counts pass 2^53 in complexity and summary, and such a --flops bound in sample', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-props-counts-'));
    try {
      const file = join(dir, 'wide.json');
      for (const [width, flops] of [[1073741824, '5.649e+19'], [1e300, 'Infinity']] as const) {
        writeFileSync(file, JSON.stringify({ stemWidth: 8, stages: [{ depth: 1, width, groupWidth: 8 }] }));
        const counted = await runInProcess(['complexity', file, '--json']);
        assertRefused(counted, `complexity width ${width}`, width === 1e300 ? /wide\.json: stages\[0\]\.width must be a whole number from 1 to 2\^53 - 1/ : new RegExp(`the config's flops \\(about ${flops.replace('+', '\\+')}\\) pass 2\\^53`));
        assertRefused(await runInProcess(['summary', file]), `summary width ${width}`, /2\^53/);
      }
      assertRefused(await runInProcess(['sample', 'RegNetX', '--n', '2', '--flops', '1e400:']), 'sample --flops 1e400:', /--flops \[Infinity,null\] must have ends below 2\^53/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
