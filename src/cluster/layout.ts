// Where a sweep's separate processes keep their files: a folder beside the database, one subfolder per submission.
//
//   <db>.cluster/<sweep>/collect.json                     the last `sweep collect` (written on the collecting host)
//   <db>.cluster/<sweep>/submission-<n>/manifest.json     the runs frozen for submission n (read-only once written)
//                                     /submission.json   job ids, or GPU ids
//                                     /array.sbatch, collect.sbatch, logs/
//                                     /resume/run-<id>.ckpt               checkpoints carried over from earlier work
//                                     /shards/task-<i>/events.jsonl       written by task i only
//                                     /shards/task-<i>/run-<id>-e<k>.ckpt its checkpoints
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** File and folder names inside a submission folder. */
export const LAYOUT = Object.freeze({
  manifest: 'manifest.json',
  submission: 'submission.json',
  arrayScript: 'array.sbatch',
  collectScript: 'collect.sbatch',
  logs: 'logs',
  resume: 'resume',
  shards: 'shards',
  events: 'events.jsonl',
  collect: 'collect.json',
});

/** `<db>.cluster/<sweep>`, absolute. */
export function sweepFolder(db: string, sweep: string): string {
  return join(`${resolve(db)}.cluster`, sweep);
}

/** The folder of submission `n` of a sweep, absolute. */
export function submissionFolder(db: string, sweep: string, n: number): string {
  return join(sweepFolder(db, sweep), `submission-${n}`);
}

/** Shard folder of task `task`, relative to its submission folder (the form events and the manifest use). */
export function shardPath(task: number): string {
  return join(LAYOUT.shards, `task-${task}`);
}

/** Checkpoint of a run after `epoch`, relative to the submission folder. */
export function checkpointPath(task: number, runId: number, epoch: number): string {
  return join(shardPath(task), `run-${runId}-e${epoch}.ckpt`);
}

/** A resume checkpoint carried into a submission, relative to its folder. */
export function resumePath(runId: number): string {
  return join(LAYOUT.resume, `run-${runId}.ckpt`);
}

/** The numbers n of the entries `<prefix>-<n>` in `dir`, ascending; none when `dir` does not exist. */
function numbered(dir: string, prefix: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const pattern = new RegExp(`^${prefix}-(\\d+)$`);
  return names
    .map((name) => pattern.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The submission numbers of a sweep that exist on disk, ascending. */
export function listSubmissions(db: string, sweep: string): number[] {
  return numbered(sweepFolder(db, sweep), 'submission');
}

/** Task numbers that have a shard folder in a submission folder, ascending. */
export function listShards(submissionDir: string): number[] {
  return numbered(join(submissionDir, LAYOUT.shards), 'task');
}
