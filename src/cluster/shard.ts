// A task's shard: an append-only JSON-lines event log and checkpoint files, written by that task alone, read by anyone.
//
// Safe on a network filesystem without locks, because each file has one writer: a line is one write() followed by
// fsync, and readers take complete lines only (a killed writer's partial last line is invisible, and the next attempt
// of the task cuts it off before appending). A checkpoint is written to a temporary name, synced and renamed into
// place before the epoch line that names it, so every epoch line points to a whole checkpoint.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { EpochRecord, TrainResult } from '../core/types.ts';
import { LAYOUT, checkpointPath, shardPath } from './layout.ts';
import type { ShardEvent, TaskIdentity } from './types.ts';

/** A run that ended well keeps its final checkpoint, as the store keeps it (store/store.ts finishRun). */
export function keepsCheckpoint(result: TrainResult): boolean {
  return result.status !== 'failed' && result.status !== 'diverged';
}

/** One run as a shard's log tells it. */
export interface ShardRunState {
  runId: number;
  /** Epochs 1..k trained so far by the latest attempt (its resumed epochs, then its epoch lines). */
  epochs: EpochRecord[];
  /** Checkpoint after the last of `epochs`, relative to the submission folder (in this shard, or a carried-over one
   *  in resume/); null when there are no epochs, or the run ended failed or diverged. */
  checkpoint: string | null;
  /** The result, once a run-end line is there. */
  result: TrainResult | null;
  /** Run-start lines: 1 for a run trained in one go, more after a kill or requeue. */
  attempts: number;
  /** ISO-8601 times of the first run-start and of the run-end. */
  startedAt: string | null;
  endedAt: string | null;
}

/** Everything a shard's log says, as of its last complete line. */
export interface ShardState {
  runs: Map<number, ShardRunState>;
  /** Every task-start line: one per attempt of the task. */
  starts: (TaskIdentity & { at: string })[];
  /** The latest task-end line, or null (the task runs, or was killed). */
  end: Extract<ShardEvent, { type: 'task-end' }> | null;
  /** Complete lines that did not parse or broke the order of a run's epochs (ignored, counted). */
  badLines: number;
  /** Bytes of the complete lines read. */
  bytes: number;
}

export function emptyShardState(): ShardState {
  return { runs: new Map(), starts: [], end: null, badLines: 0, bytes: 0 };
}

/** JSON has no NaN: a stored null loss comes back as NaN, as the SQLite store does it. */
function reviveEpoch(e: EpochRecord): EpochRecord {
  const num = (x: number | null): number => (x === null ? Number.NaN : x);
  return { ...e, trainLoss: num(e.trainLoss), valLoss: num(e.valLoss), valAccuracy: num(e.valAccuracy) };
}

function reviveResult(result: TrainResult): TrainResult {
  return { ...result, epochs: result.epochs.map(reviveEpoch) };
}

function runState(state: ShardState, runId: number): ShardRunState {
  let run = state.runs.get(runId);
  if (run === undefined) {
    run = { runId, epochs: [], checkpoint: null, result: null, attempts: 0, startedAt: null, endedAt: null };
    state.runs.set(runId, run);
  }
  return run;
}

/** Applies one event to a shard's state; false when it breaks the log's order (the caller counts it as bad). */
export function applyShardEvent(state: ShardState, event: ShardEvent): boolean {
  switch (event.type) {
    case 'task-start': {
      const { type: _type, ...identity } = event;
      state.starts.push(identity);
      state.end = null;
      return true;
    }
    case 'task-end':
      state.end = event;
      return true;
    case 'run-start': {
      const run = runState(state, event.runId);
      if (run.result !== null) return false;
      if ((event.resumed.length === 0) !== (event.checkpoint === null)) return false;
      run.epochs = event.resumed.map(reviveEpoch);
      run.checkpoint = event.checkpoint;
      run.attempts += 1;
      run.startedAt ??= event.at;
      return true;
    }
    case 'epoch': {
      const run = state.runs.get(event.runId);
      if (run === undefined || run.result !== null || event.epoch.epoch !== run.epochs.length + 1) return false;
      run.epochs.push(reviveEpoch(event.epoch));
      run.checkpoint = event.checkpoint;
      return true;
    }
    case 'run-end': {
      const run = state.runs.get(event.runId);
      if (run === undefined || run.result !== null) return false;
      run.result = reviveResult(event.result);
      run.endedAt = event.at;
      if (!keepsCheckpoint(run.result)) run.checkpoint = null;
      return true;
    }
  }
}

const EVENT_TYPES = new Set<ShardEvent['type']>(['task-start', 'run-start', 'epoch', 'run-end', 'task-end']);

function parseLine(line: string): ShardEvent | null {
  try {
    const event = JSON.parse(line) as ShardEvent;
    return event !== null && typeof event === 'object' && EVENT_TYPES.has(event.type) ? event : null;
  } catch {
    return null;
  }
}

/** The state told by a log's text; a last line without its newline is not read (its writer may be mid-write). */
export function parseShardLog(text: string): ShardState {
  const state = emptyShardState();
  const complete = text.lastIndexOf('\n') + 1;
  state.bytes = Buffer.byteLength(text.slice(0, complete));
  for (const line of text.slice(0, complete).split('\n')) {
    if (line === '') continue;
    const event = parseLine(line);
    if (event === null || !applyShardEvent(state, event)) state.badLines += 1;
  }
  return state;
}

/** Reads the shard of `task` in a submission folder; a shard not written yet reads as empty. Safe at any moment. */
export function readShard(submissionDir: string, task: number): ShardState {
  const file = join(submissionDir, shardPath(task), LAYOUT.events);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyShardState();
    throw error;
  }
  return parseShardLog(text);
}

/** A checkpoint file's bytes, or null when it is gone or not whole float32s (then it is as if there were none). */
export function readCheckpointFile(path: string): Uint8Array | null {
  try {
    const bytes = readFileSync(path);
    return bytes.length > 0 && bytes.length % 4 === 0 ? new Uint8Array(bytes) : null;
  } catch {
    return null;
  }
}

/** Writes all of `bytes` to `fd` (write() may write less than asked). */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** Makes a rename or a new file in `dir` durable (a no-op where directories cannot be synced). */
function syncFolder(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the data itself is synced.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Writes a file under a temporary name, syncs it and renames it into place: readers see all of it or nothing. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const temporary = `${path}.tmp-${process.pid}`;
  const fd = openSync(temporary, 'w');
  try {
    writeAll(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  syncFolder(dirname(path));
}

/**
 * The writer of one shard: the only code that writes it, used by one process at a time (an array task and, after a
 * kill or requeue, its next attempt; Slurm ends an attempt before it starts the next). Opening repairs what a killed
 * attempt left (a partial last line, temporary and orphaned checkpoint files) and reads the state to resume from.
 */
export class ShardWriter {
  /** Absolute submission folder; checkpoint paths in events are relative to it. */
  readonly submissionDir: string;
  readonly task: number;
  /** The shard's state: what the log held when opened, then every event this writer appended. */
  readonly state: ShardState;
  readonly #log: string;

  private constructor(submissionDir: string, task: number, state: ShardState) {
    this.submissionDir = submissionDir;
    this.task = task;
    this.state = state;
    this.#log = join(submissionDir, shardPath(task), LAYOUT.events);
  }

  static open(submissionDir: string, task: number): ShardWriter {
    const dir = join(submissionDir, shardPath(task));
    mkdirSync(dir, { recursive: true });
    const log = join(dir, LAYOUT.events);
    if (existsSync(log)) {
      const text = readFileSync(log);
      const complete = text.lastIndexOf(0x0a) + 1;
      if (complete < text.length) truncateSync(log, complete);
    }
    const writer = new ShardWriter(submissionDir, task, readShard(submissionDir, task));
    writer.#removeStrayFiles(dir);
    return writer;
  }

  /** Deletes temporary files and checkpoints that no run's last epoch line names (or a finished run keeps). */
  #removeStrayFiles(dir: string): void {
    const kept = new Set([...this.state.runs.values()].flatMap((r) => (r.checkpoint === null ? [] : [join(this.submissionDir, r.checkpoint)])));
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if ((name.includes('.tmp-') || name.endsWith('.ckpt')) && !kept.has(path)) rmSync(path, { force: true });
    }
  }

  /** Appends one event as one line (one write, then fsync) and applies it to `state`. */
  append(event: ShardEvent): void {
    if (!applyShardEvent(this.state, event)) throw new Error(`shard ${this.task}: event out of order: ${JSON.stringify(event).slice(0, 200)}`);
    const line = Buffer.from(`${JSON.stringify(event)}\n`);
    const fd = openSync(this.#log, 'a');
    try {
      writeAll(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.state.bytes += line.length;
  }

  taskStart(identity: TaskIdentity): void {
    this.append({ type: 'task-start', at: now(), ...identity });
  }

  /** A run starts: afresh (no epochs, null), or after `resumed` epochs from `checkpoint` (relative path). */
  runStart(runId: number, resumed: readonly EpochRecord[], checkpoint: string | null): void {
    this.append({ type: 'run-start', at: now(), runId, resumed: [...resumed], checkpoint });
  }

  /** Writes the checkpoint after `epoch`, then the epoch's line, then drops the run's previous checkpoint. */
  epoch(runId: number, epoch: EpochRecord, checkpoint: Uint8Array): void {
    const previous = this.state.runs.get(runId)?.checkpoint ?? null;
    const relative = checkpointPath(this.task, runId, epoch.epoch);
    writeFileAtomic(join(this.submissionDir, relative), checkpoint);
    this.append({ type: 'epoch', at: now(), runId, epoch, checkpoint: relative });
    this.#dropCheckpoint(previous);
  }

  /** The run's end; its last checkpoint stays when it ended well (the model, which collect stores with the run). */
  runEnd(runId: number, result: TrainResult): void {
    const last = this.state.runs.get(runId)?.checkpoint ?? null;
    this.append({ type: 'run-end', at: now(), runId, result });
    if (!keepsCheckpoint(result)) this.#dropCheckpoint(last);
  }

  taskEnd(reason: 'done' | 'stopped' | 'fatal', message: string | null, trained: number, startupSeconds: number | null = null): void {
    this.append({ type: 'task-end', at: now(), reason, message, trained, startupSeconds });
  }

  /** Checkpoints carried in from elsewhere (resume/) are not this shard's to delete. */
  #dropCheckpoint(relative: string | null): void {
    if (relative !== null && relative.startsWith(`${shardPath(this.task)}/`)) rmSync(join(this.submissionDir, relative), { force: true });
  }
}

const now = (): string => new Date().toISOString();
