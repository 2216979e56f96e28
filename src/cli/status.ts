// `sweep status` on the terminal: the status the store reads (store/status.ts), as lines of text.
import { count, percent } from '../core/format.ts';
import type { StatusCounts } from '../core/types.ts';
import type { SweepStatus } from '../store/status.ts';

function countsLine(c: StatusCounts): string {
  return `${c.total} runs: ${c.done} done, ${c.failed} failed, ${c.diverged} diverged, ${c.running} running, ${c.pending} pending`;
}

/** The status as text for a terminal. */
export function formatStatus(s: SweepStatus): string {
  const lines = [`sweep ${s.sweep} (${s.db}, created ${s.createdAt})`, `  ${countsLine(s)}`];
  if (s.owner === null) lines.push('  not running');
  else if (s.owner.alive) lines.push(`  being run by process ${s.owner.pid} on ${s.owner.host} since ${s.owner.since}`);
  else lines.push(`  was run by process ${s.owner.pid}, which ended without finishing (killed?): run the sweep again to resume it`);
  const spaces = Object.entries(s.bySpace);
  if (spaces.length > 1) {
    lines.push('  by space:');
    const width = Math.max(...spaces.map(([name]) => name.length));
    for (const [name, c] of spaces) lines.push(`    ${name.padEnd(width)}  ${countsLine(c)}`);
  }
  if (s.best.length > 0) {
    lines.push('  best runs:');
    for (const r of s.best) {
      lines.push(`    #${r.id} ${r.space} error ${percent(r.finalError, 2, '-')} (${r.epochs} epochs, ${count(r.flops)} flops, ${count(r.params)} params) ${r.configKey}`);
    }
  }
  if (s.failures.length > 0) {
    lines.push('  latest failures:');
    for (const r of s.failures) lines.push(`    #${r.id} ${r.space} ${r.status}: ${r.errorText ?? 'no reason given'}`);
  }
  return lines.join('\n');
}
