// The manifest of a submission: the pending runs frozen at submit, and which of them each task trains.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { LAYOUT } from './layout.ts';
import { writeFileAtomic } from './shard.ts';
import type { ManifestRun, SweepManifest } from './types.ts';

/**
 * The runs task `task` of `manifest.tasks` trains: every run at a position j with j % tasks === task. Positions
 * follow the sweep's plan, which interleaves the spaces, so every task gets about as many runs of each space.
 */
export function taskShare(manifest: Pick<SweepManifest, 'runs' | 'tasks'>, task: number): ManifestRun[] {
  return manifest.runs.filter((_, j) => j % manifest.tasks === task);
}

/** Writes `manifest.json` into `submissionDir` (atomically: a task never reads half of it); returns its path. */
export function writeManifest(submissionDir: string, manifest: SweepManifest): string {
  const path = join(submissionDir, LAYOUT.manifest);
  writeFileAtomic(path, Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`));
  return path;
}

/** Reads and checks a manifest; every problem is a NetspaceError naming the file. */
export function readManifest(path: string): SweepManifest {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new NetspaceError(messages.cluster.manifestMissing(path));
    throw new NetspaceError(messages.cluster.manifestInvalid(path, e.message));
  }
  const m = value as Partial<SweepManifest> | null;
  const problem =
    m === null || typeof m !== 'object' || m.kind !== 'sweep-manifest'
      ? 'it is not a netspace sweep manifest'
      : m.version !== 1
        ? `it has version ${String(m.version)}, this netspace reads version 1`
        : !Number.isInteger(m.tasks) || m.tasks! < 1
          ? `tasks is ${String(m.tasks)}`
          : !Array.isArray(m.runs) || m.runs.some((r) => !Number.isInteger(r?.runId))
            ? 'its runs are not a list of runs with ids'
            : typeof m.dataDir !== 'string' || typeof m.dataset !== 'string' || typeof m.sweep !== 'string'
              ? 'it names no sweep, dataset or data folder'
              : null;
  if (problem !== null) throw new NetspaceError(messages.cluster.manifestInvalid(path, problem));
  return m as SweepManifest;
}

/** The submission folder a manifest file sits in. */
export function manifestFolder(path: string): string {
  return dirname(path);
}
