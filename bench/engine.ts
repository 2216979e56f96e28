// Engine benchmark: RegNet32 SGD training speed per backend at 28x28 and 96x96 (batch 128), against the one-thread
// PyTorch reference measured in the same run. Each measurement runs in its own process, for a clean heap.
// Run: npx tsx bench/engine.ts   (or npm run bench, which runs every bench/*.ts)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BackendName } from '../src/core/types.ts';
import { probeNative } from '../src/engine/native-install.ts';

const BATCH = 128;
const PYTHON = '/usr/bin/python3';
/**
 * The PyTorch reference script, in the shared/ folder beside the checkout: /work/shared for /work/main, and also for
 * a worktree such as /work/wt/name (the nearest ancestor that has it).
 */
const REFERENCE = (() => {
  const tried: string[] = [];
  for (let up = '../../'; up.length <= 12; up += '../') {
    const path = fileURLToPath(new URL(`${up}shared/reference/torch_regnet32.py`, import.meta.url));
    if (existsSync(path)) return path;
    tried.push(path);
  }
  return tried[0]!;
})();

/** Timed steps (after one warm-up) per resolution and backend: enough to average, short on a shared 2-core box. */
const PLAN: readonly { resolution: number; runs: readonly { backend: BackendName; steps: number; warmup: number }[]; torchSteps: number }[] = [
  { resolution: 28, runs: [{ backend: 'wasm', steps: 10, warmup: 2 }, { backend: 'cpu', steps: 2, warmup: 1 }], torchSteps: 10 },
  { resolution: 96, runs: [{ backend: 'wasm', steps: 3, warmup: 1 }, { backend: 'cpu', steps: 1, warmup: 0 }], torchSteps: 3 },
];

interface Measured {
  backend: BackendName;
  imagesPerSecond: number;
  msPerStep: number;
  cpuMsPerStep: number;
  kernelCalls: number;
  wasmHeapBytes: number | null;
}

/** In a child: one measurement, printed as JSON on the last line. */
async function measureOne(backend: BackendName, resolution: number, steps: number, warmup: number): Promise<void> {
  const { measureTrainingSpeed } = await import('../src/engine/speed.ts');
  const r = await measureTrainingSpeed({ backend, resolution, batch: BATCH, steps, warmup });
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

function runChild(backend: BackendName, resolution: number, steps: number, warmup: number): Measured | string {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, '--one', backend, String(resolution), String(steps), String(warmup)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) return `failed: ${(child.stderr || child.stdout).trim().split('\n').slice(-3).join(' ')}`;
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Measured;
}

type Reference = { imagesPerSecond: number; msPerStep: number; version: string };

/** One reference from the runs before and after: the mean step time. */
function bracketed(before: Reference, after: Reference): Reference {
  const msPerStep = (before.msPerStep + after.msPerStep) / 2;
  return { version: before.version, msPerStep, imagesPerSecond: (BATCH * 1000) / msPerStep };
}

/** The PyTorch reference's images/s, or why there is none. */
function torchReference(resolution: number, steps: number): Reference | string {
  if (!existsSync(REFERENCE)) return `no reference script at ${REFERENCE}`;
  if (!existsSync(PYTHON)) return `no ${PYTHON}`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return `${PYTHON} has no torch (apt-get install python3-torch)`;
  const run = spawnSync(PYTHON, [REFERENCE, String(resolution), String(BATCH), '1', String(steps)], { encoding: 'utf8' });
  const match = /torch (\S+) .*: ([\d.]+) ms\/step, ([\d.]+) img\/s/.exec(run.stdout);
  if (run.status !== 0 || match === null) return `reference failed: ${run.stderr.trim().split('\n').at(-1) ?? ''}`;
  return { version: match[1]!, msPerStep: Number(match[2]), imagesPerSecond: Number(match[3]) };
}

/** Two alternating rounds of `a` and `b` (a, b, a, b), so that both see the same drift of a shared machine. */
function alternate(resolution: number, runs: readonly { backend: BackendName; steps: number; warmup: number }[]): { backend: BackendName; result: Measured | string; spread: string }[] {
  const rounds = runs.map(() => [] as (Measured | string)[]);
  for (let round = 0; round < 2; round++) runs.forEach((p, i) => rounds[i]!.push(runChild(p.backend, resolution, p.steps, p.warmup)));
  return runs.map((p, i) => {
    const ok = rounds[i]!.filter((r): r is Measured => typeof r !== 'string');
    if (ok.length === 0) return { backend: p.backend, result: rounds[i]![0]!, spread: '' };
    const mean = (f: (m: Measured) => number) => ok.reduce((sum, m) => sum + f(m), 0) / ok.length;
    const msPerStep = mean((m) => m.msPerStep);
    const result: Measured = { ...ok[0]!, msPerStep, imagesPerSecond: (BATCH * 1000) / msPerStep, cpuMsPerStep: mean((m) => m.cpuMsPerStep) };
    return { backend: p.backend, result, spread: ok.map((m) => m.imagesPerSecond.toFixed(1)).join(', ') };
  });
}

async function main(): Promise<void> {
  const rows: string[][] = [['resolution', 'backend', 'images/s', 'ms/step', 'CPU ms/step', 'kernel calls/step', 'wasm heap', 'PyTorch 1 thread images/s', 'ratio', 'vs wasm']];
  const load = () => loadavg().map((l) => l.toFixed(1)).join(', ');
  const notes: string[] = [`Machine: ${cpus().length} cores; load average (1, 5, 15 min) at the start: ${load()}.`];
  const native = probeNative();
  if (native.ok) notes.push(`tensorflow: TensorFlow ${native.tfVersion} on ${native.device} (@tensorflow/tfjs-node-gpu 4.22, netspace backend install).`);
  else notes.push(`tensorflow: not measured (${native.error}).`);
  for (const { resolution, runs, torchSteps } of PLAN) {
    const main = native.ok ? [{ backend: 'tensorflow' as const, steps: runs[0]!.steps, warmup: runs[0]!.warmup }, runs[0]!] : [runs[0]!];
    // The reference runs before and after netspace's runs: the machine's speed drifts, and the two show by how much.
    const before = torchReference(resolution, torchSteps);
    const alternated = alternate(resolution, main);
    const measured = [...alternated, ...runs.slice(1).map((p) => ({ backend: p.backend, result: runChild(p.backend, resolution, p.steps, p.warmup), spread: '' }))];
    for (const m of alternated) if (m.spread) notes.push(`${m.backend} at ${resolution}x${resolution}, two rounds alternating with the other: ${m.spread} images/s`);
    const after = typeof before === 'string' ? before : torchReference(resolution, torchSteps);
    const torch = typeof before === 'string' ? before : typeof after === 'string' ? after : bracketed(before, after);
    if (typeof torch === 'string') notes.push(`PyTorch reference at ${resolution}x${resolution}: ${torch}`);
    else if (typeof before !== 'string' && typeof after !== 'string') {
      notes.push(
        `PyTorch reference: torch ${torch.version}, ${resolution}x${resolution}: ${before.msPerStep.toFixed(1)} ms/step before ` +
          `netspace's runs, ${after.msPerStep.toFixed(1)} after; the ratios use their mean (${torch.imagesPerSecond.toFixed(1)} images/s)`,
      );
    }
    const wasm = measured.find((m) => m.backend === 'wasm')?.result;
    const wasmIps = wasm === undefined || typeof wasm === 'string' ? null : wasm.imagesPerSecond;
    for (const { backend, result } of measured) {
      if (typeof result === 'string') {
        rows.push([`${resolution}x${resolution}`, backend, result, '', '', '', '', '', '', '']);
        continue;
      }
      const torchIps = typeof torch === 'string' ? null : torch.imagesPerSecond;
      rows.push([
        `${resolution}x${resolution}`,
        backend,
        result.imagesPerSecond.toFixed(1),
        result.msPerStep.toFixed(1),
        result.cpuMsPerStep.toFixed(1),
        String(result.kernelCalls),
        result.wasmHeapBytes === null ? '-' : `${(result.wasmHeapBytes / 2 ** 30).toFixed(2)} GB`,
        torchIps === null ? 'n/a' : torchIps.toFixed(1),
        torchIps === null ? 'n/a' : `${(result.imagesPerSecond / torchIps).toFixed(2)}x`,
        wasmIps === null ? 'n/a' : `${(result.imagesPerSecond / wasmIps).toFixed(2)}x`,
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`RegNet32, batch ${BATCH}, one SGD step = forward + backward + update; mean over the timed steps.`);
  console.log(line(rows[0]!));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  rows.slice(1).forEach((r) => console.log(line(r)));
  notes.push(`Load average at the end: ${load()}.`);
  notes.forEach((n) => console.log(n));
}

const args = process.argv.slice(2);
if (args[0] === '--one') {
  await measureOne(args[1] as BackendName, Number(args[2]), Number(args[3]), Number(args[4]));
} else {
  await main();
}
