// The dashboard's data: one read-only connection, and each answer kept as JSON until the database changes (PRAGMA
// data_version) and at most refreshed every `refreshSeconds`, so that many polling pages cost one analysis.
import { createHash } from 'node:crypto';
import { parseAnalysisOptions, type AnalysisOptions } from '../analysis/sweep.ts';
import { openStore, type Store } from '../store/store.ts';
import { runView, sweepList, sweepView } from './views.ts';

/** A JSON answer with its entity tag (quoted, as the ETag header carries it). */
export interface JsonAnswer {
  body: string;
  etag: string;
}

interface CacheEntry extends JsonAnswer {
  /** data_version the answer was read at. */
  version: number;
  /** performance.now() when data_version was last compared, ms. */
  checkedAt: number;
}

/** Options of DashboardData. */
export interface DashboardDataOptions {
  /** The database file; opened read-only. */
  db: string;
  /** Least time between two analyses of one sweep while it changes, seconds. */
  refreshSeconds: number;
  /** The report's analysis knobs (defaults: the report's). */
  analysis?: AnalysisOptions;
}

/** Entity tag of a body: equal bodies get equal tags, whenever and however often they are made. */
export function etagOf(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** What the server reads, cached. Opening refuses a missing file or a database that is not netspace's. */
export class DashboardData {
  readonly db: string;
  readonly #store: Store;
  readonly #refreshMs: number;
  readonly #analysis: Required<AnalysisOptions>;
  readonly #cache = new Map<string, CacheEntry>();

  constructor(options: DashboardDataOptions) {
    this.db = options.db;
    this.#refreshMs = options.refreshSeconds * 1000;
    this.#analysis = parseAnalysisOptions(options.analysis, 'dashboard analysis options');
    this.#store = openStore(options.db, { readonly: true });
  }

  close(): void {
    this.#store.close();
  }

  /** GET /api/sweeps. */
  sweepList(): JsonAnswer {
    return this.#cached('list', () => sweepList(this.#store, this.db));
  }

  /** GET /api/sweeps/:name; the store's NetspaceError when the sweep does not exist. */
  sweepView(name: string): JsonAnswer {
    return this.#cached(`sweep:${name}`, () => sweepView(this.#store, this.#store.readSweep(name), this.#analysis, new Date()));
  }

  /** Whether the database holds a sweep of that name (read now, not cached). */
  hasSweep(name: string): boolean {
    return this.#store.listSweeps().some((s) => s.name === name);
  }

  /** Names of the sweeps, for messages. */
  sweepNames(): string[] {
    return this.#store.listSweeps().map((s) => s.name);
  }

  /** GET /api/runs/:id, read now (one run is cheap); the store's NetspaceError when there is no such run. */
  runView(id: number): JsonAnswer {
    const body = JSON.stringify(runView(this.#store, this.#store.readRun(id)));
    return { body, etag: etagOf(body) };
  }

  /**
   * The cached answer while it is younger than the refresh time or the database has not changed since it was made;
   * else a fresh one. A commit between reading data_version and reading the data only makes the next call read again.
   */
  #cached(key: string, make: () => unknown): JsonAnswer {
    const now = performance.now();
    const entry = this.#cache.get(key);
    if (entry !== undefined && now - entry.checkedAt < this.#refreshMs) return entry;
    const version = this.#store.dataVersion();
    if (entry !== undefined && entry.version === version) {
      entry.checkedAt = now;
      return entry;
    }
    const body = JSON.stringify(make());
    const fresh: CacheEntry = { body, etag: etagOf(body), version, checkedAt: now };
    this.#cache.set(key, fresh);
    return fresh;
  }
}
