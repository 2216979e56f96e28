// Compiles src/ to dist/ so that the CLI and its worker threads start without transpiling, copies the files the code
// reads beside itself, builds the SIMD kernels and the dashboard's page script into their caches, and stamps the build
// last: bin/netspace.js runs dist/ only while that stamp is newer than every file in src/. The build is made in
// dist.next/ and swapped in whole, so a sweep already running from dist/ never loads a half-written module.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
const next = join(root, 'dist.next');
const old = join(root, 'dist.old');

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // An install without dev dependencies: nothing to compile with, and bin/netspace.js runs src/ through tsx.
  console.log('netspace build: typescript is not installed, so netspace runs from src/ through tsx');
  process.exit(0);
}

rmSync(next, { recursive: true, force: true });
const compile = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', next], { stdio: 'inherit' });
if (compile.status !== 0) {
  rmSync(next, { recursive: true, force: true });
  console.error('netspace build: tsc failed (see above); dist/ is unchanged, and netspace runs src/ through tsx while src/ is newer');
  process.exit(compile.status ?? 1);
}

for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts') || entry.name.endsWith('.md')) continue;
  const from = join(entry.parentPath, entry.name);
  const to = join(next, from.slice(src.length));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

const { simdModule } = await import(pathToFileURL(join(next, 'engine', 'simd.js')).href);
await simdModule();
// The dashboard's page script and stylesheet (esbuild bundle of src/serve/client), so that `netspace serve` starts
// without bundling.
const { dashboardAssets } = await import(pathToFileURL(join(next, 'serve', 'assets.js')).href);
await dashboardAssets();

writeFileSync(join(next, '.built'), `${new Date().toISOString()}\n`);
rmSync(old, { recursive: true, force: true });
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
console.log(`netspace build: compiled src/ into dist/ (${readdirSync(dist, { recursive: true }).length} files)`);
