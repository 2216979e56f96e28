// The dashboard's clients for bench/serve.ts, in a process of their own (as browsers are): polls a server for a while
// and prints what it saw as one JSON line. Not a bench by itself (bench/run.ts runs only bench/*.ts).
// Run: npx tsx bench/lib/clients.ts <base-url> --clients 50 --rate 0.5 --seconds 30 [--bodies] [--unthrottled]
import { Agent, get } from 'node:http';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

/** What the clients saw: every request and its latency, by how it ended. */
export interface Polled {
  requests: number;
  /** Answers with the whole JSON, and 304s (the client had it). */
  bodies: number;
  notModified: number;
  failed: number;
  /** Latency percentiles, ms. */
  p50: number;
  p99: number;
  /** Wall time of the polling, s (performance.now() of this process). */
  seconds: number;
  /** CPU this process (the clients) used while polling, cores (CPU seconds per second). */
  cores: number;
}

/** The paths a dashboard page asks for: its sweep, and the list. */
export const PATHS = ['/api/sweeps/bench', '/api/sweeps'];

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/**
 * One GET of `base + path` on `agent`, with `If-None-Match: etag` when given; resolves with the status and the entity
 * tag once the answer is read to its end. node:http rather than fetch: fetch (undici) costs about twice the CPU per
 * request here, and the clients' CPU is taken from the sweep the bench measures.
 */
function request(agent: Agent, base: string, path: string, etag: string | undefined): Promise<{ status: number; etag: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = get(`${base}${path}`, { agent, headers: etag === undefined ? {} : { 'if-none-match': etag } }, (response) => {
      response.on('data', () => {});
      response.on('end', () => resolve({ status: response.statusCode ?? 0, etag: response.headers.etag }));
      response.on('error', reject);
    });
    req.on('error', reject);
  });
}

/**
 * `clients` pollers for `seconds`, each asking for every path once a `1 / rate` seconds with the entity tag it got
 * last for that path, as the dashboard's page does, on one kept-alive connection of its own as a browser tab would;
 * they start spread over the first period.
 */
async function poll(base: string, clients: number, rate: number, seconds: number): Promise<Omit<Polled, 'seconds' | 'cores'>> {
  const latencies: number[] = [];
  const result = { requests: 0, bodies: 0, notModified: 0, failed: 0 };
  const end = performance.now() + seconds * 1000;
  const period = 1000 / rate;
  const client = async (offset: number): Promise<void> => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const etags = new Map<string, string>();
    await sleep(offset);
    while (performance.now() < end) {
      const tick = performance.now();
      for (const path of PATHS) {
        const t0 = performance.now();
        try {
          const answer = await request(agent, base, path, etags.get(path));
          if (answer.status === 200) {
            result.bodies++;
            etags.set(path, answer.etag ?? '');
          } else if (answer.status === 304) result.notModified++;
          else result.failed++;
        } catch {
          result.failed++;
        }
        result.requests++;
        latencies.push(performance.now() - t0);
      }
      // Not past the end: the window is timed from the first poll to the last answer.
      const now = performance.now();
      await sleep(Math.max(0, Math.min(period - (now - tick), end - now)));
    }
    agent.destroy();
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => client((i * period) / clients)));
  latencies.sort((a, b) => a - b);
  return { ...result, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** autocannon's API, the part used here (the package ships no types). */
interface CannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}

/** autocannon with no If-None-Match: every request downloads the whole answer; `rate` null sends as fast as it can. */
async function cannon(base: string, clients: number, rate: number | null, seconds: number): Promise<Omit<Polled, 'seconds' | 'cores'>> {
  const autocannon = createRequire(import.meta.url)('autocannon') as (options: Record<string, unknown>) => Promise<CannonResult>;
  const r = await autocannon({
    url: base,
    connections: clients,
    ...(rate === null ? {} : { connectionRate: rate }),
    duration: seconds,
    requests: PATHS.map((path) => ({ method: 'GET', path })),
  });
  return { requests: r.requests.total, bodies: r['2xx'], notModified: 0, failed: r.errors + r.timeouts + r.non2xx, p50: r.latency.p50, p99: r.latency.p99 };
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: 'string', default: '50' },
    rate: { type: 'string', default: '0.5' },
    seconds: { type: 'string', default: '30' },
    bodies: { type: 'boolean', default: false },
    unthrottled: { type: 'boolean', default: false },
  },
});
const base = positionals[0]!;
const clients = Number(values.clients);
const seconds = Number(values.seconds);
// The parent times its window from this line to the result.
process.stdout.write('start\n');
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const result =
  values.bodies || values.unthrottled
    ? await cannon(base, clients, values.unthrottled ? null : Number(values.rate), seconds)
    : await poll(base, clients, Number(values.rate), seconds);
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ ...result, seconds: wall, cores: (cpu.user + cpu.system) / 1e6 / wall } satisfies Polled)}\n`);
