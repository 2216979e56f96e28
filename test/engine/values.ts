// Test inputs for the engine tests (not a test file itself).

/** Deterministic values in [-1, 1) (a 32-bit LCG), so that both backends see the same inputs. */
export function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
