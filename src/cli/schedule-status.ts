// `sweep status` of a sweep with a fidelity schedule: where each space's runs stand at each rung, and the epoch cost.
import { epochCost, rungCounts, type EpochCost, type RungCount } from '../analysis/fidelity.ts';
import { count, percent } from '../core/format.ts';
import { readStore } from '../store/store.ts';
import { fidelityEpochs, fidelityRungs, storedFidelity, type FidelityKind } from '../sweep/fidelity-spec.ts';

/** The schedule part of `sweep status --json` (key `schedule`), null for a sweep without a `fidelity:` section. */
export interface ScheduleStatus {
  kind: FidelityKind;
  /** Epochs of each rung, ascending; the last is the top fidelity (every run's `train.epochs`). */
  rungs: number[];
  /** Per rung and space: runs that reached it, and those that stand there paused, stopped or done. */
  counts: RungCount[];
  /** Epochs trained so far against training every run to the top fidelity. */
  cost: EpochCost;
}

/**
 * Reads the sweep `name` of the database at `dbPath` read-only and returns its schedule's status, or null when the
 * sweep has no schedule. Throws NetspaceError (from the store) for a missing file or sweep.
 */
export function scheduleStatus(dbPath: string, name: string): ScheduleStatus | null {
  return readStore(dbPath, (store) => {
    const sweep = store.readSweep(name);
    const fidelity = storedFidelity(sweep.spec);
    if (fidelity === null) return null;
    const runs = sweep.runs.map((r) => ({ id: r.id, space: r.space, epochs: r.epochs, status: r.status }));
    const rungs = fidelityRungs(fidelity);
    return { kind: fidelity.kind, rungs, counts: rungCounts(runs, rungs), cost: epochCost(runs, fidelityEpochs(fidelity)) };
  });
}

/** The schedule's lines of `sweep status` on a terminal: one line per space and rung, then the cost. */
export function formatScheduleStatus(s: ScheduleStatus): string {
  const lines = [`  schedule: ${s.kind === 'asha' ? 'ASHA' : 'fidelity check'}, rungs at ${s.rungs.join(', ')} epochs`];
  const width = Math.max(...s.counts.map((c) => c.space.length));
  for (const c of s.counts) {
    const here = [c.paused > 0 ? `${c.paused} paused` : '', c.stopped > 0 ? `${c.stopped} stopped` : '', c.done > 0 ? `${c.done} done` : '']
      .filter((part) => part !== '')
      .join(', ');
    lines.push(`    ${c.space.padEnd(width)}  ${String(c.epochs).padStart(4)} epochs: ${c.reached} reached${here === '' ? '' : ` (${here})`}`);
  }
  lines.push(
    `  epochs trained: ${count(s.cost.trained)} of ${count(s.cost.unscheduled)} without the schedule (${percent(s.cost.share, 1)})`,
  );
  return lines.join('\n');
}
