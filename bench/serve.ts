// Dashboard load benchmark: 50 clients poll `netspace serve` on loopback while a sweep trains into the database it
// shows. Target: no failed request, and the sweep's training throughput with the clients within 5% of its throughput
// without them, both measured in this one run, in alternating windows of the same sweep (ABBA order, so that a
// steady drift of the shared machine's load weighs on both sides alike).
// The clients poll as the page does: every 2 s with If-None-Match, each on one kept-alive connection, so each downloads
// the sweep's JSON once per change and gets 304s in between (--rate 1 polls twice as often). --bodies makes them download it whole every time instead
// (autocannon, no If-None-Match): the worst case, where the clients' own parsing shares the machine's two cores.
// An unthrottled autocannon run at the end gives the server's capacity (not part of the ratio). The server and the
// clients run in processes and sessions of their own, as they would from another terminal and a browser.
// The server's and the clients' CPU are printed apart: on this 2-core machine the clients' work (in use, browser tabs)
// shares the cores with the sweep, and it is part of what the ratio measures.
// Run: npx tsx bench/serve.ts [--window 30] [--pairs 4] [--clients 50] [--rate 0.5] [--workers 2] [--capacity 10] [--bodies]
// Prints one line per window and a JSON summary; exits 1 when a request failed or the ratio is under 0.95.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ProgressEvent } from '../src/sweep/progress.ts';
import { parseSweepSpec } from '../src/sweep/spec.ts';
import { buildDist, importBuilt } from './lib/build.ts';
import type { Polled } from './lib/clients.ts';
import { ratioOfMeans } from './lib/ratio.ts';

const TARGET = 0.95;

const { values } = parseArgs({
  options: {
    window: { type: 'string', default: '30' },
    pairs: { type: 'string', default: '4' },
    clients: { type: 'string', default: '50' },
    rate: { type: 'string', default: '0.5' },
    workers: { type: 'string', default: '2' },
    capacity: { type: 'string', default: '10' },
    bodies: { type: 'boolean', default: false },
  },
});
const WINDOW_S = Number(values.window);
const PAIRS = Number(values.pairs);
const CLIENTS = Number(values.clients);
/** Polls per second of each client (a poll asks for the sweep and the list): the page polls every 2 s. */
const RATE = Number(values.rate);
const WORKERS = Number(values.workers);
const CAPACITY_S = Number(values.capacity);
const BODIES = values.bodies;

// The compiled sweep and CLI, as users run them: the server is `netspace serve` in its own process.
buildDist();
const { runSweep } = await importBuilt<typeof import('../src/sweep/sweep.ts')>('sweep/sweep');
const BIN = fileURLToPath(new URL('../bin/netspace.js', import.meta.url));

const BATCH = 64;
/**
 * One fixed model (0.82M flops) trained with many seeds, so that every run costs the same and a window's images per
 * second do not depend on which designs happen to train in it (a sampled sweep's runs differ up to 3x in speed).
 * More runs than the measurement needs: the sweep is stopped when it is done. Each run commits an epoch every few
 * seconds, so the dashboard has something new to analyse all along.
 */
const spec = parseSweepSpec(
  {
    name: 'bench',
    seed: 12,
    spaces: [
      {
        model: { stemWidth: 16, stages: [{ depth: 1, width: 32, groupWidth: 8 }, { depth: 2, width: 64, groupWidth: 8 }] },
        name: 'fixed',
        n: 200,
      },
    ],
    train: { epochs: 3, batchSize: BATCH, lr: 0.05, trainSize: 2048, valSize: 512, backend: 'wasm' },
  },
  'bench/serve.ts',
);

/** CPU seconds the whole machine spent outside idle since boot (Linux), to show how busy the other tenants were. */
function busySeconds(): number {
  const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
  const ticks = cpu!.trim().split(/\s+/).slice(1).map(Number);
  return (ticks.reduce((a, b) => a + b, 0) - ticks[3]! - ticks[4]!) / 100;
}

/** CPU seconds a process has used (user + system), from /proc. */
function processSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Starts `netspace serve` on a free loopback port; resolves with its URL once it prints it. */
function startServer(db: string): Promise<{ child: ChildProcess; url: string }> {
  // Its own session too, as when it is started from another terminal.
  const child = spawn(process.execPath, [BIN, 'serve', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (match !== null) resolve({ child, url: match[1]! });
    });
    child.on('close', (code) => reject(new Error(`netspace serve ended with ${code} before listening:\n${out}`)));
  });
}

const CLIENTS_SCRIPT = fileURLToPath(new URL('./lib/clients.ts', import.meta.url));

/**
 * Runs the clients in a process of their own, in a session of their own (setsid), as a browser is: Linux's autogroup
 * scheduler gives each session one share of the CPU, and clients inside the bench's session would take theirs from
 * the sweep's threads. Resolves with what they saw and when, by this process's clock, they started and ended.
 */
function runClients(base: string, args: string[]): Promise<{ polled: Polled; start: number; end: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLIENTS_SCRIPT, base, '--clients', String(CLIENTS), '--rate', String(RATE), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let start = 0;
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (start === 0 && out.startsWith('start\n')) start = performance.now();
    });
    child.on('close', (code) => {
      const end = performance.now();
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`the clients ended with ${code}:\n${out}`));
      else resolve({ polled: JSON.parse(last) as Polled, start, end });
    });
  });
}

interface Window {
  kind: 'quiet' | 'loaded';
  start: number;
  end: number;
  /** Training images per second of the whole sweep in the window. */
  imagesPerSecond: number;
  /** CPU the server used in the window, cores (seconds per second). */
  serverCores: number;
  /** Busy cores of the whole machine in the window. */
  machineBusy: number;
  load: number;
  requests: Polled | null;
}

const dir = mkdtempSync(join(tmpdir(), 'netspace-bench-serve-'));
const db = join(dir, 'bench.db');
const batches: number[] = [];
let firstBatch: () => void = () => {};
const started = new Promise<void>((resolve) => (firstBatch = resolve));
const stop = new AbortController();
const sweep = runSweep(spec, {
  db,
  workers: WORKERS,
  download: false,
  signal: stop.signal,
  progress: {
    emit: (e: ProgressEvent) => {
      if (e.type !== 'batch') return;
      batches.push(performance.now());
      firstBatch();
    },
    close: () => {},
  },
});

let server: { child: ChildProcess; url: string } | null = null;
const windows: Window[] = [];
let capacity: Polled | null = null;
try {
  await started;
  server = await startServer(db);
  const pid = server.child.pid!;
  const paths = ['/api/sweeps/bench', '/api/sweeps'];
  // Warm-up: both threads training, the server's first analysis done.
  await fetch(`${server.url}${paths[0]}`);
  await sleep(10_000);

  const measure = async (kind: Window['kind']): Promise<void> => {
    const cpu0 = processSeconds(pid);
    const busy0 = busySeconds();
    let start = performance.now();
    let end: number;
    let requests: Polled | null = null;
    if (kind === 'loaded') {
      const run = await runClients(server!.url, ['--seconds', String(WINDOW_S), ...(BODIES ? ['--bodies'] : [])]);
      ({ start, end } = run);
      requests = run.polled;
    } else {
      await sleep(WINDOW_S * 1000);
      end = performance.now();
    }
    const seconds = (end - start) / 1000;
    const images = batches.filter((t) => t >= start && t < end).length * BATCH;
    const w: Window = {
      kind,
      start,
      end,
      imagesPerSecond: images / seconds,
      serverCores: (processSeconds(pid) - cpu0) / seconds,
      machineBusy: (busySeconds() - busy0) / seconds,
      load: loadavg()[0]!,
      requests,
    };
    windows.push(w);
    const req =
      requests === null
        ? ''
        : `, clients ${(100 * requests.cores).toFixed(1)}% of a core, ${requests.requests} requests (${requests.bodies} whole, ${requests.notModified} not modified), ` +
          `p50 ${requests.p50.toFixed(0)} ms, p99 ${requests.p99.toFixed(0)} ms, failed ${requests.failed}`;
    console.log(
      `${kind.padEnd(6)} ${seconds.toFixed(1)} s: sweep ${w.imagesPerSecond.toFixed(0)} img/s, server ${(100 * w.serverCores).toFixed(1)}% of a core, ` +
        `machine busy ${w.machineBusy.toFixed(2)} cores, load ${w.load.toFixed(1)}${req}`,
    );
  };

  for (let pair = 0; pair < PAIRS; pair++) {
    const order: Window['kind'][] = pair % 2 === 0 ? ['quiet', 'loaded'] : ['loaded', 'quiet'];
    for (const kind of order) await measure(kind);
  }
  // How much the server can answer, unthrottled, with the sweep still training (not part of the throughput ratio).
  capacity = (await runClients(server.url, ['--seconds', String(CAPACITY_S), '--unthrottled'])).polled;
  console.log(
    `capacity (unthrottled autocannon, ${CLIENTS} connections, whole answers, ${CAPACITY_S} s): ${(capacity.requests / capacity.seconds).toFixed(0)} requests/s, ` +
      `p50 ${capacity.p50} ms, p99 ${capacity.p99} ms, failed ${capacity.failed}`,
  );
} finally {
  stop.abort(new Error('bench done'));
  await sweep.catch(() => undefined);
  server?.child.kill('SIGINT');
  rmSync(dir, { recursive: true, force: true });
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const of = (kind: Window['kind']): Window[] => windows.filter((w) => w.kind === kind);
const interval = ratioOfMeans(of('loaded').map((w) => w.imagesPerSecond), of('quiet').map((w) => w.imagesPerSecond));
const ratio = interval.ratio;
const failed = [...of('loaded').map((w) => w.requests!), ...(capacity === null ? [] : [capacity])].reduce((n, r) => n + r.failed, 0);
const answered = of('loaded').reduce((n, w) => n + w.requests!.requests - w.requests!.failed, 0);
/** Mean cores the server and the clients used in the loaded windows: together, what the sweep lost at most to them. */
const serverCores = mean(of('loaded').map((w) => w.serverCores));
const clientCores = mean(of('loaded').map((w) => w.requests!.cores));
console.log(
  JSON.stringify({
    cores: availableParallelism(),
    workers: WORKERS,
    clients: CLIENTS,
    ratePerClient: RATE,
    clientsDownloadEverything: BODIES,
    windowSeconds: WINDOW_S,
    ratio,
    ratioInterval: [interval.low, interval.high],
    serverCores,
    clientCores,
    failed,
    answered,
    target: TARGET,
    windows,
    capacity: capacity === null ? null : { ...capacity, perSecond: capacity.requests / capacity.seconds },
  }),
);
console.log(
  `sweep throughput with ${CLIENTS} polling clients / without: ${ratio.toFixed(3)} (95% bootstrap interval over the windows ${interval.low.toFixed(3)} to ${interval.high.toFixed(3)}; target >= ${TARGET}); ` +
    `${answered} requests answered during the loaded windows, ${failed} failed; ` +
    `server ${(100 * serverCores).toFixed(1)}% and clients ${(100 * clientCores).toFixed(1)}% of a core`,
);
process.exitCode = failed === 0 && ratio >= TARGET ? 0 : 1;
