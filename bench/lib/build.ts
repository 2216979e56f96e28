// The build in dist/ for benchmarks that measure what the CLI runs: built first, then imported from there.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = new URL('../../', import.meta.url);

/** Runs scripts/build.mjs (a few seconds when dist/ is already current: tsc always recompiles). */
export function buildDist(): void {
  const build = spawnSync(process.execPath, [fileURLToPath(new URL('scripts/build.mjs', root))], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed, so there is nothing compiled to measure');
}

/** The compiled twin of a module under src/, e.g. importBuilt<typeof import('../../src/sweep/sweep.ts')>('sweep/sweep'). */
export async function importBuilt<T>(modulePath: string): Promise<T> {
  return (await import(new URL(`dist/${modulePath}.js`, root).href)) as T;
}
