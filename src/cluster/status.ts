// The cluster's side of `sweep status`: the latest submission, its array in squeue, and what the shards hold that the
// database does not yet (read-only everywhere: safe while tasks write).
import { existsSync } from 'node:fs';
import { readStore } from '../store/store.ts';
import type { RunStatus } from '../core/types.ts';
import { lastCollect, readShards, type ShardProgress } from './collect.ts';
import { queueState, type QueueState } from './slurm.ts';
import { latestSubmission } from './submit.ts';
import type { SubmissionRecord } from './types.ts';

/** What `sweep status` adds for a sweep trained by separate processes. */
export interface ClusterStatus {
  /** The latest submission's record; null when the sweep was never submitted. */
  submission: SubmissionRecord | null;
  /** Its array job, and the follow-up collect job, as squeue shows them; null without a job id. */
  array: QueueState | null;
  collectJob: QueueState | null;
  /** Runs the shards hold a result for that the database does not yet: `sweep collect` merges them. */
  notCollected: number;
  /** Runs started in a shard and not finished, with their epochs so far. */
  inProgress: { runId: number; submission: number; task: number; epochs: number }[];
  /** The last collect's time and host; null before the first. */
  lastCollect: { at: string; host: string } | null;
}

function progress(p: ShardProgress): ClusterStatus['inProgress'][number] {
  return { runId: p.runId, submission: p.submission, task: p.task, epochs: p.epochs.length };
}

/**
 * The cluster status of sweep `name` beside database `db`, or null when it has no submission folder. Asks squeue
 * about the latest Slurm submission's jobs (never failing: an unreachable Slurm reads as `unavailable`).
 */
export function clusterStatus(db: string, name: string, env?: NodeJS.ProcessEnv): ClusterStatus | null {
  const latest = latestSubmission(db, name);
  const view = readShards(db, name);
  if (latest === null && view.shards === 0) return null;
  const record = latest?.record ?? null;
  const statuses: Map<number, RunStatus> = existsSync(db)
    ? readStore(db, (store) => new Map(store.readSweep(name).runs.map((r) => [r.id, r.status])))
    : new Map();
  const notCollected = [...view.results.keys()].filter((id) => statuses.get(id) === 'pending' || statuses.get(id) === 'running').length;
  const collected = lastCollect(db, name);
  return {
    submission: record,
    array: record?.jobId == null ? null : queueState(record.jobId, record.tasks, env),
    collectJob: record?.collectJobId == null ? null : queueState(record.collectJobId, 1, env),
    notCollected,
    inProgress: view.inProgress.map(progress),
    lastCollect: collected === null ? null : { at: collected.at, host: collected.host },
  };
}

function queueText(state: QueueState, tasks: number): string {
  switch (state.kind) {
    case 'queued':
      return `${state.pending} of ${tasks} tasks pending${state.reasons.length > 0 ? ` (${state.reasons.join(', ')})` : ''}, ${state.running} running, ${state.done} ended`;
    case 'ended':
      return 'no task left in the queue (all ended)';
    case 'unavailable':
      return `squeue cannot say: ${state.reason}`;
  }
}

/** The cluster status as lines for a terminal, indented to follow formatStatus's. */
export function formatClusterStatus(s: ClusterStatus, db: string, sweep: string): string {
  const lines: string[] = [];
  const r = s.submission;
  if (r !== null) {
    const where = r.kind === 'slurm' ? `Slurm array job ${r.jobId ?? '?'}` : `GPUs ${r.gpus.join(',')} on ${r.host}`;
    lines.push(`  submission ${r.submission}: ${r.runs} runs in ${r.tasks} tasks, ${where}, submitted ${r.submittedAt}`);
    if (s.array !== null) lines.push(`    array: ${queueText(s.array, r.tasks)}`);
    if (s.collectJob !== null) {
      const state = s.collectJob.kind === 'queued' ? (s.collectJob.running > 0 ? 'running' : `waiting${s.collectJob.reasons.length > 0 ? ` (${s.collectJob.reasons.join(', ')})` : ''}`) : s.collectJob.kind === 'ended' ? 'ended' : queueText(s.collectJob, 1);
      lines.push(`    collect job ${r.collectJobId}: ${state}`);
    }
  }
  const when = s.lastCollect === null ? 'never collected' : `last collect ${s.lastCollect.at} on ${s.lastCollect.host}`;
  if (s.notCollected > 0) {
    lines.push(`  the database is behind the shards: ${s.notCollected} finished runs are not in it yet (${when}); run: netspace sweep collect ${sweep} --db ${db}`);
  } else {
    lines.push(`  the database holds every result in the shards (${when})`);
  }
  if (s.inProgress.length > 0) {
    const shown = s.inProgress.slice(0, 8).map((p) => `#${p.runId} (task ${p.task}, ${p.epochs} epochs)`);
    lines.push(`  in progress in the shards: ${shown.join(', ')}${s.inProgress.length > shown.length ? `, and ${s.inProgress.length - shown.length} more` : ''}`);
  }
  return lines.join('\n');
}
