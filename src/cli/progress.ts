// Progress of training runs on the terminal: bars on a terminal, plain lines in a log, JSON lines with --json.
import cliProgress from 'cli-progress';
import { percent } from '../core/format.ts';
import { plural } from '../messages.ts';
import { SILENT_PROGRESS, type EndStatus, type ProgressEvent, type ProgressReporter } from '../sweep/progress.ts';

export type ProgressMode = 'bars' | 'plain' | 'json' | 'silent';

/** A stream to write to: stderr for bars and lines, stdout for JSON lines. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** 'auto' (default): bars when `stream` is a terminal, plain lines otherwise. */
  mode?: ProgressMode | 'auto';
  stream?: ProgressStream;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
  /** Least time between two batch lines of the same worker in json mode, ms. */
  batchIntervalMs?: number;
}

const DEFAULTS = Object.freeze({ batchIntervalMs: 1000 });

/** "1h02m", "3m05s", "12s"; "?" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, '0')}m`;
}

/** Overall counts and rates of a sweep as events arrive. */
class SweepTally {
  sweep = '';
  total = 0;
  done = 0;
  failed = 0;
  diverged = 0;
  stopped = 0;
  /** Runs paused by their schedule and not started again since (a promoted run leaves the count). */
  readonly #paused = new Set<number>();
  /** Runs finished by this process (the rate counts these only: earlier ones took unknown time). */
  finishedHere = 0;
  started: number;

  constructor(now: number) {
    this.started = now;
  }

  /** Runs that reached a final status (a paused run continues later). */
  get finished(): number {
    return this.done + this.failed + this.diverged + this.stopped;
  }

  /** Models per hour finished by this process. */
  rate(now: number): number {
    const hours = (now - this.started) / 3_600_000;
    return hours > 0 ? this.finishedHere / hours : 0;
  }

  /** Seconds to finish the rest at the current rate; NaN before the first run ends. */
  eta(now: number): number {
    const rate = this.rate(now);
    return this.finishedHere === 0 || rate === 0 ? Number.NaN : ((this.total - this.finished) / rate) * 3600;
  }

  get paused(): number {
    return this.#paused.size;
  }

  /** A run starts: a paused run that starts again was promoted, and is no longer paused. */
  start(runId: number): void {
    this.#paused.delete(runId);
  }

  end(status: EndStatus, runId: number): void {
    if (status === 'paused') {
      this.#paused.add(runId);
      return;
    }
    this[status as Exclude<EndStatus, 'paused'>] += 1;
    this.finishedHere += 1;
  }

  /** Counts `e` in: the sweep's totals at its start, a promoted run at its start, a run's status at its end. */
  observe(e: ProgressEvent): void {
    if (e.type === 'sweep-start') Object.assign(this, { sweep: e.sweep, total: e.total, done: e.done, failed: e.failed, diverged: e.diverged });
    else if (e.type === 'run-start') this.start(e.runId);
    else if (e.type === 'run-end') this.end(e.status, e.runId);
  }

  line(now: number): string {
    const parts = [`${this.finished}/${this.total} runs`, `done ${this.done}`, `failed ${this.failed}`];
    if (this.diverged > 0) parts.push(`diverged ${this.diverged}`);
    if (this.stopped > 0) parts.push(`stopped ${this.stopped}`);
    if (this.paused > 0) parts.push(`paused ${this.paused}`);
    parts.push(`${this.rate(now).toFixed(1)} models/h`, `ETA ${formatDuration(this.eta(now))}`);
    return parts.join(' | ');
  }
}

function endText(e: Extract<ProgressEvent, { type: 'run-end' }>): string {
  if (e.status === 'done') return `done, error ${percent(e.finalError, 2, '-')} in ${formatDuration(e.seconds)}`;
  if (e.status === 'stopped') return `stopped by its schedule, error ${percent(e.finalError, 2, '-')}`;
  if (e.status === 'paused') return 'paused by its schedule (continues if promoted)';
  return `${e.status}: ${e.errorText ?? 'no reason given'}`;
}

/**
 * Where each worker's run is: when it (re)started and how far it got, for a run ETA on batch lines. The estimate is
 * the elapsed time scaled by the fraction of the run's batches still to go (validation time included pro rata).
 */
class RunClocks {
  readonly #started = new Map<number, { at: number; from: number }>();

  start(worker: number, at: number, fromFraction: number): void {
    this.#started.set(worker, { at, from: fromFraction });
  }

  /** Fraction of the run done after this batch, and the seconds still to go. */
  progress(e: Extract<ProgressEvent, { type: 'batch' }>, now: number): { done: number; eta: number } {
    const done = (e.epoch - 1 + e.batch / e.batches) / e.epochs;
    const start = this.#started.get(e.worker);
    if (start === undefined || done <= start.from) return { done, eta: Number.NaN };
    const elapsed = (now - start.at) / 1000;
    return { done, eta: (elapsed * (1 - done)) / (done - start.from) };
  }
}

/** "run 3 epoch 2/10 batch 120/469 loss 0.512 941 img/s ETA 4m10s": one worker's position, for bars and lines. */
function batchText(e: Extract<ProgressEvent, { type: 'batch' }>, eta: number): string {
  return `run ${e.runId} epoch ${e.epoch}/${e.epochs} batch ${e.batch}/${e.batches} loss ${e.loss.toFixed(3)} ${e.imagesPerSecond.toFixed(0)} img/s ETA ${formatDuration(eta)}`;
}

/** Least time between two plain batch lines of one worker: a line a minute shows life without flooding a log. */
const PLAIN_BATCH_INTERVAL_MS = 60_000;

/** Plain lines: one per run start, epoch and run end (and a batch line a minute in long epochs), with the sweep's totals after every run. */
class PlainReporter implements ProgressReporter {
  readonly #stream: ProgressStream;
  readonly #now: () => number;
  readonly #tally: SweepTally;
  readonly #clocks = new RunClocks();
  readonly #lastBatchLine = new Map<number, number>();
  #sweep = false;

  constructor(stream: ProgressStream, now: () => number) {
    this.#stream = stream;
    this.#now = now;
    this.#tally = new SweepTally(now());
  }

  emit(e: ProgressEvent): void {
    const t = this.#tally;
    t.observe(e);
    switch (e.type) {
      case 'sweep-start':
        this.#sweep = true;
        this.#write(`sweep ${e.sweep}: ${plural(e.total, 'run')}, ${t.finished} finished before, ${plural(e.workers, 'worker')}, backend ${e.backend}`);
        break;
      case 'run-start':
        this.#clocks.start(e.worker, this.#now(), e.resumedAt / Math.max(1, e.epochs));
        this.#lastBatchLine.set(e.worker, this.#now());
        this.#write(`[w${e.worker}] run ${e.runId} ${e.label}${e.resumedAt > 0 ? ` (resumed after epoch ${e.resumedAt})` : ''}`);
        break;
      case 'batch': {
        const now = this.#now();
        if (now - (this.#lastBatchLine.get(e.worker) ?? now) < PLAIN_BATCH_INTERVAL_MS) break;
        this.#lastBatchLine.set(e.worker, now);
        this.#write(`[w${e.worker}] ${batchText(e, this.#clocks.progress(e, now).eta)}`);
        break;
      }
      case 'epoch': {
        const r = e.record;
        this.#write(
          `[w${e.worker}] run ${e.runId} epoch ${r.epoch}/${e.epochs}: train loss ${r.trainLoss.toFixed(4)}, ` +
            `val loss ${r.valLoss.toFixed(4)}, val error ${percent(1 - r.valAccuracy)}, ${r.imagesPerSecond.toFixed(0)} img/s`,
        );
        break;
      }
      case 'run-end':
        this.#write(`[w${e.worker}] run ${e.runId} ${endText(e)}`);
        if (this.#sweep) this.#write(`sweep ${t.sweep}: ${t.line(this.#now())}`);
        break;
      case 'notice':
        this.#write(`note: ${e.text}`);
        break;
      case 'sweep-end':
        this.#write(
          e.interrupted
            ? `sweep ${e.sweep} interrupted: ${e.released} in-flight runs back to pending; run the same command to resume`
            : `sweep ${e.sweep} finished: ${t.line(this.#now())}`,
        );
        break;
    }
  }

  close(): void {}

  #write(line: string): void {
    this.#stream.write(`${line}\n`);
  }
}

/** JSON lines: every event with a time stamp; batch events at most once per `batchIntervalMs` per worker. */
class JsonReporter implements ProgressReporter {
  readonly #stream: ProgressStream;
  readonly #now: () => number;
  readonly #interval: number;
  readonly #lastBatch = new Map<number, number>();
  readonly #tally: SweepTally;

  constructor(stream: ProgressStream, now: () => number, interval: number) {
    this.#stream = stream;
    this.#now = now;
    this.#interval = interval;
    this.#tally = new SweepTally(now());
  }

  emit(e: ProgressEvent): void {
    const now = this.#now();
    const extra: Record<string, unknown> = {};
    if (e.type === 'batch') {
      const last = this.#lastBatch.get(e.worker);
      if (last !== undefined && now - last < this.#interval && e.batch !== e.batches) return;
      this.#lastBatch.set(e.worker, now);
    }
    this.#tally.observe(e);
    if (e.type === 'run-end' || e.type === 'sweep-end') {
      const t = this.#tally;
      Object.assign(extra, { finished: t.finished, total: t.total, modelsPerHour: t.rate(now), etaSeconds: t.eta(now) });
    }
    this.#stream.write(`${JSON.stringify({ time: new Date(now).toISOString(), ...e, ...extra }, finiteOrNull)}\n`);
  }

  close(): void {}
}

/** NaN and Infinity have no JSON form: write null rather than break the line. */
function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

interface WorkerBarPayload {
  slot: string;
  text: string;
}

/** Bars: the sweep's overall bar and one bar per worker slot, redrawn in place; finished runs print above them. */
class BarReporter implements ProgressReporter {
  readonly #now: () => number;
  readonly #tally: SweepTally;
  readonly #multi: cliProgress.MultiBar;
  readonly #workers = new Map<number, cliProgress.SingleBar>();
  readonly #clocks = new RunClocks();
  #overall: cliProgress.SingleBar | null = null;

  constructor(stream: ProgressStream, now: () => number) {
    this.#now = now;
    this.#tally = new SweepTally(now());
    this.#multi = new cliProgress.MultiBar(
      {
        stream: stream as NodeJS.WritableStream,
        format: (options, params, payload: WorkerBarPayload) =>
          `${payload.slot} ${cliProgress.Format.BarFormat(params.progress, options)} ${payload.text}`,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        autopadding: true,
        // Lines logged above the bars push them down a row each; cli-progress redraws only the bars whose text
        // changed, so an unchanged bar would be left out at its new row and its old row would keep a stale bar.
        forceRedraw: true,
        // Autowrap stays on, so a logged line longer than the terminal wraps whole (cli-progress's default turns it
        // off, and the last column then takes every character past it); bars are cut to the width instead.
        linewrap: true,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  emit(e: ProgressEvent): void {
    const t = this.#tally;
    t.observe(e);
    switch (e.type) {
      case 'sweep-start':
        // One run (netspace train) needs no "1/1 runs" bar over its worker's.
        if (e.total > 1) this.#overall = this.#multi.create(e.total, t.finished, { slot: 'sweep', text: this.#overallText() });
        break;
      case 'run-start': {
        this.#clocks.start(e.worker, this.#now(), e.resumedAt / Math.max(1, e.epochs));
        const bar = this.#workerBar(e.worker);
        bar.setTotal(1);
        bar.update(e.resumedAt / Math.max(1, e.epochs), { slot: `w${e.worker}`, text: `run ${e.runId} ${e.label} starting` });
        break;
      }
      case 'batch': {
        const { done, eta } = this.#clocks.progress(e, this.#now());
        this.#workerBar(e.worker).update(done, { slot: `w${e.worker}`, text: batchText(e, eta) });
        break;
      }
      case 'epoch':
        this.#log(`w${e.worker} run ${e.runId} epoch ${e.record.epoch}/${e.epochs}: val error ${percent(1 - e.record.valAccuracy)}`);
        break;
      case 'run-end':
        this.#log(`w${e.worker} run ${e.runId} ${e.label} ${endText(e)}`);
        this.#workerBar(e.worker).update(0, { slot: `w${e.worker}`, text: 'idle' });
        this.#overall?.update(t.finished, { slot: 'sweep', text: this.#overallText() });
        break;
      case 'notice':
        this.#log(`note: ${e.text}`);
        break;
      case 'sweep-end':
        this.#overall?.update(t.finished, { slot: 'sweep', text: this.#overallText() });
        if (e.interrupted) this.#log(`interrupted: ${e.released} in-flight runs back to pending; run the same command to resume`);
        break;
    }
  }

  close(): void {
    // The worker bars mean nothing once the sweep ends; stop() alone would drop the lines logged since the last frame.
    for (const bar of this.#workers.values()) this.#multi.remove(bar);
    this.#workers.clear();
    this.#multi.update();
    this.#multi.stop();
  }

  /**
   * A line above the bars. cli-progress clears only the row of the first line of a batch of logged lines; each line
   * here clears the screen below the cursor first (the bars, redrawn after the batch), so that neither a second line
   * nor the rows a long line wraps into keep part of an old bar.
   */
  #log(line: string): void {
    this.#multi.log(`\x1b[J${line}\n`);
  }

  #overallText(): string {
    return this.#tally.line(this.#now());
  }

  #workerBar(worker: number): cliProgress.SingleBar {
    let bar = this.#workers.get(worker);
    if (bar === undefined) {
      bar = this.#multi.create(1, 0, { slot: `w${worker}`, text: 'starting' });
      this.#workers.set(worker, bar);
    }
    return bar;
  }
}

/** The reporter for `mode` ('auto': bars on a terminal, plain lines otherwise). */
export function createProgressReporter(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const mode = options.mode === undefined || options.mode === 'auto' ? (stream.isTTY ? 'bars' : 'plain') : options.mode;
  const makers: Record<ProgressMode, () => ProgressReporter> = {
    bars: () => new BarReporter(stream, now),
    plain: () => new PlainReporter(stream, now),
    json: () => new JsonReporter(stream, now, options.batchIntervalMs ?? DEFAULTS.batchIntervalMs),
    silent: () => SILENT_PROGRESS,
  };
  return makers[mode]();
}
