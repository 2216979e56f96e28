// Tests of src/engine/binding-lock.ts: tfjs-node's process-wide attribute table, locked in the addon netspace builds.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { addonFiles, addonHasAttrLock, ATTR_LOCK_MARKER, lockAttrNames, lockBindingSource } from '../../src/engine/binding-lock.ts';
import { NATIVE_PACKAGE } from '../../src/engine/native-info.ts';
import { tensorflowMissing } from './backends.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RACE = fileURLToPath(new URL('./fixtures/attr-race.mjs', import.meta.url));
const missing = await tensorflowMissing();

/** The parts of tfjs-node 4.22's binding/tfjs_backend.cc the patch touches, with code around them. */
const SOURCE = [
  '#include "tfjs_backend.h"',
  '#include <memory>',
  '#include <set>',
  '#include <string>',
  'namespace tfnodejs {',
  '// Used to hold strings beyond the lifetime of a JS call.',
  'static std::set<std::string> ATTR_NAME_SET;',
  'void AssignOpAttr(napi_env env, TFE_Op *tfe_op, napi_value attr_value) {',
  '  const char *attr_name =',
  '      ATTR_NAME_SET.insert(attr_name_string.c_str()).first->c_str();',
  '}',
  '}',
  '',
].join('\n');

describe('engine/binding-lock', () => {
  it('puts the insert under a mutex, adds the marker, and leaves a patched source as it is', () => {
    const locked = lockAttrNames(SOURCE);
    assert.match(locked, /#include <set>\n#include <mutex>\n/);
    assert.match(locked, /static std::mutex ATTR_NAME_MUTEX;/);
    assert.match(locked, /std::lock_guard<std::mutex> lock\(ATTR_NAME_MUTEX\); return ATTR_NAME_SET\.insert\(attr_name_string\)/);
    assert.ok(!locked.includes('ATTR_NAME_SET.insert(attr_name_string.c_str())'), 'the unlocked insert is gone');
    assert.ok(locked.includes(ATTR_LOCK_MARKER));
    assert.equal(lockAttrNames(locked), locked);
  });

  it('refuses a source that is not the one the patch was written for, naming what is missing', () => {
    assert.throws(() => lockAttrNames(SOURCE.replace('static std::set<std::string> ATTR_NAME_SET;', 'static std::unordered_set<std::string> ATTR_NAME_SET;')), /ATTR_NAME_SET;"/);
    const twice = SOURCE.replace('  const char *attr_name =', '  const char *a = ATTR_NAME_SET.insert(attr_name_string.c_str()).first->c_str();\n  const char *attr_name =');
    assert.throws(() => lockAttrNames(twice), /exactly one of: "ATTR_NAME_SET\.insert/);
  });

  it('patches binding/tfjs_backend.cc of a package folder in place', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-binding-'));
    try {
      mkdirSync(join(dir, 'binding'));
      writeFileSync(join(dir, 'binding', 'tfjs_backend.cc'), SOURCE);
      lockBindingSource(dir);
      assert.equal(readFileSync(join(dir, 'binding', 'tfjs_backend.cc'), 'utf8'), lockAttrNames(SOURCE));
      assert.deepEqual(addonFiles(dir), []);
      mkdirSync(join(dir, 'lib', 'napi-v8'), { recursive: true });
      writeFileSync(join(dir, 'lib', 'napi-v8', 'tfjs_binding.node'), `\x7fELF...${ATTR_LOCK_MARKER}...`);
      assert.deepEqual(addonFiles(dir), [join(dir, 'lib', 'napi-v8', 'tfjs_binding.node')]);
      assert.equal(addonHasAttrLock(addonFiles(dir)[0]!), true);
      writeFileSync(join(dir, 'lib', 'napi-v8', 'tfjs_binding.node'), '\x7fELF... no marker');
      assert.equal(addonHasAttrLock(addonFiles(dir)[0]!), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the installed addon has the lock: threads inserting the same new names at once do not crash it', { skip: missing ?? false }, () => {
    const packageDir = dirname(dirname(createRequire(import.meta.url).resolve(NATIVE_PACKAGE)));
    const [addon] = addonFiles(packageDir);
    assert.ok(addon !== undefined && addonHasAttrLock(addon), `${addon} was not built by netspace backend install`);
    assert.ok(readFileSync(join(packageDir, 'binding', 'tfjs_backend.cc'), 'utf8').includes(ATTR_LOCK_MARKER), 'the source beside the addon is the patched one');
    // Without the lock this fixture (2 threads, 3000 rounds) died with SIGSEGV in 9 of 10 runs on this machine and
    // hung in the tenth; with it, none of 10 did.
    const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ONEDNN_MAX_CPU_ISA: 'AVX2', TF_NUM_INTRAOP_THREADS: '1' };
    for (let attempt = 0; attempt < 2; attempt++) {
      const run = spawnSync(process.execPath, [RACE, '2', '3000'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
      assert.equal(run.signal, null, `attempt ${attempt + 1}: killed by ${run.signal}\n${run.stderr.slice(-2000)}`);
      assert.equal(run.status, 0, run.stderr.slice(-2000));
      assert.deepEqual(JSON.parse(run.stdout), { threads: 2, rounds: [3000, 3000] });
    }
  });
});
