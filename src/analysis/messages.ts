// Every message src/analysis gives a user about bad analysis options or inputs, in one place.

/** Messages of the NetspaceErrors thrown by src/analysis; each names the option or input and the bad value. */
export const analysisMessages = {
  notAnObject: (source: string, value: unknown) => `${source}: must be an object of options, got ${show(value)}`,
  unknownOption: (source: string, key: string, known: readonly string[]) =>
    `${source}: ${key} is not a known option (expected one of: ${known.join(', ')})`,
  positiveInteger: (source: string, key: string, value: unknown) =>
    `${source}: ${key} must be a positive integer, got ${show(value)}`,
  nonNegativeInteger: (source: string, key: string, value: unknown) =>
    `${source}: ${key} must be a non-negative integer, got ${show(value)}`,
  fraction: (source: string, key: string, value: unknown) =>
    `${source}: ${key} must be a number greater than 0 and at most 1, got ${show(value)}`,
  percentLevel: (source: string, key: string, value: unknown) =>
    `${source}: ${key} must be a number strictly between 0 and 1, got ${show(value)}`,
  percentile: (value: unknown) => `percentile: p must be a number from 0 to 100, got ${show(value)}`,
  emptySample: (what: string) => `${what}: needs at least one value, got none`,
  notFinite: (what: string, index: number, value: unknown) =>
    `${what}: value [${index}] must be a finite number, got ${show(value)}`,
  lengthMismatch: (what: string, left: string, right: string, a: number, b: number) =>
    `${what}: ${left} has ${a} values but ${right} has ${b}; they must pair up`,
  nonPositiveFlops: (what: string, index: number, value: number) =>
    `${what}: flops [${index}] must be positive for log binning, got ${value}`,
} as const;

function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return JSON.stringify(value) ?? String(value);
}
