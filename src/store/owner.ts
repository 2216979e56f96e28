// Who holds a sweep: the pid, host and start-time token of a process, and whether that process still lives.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** The process that writes a sweep. */
export interface SweepOwner {
  pid: number;
  host: string;
  /** Start time of the process in clock ticks since boot (Linux /proc), so that a reused pid is not taken for the
   *  owner; '' where /proc is missing. */
  token: string;
}

/** Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses, so count after it. */
function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** This process as an owner. */
export function currentOwner(): SweepOwner {
  return { pid: process.pid, host: hostname(), token: processStartTicks(process.pid) ?? '' };
}

/**
 * Whether `owner` still runs. An owner on another host is taken as alive: nothing here can tell, and taking a
 * sweep from a live writer would corrupt it.
 */
export function isOwnerAlive(owner: SweepOwner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to another user, so it is alive.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.token === '') return true;
  const ticks = processStartTicks(owner.pid);
  return ticks === null || ticks === owner.token;
}
