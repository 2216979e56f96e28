// The SQLite schema of a netspace database and its migrations, versioned through PRAGMA user_version.
import type BetterSqlite3 from 'better-sqlite3';
import { FAILURE_KINDS, RUN_STATUSES } from '../core/types.ts';

/** Schema version this code writes; a database with a higher user_version is refused. */
export const SCHEMA_VERSION = 4;

/** A list of names as SQL string literals. */
const sqlList = (names: readonly string[]): string => names.map((s) => `'${s}'`).join(', ');

/**
 * Migrations by target version: MIGRATIONS[i] takes a database from version i to i + 1. Append, never edit: a
 * database in the field is at some version and runs every step after it.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sweeps (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    spec        TEXT NOT NULL CHECK (json_valid(spec)),
    created_at  TEXT NOT NULL,
    -- The process that runs the sweep now (one writer per sweep): pid, host and a token that tells a reused pid
    -- from the original (process start time on Linux). NULL when nobody holds it.
    owner_pid   INTEGER,
    owner_host  TEXT,
    owner_token TEXT,
    owner_since TEXT
  );

  CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    sweep_id    INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
    space       TEXT NOT NULL,
    config_key  TEXT NOT NULL,
    config      TEXT NOT NULL CHECK (json_valid(config)),
    sampled     TEXT NOT NULL CHECK (json_valid(sampled)),
    flops       INTEGER NOT NULL,
    params      INTEGER NOT NULL,
    acts        INTEGER NOT NULL,
    seed        INTEGER NOT NULL,
    settings    TEXT NOT NULL CHECK (json_valid(settings)),
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed', 'diverged')),
    error_text  TEXT,
    backend     TEXT CHECK (backend IS NULL OR backend IN ('tensorflow', 'wasm', 'cpu')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT,
    finished_at TEXT,
    seconds     REAL,
    final_error REAL,
    UNIQUE (sweep_id, config_key)
  );
  CREATE INDEX runs_by_status ON runs (sweep_id, status, id);

  -- SQLite stores NaN as NULL, so a diverged epoch's losses come back NULL and are read as NaN.
  CREATE TABLE epochs (
    run_id            INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch             INTEGER NOT NULL CHECK (epoch >= 1),
    train_loss        REAL,
    val_loss          REAL,
    val_accuracy      REAL,
    seconds           REAL NOT NULL,
    images_per_second REAL NOT NULL,
    recorded_at       TEXT NOT NULL,
    PRIMARY KEY (run_id, epoch)
  ) WITHOUT ROWID;

  -- Weights after the run's last stored epoch, so that a killed run continues at the next epoch.
  CREATE TABLE checkpoints (
    run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    epoch  INTEGER NOT NULL,
    data   BLOB NOT NULL
  );
  `,
  // 2: the statuses a schedule adds (paused at a rung, stopped early), a machine-readable kind of failure beside its
  // text, and what trained a run (the engine with its version, the device). SQLite cannot change a CHECK in place:
  // the runs table is rebuilt (migrate() turns foreign keys off around it, as https://sqlite.org/lang_altertable.html
  // says). Kinds of earlier failures are derived from their text where it tells; the rest are 'internal'.
  `
  CREATE TABLE runs_v2 (
    id           INTEGER PRIMARY KEY,
    sweep_id     INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
    space        TEXT NOT NULL,
    config_key   TEXT NOT NULL,
    config       TEXT NOT NULL CHECK (json_valid(config)),
    sampled      TEXT NOT NULL CHECK (json_valid(sampled)),
    flops        INTEGER NOT NULL,
    params       INTEGER NOT NULL,
    acts         INTEGER NOT NULL,
    seed         INTEGER NOT NULL,
    settings     TEXT NOT NULL CHECK (json_valid(settings)),
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN (${sqlList(RUN_STATUSES)})),
    error_text   TEXT,
    failure_kind TEXT CHECK (failure_kind IS NULL OR failure_kind IN (${sqlList(FAILURE_KINDS)})),
    backend      TEXT CHECK (backend IS NULL OR backend IN ('tensorflow', 'wasm', 'cpu')),
    engine       TEXT,
    device       TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    started_at   TEXT,
    finished_at  TEXT,
    seconds      REAL,
    final_error  REAL,
    UNIQUE (sweep_id, config_key)
  );
  INSERT INTO runs_v2 (id, sweep_id, space, config_key, config, sampled, flops, params, acts, seed, settings, status,
    error_text, failure_kind, backend, attempts, started_at, finished_at, seconds, final_error)
  SELECT id, sweep_id, space, config_key, config, sampled, flops, params, acts, seed, settings, status, error_text,
    CASE
      WHEN status = 'diverged' THEN 'diverged'
      WHEN status <> 'failed' THEN NULL
      WHEN error_text LIKE '%out of memory%' OR error_text LIKE '%memory access out of bounds%'
        OR error_text LIKE '%wasm heap%' OR error_text LIKE '%Aborted(%' THEN 'out-of-memory'
      WHEN error_text LIKE 'worker thread exited%' OR error_text LIKE 'worker thread crashed%' THEN 'worker-crash'
      ELSE 'internal'
    END,
    backend, attempts, started_at, finished_at, seconds, final_error
  FROM runs;
  DROP TABLE runs;
  ALTER TABLE runs_v2 RENAME TO runs;
  CREATE INDEX runs_by_status ON runs (sweep_id, status, id);
  `,
  // 3: every run's drawn parameters as a flat map named as its space's domains name them, and each space's domains as
  // its sweep planned them (space/domains.ts). The flat map of a stored run is derived from `sampled`, as
  // flatParameters does: the per-stage lists depths, widths, bottleneckRatios, groupWidths become d1.., w1.., b1..,
  // g1..; depth, width, bottleneckRatio, groupWidth become d, w, b, g; w0, wa, wm keep their names. The domains of
  // sweeps planned before cannot be derived here: none are stored for them, and the analysis derives them from the
  // sweep's stored spec and says so in its notes (analysis/design-choices.ts); fixed models have none.
  `
  ALTER TABLE runs ADD COLUMN parameters TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(parameters));
  UPDATE runs SET parameters = (
    SELECT json_group_object(name, value) FROM (
      SELECT (CASE s.key WHEN 'depths' THEN 'd' WHEN 'widths' THEN 'w' WHEN 'bottleneckRatios' THEN 'b'
        WHEN 'groupWidths' THEN 'g' ELSE s.key END) || (e.key + 1) AS name, e.value AS value
      FROM json_each(runs.sampled) s, json_each(s.value) e WHERE s.type = 'array'
      UNION ALL
      SELECT CASE s.key WHEN 'depth' THEN 'd' WHEN 'width' THEN 'w' WHEN 'bottleneckRatio' THEN 'b'
        WHEN 'groupWidth' THEN 'g' ELSE s.key END, s.value
      FROM json_each(runs.sampled) s WHERE s.type <> 'array'
    )
  );
  CREATE TABLE space_domains (
    sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
    space    TEXT NOT NULL,
    domains  TEXT NOT NULL CHECK (json_valid(domains)),
    PRIMARY KEY (sweep_id, space)
  ) WITHOUT ROWID;
  `,
  // 4: the decisions of a sweep's schedule (sweep/fidelity-schedule.ts ScheduleDecision, as JSON), in the order they
  // were made, so that a resumed sweep replays them and makes the same next ones.
  `
  CREATE TABLE decisions (
    seq      INTEGER PRIMARY KEY,
    sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
    run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    decision TEXT NOT NULL CHECK (json_valid(decision))
  );
  CREATE INDEX decisions_by_sweep ON decisions (sweep_id, seq);
  `,
];

if (MIGRATIONS.length !== SCHEMA_VERSION) throw new Error('schema.ts: MIGRATIONS must have SCHEMA_VERSION entries');

/** The few better-sqlite3 methods the store uses: the seam where another SQLite binding could plug in. */
export type SqliteDatabase = Pick<BetterSqlite3.Database, 'prepare' | 'exec' | 'pragma' | 'transaction' | 'close'>;

/** Reads PRAGMA user_version. */
export function schemaVersion(db: Pick<SqliteDatabase, 'pragma'>): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/**
 * Brings a writable database up to SCHEMA_VERSION in one IMMEDIATE transaction (so two processes opening a new file
 * at once cannot both create the tables). Returns the version found before.
 */
export function migrate(db: SqliteDatabase): number {
  const run = db.transaction(() => {
    const found = schemaVersion(db);
    for (let v = found; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    if (found < SCHEMA_VERSION) {
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new Error(`migration to version ${SCHEMA_VERSION} left ${broken.length} broken references`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    return found;
  });
  // A migration may rebuild a table that others reference; foreign keys must be off around (not in) its transaction.
  const enforced = Number(db.pragma('foreign_keys', { simple: true })) === 1;
  if (enforced) db.pragma('foreign_keys = OFF');
  try {
    return run.immediate();
  } finally {
    if (enforced) db.pragma('foreign_keys = ON');
  }
}
