// Compiles src/ to dist/ so the CLI and its worker threads start without transpiling (about 0.4 s instead of 2 s),
// copies the files the code reads beside itself, builds the SIMD kernels into their cache, and stamps dist/ last:
// bin/netspace.js runs dist/ only while that stamp is newer than every file in src/.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // An install without dev dependencies: nothing to compile with, and bin/netspace.js runs src/ through tsx.
  console.log('netspace build: typescript is not installed, so netspace runs from src/ through tsx');
  process.exit(0);
}

rmSync(dist, { recursive: true, force: true });
const compile = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compile.status !== 0) {
  rmSync(dist, { recursive: true, force: true });
  console.error('netspace build: tsc failed (see above); netspace runs from src/ through tsx until a build succeeds');
  process.exit(compile.status ?? 1);
}

for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts') || entry.name.endsWith('.md')) continue;
  const from = join(entry.parentPath, entry.name);
  const to = join(dist, from.slice(src.length));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

const { simdModule } = await import(pathToFileURL(join(dist, 'engine', 'simd.js')).href);
await simdModule();

writeFileSync(join(dist, '.built'), `${new Date().toISOString()}\n`);
console.log('netspace build: dist/ is up to date');
