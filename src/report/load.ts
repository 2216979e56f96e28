// Reads what a report draws from a netspace database, read-only, so it works while a sweep is writing.
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { resolveDomains } from '../analysis/design-choices.ts';
import { readStore } from '../store/store.ts';
import type { RunRecord, SweepRecord } from '../core/types.ts';

/** The whole sweep `name` from the database at `dbPath`; the store's NetspaceErrors name a missing file or sweep. */
export function loadSweep(dbPath: string, name: string): SweepRecord {
  return readStore(dbPath, (store) => store.readSweep(name));
}

/**
 * Several sweeps of one database as one, for a report that compares them: each run's space gets its sweep's name in
 * front ("quickstart/RegNetX"), so that the same space in two sweeps stays two curves. The combination is named
 * "a+b" and has id 0 (stored ids start at 1). One name gives that sweep as stored.
 */
export function loadSweeps(dbPath: string, names: readonly string[]): SweepRecord {
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw new NetspaceError(messages.report.repeatedSweep(repeated));
  if (names.length === 1) return loadSweep(dbPath, names[0]!);
  const sweeps = readStore(dbPath, (store) => names.map((name) => store.readSweep(name)));
  return {
    id: 0,
    name: names.join('+'),
    spec: { sweeps: [...names] },
    createdAt: sweeps.map((s) => s.createdAt).sort()[0]!,
    runs: sweeps.flatMap((s) => s.runs.map((r) => ({ ...r, space: `${s.name}/${r.space}` }))),
    // Each sweep's domains as its own analysis would find them (stored, else from its spec), under the new names.
    domains: Object.fromEntries(
      sweeps.flatMap((s) => {
        const { domains } = resolveDomains(s, [...new Set(s.runs.map((r) => r.space))], s.domains);
        return [...domains].filter(([, d]) => d.source !== 'none').map(([space, d]) => [`${s.name}/${space}`, d.domains]);
      }),
    ),
  };
}

/** One run with its epochs. */
export function loadRun(dbPath: string, runId: number): RunRecord {
  return readStore(dbPath, (store) => store.readRun(runId));
}
