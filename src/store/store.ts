// The SQLite store: the only code that reads or writes netspace tables (WAL mode, so readers never block the writer).
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import type { AnyNetConfig } from '../space/config.ts';
import { flatParameters } from '../space/domains.ts';
import { currentOwner, isOwnerAlive, type SweepOwner } from './owner.ts';
import { canonicalJson } from '../core/json.ts';
import { openDatabase, storageError } from './open.ts';
import type { SqliteDatabase } from './schema.ts';
import {
  countStatuses,
  type BackendName,
  type EpochRecord,
  type FailureKind,
  type ParameterDomain,
  type RunRecord,
  type RunStatus,
  type StatusCounts,
  type SweepRecord,
  type TrainResult,
  type TrainSettings,
} from '../core/types.ts';

export type { StatusCounts } from '../core/types.ts';

/** One sampled config to be trained, as the sweep hands it to the store: a run before the store gives it an id. */
export type NewRun = Pick<RunRecord, 'space' | 'configKey' | 'config' | 'sampled' | 'flops' | 'params' | 'acts' | 'seed' | 'settings'>;

/** Where a pending run continues: its stored epochs up to the checkpoint, and the checkpoint. */
export interface ResumePoint {
  epochs: EpochRecord[];
  checkpoint: Uint8Array;
}

/** A run without its epochs, for lists (best runs so far). */
export type RunSummary = Omit<RunRecord, 'epochs'> & { epochCount: number };

export interface Store {
  /** File path of the database. */
  readonly path: string;
  close(): void;
  // --- readers (safe from any process while a sweep writes: WAL mode, busy timeout) ---
  listSweeps(): { id: number; name: string; createdAt: string; runs: number }[];
  /** Whole sweep with runs and epochs; throws NetspaceError naming the sweep and the known sweeps when absent. */
  readSweep(name: string): SweepRecord;
  statusCounts(name: string): StatusCounts;
  /** Counts by status for each design space of the sweep, spaces in order of first appearance. */
  statusBySpace(name: string): Record<string, StatusCounts>;
  /** Failed and diverged runs of the sweep by FailureKind (kinds with none left out). */
  failureKinds(name: string): Partial<Record<FailureKind, number>>;
  /** The `limit` done runs with the lowest final error, best first. */
  bestRuns(name: string, limit: number): RunSummary[];
  /** The last `limit` failed or diverged runs, newest first, for their reasons. */
  failedRuns(name: string, limit: number): RunSummary[];
  /** Throws NetspaceError when absent. */
  readRun(runId: number): RunRecord;
  readCheckpoint(runId: number): { epoch: number; checkpoint: Uint8Array } | null;
  /** The process that holds the sweep now, or null. */
  sweepOwner(name: string): (SweepOwner & { since: string }) | null;
  // --- writers (main thread of one process only) ---
  /** Creates the sweep, or returns the existing one when its spec is equal; a different spec is refused with a
   *  NetspaceError unless `force`, which creates (or resumes) a sweep named `<name>-2`, `<name>-3`, ... */
  openSweep(name: string, spec: unknown, options?: { force?: boolean; reasons?: readonly string[] }): { id: number; name: string; created: boolean };
  /**
   * Makes this process the one writer of the sweep. Refused with a NetspaceError while another live process holds
   * it; the hold of a dead process (kill -9, crash) is taken over.
   */
  claimSweep(sweepId: number, owner?: SweepOwner): void;
  /** Lets go of the sweep if `owner` holds it. */
  releaseSweep(sweepId: number, owner?: SweepOwner): void;
  /**
   * INSERT OR IGNORE on UNIQUE(sweep_id, config_key); returns how many were new. Each run's `parameters` are stored
   * as flatParameters(sampled).
   */
  addRuns(sweepId: number, runs: NewRun[]): number;
  /**
   * Failed runs (`kinds` 'failed': every failed run; or those of the given kinds, diverged runs included when
   * 'diverged' is named) go back to pending, their reason cleared; they start afresh. Returns how many.
   */
  retryRuns(sweepId: number, kinds: readonly FailureKind[] | 'failed'): number;
  /** Stores each space's parameter domains (space name -> domains) unless the sweep holds that space's already. */
  addDomains(sweepId: number, domains: Readonly<Record<string, ParameterDomain[]>>): void;
  /** Runs left `running` by a dead process go back to pending; returns how many. */
  resetRunning(sweepId: number): number;
  /** Every run of the sweep with its epochs, by id (schedules need the paused and finished ones too). */
  allRuns(sweepId: number): RunRecord[];
  /** The schedule decisions of the sweep (JSON as recorded), in the order they were made. */
  decisions(sweepId: number): unknown[];
  /** Appends schedule decisions (each names its run by `runId`), in order, in one transaction. */
  recordDecisions(sweepId: number, decisions: readonly { runId: number }[]): void;
  /**
   * A run that is on no worker (paused at a rung, or pending after a restart) stopped for good by its schedule:
   * status `stopped`, its epochs kept, final error that of its last epoch; its checkpoint is kept like a done run's.
   */
  stopIdle(runId: number): void;
  /**
   * The sweep's spec replaced by a grown one (more runs, a wider band, more epochs: sweep/grow.ts decides), and, when
   * `epochs` is given, every run's planned epochs raised to it: finished runs with fewer go back to pending and
   * continue from their final checkpoint. Returns how many finished runs were reopened.
   */
  growSweep(sweepId: number, spec: unknown, epochs: number | null): number;
  /** The stored spec of sweep `name`, or null when there is no such sweep. */
  storedSpec(name: string): { id: number; spec: unknown } | null;
  /** Next pending runs, oldest first. */
  pendingRuns(sweepId: number, limit?: number): RunRecord[];
  /**
   * The stored epochs a pending run continues from and its checkpoint, or null to start afresh. Epochs past the
   * checkpoint (none when every epoch is written with its checkpoint) are deleted, since they will be trained again.
   */
  takeResumePoint(runId: number): ResumePoint | null;
  /** pending -> running; `backend` may be null until the worker tells which one it loaded. */
  markRunning(runId: number, backend: BackendName | null): void;
  /**
   * One transaction: the epoch row and the checkpoint (replacing the previous checkpoint of that run). Ignored (and
   * false returned) unless the run is `running`, so that a message arriving after a run ended cannot revive it.
   */
  recordEpoch(runId: number, epoch: EpochRecord, checkpoint: Uint8Array | null): boolean;
  /**
   * running -> done | stopped | paused | failed | diverged, with the epochs of the result not stored yet and the kind
   * of a failure. The checkpoint of a failed or diverged run is dropped; the others keep theirs (the trained model).
   */
  finishRun(runId: number, result: TrainResult): void;
  /** Back to pending (Ctrl-C on an in-flight run); keeps its epochs and checkpoint so it resumes. */
  releaseRun(runId: number): void;
}

// ---------------------------------------------------------------------------------------------------------------
// JSON helpers

/** Up to `max` paths where two JSON values differ, each as `path: old -> new`. */
export function jsonDiff(before: unknown, after: unknown, max = 3, path = ''): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, p: string): void => {
    if (out.length >= max) return;
    const bothObjects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object';
    if (bothObjects && Array.isArray(a) === Array.isArray(b)) {
      if (Array.isArray(a) && Array.isArray(b)) {
        if (a.length !== b.length) {
          out.push(`${p || 'the spec'} has ${b.length} entries, was ${a.length}`);
          return;
        }
        a.forEach((item, i) => walk(item, b[i], `${p}[${i}]`));
        return;
      }
      const ra = a as Record<string, unknown>;
      const rb = b as Record<string, unknown>;
      for (const key of [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort()) {
        walk(ra[key], rb[key], p === '' ? key : `${p}.${key}`);
      }
      return;
    }
    if (canonicalJson(a) !== canonicalJson(b)) {
      out.push(`${p || 'the spec'}: ${JSON.stringify(a) ?? 'absent'} -> ${JSON.stringify(b) ?? 'absent'}`);
    }
  };
  walk(before, after, path);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Rows

interface RunRow {
  id: number;
  sweep_id: number;
  space: string;
  config_key: string;
  config: string;
  sampled: string;
  parameters: string;
  flops: number;
  params: number;
  acts: number;
  seed: number;
  settings: string;
  status: RunStatus;
  error_text: string | null;
  failure_kind: FailureKind | null;
  backend: BackendName | null;
  engine: string | null;
  device: string | null;
  started_at: string | null;
  finished_at: string | null;
  seconds: number | null;
  final_error: number | null;
}

interface EpochRow {
  run_id: number;
  epoch: number;
  train_loss: number | null;
  val_loss: number | null;
  val_accuracy: number | null;
  seconds: number;
  images_per_second: number;
}

interface SweepRow {
  id: number;
  name: string;
  spec: string;
  created_at: string;
  owner_pid: number | null;
  owner_host: string | null;
  owner_token: string | null;
  owner_since: string | null;
}

const RUN_COLUMNS = `id, sweep_id, space, config_key, config, sampled, parameters, flops, params, acts, seed, settings, status,
  error_text, failure_kind, backend, engine, device, started_at, finished_at, seconds, final_error`;

/** NULL comes back from SQLite where NaN went in. */
const orNaN = (x: number | null): number => (x === null ? Number.NaN : x);
/** SQLite would store NaN as NULL silently; say so in the types. */
const finiteOrNull = (x: number | null): number | null => (x === null || Number.isNaN(x) ? null : x);

function toEpoch(row: EpochRow): EpochRecord {
  return {
    epoch: row.epoch,
    trainLoss: orNaN(row.train_loss),
    valLoss: orNaN(row.val_loss),
    valAccuracy: orNaN(row.val_accuracy),
    seconds: row.seconds,
    imagesPerSecond: row.images_per_second,
  };
}

function toRunSummary(row: RunRow): Omit<RunRecord, 'epochs'> {
  return {
    id: row.id,
    sweepId: row.sweep_id,
    space: row.space,
    configKey: row.config_key,
    config: JSON.parse(row.config) as AnyNetConfig,
    sampled: JSON.parse(row.sampled) as Record<string, number | number[]>,
    parameters: JSON.parse(row.parameters) as Record<string, number>,
    flops: row.flops,
    params: row.params,
    acts: row.acts,
    seed: row.seed,
    settings: JSON.parse(row.settings) as TrainSettings,
    status: row.status,
    errorText: row.error_text,
    failureKind: row.failure_kind,
    backend: row.backend,
    engine: row.engine,
    device: row.device,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    seconds: row.seconds,
    finalError: row.final_error,
  };
}

const now = (): string => new Date().toISOString();

/** A `running` row shown as the pending run it is once its process has ended (see SqliteStore #orphaned). */
function asPending<T extends { status: RunStatus }>(row: T): T {
  return row.status === 'running' ? { ...row, status: 'pending' } : row;
}

// ---------------------------------------------------------------------------------------------------------------
// Opening

/**
 * Opens (and, unless `readonly`, creates and migrates) a netspace database. Readers may open it read-only from any
 * process while one sweep process writes.
 */
export function openStore(path: string, options: { readonly?: boolean } = {}): Store {
  const db = openDatabase(path, options.readonly ?? false);
  return new SqliteStore(path, db);
}

/** Opens the database read-only (safe while a sweep process writes), runs `read` on it and closes it. */
export function readStore<T>(path: string, read: (store: Store) => T): T {
  const store = openStore(path, { readonly: true });
  try {
    return read(store);
  } finally {
    store.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The store

class SqliteStore implements Store {
  readonly path: string;
  readonly #db: SqliteDatabase;

  constructor(path: string, db: SqliteDatabase) {
    this.path = path;
    this.#db = db;
  }

  close(): void {
    this.#db.close();
  }

  // --- readers ---------------------------------------------------------------------------------------------

  listSweeps(): { id: number; name: string; createdAt: string; runs: number }[] {
    const rows = this.#db
      .prepare(
        `SELECT s.id, s.name, s.created_at, (SELECT COUNT(*) FROM runs r WHERE r.sweep_id = s.id) AS runs
         FROM sweeps s ORDER BY s.id`,
      )
      .all() as { id: number; name: string; created_at: string; runs: number }[];
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, runs: r.runs }));
  }

  #sweepRow(name: string): SweepRow {
    const row = this.#db.prepare('SELECT * FROM sweeps WHERE name = ?').get(name) as SweepRow | undefined;
    if (row === undefined) throw new NetspaceError(messages.store.noSweep(name, this.path, this.listSweeps().map((s) => s.name)));
    return row;
  }

  readSweep(name: string): SweepRecord {
    // One read transaction, so that runs and epochs come from the same moment of a sweep that is being written.
    const read = this.#db.transaction(() => {
      const sweep = this.#sweepRow(name);
      const runs = this.#db
        .prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE sweep_id = ? ORDER BY id`)
        .all(sweep.id) as RunRow[];
      const epochRows = this.#db
        .prepare(
          `SELECT e.* FROM epochs e JOIN runs r ON r.id = e.run_id WHERE r.sweep_id = ? ORDER BY e.run_id, e.epoch`,
        )
        .all(sweep.id) as EpochRow[];
      const domainRows = this.#db.prepare('SELECT space, domains FROM space_domains WHERE sweep_id = ?').all(sweep.id) as { space: string; domains: string }[];
      return { sweep, runs, epochRows, domainRows };
    });
    const { sweep, runs, epochRows, domainRows } = read.deferred();
    const byRun = new Map<number, EpochRecord[]>();
    for (const row of epochRows) {
      const list = byRun.get(row.run_id) ?? [];
      list.push(toEpoch(row));
      byRun.set(row.run_id, list);
    }
    const orphaned = this.#orphaned(sweep);
    return {
      id: sweep.id,
      name: sweep.name,
      spec: JSON.parse(sweep.spec) as unknown,
      createdAt: sweep.created_at,
      runs: runs.map((r) => ({ ...toRunSummary(orphaned ? asPending(r) : r), epochs: byRun.get(r.id) ?? [] })),
      domains: Object.fromEntries(domainRows.map((d) => [d.space, JSON.parse(d.domains) as ParameterDomain[]])),
    };
  }

  statusCounts(name: string): StatusCounts {
    const sweep = this.#sweepRow(name);
    const rows = this.#db
      .prepare('SELECT status, COUNT(*) AS n FROM runs WHERE sweep_id = ? GROUP BY status')
      .all(sweep.id) as { status: RunStatus; n: number }[];
    return countStatuses(this.#orphaned(sweep) ? rows.map(asPending) : rows);
  }

  /**
   * Whether the sweep's `running` runs have nobody training them: the process that held the sweep has ended (kill -9,
   * a crash) without letting go. Readers then count and show them as pending, which is what the next `sweep run`
   * makes of them, so that status and report agree.
   */
  #orphaned(sweep: SweepRow): boolean {
    if (sweep.owner_pid === null) return false;
    return !isOwnerAlive({ pid: sweep.owner_pid, host: sweep.owner_host ?? '', token: sweep.owner_token ?? '' });
  }

  failureKinds(name: string): Partial<Record<FailureKind, number>> {
    const sweep = this.#sweepRow(name);
    const rows = this.#db
      .prepare(`SELECT failure_kind AS kind, COUNT(*) AS n FROM runs WHERE sweep_id = ? AND failure_kind IS NOT NULL GROUP BY failure_kind ORDER BY failure_kind`)
      .all(sweep.id) as { kind: FailureKind; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }

  statusBySpace(name: string): Record<string, StatusCounts> {
    const sweep = this.#sweepRow(name);
    const rows = this.#db
      .prepare(
        `SELECT space, status, COUNT(*) AS n, MIN(id) AS first FROM runs WHERE sweep_id = ?
         GROUP BY space, status ORDER BY first`,
      )
      .all(sweep.id) as { space: string; status: RunStatus; n: number }[];
    return countStatuses(this.#orphaned(sweep) ? rows.map(asPending) : rows, (row) => row.space);
  }

  bestRuns(name: string, limit: number): RunSummary[] {
    const sweep = this.#sweepRow(name);
    const rows = this.#db
      .prepare(
        `SELECT ${RUN_COLUMNS}, (SELECT COUNT(*) FROM epochs e WHERE e.run_id = runs.id) AS epoch_count
         FROM runs WHERE sweep_id = ? AND status = 'done' AND final_error IS NOT NULL
         ORDER BY final_error, id LIMIT ?`,
      )
      .all(sweep.id, limit) as (RunRow & { epoch_count: number })[];
    return rows.map((r) => ({ ...toRunSummary(r), epochCount: r.epoch_count }));
  }

  failedRuns(name: string, limit: number): RunSummary[] {
    const sweep = this.#sweepRow(name);
    const rows = this.#db
      .prepare(
        `SELECT ${RUN_COLUMNS}, (SELECT COUNT(*) FROM epochs e WHERE e.run_id = runs.id) AS epoch_count
         FROM runs WHERE sweep_id = ? AND status IN ('failed', 'diverged') ORDER BY finished_at DESC, id DESC LIMIT ?`,
      )
      .all(sweep.id, limit) as (RunRow & { epoch_count: number })[];
    return rows.map((r) => ({ ...toRunSummary(r), epochCount: r.epoch_count }));
  }

  readRun(runId: number): RunRecord {
    const row = this.#db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`).get(runId) as RunRow | undefined;
    if (row === undefined) throw new NetspaceError(messages.store.noRun(runId, this.path));
    return { ...toRunSummary(row), epochs: this.#epochsOf(runId) };
  }

  #epochsOf(runId: number): EpochRecord[] {
    const rows = this.#db.prepare('SELECT * FROM epochs WHERE run_id = ? ORDER BY epoch').all(runId) as EpochRow[];
    return rows.map(toEpoch);
  }

  readCheckpoint(runId: number): { epoch: number; checkpoint: Uint8Array } | null {
    const row = this.#db.prepare('SELECT epoch, data FROM checkpoints WHERE run_id = ?').get(runId) as
      | { epoch: number; data: Buffer }
      | undefined;
    if (row === undefined) return null;
    return { epoch: row.epoch, checkpoint: new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength) };
  }

  sweepOwner(name: string): (SweepOwner & { since: string }) | null {
    const row = this.#sweepRow(name);
    if (row.owner_pid === null) return null;
    return { pid: row.owner_pid, host: row.owner_host ?? '', token: row.owner_token ?? '', since: row.owner_since ?? '' };
  }

  // --- writers ---------------------------------------------------------------------------------------------

  openSweep(name: string, spec: unknown, options: { force?: boolean; reasons?: readonly string[] } = {}): { id: number; name: string; created: boolean } {
    const text = canonicalJson(spec);
    const find = this.#db.prepare('SELECT id, spec FROM sweeps WHERE name = ?');
    const insert = this.#db.prepare('INSERT INTO sweeps (name, spec, created_at) VALUES (?, ?, ?)');
    const open = this.#db.transaction(() => {
      const existing = find.get(name) as { id: number; spec: string } | undefined;
      if (existing === undefined) {
        return { id: Number(insert.run(name, text, now()).lastInsertRowid), name, created: true };
      }
      if (existing.spec === text) return { id: existing.id, name, created: false };
      for (let k = 2; ; k++) {
        const forked = `${name}-${k}`;
        const other = find.get(forked) as { id: number; spec: string } | undefined;
        if (other !== undefined && other.spec === text) return { id: other.id, name: forked, created: false };
        if (other !== undefined) continue;
        if (!options.force) {
          const reasons = options.reasons ?? jsonDiff(JSON.parse(existing.spec), JSON.parse(text));
          throw new NetspaceError(messages.store.specChanged(name, this.path, reasons, forked));
        }
        return { id: Number(insert.run(forked, text, now()).lastInsertRowid), name: forked, created: true };
      }
    });
    return open.immediate();
  }

  claimSweep(sweepId: number, owner: SweepOwner = currentOwner()): void {
    const claim = this.#db.transaction(() => {
      const row = this.#db.prepare('SELECT * FROM sweeps WHERE id = ?').get(sweepId) as SweepRow | undefined;
      if (row === undefined) throw new NetspaceError(messages.store.noSweepId(sweepId, this.path));
      if (row.owner_pid !== null) {
        const holder: SweepOwner = { pid: row.owner_pid, host: row.owner_host ?? '', token: row.owner_token ?? '' };
        const same = holder.pid === owner.pid && holder.host === owner.host && holder.token === owner.token;
        if (!same && isOwnerAlive(holder)) throw new NetspaceError(messages.store.ownedByOther(row.name, holder, row.owner_since ?? '?'));
      }
      this.#db
        .prepare('UPDATE sweeps SET owner_pid = ?, owner_host = ?, owner_token = ?, owner_since = ? WHERE id = ?')
        .run(owner.pid, owner.host, owner.token, now(), sweepId);
    });
    claim.immediate();
  }

  releaseSweep(sweepId: number, owner: SweepOwner = currentOwner()): void {
    this.#db
      .prepare(
        `UPDATE sweeps SET owner_pid = NULL, owner_host = NULL, owner_token = NULL, owner_since = NULL
         WHERE id = ? AND owner_pid = ? AND owner_host = ? AND owner_token = ?`,
      )
      .run(sweepId, owner.pid, owner.host, owner.token);
  }

  addRuns(sweepId: number, runs: NewRun[]): number {
    const insert = this.#db.prepare(
      `INSERT OR IGNORE INTO runs (sweep_id, space, config_key, config, sampled, parameters, flops, params, acts, seed, settings)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const add = this.#db.transaction((list: NewRun[]) => {
      let added = 0;
      for (const r of list) {
        const info = insert.run(
          sweepId,
          r.space,
          r.configKey,
          JSON.stringify(r.config),
          JSON.stringify(r.sampled),
          JSON.stringify(flatParameters(r.sampled)),
          r.flops,
          r.params,
          r.acts,
          r.seed,
          JSON.stringify(r.settings),
        );
        added += info.changes;
      }
      return added;
    });
    return add.immediate(runs);
  }

  retryRuns(sweepId: number, kinds: readonly FailureKind[] | 'failed'): number {
    const which = kinds === 'failed' ? `status = 'failed'` : `status IN ('failed', 'diverged') AND failure_kind IN (${kinds.map(() => '?').join(', ')})`;
    const retry = this.#db.transaction(() => {
      const ids = (this.#db.prepare(`SELECT id FROM runs WHERE sweep_id = ? AND ${which}`).all(sweepId, ...(kinds === 'failed' ? [] : kinds)) as { id: number }[]).map((r) => r.id);
      for (const id of ids) {
        this.#db.prepare('DELETE FROM epochs WHERE run_id = ?').run(id);
        this.#db
          .prepare(`UPDATE runs SET status = 'pending', error_text = NULL, failure_kind = NULL, finished_at = NULL, seconds = NULL, final_error = NULL WHERE id = ?`)
          .run(id);
      }
      return ids.length;
    });
    return retry.immediate();
  }

  addDomains(sweepId: number, domains: Readonly<Record<string, ParameterDomain[]>>): void {
    const insert = this.#db.prepare('INSERT OR IGNORE INTO space_domains (sweep_id, space, domains) VALUES (?, ?, ?)');
    const add = this.#db.transaction(() => {
      for (const [space, list] of Object.entries(domains)) insert.run(sweepId, space, JSON.stringify(list));
    });
    add.immediate();
  }

  resetRunning(sweepId: number): number {
    return this.#db.prepare(`UPDATE runs SET status = 'pending' WHERE sweep_id = ? AND status = 'running'`).run(sweepId).changes;
  }

  allRuns(sweepId: number): RunRecord[] {
    const rows = this.#db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE sweep_id = ? ORDER BY id`).all(sweepId) as RunRow[];
    return rows.map((r) => ({ ...toRunSummary(r), epochs: this.#epochsOf(r.id) }));
  }

  decisions(sweepId: number): unknown[] {
    const rows = this.#db.prepare('SELECT decision FROM decisions WHERE sweep_id = ? ORDER BY seq').all(sweepId) as { decision: string }[];
    return rows.map((r) => JSON.parse(r.decision) as unknown);
  }

  recordDecisions(sweepId: number, decisions: readonly { runId: number }[]): void {
    const insert = this.#db.prepare('INSERT INTO decisions (sweep_id, run_id, decision) VALUES (?, ?, ?)');
    this.#db.transaction(() => {
      for (const d of decisions) insert.run(sweepId, d.runId, JSON.stringify(d));
    }).immediate();
  }

  stopIdle(runId: number): void {
    this.#db
      .prepare(
        `UPDATE runs SET status = 'stopped', finished_at = ?, final_error = (SELECT 1 - val_accuracy FROM epochs e
         WHERE e.run_id = runs.id ORDER BY e.epoch DESC LIMIT 1) WHERE id = ? AND status IN ('pending', 'paused')`,
      )
      .run(now(), runId);
  }

  growSweep(sweepId: number, spec: unknown, epochs: number | null): number {
    const grow = this.#db.transaction(() => {
      this.#db.prepare('UPDATE sweeps SET spec = ? WHERE id = ?').run(canonicalJson(spec), sweepId);
      if (epochs === null) return 0;
      this.#db.prepare(`UPDATE runs SET settings = json_set(settings, '$.epochs', ?) WHERE sweep_id = ?`).run(epochs, sweepId);
      return this.#db
        .prepare(
          `UPDATE runs SET status = 'pending', finished_at = NULL, final_error = NULL
           WHERE sweep_id = ? AND status = 'done' AND (SELECT COUNT(*) FROM epochs e WHERE e.run_id = runs.id) < ?`,
        )
        .run(sweepId, epochs).changes;
    });
    return grow.immediate();
  }

  storedSpec(name: string): { id: number; spec: unknown } | null {
    const row = this.#db.prepare('SELECT id, spec FROM sweeps WHERE name = ?').get(name) as { id: number; spec: string } | undefined;
    return row === undefined ? null : { id: row.id, spec: JSON.parse(row.spec) as unknown };
  }

  pendingRuns(sweepId: number, limit = -1): RunRecord[] {
    const rows = this.#db
      .prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE sweep_id = ? AND status = 'pending' ORDER BY id LIMIT ?`)
      .all(sweepId, limit) as RunRow[];
    return rows.map((r) => ({ ...toRunSummary(r), epochs: this.#epochsOf(r.id) }));
  }

  takeResumePoint(runId: number): ResumePoint | null {
    const take = this.#db.transaction(() => {
      const saved = this.readCheckpoint(runId);
      const keep = saved?.epoch ?? 0;
      this.#db.prepare('DELETE FROM epochs WHERE run_id = ? AND epoch > ?').run(runId, keep);
      if (saved === null) return null;
      const epochs = this.#epochsOf(runId);
      // A checkpoint without every epoch before it cannot be resumed faithfully: start the run afresh.
      if (epochs.length !== saved.epoch || epochs.some((e, i) => e.epoch !== i + 1)) {
        this.#db.prepare('DELETE FROM epochs WHERE run_id = ?').run(runId);
        this.#db.prepare('DELETE FROM checkpoints WHERE run_id = ?').run(runId);
        return null;
      }
      // Copy: the Buffer better-sqlite3 returns may be pooled, and the checkpoint is sent to another thread.
      return { epochs, checkpoint: Uint8Array.from(saved.checkpoint) };
    });
    return take.immediate();
  }

  markRunning(runId: number, backend: BackendName | null): void {
    this.#db
      .prepare(
        `UPDATE runs SET status = 'running', backend = COALESCE(?, backend), started_at = ?, attempts = attempts + 1,
         error_text = NULL WHERE id = ?`,
      )
      .run(backend, now(), runId);
  }

  recordEpoch(runId: number, epoch: EpochRecord, checkpoint: Uint8Array | null): boolean {
    const record = this.#db.transaction(() => {
      const row = this.#db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: RunStatus } | undefined;
      if (row?.status !== 'running') return false;
      this.#upsertEpoch(runId, epoch, true);
      if (checkpoint !== null) {
        this.#db
          .prepare('INSERT OR REPLACE INTO checkpoints (run_id, epoch, data) VALUES (?, ?, ?)')
          .run(runId, epoch.epoch, Buffer.from(checkpoint.buffer, checkpoint.byteOffset, checkpoint.byteLength));
      }
      return true;
    });
    return record.immediate();
  }

  #upsertEpoch(runId: number, e: EpochRecord, replace: boolean): void {
    this.#db
      .prepare(
        `INSERT OR ${replace ? 'REPLACE' : 'IGNORE'} INTO epochs
         (run_id, epoch, train_loss, val_loss, val_accuracy, seconds, images_per_second, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        runId,
        e.epoch,
        finiteOrNull(e.trainLoss),
        finiteOrNull(e.valLoss),
        finiteOrNull(e.valAccuracy),
        e.seconds,
        e.imagesPerSecond,
        now(),
      );
  }

  finishRun(runId: number, result: TrainResult): void {
    const finish = this.#db.transaction(() => {
      for (const e of result.epochs) this.#upsertEpoch(runId, e, false);
      this.#db
        .prepare(
          `UPDATE runs SET status = ?, error_text = ?, failure_kind = ?, backend = ?, engine = COALESCE(?, engine),
           device = COALESCE(?, device), finished_at = ?, seconds = ?, final_error = ? WHERE id = ?`,
        )
        .run(
          result.status,
          result.errorText,
          result.failureKind,
          result.backend,
          result.engine ?? null,
          result.device ?? null,
          result.status === 'paused' ? null : now(),
          result.seconds,
          result.status === 'done' || result.status === 'stopped' ? finiteOrNull(result.finalError) : null,
          runId,
        );
      // A run that ended well keeps its final checkpoint: the trained model (export-model), and where it continues
      // when a grown sweep asks for more epochs or its schedule promotes it. A failed run's is of no use.
      if (result.status === 'failed' || result.status === 'diverged') this.#db.prepare('DELETE FROM checkpoints WHERE run_id = ?').run(runId);
    });
    finish.immediate();
  }

  releaseRun(runId: number): void {
    this.#db.prepare(`UPDATE runs SET status = 'pending' WHERE id = ? AND status = 'running'`).run(runId);
  }
}

// Every method but close turns SQLite's storage errors (disk full, read-only, I/O error, busy, damage) into the
// NetspaceError of their kind (store/open.ts storageError), so that a sweep that meets one stops with a message and
// its exit code instead of a stack trace. Other errors pass through unchanged.
for (const name of Object.getOwnPropertyNames(SqliteStore.prototype) as (keyof SqliteStore)[]) {
  const method = SqliteStore.prototype[name];
  if (name === 'close' || typeof method !== 'function') continue;
  Object.defineProperty(SqliteStore.prototype, name, {
    value: function (this: SqliteStore, ...args: unknown[]): unknown {
      try {
        return (method as (...a: unknown[]) => unknown).apply(this, args);
      } catch (error) {
        throw storageError(this.path, error) ?? error;
      }
    },
  });
}
