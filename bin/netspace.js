#!/usr/bin/env node
// The `netspace` command: runs the compiled CLI in dist/ when it is newer than every source file and folder, else the
// TypeScript sources through tsx (a checkout being edited, or an install without a build). NETSPACE_FROM_SOURCE=1
// forces the sources.
import { readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

function distIsFresh() {
  if (process.env.NETSPACE_FROM_SOURCE === '1') return false;
  let built;
  try {
    built = statSync(new URL('dist/.built', root)).mtimeMs;
  } catch {
    return false;
  }
  // Folders too: deleting or renaming a file changes only its folder's time.
  const src = new URL('src/', root);
  if (statSync(src).mtimeMs > built) return false;
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (statSync(`${entry.parentPath}/${entry.name}`).mtimeMs > built) return false;
  }
  return true;
}

if (distIsFresh()) {
  // An internal error's stack then names the TypeScript lines (the build writes source maps).
  process.setSourceMapsEnabled(true);
  await import('../dist/cli/run.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/run.ts');
}
