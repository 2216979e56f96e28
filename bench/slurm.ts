// Slurm benchmark: the same quick sweep as a 2-task job array on the one-node test cluster and as a local sweep with
// 2 worker threads, in this one run: models/hour of each (target: the array >= 0.9x the pool) and what each array
// task pays to start (a Node process, modules, data, a thread and its backend) that the local pool pays once.
// Run: npx tsx bench/slurm.ts [--runs 8] [--epochs 2] [--train-size 3000] [--repeat 1]
// Needs Slurm and munge installed (apt-get install slurm-wlm munge); starts scripts/slurm-cluster.sh when it is not
// running, and stops it again at the end in that case. The machine should be otherwise idle: each line shows how busy
// all its cores were, ours and everyone else's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ProgressEvent } from '../src/sweep/progress.ts';
import { parseSweepSpec } from '../src/sweep/spec.ts';
import { buildDist, importBuilt } from './lib/build.ts';

// Compiled code, as `netspace` runs it: the array tasks start bin/netspace.js, which runs dist/ while it is fresh.
buildDist();
const { runSweep } = await importBuilt<typeof import('../src/sweep/sweep.ts')>('sweep/sweep');
const { submitSweep } = await importBuilt<typeof import('../src/cluster/submit.ts')>('cluster/submit');
const { collectSweep } = await importBuilt<typeof import('../src/cluster/collect.ts')>('cluster/collect');
const { readShard } = await importBuilt<typeof import('../src/cluster/shard.ts')>('cluster/shard');

const TARGET = 0.9;
const DATA_DIR = '/usr/share/datasets/fashion-mnist';
const SCRIPT = fileURLToPath(new URL('../scripts/slurm-cluster.sh', import.meta.url));

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '8' },
    epochs: { type: 'string', default: '2' },
    'train-size': { type: 'string', default: '3000' },
    repeat: { type: 'string', default: '1' },
  },
});
const runs = Number(values.runs);

/** Runs of similar size (RegNetX around 2M flops, as bench/sweep.ts), so the comparison measures parallel efficiency. */
const spec = parseSweepSpec(
  {
    name: 'bench-slurm',
    seed: 11,
    spaces: [{ space: 'RegNetX', n: runs }],
    complexity: { flops: ['1.5M', '2.5M'] },
    train: { epochs: Number(values.epochs), batchSize: 128, lr: 0.05, trainSize: Number(values['train-size']), valSize: 1000, backend: 'wasm' },
  },
  'bench/slurm.ts',
);

function cluster(command: string): { status: number; stdout: string } {
  const run = spawnSync('bash', [SCRIPT, command], { encoding: 'utf8' });
  return { status: run.status ?? 1, stdout: run.stdout };
}

/** CPU seconds the whole machine spent outside idle since boot (Linux). */
function busySeconds(): number {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (ticks.reduce((a, b) => a + b, 0) - ticks[3]! - ticks[4]!) / 100;
}

interface Measure {
  how: 'array' | 'local';
  trained: number;
  /** From the call (submit, or runSweep) until every result is in the database, seconds. */
  seconds: number;
  modelsPerHour: number;
  /** local: from the call to the first batch; array: each task's process start to its first thread ready. */
  startup: number[];
  /** array: from sbatch to each task's first event (queueing and Slurm's own start-up). */
  queued: number[];
  machineBusy: number;
  load: [number, number];
}

async function measure(how: 'array' | 'local'): Promise<Measure> {
  const dir = mkdtempSync(join(tmpdir(), 'netspace-bench-slurm-'));
  const db = join(dir, 'bench.db');
  const busy0 = busySeconds();
  const load0 = loadavg()[0]!;
  const t0 = performance.now();
  try {
    if (how === 'local') {
      let firstBatch: number | null = null;
      const progress = { emit: (e: ProgressEvent) => void (e.type === 'batch' && (firstBatch ??= performance.now())), close: () => {} };
      const summary = await runSweep(spec, { db, workers: 2, dataDir: DATA_DIR, download: false, progress });
      const seconds = (performance.now() - t0) / 1000;
      return { how, trained: summary.trained, seconds, modelsPerHour: (summary.trained / seconds) * 3600, startup: [((firstBatch ?? t0) - t0) / 1000], queued: [], machineBusy: (busySeconds() - busy0) / seconds, load: [load0, loadavg()[0]!] };
    }
    const submitted = await submitSweep(spec, { db, dataDir: DATA_DIR, download: false, workDir: dir, slurm: { tasks: 2, collectJob: false } });
    const submittedAt = Date.now();
    for (;;) {
      const queue = spawnSync('squeue', ['-h', '-j', submitted.jobId!], { encoding: 'utf8' });
      if (queue.status === 0 && queue.stdout.trim() === '') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const trained = collectSweep(db, spec.name).merged;
    const seconds = (performance.now() - t0) / 1000;
    const sub = join(`${db}.cluster`, spec.name, 'submission-1');
    const shards = [0, 1].map((t) => readShard(sub, t));
    return {
      how,
      trained,
      seconds,
      modelsPerHour: (trained / seconds) * 3600,
      startup: shards.map((s) => s.end?.startupSeconds ?? Number.NaN),
      queued: shards.map((s) => (Date.parse(s.starts[0]?.at ?? '') - submittedAt) / 1000),
      machineBusy: (busySeconds() - busy0) / seconds,
      load: [load0, loadavg()[0]!],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const started = cluster('status').status !== 0;
if (started && cluster('start').status !== 0) throw new Error('scripts/slurm-cluster.sh start failed');
process.env.SLURM_CONF = /^SLURM_CONF=(.+)$/m.exec(cluster('status').stdout)![1]!;
const results: Measure[] = [];
try {
  for (let r = 0; r < Number(values.repeat); r++) {
    for (const how of ['local', 'array'] as const) {
      const m = await measure(how);
      results.push(m);
      const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(1)).join(', ');
      console.log(
        `${how === 'local' ? 'local pool, 2 threads' : 'Slurm array, 2 tasks '}: ${m.trained} models in ${m.seconds.toFixed(1)} s = ${m.modelsPerHour.toFixed(0)} models/h; ` +
          `start-up ${fmt(m.startup)} s${m.queued.length > 0 ? `; sbatch to task start ${fmt(m.queued)} s` : ''}; machine busy ${m.machineBusy.toFixed(2)} cores, load ${m.load[0].toFixed(1)} -> ${m.load[1].toFixed(1)}`,
      );
    }
  }
} finally {
  if (started) cluster('stop');
}
const best = (how: 'array' | 'local'): number => Math.max(...results.filter((m) => m.how === how).map((m) => m.modelsPerHour));
const ratio = best('array') / best('local');
const startup = results.filter((m) => m.how === 'array').flatMap((m) => m.startup);
console.log(JSON.stringify({ cores: availableParallelism(), runs, epochs: spec.train.epochs, trainSize: spec.train.trainSize, ratio, target: TARGET, results }));
console.log(`array vs local pool: ${ratio.toFixed(2)}x models/h (target ${TARGET}x: ${ratio >= TARGET ? 'met' : 'NOT met'}); per-task start-up ${Math.min(...startup).toFixed(1)}-${Math.max(...startup).toFixed(1)} s`);
process.exitCode = ratio >= TARGET ? 0 : 1;
