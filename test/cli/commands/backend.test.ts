// Tests of `netspace backend install|status` (src/cli/commands/backend.ts, src/engine/native-install.ts, wheel.ts):
// real wheels (the one installed, and small fakes made with Python's zipfile), the real npm package and build.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NetspaceError } from '../../../src/errors.ts';
import { cacheRoot, checkDisk, installNative } from '../../../src/engine/native-install.ts';
import { tensorflowMissing } from '../../engine/backends.ts';
import { assertUserError, netspace, type CliResult } from '../netspace.ts';

const missing = await tensorflowMissing();

/** Writes a zip at `path` holding `files` (name -> text), with Python's zipfile. */
function zip(path: string, files: Record<string, string>): void {
  const script = 'import json, sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n  for n, t in json.loads(sys.argv[2]).items(): z.writestr(n, t)\n';
  const run = spawnSync('python3', ['-c', script, path, JSON.stringify(files)], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
}

/** The members a TensorFlow wheel must have, as tiny text files, tagged for `tag`. */
function fakeTensorflow(tag: string): Record<string, string> {
  return {
    'tensorflow/libtensorflow_cc.so.2': 'x',
    'tensorflow/libtensorflow_framework.so.2': 'x',
    'tensorflow/include/tensorflow/c/c_api.h': '#include "tensorflow/c/tf_status.h"\n',
    'tensorflow-2.21.0.dist-info/WHEEL': `Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: ${tag}\n`,
    'tensorflow-2.21.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.21.0\n',
  };
}

/** A user mistake found after the first progress lines: exit code 1, its `netspace:` line, no stack trace. */
function assertInstallError(result: CliResult, message: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`^netspace: ${message.source}`, 'm'));
  assert.ok(result.stderr.split('\n').filter(Boolean).every((l) => /^netspace( backend install)?: /.test(l)), result.stderr);
}

describe('cli backend', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-backend-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a wheel that is not there, not a zip, not TensorFlow, or built for another platform', async () => {
    assertUserError(await netspace(['backend', 'install', '--wheel', join(dir, 'none.whl')]), /^netspace: --wheel .*none\.whl: no such file$/m);
    writeFileSync(join(dir, 'text.whl'), 'not a zip\n');
    assertInstallError(await netspace(['backend', 'install', '--wheel', join(dir, 'text.whl')]), /--wheel .*text\.whl is not a TensorFlow wheel: not a zip file/);
    zip(join(dir, 'numpy.whl'), { 'numpy/__init__.py': '', 'numpy-2.0.dist-info/WHEEL': 'Tag: cp311-cp311-manylinux_2_17_x86_64\n', 'numpy-2.0.dist-info/METADATA': 'Name: numpy\nVersion: 2.0\n' });
    assertInstallError(
      await netspace(['backend', 'install', '--wheel', join(dir, 'numpy.whl')]),
      /--wheel .*numpy\.whl is not a TensorFlow wheel: numpy without tensorflow\/libtensorflow_cc\.so\.2, tensorflow\/libtensorflow_framework\.so\.2/,
    );
    zip(join(dir, 'mac.whl'), fakeTensorflow('cp311-cp311-macosx_12_0_arm64'));
    assertInstallError(
      await netspace(['backend', 'install', '--wheel', join(dir, 'mac.whl')]),
      /--wheel .*mac\.whl is built for cp311-cp311-macosx_12_0_arm64; netspace needs a Linux x86-64 wheel/,
    );
  });

  it('refuses a pip version that is not a version, and a wheel given with one', async () => {
    assertUserError(await netspace(['backend', 'install', '--pip-version', 'latest; rm -rf /']), /--pip-version must be a TensorFlow version such as 2\.21\.0, got "latest; rm -rf \/"/);
    const both = await netspace(['backend', 'install', '--wheel', 'a.whl', '--pip-version', '2.21.0']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /mutually exclusive/);
  });

  it('says how much room it needs when the disk is too full for the libraries', () => {
    assert.throws(() => checkDisk(dir, 2 ** 60), (e: unknown) => e instanceof NetspaceError && /^not enough disk space in .*: the TensorFlow libraries need about \d+ MB, \d+ MB are free \(set NETSPACE_CACHE/.test(e.message));
    checkDisk(dir, 1);
  });

  it('installs again in seconds from its cache, and says so, step by step', { skip: missing ?? false }, async () => {
    const run = await netspace(['backend', 'install']);
    assert.equal(run.code, 0, run.stderr);
    for (const step of ['wheel: .*\\(downloaded before\\)', 'libtensorflow: .*\\(extracted before\\)', 'package: @tensorflow/tfjs-node-gpu@4\\.22\\.0 \\(installed before\\)', 'addon: .*tfjs_binding\\.node \\(built before, copied from the cache\\)', 'check: loading it in a new process']) {
      assert.match(run.stderr, new RegExp(`^netspace backend install: ${step}`, 'm'));
    }
    assert.match(run.stdout, /^tensorflow backend ready: TensorFlow \d+\.\d+\.\d+ on CPU \(tensorflow_cpu \d/);
  });

  it('stops with the missing tool named when there is no C++ compiler to build with', { skip: missing ?? false }, async () => {
    const wheels = join(cacheRoot(), 'wheels');
    const wheel = existsSync(wheels) ? readdirSync(wheels).find((f) => f.endsWith('.whl')) : undefined;
    assert.ok(wheel, `a wheel in ${wheels}`);
    const cxx = process.env.CXX;
    process.env.CXX = join(dir, 'no-such-g++');
    try {
      await assert.rejects(installNative({ wheel: join(wheels, wheel), rebuild: true }), {
        name: 'NetspaceError',
        message: 'building the TensorFlow addon needs a C++ compiler (g++), which is not installed (on Debian: apt-get install g++ make python3)',
      });
    } finally {
      if (cxx === undefined) delete process.env.CXX;
      else process.env.CXX = cxx;
    }
  });

  it('reports each backend with its version and device', async () => {
    const run = await netspace(['backend', 'status', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const backends = JSON.parse(run.stdout) as { backend: string; loads: boolean; version: string; device: string; note: string | null }[];
    assert.deepEqual(backends.map((b) => b.backend), ['tensorflow', 'wasm', 'cpu']);
    const tensorflow = backends[0]!;
    if (missing === null) {
      assert.equal(tensorflow.loads, true, tensorflow.note ?? '');
      assert.match(tensorflow.version, /^TensorFlow \d+\.\d+\.\d+ \(@tensorflow\/tfjs-node-gpu@4\.22\.0\)$/);
      assert.equal(tensorflow.device, 'CPU');
    } else {
      assert.equal(tensorflow.loads, false);
      assert.match(tensorflow.note ?? '', /tfjs-node-gpu/);
    }
    assert.match(backends[1]!.version, /^TF\.js 4\.22\.0 WebAssembly/);
    const text = await netspace(['backend', 'status']);
    assert.match(text.stdout, missing === null ? /^tensorflow: loads: TensorFlow .* on CPU$/m : /^tensorflow: does not load \(/m);
  });
});
