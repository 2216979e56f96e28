// Shared by the cluster tests (not a test file): a tiny sweep spec, and the one-node Slurm cluster of
// scripts/slurm-cluster.sh, started when not running and stopped after only if these tests started it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EpochRecord } from '../../src/core/types.ts';
import { parseSweepSpec, type SweepSpec } from '../../src/sweep/spec.ts';

export const DATA_DIR = '/usr/share/datasets/fashion-mnist';
const SCRIPT = fileURLToPath(new URL('../../scripts/slurm-cluster.sh', import.meta.url));

/** Eight runs (six sampled from a 16-config space, a fixed model twice) on a few hundred images, wasm. */
export function tinySweep(name: string, epochs: number): SweepSpec {
  return parseSweepSpec(tinySweepSource(name, epochs), `${name}.yaml`);
}

/** tinySweep's spec as a file holds it (JSON is YAML), for the CLI. */
export function tinySweepSource(name: string, epochs: number): Record<string, unknown> {
  return {
    name,
    seed: 3,
    spaces: [
      {
        space: {
          kind: 'AnyNetX_A',
          name: 'tiny',
          stages: 1,
          stemWidth: 8,
          depth: { dist: 'choice', values: [1, 2] },
          width: { dist: 'choice', values: [8, 16, 24, 32, 40, 48, 56, 64] },
          bottleneckRatio: 1,
          groupWidth: 8,
        },
        n: 6,
      },
      { model: { stemWidth: 8, stages: [{ depth: 1, width: 8, groupWidth: 8 }] }, name: 'fixed', n: 2 },
    ],
    train: { epochs, batchSize: 64, lr: 0.1, trainSize: 256, valSize: 128, backend: 'wasm' },
    workers: 2,
  };
}

/** The cluster for a test file, or why the tests that need it are skipped. */
export type ClusterHandle = { skip: null; conf: string; startedHere: boolean; stop: () => void } | { skip: string };

function cluster(command: 'start' | 'stop' | 'status'): { status: number; stdout: string; stderr: string } {
  const run = spawnSync('bash', [SCRIPT, command], { encoding: 'utf8' });
  return { status: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
}

/**
 * Makes sure the test cluster runs (starting it when `status` says it does not) and points this process's Slurm
 * commands at it (SLURM_CONF; child processes and jobs inherit it). Skips only when Slurm is not installed.
 */
export function useSlurmCluster(): ClusterHandle {
  for (const tool of ['sbatch', 'slurmctld', 'slurmd', 'munged']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      return { skip: `Slurm is not installed here (${tool} missing): apt-get install slurm-wlm munge to run the cluster tests` };
    }
  }
  let state = cluster('status');
  let startedHere = false;
  if (state.status !== 0) {
    state = cluster('start');
    if (state.status !== 0) throw new Error(`scripts/slurm-cluster.sh start failed:\n${state.stdout}${state.stderr}`);
    startedHere = true;
  }
  const conf = /^SLURM_CONF=(.+)$/m.exec(state.stdout)?.[1];
  if (conf === undefined) throw new Error(`scripts/slurm-cluster.sh printed no SLURM_CONF:\n${state.stdout}`);
  process.env.SLURM_CONF = conf;
  return { skip: null, conf, startedHere, stop: () => void (startedHere && cluster('stop')) };
}

/** The made-up epoch `epoch` of run `runId`: every field a function of the two, so readers can check them. */
export function fakeEpoch(runId: number, epoch: number): EpochRecord {
  return {
    epoch,
    trainLoss: 1 / (runId + epoch),
    // A run with id divisible by 4 reports NaN validation loss, to carry NaN through JSON and SQLite.
    valLoss: runId % 4 === 0 ? Number.NaN : 2 / (runId + epoch),
    valAccuracy: epoch / (epoch + runId),
    seconds: 0.5 + epoch,
    imagesPerSecond: 1000 + runId,
  };
}

/** 256 KiB of float32s (so each epoch's write and fsync takes a moment), all equal to runId * 1000 + epoch. */
export function fakeCheckpoint(runId: number, epoch: number): Uint8Array {
  const values = new Float32Array(65_536).fill(runId * 1000 + epoch);
  return new Uint8Array(values.buffer);
}
