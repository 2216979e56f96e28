// Databases that cannot be used, as users meet them through the CLI: busy (another process holds the lock), another
// program's, damaged, newer, read-only, on a full disk. Each has its own message and exit code, and the file is left
// exactly as it was. Real files, a real second process (python3's sqlite3), real read-only flags and a real full
// tmpfs (the last two need root, as CI runs; elsewhere they say so and skip).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EXIT_CODES } from '../../src/errors.ts';
import { openStore } from '../../src/store/store.ts';
import { netspace, type CliResult } from '../cli/netspace.ts';

const isRoot = process.getuid?.() === 0;

/** The file's bytes, to show that a refused file was left as it was. */
const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A refusal: the exit code of its kind, one `netspace:` line matching `message`, no stack trace. */
function assertRefused(result: CliResult, code: number, message: RegExp): void {
  assert.equal(result.code, code, result.stderr);
  assert.match(result.stderr, /^netspace: /);
  assert.match(result.stderr, message);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

/** A netspace database with one sweep, `held` by process `pid` when given (as a running sweep's owner). */
function writeNetspaceDb(path: string, held?: number): void {
  const store = openStore(path);
  try {
    const { id } = store.openSweep('held', { name: 'held' });
    if (held !== undefined) store.claimSweep(id, { pid: held, host: 'labhost', token: 'x' });
  } finally {
    store.close();
  }
}

/** A spec of one tiny model, so that writers get as far as opening the database. */
function writeSpec(dir: string): string {
  const path = join(dir, 'spec.yaml');
  writeFileSync(path, 'name: held\nspaces: [{model: {stemWidth: 8, stages: [{depth: 1, width: 8, groupWidth: 8}]}, n: 1}]\ntrain: {epochs: 1, trainSize: 256, valSize: 128, backend: wasm}\n');
  return path;
}

/**
 * Another process holding `path`'s lock with python3's sqlite3, as in the issue: `mode` 'write' holds the write lock
 * (BEGIN IMMEDIATE and an update), 'exclusive' locks readers out too. Resolves once it holds the lock.
 */
async function holdLock(path: string, mode: 'write' | 'exclusive'): Promise<ChildProcess> {
  const script = [
    'import sqlite3, sys',
    `c = sqlite3.connect(${JSON.stringify(path)}, isolation_level=None)`,
    mode === 'exclusive' ? "c.execute('PRAGMA locking_mode=EXCLUSIVE'); c.execute('BEGIN EXCLUSIVE')" : "c.execute('BEGIN IMMEDIATE')",
    "c.execute('UPDATE sweeps SET created_at = created_at')",
    "print('ready', flush=True)",
    'sys.stdin.read()',
  ].join('\n');
  const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
  return child;
}

describe('store/open: databases that cannot be used', () => {
  let dir: string;
  let spec: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-open-'));
    spec = writeSpec(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('says busy (exit 3), names the sweep that holds it, and changes nothing, for writers and readers alike', async () => {
    const writeHeld = join(dir, 'busy.db');
    writeNetspaceDb(writeHeld, process.pid);
    const exclusive = join(dir, 'exclusive.db');
    writeNetspaceDb(exclusive);
    const holders = [await holdLock(writeHeld, 'write'), await holdLock(exclusive, 'exclusive')];
    try {
      const [train, sweep, status] = await Promise.all([
        netspace(['train', '--train-size', '256', '--val-size', '100', '--db', writeHeld]),
        netspace(['sweep', 'run', spec, '--db', writeHeld]),
        netspace(['sweep', 'status', 'held', '--db', exclusive]),
      ]);
      const named = new RegExp(`database ${writeHeld} is busy: another process holds its write lock and did not let go within 10 s \\(sweep held is being run by process ${process.pid} on labhost since .*\\)\\. The file is fine`);
      assertRefused(train, EXIT_CODES.databaseBusy, named);
      assertRefused(sweep, EXIT_CODES.databaseBusy, named);
      assertRefused(status, EXIT_CODES.databaseBusy, new RegExp(`database ${exclusive} is busy`));
      assert.doesNotMatch(train.stderr, /not a netspace database/);
    } finally {
      for (const h of holders) h.stdin!.end();
    }
    // Once the lock is gone the same file opens and holds what it held.
    const store = openStore(writeHeld, { readonly: true });
    try {
      assert.deepEqual(store.listSweeps().map((s) => s.name), ['held']);
    } finally {
      store.close();
    }
  });

  it("refuses another program's SQLite file (exit 4) for writers and readers, writing nothing to it", async () => {
    const foreign = join(dir, 'optuna.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE trials (trial_id INTEGER PRIMARY KEY, value REAL); INSERT INTO trials VALUES (1, 0.5)');
    db.close();
    const notSqlite = join(dir, 'notes.db');
    writeFileSync(notSqlite, 'these are notes, not a database\n'.repeat(200));
    const before = [digest(foreign), digest(notSqlite)];
    const results = await Promise.all([
      netspace(['train', '--train-size', '256', '--val-size', '100', '--db', foreign]),
      netspace(['sweep', 'run', spec, '--db', foreign]),
      netspace(['sweep', 'status', 'held', '--db', foreign]),
      netspace(['report', 'held', '--db', foreign, '--out', join(dir, 'r.html')]),
      netspace(['sweep', 'run', spec, '--db', notSqlite]),
      netspace(['sweep', 'export', 'held', '--json', '--db', notSqlite]),
    ]);
    for (const r of results.slice(0, 4)) assertRefused(r, EXIT_CODES.notNetspace, /optuna\.db is not a netspace database: it holds tables of another program \(trials\); nothing was written to it/);
    for (const r of results.slice(4)) assertRefused(r, EXIT_CODES.notNetspace, /notes\.db is not a netspace database: SQLite cannot read it as a database/);
    assert.deepEqual([digest(foreign), digest(notSqlite)], before);
    assert.equal(existsSync(`${foreign}-wal`), false, 'no WAL file was created');
    const reopened = new Database(foreign, { readonly: true });
    assert.equal(reopened.pragma('journal_mode', { simple: true }), 'delete', 'the journal mode is as it was');
    reopened.close();
  });

  it('says damaged (exit 5) with SQLite\'s integrity answer, for writers and readers, and writes nothing', async () => {
    const damaged = join(dir, 'damaged.db');
    const store = openStore(damaged);
    const { id } = store.openSweep('held', {});
    const config = { inputChannels: 1, stemWidth: 8, numClasses: 10, convBias: true, stages: [{ depth: 1, width: 8, groupWidth: 8, bottleneckMultiplier: 1 }] };
    const settings = { epochs: 1, resolution: 28, batchSize: 64, lr: 0.1, trainSize: 256, valSize: 128 };
    store.addRuns(id, Array.from({ length: 200 }, (_, i) => ({ space: 'A', configKey: `k${i}`, config, sampled: {}, flops: 1, params: 1, acts: 1, seed: i, settings })));
    store.close();
    // Checkpoint the WAL into the file, then overwrite the middle of the runs table's pages.
    const raw = new Database(damaged);
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.pragma('journal_mode = DELETE');
    raw.close();
    const bytes = readFileSync(damaged);
    bytes.fill(0xa5, 4096 * 3 + 100, 4096 * 3 + 3000);
    writeFileSync(damaged, bytes);
    const before = digest(damaged);
    const [writer, status, exported] = await Promise.all([
      netspace(['sweep', 'run', spec, '--db', damaged]),
      netspace(['sweep', 'status', 'held', '--db', damaged]),
      netspace(['sweep', 'export', 'held', '--json', '--db', damaged]),
    ]);
    for (const r of [writer, status, exported]) {
      assertRefused(r, EXIT_CODES.databaseDamaged, /damaged\.db is damaged: SQLite's integrity check says ".+"\. netspace did not write to it/);
    }
    assert.equal(digest(damaged), before);
  });

  it('refuses a database of a newer netspace (exit 6) for writers and readers', async () => {
    const newer = join(dir, 'newer.db');
    writeNetspaceDb(newer);
    const raw = new Database(newer);
    raw.pragma('user_version = 99');
    raw.close();
    const [writer, reader] = await Promise.all([netspace(['sweep', 'run', spec, '--db', newer]), netspace(['sweep', 'status', 'held', '--db', newer])]);
    for (const r of [writer, reader]) assertRefused(r, EXIT_CODES.newerSchema, /has schema version 99, newer than this netspace understands/);
  });

  it('says read-only (exit 7) for a read-only file or folder, and still reads the file', { skip: !isRoot && 'needs root (chattr +i), as CI runs' }, async () => {
    const file = join(dir, 'readonly.db');
    writeNetspaceDb(file);
    const folder = join(dir, 'locked');
    mkdirSync(folder);
    const chattr = spawnSync('chattr', ['+i', file, folder]);
    if (chattr.status !== 0) return void assert.fail(`chattr +i failed here: ${chattr.stderr}`);
    try {
      const before = digest(file);
      const [onFile, inFolder, reader] = await Promise.all([
        netspace(['sweep', 'run', spec, '--db', file]),
        netspace(['sweep', 'run', spec, '--db', join(folder, 'new.db')]),
        netspace(['sweep', 'status', 'held', '--db', file, '--json']),
      ]);
      assertRefused(onFile, EXIT_CODES.readOnly, /readonly\.db cannot be written: the file is read-only\. Nothing stored was changed/);
      assertRefused(inFolder, EXIT_CODES.readOnly, /new\.db cannot be written: its folder .*locked is read-only/);
      assert.equal(reader.code, 0, reader.stderr);
      assert.equal(digest(file), before);
    } finally {
      spawnSync('chattr', ['-i', file, folder]);
    }
  });

  it('says the disk is full (exit 8) when a new database cannot be written', { skip: !isRoot && 'needs root (mount -t tmpfs), as CI runs' }, async () => {
    const mount = join(dir, 'full');
    mkdirSync(mount);
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount]).status, 0, 'mount tmpfs');
    try {
      // Fill it: writes past the size fail with ENOSPC, as on a real full disk.
      spawnSync('dd', ['if=/dev/zero', `of=${join(mount, 'filler')}`, 'bs=4k', 'count=100']);
      const result = await netspace(['sweep', 'run', spec, '--db', join(mount, 'sweep.db')]);
      assertRefused(result, EXIT_CODES.diskFull, /the disk holding database .*sweep\.db is full\. Nothing stored was lost/);
    } finally {
      spawnSync('umount', [mount]);
    }
  });
});
