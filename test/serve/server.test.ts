// Tests of the dashboard server over real HTTP on loopback: what it answers, what it refuses, and the command.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { EXIT_CODES } from '../../src/errors.ts';
import { CONTENT_SECURITY_POLICY, startServer, type RunningServer } from '../../src/serve/server.ts';
import type { SweepList, SweepView } from '../../src/serve/types.ts';
import { assertUserError, netspace } from '../cli/netspace.ts';
import { writeSweepDb } from '../report/sweep-db.ts';
import { makeSweep } from '../report/sweep-fixture.ts';
import { startServe } from './serve-process.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with the path sent exactly as given (no normalisation of "..", "%2e" or "//"). */
function send(url: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The bytes of a database and its WAL, to show that nothing was written. */
function fingerprint(db: string): string {
  const hash = createHash('sha256');
  for (const file of [db, `${db}-wal`]) if (existsSync(file)) hash.update(readFileSync(file));
  return hash.digest('hex');
}


describe('serve/server', () => {
  let dir: string;
  let db: string;
  let server: RunningServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-serve-'));
    db = join(dir, 'sweeps.db');
    writeSweepDb(db, makeSweep({ name: 'first', spaces: ['AnyNetX_A', 'RegNetX'], perSpace: 6, statuses: ['done', 'done', 'running', 'pending'] }));
    writeSweepDb(db, makeSweep({ name: 'second <b>', spaces: ['AnyNetX_E'], perSpace: 3, seed: 2 }));
    server = await startServer({ db, port: 0, refreshSeconds: 0.05 });
  });

  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers GET and HEAD: page shells, JSON with entity tags, its assets; all under a strict Content-Security-Policy', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(server.loopback, true);
    const home = await send(server.url, '/');
    assert.equal(home.status, 200);
    assert.equal(home.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'; script-src 'self'; style-src 'self'/);
    assert.equal(home.headers['x-content-type-options'], 'nosniff');
    assert.match(home.body, /<script type="module" src="\/assets\/dashboard.js"><\/script>/);
    assert.doesNotMatch(home.body, /<script>|<style|\sstyle="|\son\w+="/, 'no inline script or style');

    const list = await send(server.url, '/api/sweeps');
    const sweeps = JSON.parse(list.body) as SweepList;
    assert.deepEqual(
      sweeps.sweeps.map((s) => [s.name, s.counts.total, s.activity]),
      [
        ['first', 12, 'idle'],
        ['second <b>', 3, 'idle'],
      ],
    );
    const again = await send(server.url, '/api/sweeps', { headers: { 'if-none-match': String(list.headers.etag) } });
    assert.deepEqual([again.status, again.body], [304, '']);

    const page = await send(server.url, `/sweeps/${encodeURIComponent('second <b>')}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /data-sweep="second &lt;b&gt;"/, 'the name is escaped');
    const view = JSON.parse((await send(server.url, '/api/sweeps/first')).body) as SweepView;
    assert.equal(view.runs.length, 12);
    assert.ok(view.charts.some((c) => c.name === 'error-vs-flops' && c.brush !== null));
    const run = JSON.parse((await send(server.url, `/api/runs/${view.runs[0]!.id}`)).body) as { run: { id: number }; curves: unknown };
    assert.equal(run.run.id, view.runs[0]!.id);

    for (const [name, type] of [
      ['dashboard.js', /text\/javascript/],
      ['dashboard.css', /text\/css/],
      ['icon.svg', /image\/svg\+xml/],
    ] as const) {
      const asset = await send(server.url, `/assets/${name}`);
      assert.equal(asset.status, 200, name);
      assert.match(String(asset.headers['content-type']), type);
      const head = await send(server.url, `/assets/${name}`, { method: 'HEAD' });
      assert.deepEqual([head.status, head.body], [200, '']);
    }
    const css = (await send(server.url, '/assets/dashboard.css')).body;
    assert.match(css, /#vg-tooltip-element/, "vega-tooltip's style is in the stylesheet, not injected at run time");
    // The bundle carries vega itself: nothing is fetched from elsewhere.
    const js = (await send(server.url, '/assets/dashboard.js')).body;
    assert.ok(js.length > 500_000, `bundle of ${js.length} bytes`);
    assert.doesNotMatch(js, /https?:\/\/(cdn|unpkg|fonts\.googleapis)/);
  });

  it('says what is missing: an unknown sweep or run, a bad run id', async () => {
    const sweep = await send(server.url, '/api/sweeps/nope');
    assert.equal(sweep.status, 404);
    assert.match(JSON.parse(sweep.body).error as string, /no sweep named "nope" in .*sweeps there: first, second <b>/);
    const page = await send(server.url, '/sweeps/nope', { headers: { accept: 'text/html' } });
    assert.equal(page.status, 404);
    assert.match(page.body, /no sweep named &quot;nope&quot;/);
    assert.match(JSON.parse((await send(server.url, '/api/runs/999')).body).error as string, /no run with id 999/);
    assert.equal((await send(server.url, '/api/runs/1e3')).status, 404);
  });

  it('refuses every method but GET and HEAD before reading anything, and the database stays as it was', async () => {
    const before = fingerprint(db);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
      for (const path of ['/', '/api/sweeps', '/api/sweeps/first', '/api/runs/1', '/assets/dashboard.js', '/nowhere']) {
        const answer = await send(server.url, path, { method, headers: { 'content-type': 'application/json' }, body: method === 'TRACE' ? undefined : '{"status":"done"}' });
        assert.equal(answer.status, 405, `${method} ${path}`);
        assert.equal(answer.headers.allow, 'GET, HEAD');
        assert.match(answer.body, new RegExp(`read-only: ${method} is refused`));
      }
    }
    assert.equal(fingerprint(db), before);
  });

  it('serves nothing outside its own assets, however the path is spelled', async () => {
    const secrets = [readFileSync('package.json', 'utf8').slice(0, 40), 'root:x:0:0', 'SQLite format 3', 'export function'];
    const paths = [
      '/assets/../package.json',
      '/assets/..%2fpackage.json',
      '/assets/%2e%2e%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%5c..%5cpackage.json',
      '/assets/dashboard.js/../../package.json',
      '/assets//etc/passwd',
      '/assets/%2fetc%2fpasswd',
      '/assets/dashboard.js%00.css',
      '/assets/manifest.json',
      '/assets/',
      '/../../../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '//etc/passwd',
      '/package.json',
      '/src/serve/server.ts',
      '/node_modules/vega/package.json',
      `/${db}`,
      `/assets/${encodeURIComponent(db)}`,
      '/sweeps/..%2f..%2fetc%2fpasswd',
      '/api/sweeps/..%2f..%2fpackage.json',
    ];
    for (const path of paths) {
      const answer = await send(server.url, path);
      assert.ok(answer.status === 404 || answer.status === 400, `${path}: ${answer.status}`);
      for (const secret of secrets) assert.ok(!answer.body.includes(secret), `${path} leaks ${JSON.stringify(secret)}`);
    }
  });

  it('answers only requests addressed to its loopback address (no DNS rebinding)', async () => {
    const { port } = new URL(server.url);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) assert.equal((await send(server.url, '/api/sweeps', { headers: { host } })).status, 200, host);
    for (const host of ['attacker.example', `attacker.example:${port}`, `127.0.0.1:${Number(port) + 1}`]) {
      const answer = await send(server.url, '/api/sweeps', { headers: { host } });
      assert.equal(answer.status, 421, host);
      assert.doesNotMatch(answer.body, /first/);
    }
  });

  it('follows the writer without ever holding a read transaction: the writer checkpoints the WAL whole', async () => {
    const view = JSON.parse((await send(server.url, '/api/sweeps/first')).body) as SweepView;
    const pending = view.runs.find((r) => r.status === 'pending')!;
    const writer = new Database(db, { timeout: 1000 });
    try {
      writer.prepare(`UPDATE runs SET status = 'running' WHERE id = ?`).run(pending.id);
      // busy = 0: no reader holds a snapshot that keeps the WAL from being copied back and truncated.
      assert.deepEqual(writer.pragma('wal_checkpoint(TRUNCATE)'), [{ busy: 0, log: 0, checkpointed: 0 }]);
    } finally {
      writer.close();
    }
    const deadline = Date.now() + 30_000;
    let running = view.sweep.counts.running;
    while (Date.now() < deadline && running === view.sweep.counts.running) {
      await sleep(100);
      running = (JSON.parse((await send(server.url, '/api/sweeps/first')).body) as SweepView).sweep.counts.running;
    }
    assert.equal(running, view.sweep.counts.running + 1);
  });
});

describe('netspace serve', () => {
  let dir: string;
  let db: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-serve-cli-'));
    db = join(dir, 'sweeps.db');
    writeSweepDb(db, makeSweep({ name: 'cli', perSpace: 3 }));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('listens on 127.0.0.1 unless told otherwise, says where, and stops on Ctrl-C', async () => {
    const serve = await startServe(['--db', db, '--port', '0']);
    assert.match(serve.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal((await send(serve.url, '/api/sweeps')).status, 200);
    const end = await serve.stop();
    assert.equal(end.code, 0, end.stderr);
    assert.match(end.stdout, /read-only; Ctrl-C stops it/);
    assert.equal(end.stderr, '');
  });

  it('warns when told to listen beyond loopback', async () => {
    const serve = await startServe(['--db', db, '--port', '0', '--host', '0.0.0.0']);
    const { port } = new URL(serve.url);
    // Only loopback traffic: the test talks to it through 127.0.0.1.
    assert.equal((await send(`http://127.0.0.1:${port}/`, '/api/sweeps')).status, 200);
    const end = await serve.stop();
    assert.equal(end.code, 0);
    assert.match(end.stderr, /^netspace serve: warning: http:\/\/0\.0\.0\.0:\d+\/ listens beyond this machine's loopback: anyone who can reach it can read every sweep in /);
  });

  it("refuses a database that is not netspace's, a missing one, a port in use and a bad port, by name and without a stack", async () => {
    const text = join(dir, 'notes.db');
    writeFileSync(text, 'these are my notes, not a database '.repeat(40));
    const foreign = join(dir, 'foreign.db');
    const other = new Database(foreign);
    other.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL); PRAGMA user_version = 1');
    other.close();
    const busy = await startServer({ db, port: 0 });
    try {
      const [notSqlite, notOurs, missing, inUse, badPort] = await Promise.all([
        netspace(['serve', '--db', text, '--port', '0']),
        netspace(['serve', '--db', foreign, '--port', '0']),
        netspace(['serve', '--db', join(dir, 'absent.db'), '--port', '0']),
        netspace(['serve', '--db', db, '--port', String(busy.port)]),
        netspace(['serve', '--db', db, '--port', '70000']),
      ]);
      // Exit code 4 (EXIT_CODES.notNetspace) names the kind of refusal; the message names the file.
      for (const [result, path] of [[notSqlite, text], [notOurs, foreign]] as const) {
        assert.equal(result.code, EXIT_CODES.notNetspace, result.stderr);
        assert.match(result.stderr, new RegExp(`^netspace: ${path} is not a netspace database`));
        assert.doesNotMatch(result.stderr, /\n\s+at /);
      }
      assert.match(notOurs.stderr, /holds tables of another program \(orders\)/);
      assertUserError(missing, /absent\.db does not exist/);
      assertUserError(inUse, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${busy.port}: the port is in use`));
      assertUserError(badPort, /--port must be an integer in \[0, 65,535\], got 70000/);
    } finally {
      await busy.close();
    }
    const created = ['absent.db', 'absent.db-wal', 'absent.db-shm'].filter((f) => existsSync(join(dir, f)));
    assert.deepEqual(created, [], 'a missing database is not created');
  });
});
