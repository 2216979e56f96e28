// Builds plausible sweeps for the report tests: two or three spaces, every run status, epochs that converge.
import type { AnyNetConfig } from '../../src/space/config.ts';
import { flatParameters, spaceDomains } from '../../src/space/domains.ts';
import { parseSpaceSpec } from '../../src/space/spec.ts';
import type { EpochRecord, RunRecord, RunStatus, SweepRecord, TrainSettings } from '../../src/core/types.ts';

export const SETTINGS: TrainSettings = { epochs: 4, resolution: 28, batchSize: 64, lr: 0.05, trainSize: 2000, valSize: 500 };

/** A small deterministic generator (the test data only needs variety, not statistical quality). */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** One sampled design: its config, sampled record and complexity, drawn from a named space. */
export interface Design {
  space: string;
  config: AnyNetConfig;
  sampled: Record<string, number | number[]>;
  flops: number;
  params: number;
  acts: number;
}

function stagesConfig(stages: AnyNetConfig['stages']): AnyNetConfig {
  return { inputChannels: 1, stemWidth: 32, numClasses: 10, convBias: true, stages };
}

/** A design of `space`: "AnyNetX_A"-like (free per-stage values) or "RegNetX"-like (w0, wa, wm, shared g). */
export function design(space: string, rand: () => number): Design {
  if (space.startsWith('RegNet')) {
    const depth = 3 + Math.floor(rand() * 6);
    const w0 = 8 * (2 + Math.floor(rand() * 6));
    const wa = Math.round((8 + rand() * 40) * 10) / 10;
    const wm = Math.round((2 + rand()) * 1000) / 1000;
    const g = [8, 16][Math.floor(rand() * 2)]!;
    const d1 = Math.max(1, Math.floor(depth / 3));
    const w1 = Math.ceil(w0 / g) * g;
    const w2 = Math.ceil((w0 * wm) / g) * g;
    const config = stagesConfig([
      { depth: d1, width: w1, groupWidth: g, bottleneckMultiplier: 1 },
      { depth: depth - d1, width: w2, groupWidth: g, bottleneckMultiplier: 1 },
    ]);
    return { space, config, sampled: { depth, w0, wa, wm, groupWidth: g, bottleneckRatio: 1 }, ...complexityOf(config) };
  }
  const stage = () => {
    const g = [1, 2, 4, 8, 16][Math.floor(rand() * 5)]!;
    const b = [1, 2, 4][Math.floor(rand() * 3)]!;
    const width = Math.max(b * g, 8 * Math.round((8 + rand() * 120) / 8));
    return { depth: 1 + Math.floor(rand() * 4), width: Math.ceil(width / (b * g)) * b * g, groupWidth: g, bottleneckMultiplier: 1 / b };
  };
  const config = stagesConfig([stage(), stage()]);
  return {
    space,
    config,
    sampled: {
      depths: config.stages.map((s) => s.depth),
      widths: config.stages.map((s) => s.width),
      groupWidths: config.stages.map((s) => s.groupWidth),
      bottleneckRatios: config.stages.map((s) => 1 / s.bottleneckMultiplier),
    },
    ...complexityOf(config),
  };
}

/** A rough stand-in for the analytic complexity (the report only needs positive, varied numbers). */
function complexityOf(config: AnyNetConfig): { flops: number; params: number; acts: number } {
  let params = 0;
  let flops = 0;
  let side = 14;
  let inWidth = config.stemWidth;
  for (const s of config.stages) {
    side = Math.ceil(side / 2);
    const inner = Math.round(s.width * s.bottleneckMultiplier);
    const block = inWidth * inner + 9 * inner * s.groupWidth + inner * s.width;
    params += s.depth * block;
    flops += s.depth * block * side * side;
    inWidth = s.width;
  }
  return { flops, params, acts: flops / 50 };
}

/** Epoch history converging towards `finalError`. */
export function epochsTo(finalError: number, count: number, rand: () => number): EpochRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const progress = (i + 1) / count;
    const valError = i === count - 1 ? finalError : finalError + (0.9 - finalError) * (1 - progress) ** 2 + rand() * 0.01;
    return {
      epoch: i + 1,
      trainLoss: 2.3 * (1 - progress) + finalError * 1.5 + rand() * 0.05,
      valLoss: 2.3 * (1 - progress) + finalError * 1.8,
      valAccuracy: 1 - valError,
      seconds: 3 + rand(),
      imagesPerSecond: 600 + rand() * 100,
    };
  });
}

/** The error a design "gets": better for RegNet, better for bigger models, plus noise. */
export function errorOf(d: Design, rand: () => number): number {
  const size = Math.log10(d.flops);
  const base = d.space.startsWith('RegNet') ? 0.11 : 0.15;
  return Math.round(Math.min(0.9, Math.max(0.05, base + 0.02 * (7 - size) + rand() * 0.05)) * 500) / 500;
}

/**
 * The stored spec of a sweep over `spaces`, as planRuns' caller stores it: a RegNetX space for RegNet names, else a
 * free two-stage AnyNet (per-stage d_i, w_i, b_i, g_i, as design() draws them) under the space's name.
 */
export function specOf(name: string, spaces: readonly string[]): { kind: 'sweep'; name: string; spaces: { kind: 'space'; name: string; space: unknown; n: number }[] } {
  const space = (s: string) => ({ kind: s.startsWith('RegNet') ? 'RegNetX' : 'AnyNet', name: s });
  return { kind: 'sweep', name, spaces: spaces.map((s) => ({ kind: 'space', name: s, space: space(s), n: 1 })) };
}

/** A SweepRecord with `perSpace` runs in each space; `statuses` cycles over the runs (done by default). */
export function makeSweep(options: {
  name?: string;
  spaces?: string[];
  perSpace?: number;
  statuses?: RunStatus[];
  seed?: number;
}): SweepRecord {
  const { name = 'test-sweep', spaces = ['AnyNetX_A', 'RegNetX'], perSpace = 20, statuses = ['done'], seed = 1 } = options;
  const rand = lcg(seed);
  const runs: RunRecord[] = [];
  let id = 1;
  for (const space of spaces) {
    for (let i = 0; i < perSpace; i++) {
      const d = design(space, rand);
      const status = statuses[(id - 1) % statuses.length]!;
      const error = errorOf(d, rand);
      const epochs = status === 'done' ? epochsTo(error, SETTINGS.epochs, rand) : status === 'running' ? epochsTo(error, 2, rand) : [];
      runs.push({
        id,
        sweepId: 1,
        space,
        configKey: `${space}-${id}`,
        config: d.config,
        sampled: d.sampled,
        parameters: flatParameters(d.sampled),
        flops: d.flops,
        params: d.params,
        acts: d.acts,
        seed: id,
        settings: SETTINGS,
        status,
        errorText: status === 'failed' ? 'out of memory' : status === 'diverged' ? 'loss became NaN at epoch 2' : null,
        failureKind: status === 'failed' ? 'out-of-memory' : status === 'diverged' ? 'diverged' : null,
        backend: status === 'pending' ? null : 'wasm',
        engine: status === 'pending' ? null : 'TF.js 4.22.0 wasm',
        device: status === 'pending' ? null : 'CPU',
        startedAt: status === 'pending' ? null : '2025-01-01T00:00:00.000Z',
        finishedAt: status === 'done' || status === 'failed' || status === 'diverged' ? '2025-01-01T00:01:00.000Z' : null,
        seconds: status === 'done' ? 60 : null,
        finalError: status === 'done' ? error : null,
        epochs,
      });
      id++;
    }
  }
  const spec = specOf(name, spaces);
  const domains = Object.fromEntries(spec.spaces.map((e) => [e.name, spaceDomains(parseSpaceSpec(e.space, 'fixture'))]));
  return { id: 1, name, spec, createdAt: '2025-01-01T00:00:00.000Z', runs, domains };
}
