// Sweep benchmark: models/hour of the same quick sweep with 1 and with 2 workers; 2 must give >= 1.7x on 2 cores.
// Run: npx tsx bench/sweep.ts [--per-space 6] [--epochs 2] [--train-size 3000] [--backend wasm] [--repeat 1]
// The machine should be otherwise idle: each line shows how busy all its cores were, ours and everyone else's.
// Prints one line per sweep and a JSON summary; exits 1 when the speed-up is below the target.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ProgressEvent } from '../src/sweep/progress.ts';
import { parseSweepSpec } from '../src/sweep/spec.ts';
import { buildDist, importBuilt } from './lib/build.ts';

// The compiled sweep, as `netspace sweep run` runs it: its worker threads then load compiled code, not tsx.
buildDist();
const { runSweep } = await importBuilt<typeof import('../src/sweep/sweep.ts')>('sweep/sweep');

const TARGET = 1.7;

const { values } = parseArgs({
  options: {
    'per-space': { type: 'string', default: '6' },
    epochs: { type: 'string', default: '2' },
    'train-size': { type: 'string', default: '3000' },
    backend: { type: 'string', default: 'wasm' },
    repeat: { type: 'string', default: '1' },
  },
});
const perSpace = Number(values['per-space']);

/**
 * The quick sweep: AnyNetX_A, AnyNetX_E and RegNetX models in a narrow band around 2M flops, so that the runs are of
 * similar size and the comparison measures parallel efficiency rather than how the last long run falls.
 */
const spec = parseSweepSpec(
  {
    name: 'bench',
    seed: 11,
    spaces: [
      { space: 'AnyNetX_A', n: perSpace },
      { space: 'AnyNetX_E', n: perSpace },
      { space: 'RegNetX', n: perSpace },
    ],
    complexity: { flops: ['1.5M', '2.5M'] },
    train: { epochs: Number(values.epochs), batchSize: 128, lr: 0.05, trainSize: Number(values['train-size']), valSize: 1000, backend: values.backend },
  },
  'bench/sweep.ts',
);

/** CPU seconds the whole machine spent outside idle since boot (Linux), to show how busy the other tenants were. */
function busySeconds(): number {
  const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
  const ticks = cpu!.trim().split(/\s+/).slice(1).map(Number);
  const idle = ticks[3]! + ticks[4]!;
  return (ticks.reduce((a, b) => a + b, 0) - idle) / 100;
}

interface Measure {
  workers: number;
  trained: number;
  /** From the start of training (threads starting included) to the last run's end. */
  seconds: number;
  modelsPerHour: number;
  /** Runs per hour between the first and the last run end: thread start-up excluded. */
  steadyPerHour: number;
  /** CPU seconds this process used, all threads. */
  cpuSeconds: number;
  /** Load average (1 min) before and after. */
  load: [number, number];
  /** Busy CPU seconds of the whole machine per wall second during the sweep (2 = both cores busy). */
  machineBusy: number;
}

async function measure(workers: number): Promise<Measure> {
  const dir = mkdtempSync(join(tmpdir(), 'netspace-bench-'));
  const ends: number[] = [];
  const progress = {
    emit: (e: ProgressEvent) => {
      if (e.type === 'run-end') ends.push(performance.now());
    },
    close: () => {},
  };
  const load0 = loadavg()[0]!;
  const busy0 = busySeconds();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const summary = await runSweep(spec, { db: join(dir, 'bench.db'), workers, progress, download: false });
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const span = (ends.at(-1)! - ends[0]!) / 1000;
    return {
      workers,
      trained: summary.trained,
      seconds: summary.seconds,
      modelsPerHour: summary.modelsPerHour,
      steadyPerHour: ends.length > 1 ? ((ends.length - 1) / span) * 3600 : Number.NaN,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      load: [load0, loadavg()[0]!],
      machineBusy: (busySeconds() - busy0) / wall,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Warm-up: the first thread of a fresh checkout compiles and caches the training kernels; no sweep should pay that.
const warmDir = mkdtempSync(join(tmpdir(), 'netspace-bench-'));
try {
  const warmSpec = { ...spec, name: 'warm-up', spaces: spec.spaces.slice(0, 1).map((e) => ({ ...e, n: 1 })) };
  await runSweep(warmSpec, { db: join(warmDir, 'warm.db'), workers: 1, progress: { emit: () => {}, close: () => {} }, download: false });
} finally {
  rmSync(warmDir, { recursive: true, force: true });
}
const results: Measure[] = [];
for (let r = 0; r < Number(values.repeat); r++) {
  for (const workers of [1, 2]) {
    const m = await measure(workers);
    results.push(m);
    console.log(
      `${workers} worker(s): ${m.trained} models in ${m.seconds.toFixed(1)} s = ${m.modelsPerHour.toFixed(0)} models/h ` +
        `(steady ${m.steadyPerHour.toFixed(0)}/h), CPU ${m.cpuSeconds.toFixed(0)} s, machine busy ${m.machineBusy.toFixed(2)} cores, ` +
        `load ${m.load[0].toFixed(1)} -> ${m.load[1].toFixed(1)}`,
    );
  }
}
const best = (w: number, key: 'modelsPerHour' | 'steadyPerHour') => Math.max(...results.filter((m) => m.workers === w).map((m) => m[key]));
const speedup = best(2, 'modelsPerHour') / best(1, 'modelsPerHour');
const steadySpeedup = best(2, 'steadyPerHour') / best(1, 'steadyPerHour');
console.log(JSON.stringify({ cores: availableParallelism(), runs: spec.spaces.length * perSpace, epochs: spec.train.epochs, trainSize: spec.train.trainSize, backend: spec.backend, speedup, steadySpeedup, target: TARGET, results }));
console.log(`speed-up 2 vs 1 worker: ${speedup.toFixed(2)}x (steady state ${steadySpeedup.toFixed(2)}x); target ${TARGET}x: ${speedup >= TARGET ? 'met' : 'NOT met'}`);
process.exitCode = speedup >= TARGET ? 0 : 1;
