// Writes a sweep into a real netspace database through the store's writer API, the way a sweep run does.
import type { RunRecord, SweepRecord } from '../../src/core/types.ts';
import { openStore } from '../../src/store/store.ts';

/**
 * Stores every run of `sweep` in the database at `path` (created if needed) and drives it to the run's status:
 * pending runs are only added; running ones are marked running with their epochs recorded; done, failed and diverged
 * ones are finished with their epochs. Returns the sweep's name as stored.
 */
export function writeSweepDb(path: string, sweep: SweepRecord): string {
  const store = openStore(path);
  try {
    const { id, name } = store.openSweep(sweep.name, sweep.spec);
    store.claimSweep(id);
    store.addDomains(id, sweep.domains ?? {});
    store.addRuns(
      id,
      sweep.runs.map((r) => ({
        space: r.space,
        configKey: r.configKey,
        config: r.config,
        sampled: r.sampled,
        flops: r.flops,
        params: r.params,
        acts: r.acts,
        seed: r.seed,
        settings: r.settings,
      })),
    );
    const stored = store.pendingRuns(id);
    const byKey = new Map<string, RunRecord>(sweep.runs.map((r) => [r.configKey, r]));
    for (const row of stored) {
      const run = byKey.get(row.configKey)!;
      if (run.status === 'pending') continue;
      store.markRunning(row.id, 'wasm');
      for (const epoch of run.epochs) store.recordEpoch(row.id, epoch, new Uint8Array([1, 2, 3]));
      if (run.status === 'running') continue;
      store.finishRun(row.id, {
        status: run.status,
        epochs: run.epochs,
        finalError: run.finalError,
        errorText: run.errorText,
        failureKind: run.failureKind,
        backend: 'wasm',
        seconds: 60,
      });
    }
    store.releaseSweep(id);
    return name;
  } finally {
    store.close();
  }
}
