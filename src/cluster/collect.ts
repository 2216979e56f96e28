// `netspace sweep collect`: merges the results in a sweep's shards into its database, idempotently.
//
// Only the collecting process writes the database; tasks never open it. A run's result is taken from the first
// shard (by submission, then task) whose log has its run-end line, and written once: a run the database already
// holds as finished is left alone, so collecting again, or while tasks still write, changes nothing already merged.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { openStore, type StatusCounts, type Store } from '../store/store.ts';
import type { EpochRecord, RunStatus, TrainResult } from '../core/types.ts';
import { LAYOUT, listShards, listSubmissions, submissionFolder, sweepFolder } from './layout.ts';
import { readCheckpointFile, readShard, writeFileAtomic } from './shard.ts';

/** A run's result as found in a shard, and where. */
export interface ShardResult {
  runId: number;
  result: TrainResult;
  submission: number;
  task: number;
  /** ISO-8601 times of its first run-start and its run-end in that shard. */
  startedAt: string | null;
  endedAt: string | null;
  /** Attempts in that shard (more than 1 after a kill or requeue). */
  attempts: number;
  /** The final checkpoint a run that ended well keeps, relative to its submission folder; null otherwise. */
  checkpoint: string | null;
}

/** A run started in a shard and not ended in any: the furthest any attempt got. */
export interface ShardProgress {
  runId: number;
  submission: number;
  task: number;
  /** Epochs it has finished so far, and the checkpoint after the last (relative to the submission folder). */
  epochs: EpochRecord[];
  checkpoint: string | null;
}

/** What a sweep's shards hold, read without writing anything (safe while tasks write). */
export interface ShardsView {
  /** One result per run: the first by submission, then task. */
  results: Map<number, ShardResult>;
  /** Further results for a run already in `results` (a run trained twice; ignored). */
  duplicates: number;
  inProgress: ShardProgress[];
  /** Shards read, and complete lines in them that did not parse or broke the order (ignored). */
  shards: number;
  badLines: number;
}

/** Reads every shard of every submission of sweep `sweep` beside database `db`. */
export function readShards(db: string, sweep: string): ShardsView {
  const view: ShardsView = { results: new Map(), duplicates: 0, inProgress: [], shards: 0, badLines: 0 };
  const started = new Map<number, ShardProgress>();
  for (const submission of listSubmissions(db, sweep)) {
    const dir = submissionFolder(db, sweep, submission);
    for (const task of listShards(dir)) {
      const state = readShard(dir, task);
      view.shards += 1;
      view.badLines += state.badLines;
      for (const run of state.runs.values()) {
        if (run.result === null) {
          const known = started.get(run.runId);
          if (known === undefined || known.epochs.length < run.epochs.length) {
            started.set(run.runId, { runId: run.runId, submission, task, epochs: run.epochs, checkpoint: run.checkpoint });
          }
        } else if (view.results.has(run.runId)) {
          view.duplicates += 1;
        } else {
          const { runId, result, startedAt, endedAt, attempts, checkpoint } = run;
          view.results.set(runId, { runId, result, submission, task, startedAt, endedAt, attempts, checkpoint });
        }
      }
    }
  }
  view.inProgress = [...started.values()].filter((p) => !view.results.has(p.runId)).sort((a, b) => a.runId - b.runId);
  return view;
}

/** The database side of a merge: the statuses of a sweep's runs, and one write per newly finished run. */
export interface CollectTarget {
  runStatuses(): Map<number, RunStatus>;
  /** Writes the run unless the database holds it as anything but pending; false when it wrote nothing. */
  importResult(found: ShardResult): boolean;
}

/**
 * CollectTarget over the Store of database `db`: each run written by Store.importRun in one transaction, with the
 * shard's start and end times, attempts and final checkpoint, as a local sweep would have stored it.
 */
export function storeTarget(store: Store, db: string, sweep: string): CollectTarget {
  return {
    runStatuses: () => new Map(store.readSweep(sweep).runs.map((r) => [r.id, r.status])),
    importResult: (found) => {
      const checkpoint = found.checkpoint === null ? null : readCheckpointFile(join(submissionFolder(db, sweep, found.submission), found.checkpoint));
      return store.importRun(found.runId, { result: found.result, checkpoint, startedAt: found.startedAt, finishedAt: found.endedAt, attempts: found.attempts });
    },
  };
}

/** How a merge went. */
export interface MergeCounts {
  /** Runs written into the database now. */
  merged: number;
  /** Runs finished in the shards and already finished in the database (an earlier collect, or a local sweep). */
  alreadyCollected: number;
  /** Results for runs the database does not hold (a shard from another database); ignored. */
  unknownRuns: number;
}

/** Writes every result of `view` whose run is pending in `target`; nothing else. */
export function mergeResults(view: ShardsView, target: CollectTarget): MergeCounts {
  const statuses = target.runStatuses();
  const counts: MergeCounts = { merged: 0, alreadyCollected: 0, unknownRuns: 0 };
  for (const found of [...view.results.values()].sort((a, b) => a.runId - b.runId)) {
    const status = statuses.get(found.runId);
    if (status === undefined) counts.unknownRuns += 1;
    else if (status === 'pending' && target.importResult(found)) counts.merged += 1;
    else counts.alreadyCollected += 1;
  }
  return counts;
}

/** What `sweep collect` reports (and writes to collect.json). */
export interface CollectSummary extends MergeCounts {
  sweep: string;
  db: string;
  at: string;
  host: string;
  shards: number;
  /** Runs with a result in the shards (unique), and runs started there without one yet. */
  finished: number;
  inProgress: number;
  duplicates: number;
  badLines: number;
  /** The database's counts after the merge. */
  counts: StatusCounts;
}

/** The last collect of a sweep, as collect.json records it; null before the first. */
export function lastCollect(db: string, sweep: string): CollectSummary | null {
  try {
    return JSON.parse(readFileSync(join(sweepFolder(db, sweep), LAYOUT.collect), 'utf8')) as CollectSummary;
  } catch {
    return null;
  }
}

/**
 * Merges the shards of sweep `name` into `store`, which the caller opened on `db` and holds the sweep in (claimSweep),
 * and records the collect in collect.json beside the shards.
 */
export function mergeShardsInto(store: Store, db: string, name: string): CollectSummary {
  const view = readShards(db, name);
  const counts = mergeResults(view, storeTarget(store, db, name));
  const summary: CollectSummary = {
    sweep: name,
    db,
    at: new Date().toISOString(),
    host: hostname(),
    shards: view.shards,
    finished: view.results.size,
    inProgress: view.inProgress.length,
    duplicates: view.duplicates,
    badLines: view.badLines,
    ...counts,
    counts: store.statusCounts(name),
  };
  if (view.shards > 0) writeFileAtomic(join(sweepFolder(db, name), LAYOUT.collect), Buffer.from(`${JSON.stringify(summary, null, 1)}\n`));
  return summary;
}

/**
 * `sweep collect`: merges the shards of sweep `name` into database `db`. The collecting process holds the sweep (as
 * `sweep run` does) for the merge, so two collectors, or a collector and a local sweep, never write it at once; runs
 * a dead process left `running` go back to pending first. Throws a NetspaceError naming the sweep when the database
 * lacks it, or naming the process that holds it.
 */
export function collectSweep(db: string, name: string): CollectSummary {
  const store = openStore(db);
  try {
    const sweep = store.listSweeps().find((s) => s.name === name);
    if (sweep === undefined) throw new NetspaceError(messages.store.noSweep(name, db, store.listSweeps().map((s) => s.name)));
    store.claimSweep(sweep.id);
    try {
      store.resetRunning(sweep.id);
      return mergeShardsInto(store, db, name);
    } finally {
      store.releaseSweep(sweep.id);
    }
  } finally {
    store.close();
  }
}
