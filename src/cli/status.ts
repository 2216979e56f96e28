// `sweep status` on the terminal: the status the store reads (store/status.ts), as lines of text.
import { count, percent } from '../core/format.ts';
import type { StatusCounts } from '../core/types.ts';
import type { SweepStatus } from '../store/status.ts';
import { plural } from '../messages.ts';

/** "12 runs: 8 done, 1 failed, 0 diverged, 1 running, 2 pending", with paused and stopped runs when there are any. */
function countsLine(c: StatusCounts): string {
  const scheduled = [c.stopped > 0 ? `, ${c.stopped} stopped` : '', c.paused > 0 ? `, ${c.paused} paused` : ''].join('');
  return `${c.total} runs: ${c.done} done${scheduled}, ${c.failed} failed, ${c.diverged} diverged, ${c.running} running, ${c.pending} pending`;
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
  const kinds = Object.entries(s.failureKinds);
  if (kinds.length > 0) {
    lines.push(`  failures by kind: ${kinds.map(([kind, n]) => `${kind} ${n}`).join(', ')} (sweep run --retry KIND,... puts them back to pending)`);
  }
  if (s.best.length > 0) {
    lines.push('  best runs:');
    for (const r of s.best) {
      lines.push(`    #${r.id} ${r.space} error ${percent(r.finalError, 2, '-')} (${plural(r.epochs, 'epoch')}, ${count(r.flops)} flops, ${count(r.params)} params) ${r.configKey}`);
    }
  }
  if (s.failures.length > 0) {
    lines.push('  latest failures:');
    for (const r of s.failures) {
      const kind = r.status === 'failed' ? ` (${r.failureKind ?? 'unknown'})` : '';
      lines.push(`    #${r.id} ${r.space} ${r.status}${kind}: ${r.errorText ?? 'no reason given'}`);
    }
  }
  return lines.join('\n');
}
