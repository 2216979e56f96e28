// `netspace sweep submit --slurm`: plan the sweep into the store, freeze its pending runs, write and submit the scripts.
//
//   spec -> withPlannedSweep (sweep/sweep.ts: the plan into the store, as `sweep run` makes it) -> merge shards of earlier submissions
//     -> pending runs + their resume points -> manifest.json of submission n -> array.sbatch -> sbatch
//     -> collect.sbatch (afterany) -> sbatch -> submission.json
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DATASET, loadDataset, locateDataset, type DatasetName } from '../data/index.ts';
import type { BackendRequest } from '../engine/options.ts';
import { readStore, type Store } from '../store/store.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { loadSweepSpec, planRuns, type SweepSpec } from '../sweep/spec.ts';
import { withPlannedSweep } from '../sweep/sweep.ts';
import { mergeShardsInto, readShards, type ShardProgress } from './collect.ts';
import { LAYOUT, listSubmissions, resumePath, submissionFolder } from './layout.ts';
import { writeManifest } from './manifest.ts';
import { writeFileAtomic } from './shard.ts';
import {
  arrayTasks,
  parseSlurmOptions,
  queueState,
  renderArrayScript,
  renderCollectScript,
  sbatch,
  type ScriptInput,
  type SlurmOptions,
} from './slurm.ts';
import type { ManifestResume, ManifestRun, SubmissionKind, SubmissionRecord, SweepManifest } from './types.ts';

/** How a compute node runs this netspace: this Node binary and this checkout's bin/netspace.js (absolute paths). */
export function netspaceCommand(): string[] {
  return [process.execPath, fileURLToPath(new URL('../../bin/netspace.js', import.meta.url))];
}

/** Where the runs come from and go to, as `sweep run` takes it. */
export interface SweepSource {
  /** SQLite file, created when missing. */
  db: string;
  /** Start `<name>-2` when the stored sweep of this name has another spec. */
  force?: boolean;
  /** Backend, overriding the spec's `train.backend`. */
  backend?: BackendRequest;
  /** The dataset's folder (see locateDataset); it must be visible from where the tasks run. */
  dataDir?: string;
  download?: boolean;
}

export interface PrepareOptions extends SweepSource {
  kind: SubmissionKind;
  /** Shares for `pending` runs (array tasks, or GPUs). */
  tasks: (pending: number) => number;
  /** Training threads in each task. */
  workersPerTask: number;
  /**
   * Runs while the sweep is still held, after the manifest is written (`sweep run --gpus` trains and collects here,
   * so no other writer can take the sweep in between); the store is open on the database.
   */
  during?: (prepared: PreparedSubmission, store: Store) => Promise<void>;
}

/** A submission frozen on disk (or nothing to train). */
export interface PreparedSubmission {
  sweep: string;
  db: string;
  created: boolean;
  /** Runs added to the database now, and results merged from earlier submissions' shards. */
  added: number;
  merged: number;
  /** null when no run is pending (nothing was written). */
  manifest: SweepManifest | null;
  manifestPath: string | null;
  submissionDir: string | null;
}

/** The folder of the dataset the tasks will read: located (or downloaded) now, so a task never downloads. */
async function dataFolder(dataset: DatasetName, source: SweepSource): Promise<string> {
  const found = locateDataset(dataset, { dataDir: source.dataDir }).dir;
  if (found !== null) return found;
  return (await loadDataset(dataset, { dataDir: source.dataDir, download: source.download })).dir;
}

/**
 * Refuses a spec with a `fidelity:` schedule: its decisions (which runs go on after each rung) need every result as
 * it arrives, in the one process that holds the sweep, and the frozen shares of separate processes have no such
 * process. `how` names the command for the message.
 */
export function assertNoSchedule(parsed: SweepSpec, how: string): void {
  if (parsed.fidelity !== undefined) throw new NetspaceError(messages.cluster.noFidelity(parsed.name, how));
}

/**
 * Where a pending run continues: the furthest of what the database holds (a local sweep that was stopped) and what
 * earlier submissions' shards hold; its checkpoint is copied into the new submission's resume/ folder, so tasks read
 * nothing outside their submission.
 */
function carryResume(store: Store, runId: number, shard: ShardProgress | undefined, db: string, sweep: string, dir: string): ManifestResume | null {
  const stored = store.takeResumePoint(runId);
  const target = resumePath(runId);
  if (shard !== undefined && shard.checkpoint !== null && shard.epochs.length > (stored?.epochs.length ?? 0)) {
    copyFileSync(join(submissionFolder(db, sweep, shard.submission), shard.checkpoint), join(dir, target));
    return { epochs: shard.epochs, checkpoint: target };
  }
  if (stored === null) return null;
  writeFileAtomic(join(dir, target), stored.checkpoint);
  return { epochs: stored.epochs, checkpoint: target };
}

/**
 * Plans `spec` into the database as `sweep run` does, merges what earlier submissions' shards finished, and freezes
 * the runs still pending into the manifest of a new submission folder. Holds the sweep while it writes, so a local
 * sweep or another submit is refused meanwhile; tasks never open the database.
 */
export async function prepareSubmission(spec: string | SweepSpec, options: PrepareOptions): Promise<PreparedSubmission> {
  const parsed = typeof spec === 'string' ? loadSweepSpec(spec) : spec;
  assertNoSchedule(parsed, options.kind === 'slurm' ? 'sweep submit --slurm' : 'sweep run --gpus');
  const backend = options.backend ?? parsed.backend;
  const dataset = (parsed.train.dataset ?? DEFAULT_DATASET) as DatasetName;
  const dataDir = await dataFolder(dataset, options);
  const db = resolve(options.db);
  const origin = { kind: 'spec', source: typeof spec === 'string' ? spec : 'the sweep spec' } as const;
  return withPlannedSweep(parsed, { db, backend, origin, ...(options.force === undefined ? {} : { force: options.force }) }, async (store, sweep) => {
    const merged = mergeShardsInto(store, db, sweep.name).merged;
    const base = { sweep: sweep.name, db, created: sweep.created, added: sweep.added, merged };
    const pending = store.pendingRuns(sweep.id);
    if (pending.length === 0) return { ...base, manifest: null, manifestPath: null, submissionDir: null };

    const submission = (listSubmissions(db, sweep.name).at(-1) ?? 0) + 1;
    const dir = submissionFolder(db, sweep.name, submission);
    mkdirSync(join(dir, LAYOUT.resume), { recursive: true });
    mkdirSync(join(dir, LAYOUT.logs), { recursive: true });
    const inProgress = new Map(readShards(db, sweep.name).inProgress.map((p) => [p.runId, p]));
    const runs: ManifestRun[] = pending.map((run) => ({
      runId: run.id,
      configKey: run.configKey,
      space: run.space,
      flops: run.flops,
      params: run.params,
      config: run.config,
      settings: run.settings,
      seed: run.seed,
      resume: carryResume(store, run.id, inProgress.get(run.id), db, sweep.name, dir),
    }));
    const manifest: SweepManifest = {
      kind: 'sweep-manifest',
      version: 1,
      sweep: sweep.name,
      db,
      submission,
      submissionKind: options.kind,
      createdAt: new Date().toISOString(),
      tasks: Math.max(1, Math.min(options.tasks(runs.length), runs.length)),
      backend,
      workersPerTask: options.workersPerTask,
      dataset,
      dataDir,
      runs,
    };
    const prepared = { ...base, manifest, manifestPath: writeManifest(dir, manifest), submissionDir: dir };
    await options.during?.(prepared, store);
    return prepared;
  });
}

/** The record of a submission (submission.json), or null when there is none. */
export function readSubmissionRecord(submissionDir: string): SubmissionRecord | null {
  try {
    return JSON.parse(readFileSync(join(submissionDir, LAYOUT.submission), 'utf8')) as SubmissionRecord;
  } catch {
    return null;
  }
}

export function writeSubmissionRecord(submissionDir: string, record: SubmissionRecord): void {
  writeFileAtomic(join(submissionDir, LAYOUT.submission), Buffer.from(`${JSON.stringify(record, null, 1)}\n`));
}

/** The latest submission of a sweep that has a record, with its number and folder. */
export function latestSubmission(db: string, sweep: string): { dir: string; record: SubmissionRecord } | null {
  for (const n of listSubmissions(db, sweep).reverse()) {
    const dir = submissionFolder(db, sweep, n);
    const record = readSubmissionRecord(dir);
    if (record !== null) return { dir, record };
  }
  return null;
}

export interface SubmitOptions extends SweepSource {
  /** Slurm settings as given (validated here; undefined entries take SLURM_DEFAULTS). */
  slurm?: { [K in keyof SlurmOptions]?: unknown };
  /** Write and submit nothing: return the script that would be submitted. */
  dryRun?: boolean;
  /** The collect job's report file (default: the report command's, in the submitting folder). */
  report?: string;
  /** Working folder of the jobs (default: this process's). */
  workDir?: string;
  /** The command the jobs run netspace with, absolute paths (default: netspaceCommand(); tests: the CLI with the
   *  fault-planting worker). */
  netspace?: readonly string[];
}

/** What `sweep submit` did. */
export interface SubmitResult {
  sweep: string;
  db: string;
  dryRun: boolean;
  /** Runs added to the database now, and merged from earlier submissions. */
  added: number;
  merged: number;
  /** Runs to train in this submission, and array tasks; 0 runs means nothing was submitted. */
  runs: number;
  tasks: number;
  submission: number | null;
  /** The array script (its path is null in a dry run) and the collect script (null when not asked for). */
  script: string | null;
  scriptText: string;
  collectScriptText: string | null;
  manifest: string | null;
  jobId: string | null;
  collectJobId: string | null;
}

/**
 * Throws a NetspaceError while the latest Slurm array of the sweep still has tasks queued or running: a second
 * submission, or a local `sweep run`, would train the same runs. (Silent when squeue cannot tell.)
 */
export function assertNoArrayQueued(db: string, sweep: string): void {
  const latest = latestSubmission(db, sweep);
  if (latest === null || latest.record.kind !== 'slurm' || latest.record.jobId === null) return;
  const state = queueState(latest.record.jobId, latest.record.tasks);
  if (state.kind === 'queued') {
    throw new NetspaceError(messages.cluster.stillQueued(sweep, latest.record.submission, latest.record.jobId, state.pending, state.running));
  }
}

/** Counts the runs a submit would freeze, without writing anything (for --dry-run). */
function dryRunCount(parsed: SweepSpec, db: string): { runs: number; submission: number } {
  const planned = planRuns(parsed);
  const submission = (listSubmissions(db, parsed.name).at(-1) ?? 0) + 1;
  if (!existsSync(db)) return { runs: planned.length, submission };
  const finished = readStore(db, (store) => {
    if (!store.listSweeps().some((s) => s.name === parsed.name)) return new Set<string>();
    const runs = store.readSweep(parsed.name).runs;
    const results = readShards(db, parsed.name).results;
    return new Set(runs.filter((r) => r.status !== 'pending' || results.has(r.id)).map((r) => r.configKey));
  });
  return { runs: planned.filter((r) => !finished.has(r.configKey)).length, submission };
}

function scriptInput(
  base: Omit<ScriptInput, 'createdAt' | 'netspace' | 'workDir' | 'options'>,
  options: SlurmOptions,
  workDir: string,
  netspace: readonly string[],
): ScriptInput {
  return { ...base, options, workDir, netspace: [...netspace], createdAt: new Date().toISOString() };
}

/**
 * Submits the pending runs of `spec` as a Slurm job array (and, unless turned off, the follow-up collect job), or
 * with `dryRun` returns the script it would submit and writes nothing. Bad options, a missing sbatch and an array of
 * the sweep still queued are NetspaceErrors raised before anything is written.
 */
export async function submitSweep(spec: string | SweepSpec, options: SubmitOptions): Promise<SubmitResult> {
  const slurm = parseSlurmOptions(options.slurm);
  const parsed = typeof spec === 'string' ? loadSweepSpec(spec) : spec;
  assertNoSchedule(parsed, 'sweep submit --slurm');
  const db = resolve(options.db);
  const workDir = resolve(options.workDir ?? process.cwd());
  const reportPath = options.report === undefined ? null : resolve(options.report);
  const netspace = options.netspace ?? netspaceCommand();
  if (options.dryRun) {
    const { runs, submission } = dryRunCount(parsed, db);
    const dir = submissionFolder(db, parsed.name, submission);
    const input = scriptInput(
      { sweep: parsed.name, submission, runs, tasks: arrayTasks(slurm, runs), db, submissionDir: dir, manifest: join(dir, LAYOUT.manifest) },
      slurm,
      workDir,
      netspace,
    );
    return {
      sweep: parsed.name,
      db,
      dryRun: true,
      added: 0,
      merged: 0,
      runs,
      tasks: input.tasks,
      submission,
      script: null,
      scriptText: renderArrayScript(input),
      collectScriptText: slurm.collectJob ? renderCollectScript(input, null, reportPath) : null,
      manifest: null,
      jobId: null,
      collectJobId: null,
    };
  }
  assertNoArrayQueued(db, parsed.name);
  const prepared = await prepareSubmission(parsed, {
    ...options,
    kind: 'slurm',
    tasks: (pending) => arrayTasks(slurm, pending),
    workersPerTask: slurm.cpusPerTask,
  });
  const result: SubmitResult = {
    sweep: prepared.sweep,
    db,
    dryRun: false,
    added: prepared.added,
    merged: prepared.merged,
    runs: 0,
    tasks: 0,
    submission: null,
    script: null,
    scriptText: '',
    collectScriptText: null,
    manifest: null,
    jobId: null,
    collectJobId: null,
  };
  const { manifest, manifestPath, submissionDir } = prepared;
  if (manifest === null || manifestPath === null || submissionDir === null) return result;

  const input = scriptInput(
    { sweep: manifest.sweep, submission: manifest.submission, runs: manifest.runs.length, tasks: manifest.tasks, db, submissionDir, manifest: manifestPath },
    slurm,
    workDir,
    netspace,
  );
  const script = join(submissionDir, LAYOUT.arrayScript);
  const scriptText = renderArrayScript(input);
  writeFileSync(script, scriptText, { mode: 0o755 });
  let jobId: string;
  try {
    jobId = sbatch(script);
  } catch (error) {
    // Nothing runs from this folder: remove it, so the next submit does not take it for a submission.
    rmSync(submissionDir, { recursive: true, force: true });
    throw error;
  }
  const record: SubmissionRecord = {
    kind: 'slurm',
    submission: manifest.submission,
    sweep: manifest.sweep,
    tasks: manifest.tasks,
    runs: manifest.runs.length,
    submittedAt: new Date().toISOString(),
    host: hostname(),
    jobId,
    collectJobId: null,
    gpus: [],
  };
  writeSubmissionRecord(submissionDir, record);
  let collectScriptText: string | null = null;
  if (slurm.collectJob) {
    const collectScript = join(submissionDir, LAYOUT.collectScript);
    collectScriptText = renderCollectScript(input, jobId, reportPath);
    writeFileSync(collectScript, collectScriptText, { mode: 0o755 });
    record.collectJobId = sbatch(collectScript);
    writeSubmissionRecord(submissionDir, record);
  }
  return {
    ...result,
    runs: manifest.runs.length,
    tasks: manifest.tasks,
    submission: manifest.submission,
    script,
    scriptText,
    collectScriptText,
    manifest: manifestPath,
    jobId,
    collectJobId: record.collectJobId,
  };
}
