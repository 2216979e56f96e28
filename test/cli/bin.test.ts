// Tests of bin/netspace.js: it runs the build in dist/ while that is newer than every source file, else the sources.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXIT_CODES } from '../../src/errors.ts';
import { BIN, netspace } from './netspace.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('bin/netspace', () => {
  let copy: string;
  let bin: string;

  before(() => {
    assert.ok(existsSync(join(root, 'dist', '.built')), 'dist/ is not built: run `npm run build` (npm test does)');
    // A copy of the layout, so that source timestamps can be moved without touching the checkout.
    copy = mkdtempSync(join(tmpdir(), 'netspace-bin-'));
    for (const part of ['bin', 'src', 'dist', 'package.json']) cpSync(join(root, part), join(copy, part), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    writeFileSync(join(copy, 'dist', '.built'), 'stamped after the copy of src/\n');
    bin = join(copy, 'bin', 'netspace.js');
  });
  after(() => rmSync(copy, { recursive: true, force: true }));

  it('runs the build in dist/ when it is newer than every source file', async () => {
    const run = await netspace(['--version'], {}, bin);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^\d+\.\d+\.\d+ \(built, dist\/\)$/m);
  });

  it('runs the sources through tsx when asked to, with NETSPACE_FROM_SOURCE=1', async () => {
    const run = await netspace(['--version'], { NETSPACE_FROM_SOURCE: '1' }, bin);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(from source, through tsx\)/);
  });

  it('runs the sources when a source folder changed after the build (a file deleted or renamed)', async () => {
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(copy, 'src', 'report'), later, later);
    const run = await netspace(['--version'], {}, bin);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(from source, through tsx\)/);
    const earlier = new Date(Date.now() - 60_000);
    utimesSync(join(copy, 'src', 'report'), earlier, earlier);
  });

  it('runs the sources when one of them is newer than the build, so an edit is never hidden by a stale build', async () => {
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(copy, 'src', 'space', 'presets.ts'), later, later);
    const run = await netspace(['--version'], {}, bin);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(from source, through tsx\)/);
    // and the stale build still gives the same answers from the sources
    const summary = await netspace(['complexity', 'regnet32', '--json'], {}, bin);
    assert.equal(summary.code, 0, summary.stderr);
    assert.equal(JSON.parse(summary.stdout).params, 179_290);
  });

  it('ends quietly with 141 when the reader closes the pipe early (netspace ... | head), with no stack trace', async () => {
    // 2,000 configs as JSON are about 0.5 MB, far more than a pipe holds: the writes after the close fail with EPIPE.
    const child = spawn(process.execPath, [BIN, 'sample', 'AnyNetX_A', '-n', '2000', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, EXIT_CODES.pipeClosed, stderr);
    assert.equal(stderr, '');
  });
});
