// Every message src/report gives a user about a bad option or an output it cannot write, in one place.

/** Messages of the NetspaceErrors thrown by src/report; each names the option and the bad value. */
export const reportMessages = {
  outExtension: (option: string, path: string, allowed: readonly string[]) =>
    `${option} ${JSON.stringify(path)} must end in ${allowed.join(' or ')}`,
  cannotWrite: (option: string, path: string, reason: string) => `${option} ${JSON.stringify(path)} cannot be written: ${reason}`,
  runId: (value: unknown) => `run-id must be a positive integer (a run's id from netspace sweep status), got ${JSON.stringify(value) ?? String(value)}`,
  noEpochs: (runId: number, status: string) => `run ${runId} (${status}) has no finished epoch yet, so there is no curve to draw`,
} as const;
