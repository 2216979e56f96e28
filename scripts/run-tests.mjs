// Runs every test/**/*.test.ts through node's test runner with tsx: Node 20 does not expand globs, and a bare
// `node --test` over .ts files can run nothing and still succeed, so the files are listed here and none is an error.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

function listTests(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listTests(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const only = process.argv.slice(2);
const files = (only.length > 0 ? only : listTests('test')).map((f) => relative('.', f));
if (files.length === 0) {
  console.error('run-tests: no test files found under test/');
  process.exit(1);
}
const reporter = process.env.CI ? 'tap' : 'spec';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', `--test-reporter=${reporter}`, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
