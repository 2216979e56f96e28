// `netspace sweep status` without a name: the sweeps of a database, with the runs of `netspace train` listed apart.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openStore } from '../../../src/store/store.ts';
import { isSingleRunName, singleRunSpec } from '../../../src/sweep/single.ts';
import { REGNET32 } from '../../../src/space/presets.ts';
import { TRAIN_DEFAULTS } from '../../../src/train/settings.ts';

const netspace = (...args: string[]) => spawnSync(process.execPath, ['bin/netspace.js', ...args], { encoding: 'utf8' });

describe('cli/commands/sweep status (list)', () => {
  it('lists sweeps, then the single runs of netspace train apart', () => {
    const single = singleRunSpec({ modelName: 'regnet32', config: REGNET32, settings: TRAIN_DEFAULTS, seed: 0, backend: 'wasm' }).name;
    assert.ok(isSingleRunName(single), single);
    assert.ok(!isSingleRunName('train-my-sweep') && !isSingleRunName('quickstart'));
    const db = join(mkdtempSync(join(tmpdir(), 'netspace-list-')), 'n.db');
    const store = openStore(db);
    store.openSweep('quickstart', { v: 1 });
    store.openSweep(single, { v: 2 });
    store.close();
    const text = netspace('sweep', 'status', '--db', db);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^quickstart  0 runs  created .*\\n\\nsingle runs \\(netspace train\\):\\n  ${single}  0 runs  created `));
    const json = JSON.parse(netspace('sweep', 'status', '--db', db, '--json').stdout) as { sweeps: { name: string; kind: string }[] };
    assert.deepEqual(json.sweeps.map((s) => [s.name, s.kind]), [['quickstart', 'sweep'], [single, 'train']]);
  });
});
