// `sweep status`: counts by status, by space, the best runs so far and the latest failures, read while a sweep writes.
import { isOwnerAlive } from './owner.ts';
import type { FailureKind } from '../core/types.ts';
import { readStore, type RunSummary, type StatusCounts } from './store.ts';

/** A run in a status listing. */
export interface StatusRun {
  id: number;
  space: string;
  configKey: string;
  status: string;
  /** What kind of failure (FailureKind) for failed and diverged runs, else null. */
  failureKind: FailureKind | null;
  /** Top-1 validation error after the last epoch, 0..1; null unless done. */
  finalError: number | null;
  /** Epochs stored. */
  epochs: number;
  flops: number;
  params: number;
  acts: number;
  /** Training wall time, seconds. */
  seconds: number | null;
  errorText: string | null;
}

/** What `netspace sweep status <name> --json` prints. */
export interface SweepStatus extends StatusCounts {
  sweep: string;
  db: string;
  createdAt: string;
  /** The process that holds the sweep, if any; `alive` false when it died (a new `sweep run` takes over then). */
  owner: { pid: number; host: string; since: string; alive: boolean } | null;
  bySpace: Record<string, StatusCounts>;
  /** Failed and diverged runs by kind (`sweep run --retry KIND` puts them back to pending). */
  failureKinds: Partial<Record<FailureKind, number>>;
  /** Done runs with the lowest final error, best first. */
  best: StatusRun[];
  /** Latest failed or diverged runs with their reasons. */
  failures: StatusRun[];
}

export interface StatusOptions {
  /** How many best runs and failures to list. */
  top?: number;
}

const STATUS_DEFAULTS = Object.freeze({ top: 5 });

function statusRun(r: RunSummary): StatusRun {
  return {
    id: r.id,
    space: r.space,
    configKey: r.configKey,
    status: r.status,
    failureKind: r.failureKind,
    finalError: r.finalError,
    epochs: r.epochCount,
    flops: r.flops,
    params: r.params,
    acts: r.acts,
    seconds: r.seconds,
    errorText: r.errorText,
  };
}

/**
 * Reads the status of sweep `name` from the database at `dbPath`, opened read-only, so it is safe while a sweep
 * process writes. Throws a NetspaceError naming the file or the sweep (and the sweeps there) when absent.
 */
export function sweepStatus(dbPath: string, name: string, options: StatusOptions = {}): SweepStatus {
  const { top } = { ...STATUS_DEFAULTS, ...options };
  return readStore(dbPath, (store) => {
    const counts = store.statusCounts(name);
    const sweep = store.listSweeps().find((s) => s.name === name)!;
    const owner = store.sweepOwner(name);
    return {
      sweep: name,
      db: dbPath,
      createdAt: sweep.createdAt,
      ...counts,
      owner: owner && { pid: owner.pid, host: owner.host, since: owner.since, alive: isOwnerAlive(owner) },
      bySpace: store.statusBySpace(name),
      failureKinds: store.failureKinds(name),
      best: store.bestRuns(name, top).map(statusRun),
      failures: store.failedRuns(name, top).map(statusRun),
    };
  });
}

/** The sweeps of a database, for `sweep status` without a name. */
export function listSweeps(dbPath: string): { name: string; createdAt: string; runs: number }[] {
  return readStore(dbPath, (store) => store.listSweeps().map(({ name, createdAt, runs }) => ({ name, createdAt, runs })));
}
