// Reads what a report draws from a netspace database, read-only, so it works while a sweep is writing.
import { openStore } from '../store/store.ts';
import type { RunRecord, SweepRecord } from '../store/types.ts';

/** The whole sweep `name` from the database at `dbPath`; the store's NetspaceErrors name a missing file or sweep. */
export function loadSweep(dbPath: string, name: string): SweepRecord {
  const store = openStore(dbPath, { readonly: true });
  try {
    return store.readSweep(name);
  } finally {
    store.close();
  }
}

/** One run with its epochs. */
export function loadRun(dbPath: string, runId: number): RunRecord {
  const store = openStore(dbPath, { readonly: true });
  try {
    return store.readRun(runId);
  } finally {
    store.close();
  }
}
