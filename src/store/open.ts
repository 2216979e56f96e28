// Opening a database file and telling apart why it cannot be used: missing, busy, another program's, damaged, newer,
// read-only, on a full disk. Nothing is written to a file until it is known to be netspace's (or new).
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { EXIT_CODES, NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { MIGRATIONS, migrate, SCHEMA_VERSION, schemaVersion, type SqliteDatabase } from './schema.ts';

/** How long a writer waits for another process's write lock before it says the database is busy, ms. */
export const BUSY_TIMEOUT_MS = 10_000;

/** SQLite's result codes that say the disk, the file or the system refused a write (better-sqlite3's `code`). */
type StorageTrouble = 'busy' | 'readOnly' | 'full' | 'io' | 'corrupt' | 'notADatabase';

/** The trouble an SQLite error code names, or null for any other error (a bug, a constraint). */
export function storageTrouble(error: unknown): StorageTrouble | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') return 'readOnly';
  if (code === 'SQLITE_FULL') return 'full';
  if (code.startsWith('SQLITE_IOERR')) return 'io';
  if (code.startsWith('SQLITE_CORRUPT')) return 'corrupt';
  if (code === 'SQLITE_NOTADB') return 'notADatabase';
  return null;
}

/**
 * Why `path`, its write-ahead log or its folder cannot be written now, in words, from the file system's own answer
 * (access(2) says so for a read-only file, an immutable one and a read-only file system); null when all can.
 */
function readOnlyReason(path: string): string | null {
  const writable = (p: string): boolean => {
    try {
      accessSync(p, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (existsSync(path) && !writable(path)) return 'the file is read-only';
  if (existsSync(`${path}-wal`) && !writable(`${path}-wal`)) return `its write-ahead log ${path}-wal is read-only`;
  if (!writable(dirname(path))) return `its folder ${dirname(path)} is read-only (SQLite writes a journal beside the file)`;
  return null;
}

/** Why `path` (or its folder) cannot be written, in words. */
function whyReadOnly(path: string): string {
  return readOnlyReason(path) ?? 'the file system refused the write (read-only file system?)';
}

/** Who holds a busy database, when netspace knows: the sweeps held by a process, read without waiting. */
function holderOf(path: string): string | null {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 0 });
    try {
      const rows = db.prepare('SELECT name, owner_pid, owner_host, owner_since FROM sweeps WHERE owner_pid IS NOT NULL').all() as {
        name: string;
        owner_pid: number;
        owner_host: string;
        owner_since: string;
      }[];
      if (rows.length === 0) return null;
      return rows.map((r) => `sweep ${r.name} is being run by process ${r.owner_pid} on ${r.owner_host} since ${r.owner_since}`).join('; ');
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

/** SQLite's own integrity answer for a file that seems damaged (its first problem), or its error. */
function integrityOf(path: string, fallback: string): string {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 0 });
    try {
      const answer = String(db.pragma('quick_check', { simple: true }));
      return answer === 'ok' ? fallback : answer;
    } finally {
      db.close();
    }
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The NetspaceError, with its own exit code, for a storage error met while opening or writing `path`; null when
 * `error` is not one (the caller rethrows it).
 */
export function storageError(path: string, error: unknown): NetspaceError | null {
  const trouble = storageTrouble(error);
  const text = (error as Error)?.message ?? String(error);
  switch (trouble) {
    case 'busy':
      return new NetspaceError(messages.store.busy(path, BUSY_TIMEOUT_MS / 1000, holderOf(path)), EXIT_CODES.databaseBusy);
    case 'readOnly':
      return new NetspaceError(messages.store.readOnly(path, whyReadOnly(path)), EXIT_CODES.readOnly);
    case 'full':
      return new NetspaceError(messages.store.diskFull(path), EXIT_CODES.diskFull);
    case 'io': {
      // A file turned read-only while open (chattr +i, a read-only remount) fails SQLite's next write with an I/O
      // error: say what it is, when the file system confirms it.
      const readOnly = readOnlyReason(path);
      if (readOnly !== null) return new NetspaceError(messages.store.readOnly(path, readOnly), EXIT_CODES.readOnly);
      return new NetspaceError(messages.store.ioError(path, text), EXIT_CODES.ioError);
    }
    case 'corrupt':
      return new NetspaceError(messages.store.damaged(path, integrityOf(path, text)), EXIT_CODES.databaseDamaged);
    case 'notADatabase':
      return new NetspaceError(messages.store.notSqlite(path, text), EXIT_CODES.notNetspace);
    default:
      return null;
  }
}

const tablesByVersion = new Map<number, ReadonlySet<string>>();

/**
 * The tables a netspace database has at `version` (SCHEMA_VERSION unless given): those the migrations up to it leave
 * in a new database.
 */
function netspaceTables(version = SCHEMA_VERSION): ReadonlySet<string> {
  let tables = tablesByVersion.get(version);
  if (tables === undefined) {
    const db = new Database(':memory:');
    try {
      for (const step of MIGRATIONS.slice(0, version)) db.exec(step);
      tables = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name));
      tablesByVersion.set(version, tables);
    } finally {
      db.close();
    }
  }
  return tables;
}

/**
 * Refuses a file that holds tables of another program (or only some of netspace's), or a schema newer than this
 * code: read before anything is written, so such a file is left exactly as it was. Returns whether it is new (no
 * tables, version 0).
 */
function identify(db: SqliteDatabase, path: string): { fresh: boolean } {
  const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string }[]).map((r) => r.name);
  const version = schemaVersion(db);
  if (tables.length === 0 && version === 0) return { fresh: true };
  const known = netspaceTables();
  const foreign = tables.filter((t) => !known.has(t));
  if (foreign.length > 0 || version === 0) {
    throw new NetspaceError(messages.store.foreign(path, foreign.length > 0 ? foreign : tables), EXIT_CODES.notNetspace);
  }
  if (version > SCHEMA_VERSION) throw new NetspaceError(messages.store.newerSchema(path, version, SCHEMA_VERSION), EXIT_CODES.newerSchema);
  // Another program that numbers its schema with user_version too and names a table as netspace does.
  const missing = [...netspaceTables(version)].filter((t) => !tables.includes(t));
  if (missing.length > 0) throw new NetspaceError(messages.store.missingTables(path, missing), EXIT_CODES.notNetspace);
  return { fresh: false };
}

/**
 * Opens `path` as a netspace database. Readers (`readonly`) need an existing netspace file and never write; a writer
 * creates the file (its folder must exist), switches it to WAL and migrates it, but only after identifying it. Every
 * refusal is a NetspaceError with the exit code of its kind (EXIT_CODES).
 */
export function openDatabase(path: string, readonly: boolean): SqliteDatabase {
  if (readonly && !existsSync(path)) throw new NetspaceError(messages.store.missingFile(path, existsSync(dirname(path)) ? null : dirname(path)));
  if (!readonly) {
    const dir = dirname(path);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new NetspaceError(messages.store.noFolder(path, dir));
  }
  let db: Database.Database;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw storageError(path, error) ?? new NetspaceError(messages.store.cannotOpen(path, (error as Error).message));
  }
  try {
    const { fresh } = identify(db, path);
    if (fresh && readonly) throw new NetspaceError(messages.store.noTables(path), EXIT_CODES.notNetspace);
    if (!readonly && !fresh) {
      // A writer would spread damage: SQLite's quick check first (milliseconds for a sweep's database).
      const answer = String(db.pragma('quick_check', { simple: true }));
      if (answer !== 'ok') throw new NetspaceError(messages.store.damaged(path, answer), EXIT_CODES.databaseDamaged);
    }
    if (!readonly) {
      // SQLite opens a file it may not write read-only without a word: a write of what is there tells now.
      db.pragma(`user_version = ${schemaVersion(db)}`);
      // WAL: readers (status, report) never block the sweep's writes. synchronous=NORMAL keeps every committed
      // transaction through a killed process (only an OS crash can lose the last ones), at a fraction of FULL's fsyncs.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
    }
  } catch (error) {
    db.close();
    if (error instanceof NetspaceError) throw error;
    throw storageError(path, error) ?? new NetspaceError(messages.store.notDatabase(path, (error as Error).message), EXIT_CODES.notNetspace);
  }
  return db;
}
