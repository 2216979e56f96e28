// CLI start-up benchmark: the build in dist/ against the sources through tsx, in the same run (interleaved, median).
// Run: npx tsx bench/cli.ts   (builds dist/ first)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDist } from './lib/build.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'netspace.js');
const RUNS = 7;

buildDist();

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/** Wall milliseconds of one `netspace ...args`, from the build or from the sources. */
function run(args: string[], fromSource: boolean): number {
  const env = { ...process.env, NETSPACE_FROM_SOURCE: fromSource ? '1' : '0' };
  const start = performance.now();
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  const wall = performance.now() - start;
  if (result.status !== 0) throw new Error(`netspace ${args.join(' ')} failed:\n${result.stderr}`);
  return wall;
}

const dir = mkdtempSync(join(tmpdir(), 'netspace-bench-cli-'));
const cases: [string, () => string[], number][] = [
  ['--version (load the CLI and every command)', () => ['--version'], RUNS],
  ['complexity regnet32 --json', () => ['complexity', 'regnet32', '--json'], RUNS],
  [
    'train a tiny RegNet32 run (data, one worker thread, 512 images)',
    () => ['train', '--model', 'regnet32', '--epochs', '1', '--train-size', '512', '--val-size', '128', '--resolution', '28', '--db', join(dir, `${Math.random()}.db`), '--json'],
    3,
  ],
];
try {
  for (const [name, args, runs] of cases) {
    const built: number[] = [];
    const source: number[] = [];
    for (let i = 0; i < runs; i++) {
      built.push(run(args(), false));
      source.push(run(args(), true));
    }
    const b = median(built);
    const s = median(source);
    console.log(`${name}: built ${b.toFixed(0)} ms, from source ${s.toFixed(0)} ms (median of ${runs}) -> ${(s / b).toFixed(2)}x faster built`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
