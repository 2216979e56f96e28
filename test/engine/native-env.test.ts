// Tests of src/engine/native-env.ts: the environment libtensorflow reads at load, set as defaults and seen by TF.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { intraOpThreads, missingNativeVariables, nativeDefaults } from '../../src/engine/native-env.ts';
import { tensorflowMissing } from './backends.ts';

const CHILD = fileURLToPath(new URL('./fixtures/onednn-child.ts', import.meta.url));
const TF_VARIABLES = ['ONEDNN_MAX_CPU_ISA', 'DNNL_MAX_CPU_ISA', 'TF_ENABLE_ONEDNN_OPTS', 'TF_NUM_INTRAOP_THREADS', 'TF_NUM_INTEROP_THREADS', 'TF_CPP_MIN_LOG_LEVEL'];
const missing = await tensorflowMissing();

/** Runs the child with none of TF's variables but `extra`, and oneDNN's verbose log on. */
function child(extra: Record<string, string>): { errors: number[]; isa: string; threads: number } {
  const env: NodeJS.ProcessEnv = { ...process.env, ONEDNN_VERBOSE: '1', ...extra };
  for (const name of TF_VARIABLES) if (!(name in extra)) delete env[name];
  const run = spawnSync(process.execPath, ['--import', 'tsx', CHILD], { env, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout.split('\n').find((l) => l.startsWith('{'))!) as { errors: number[] };
  // oneDNN's first verbose lines: "onednn_verbose,v1,info,cpu,isa:Intel AVX2" and "...,runtime:threadpool,nthr:2".
  const isa = /onednn_verbose,.*info,cpu,isa:([^\n]+)/.exec(run.stdout)?.[1] ?? '';
  const threads = Number(/onednn_verbose,.*info,cpu,runtime:threadpool,nthr:(\d+)/.exec(run.stdout)?.[1] ?? NaN);
  return { ...result, isa, threads };
}

describe('engine/native-env', () => {
  it('defaults oneDNN to AVX2 and on, a shared intra-op pool of cores - workers + 1, GPU memory growth, quiet INFO logs', () => {
    assert.deepEqual(nativeDefaults(2, 8), {
      ONEDNN_MAX_CPU_ISA: 'AVX2',
      TF_ENABLE_ONEDNN_OPTS: '1',
      TF_NUM_INTRAOP_THREADS: '7',
      TF_NUM_INTEROP_THREADS: '1',
      TF_FORCE_GPU_ALLOW_GROWTH: 'true',
      TF_CPP_MIN_LOG_LEVEL: '1',
    });
    assert.deepEqual([1, 2, 3, 8].map((w) => intraOpThreads(w, 2)), [2, 1, 1, 1]);
    assert.deepEqual([1, 4, 16].map((w) => intraOpThreads(w, 16)), [16, 13, 1]);
  });

  it('leaves every variable the user set, under either of oneDNN\'s names, and may change its own', () => {
    const defaults = nativeDefaults(1, 4);
    assert.deepEqual(Object.keys(missingNativeVariables({}, defaults)).sort(), Object.keys(defaults).sort());
    const user = missingNativeVariables({ DNNL_MAX_CPU_ISA: 'AVX512_CORE', TF_ENABLE_ONEDNN_OPTS: '0', TF_FORCE_GPU_ALLOW_GROWTH: 'false' }, defaults);
    assert.equal(user.ONEDNN_MAX_CPU_ISA, undefined);
    assert.equal(user.TF_ENABLE_ONEDNN_OPTS, undefined);
    assert.equal(user.TF_FORCE_GPU_ALLOW_GROWTH, undefined);
    assert.equal(user.TF_NUM_INTRAOP_THREADS, '4');
    // A value netspace set before (for one worker) is its own to change (for two), until libtensorflow loads.
    const again = missingNativeVariables({ TF_NUM_INTRAOP_THREADS: '4' }, nativeDefaults(2, 4), new Set(['TF_NUM_INTRAOP_THREADS']));
    assert.equal(again.TF_NUM_INTRAOP_THREADS, '3');
  });

  // On an AVX-512 machine TF 2.21's oneDNN (on by default there) gets these gradients wrong or corrupts the heap,
  // and its verbose log says "isa:Intel AVX-512 ...": both checks fail unless the cap reaches oneDNN before it loads.
  // On an AVX2-only machine the cap changes nothing, and TF keeps oneDNN off unless netspace turns it on.
  it('reaches oneDNN before libtensorflow loads: ISA capped at AVX2, pool of cores - 1 for 2 workers, gradients right', { skip: missing ?? false }, () => {
    const { errors, isa, threads } = child({});
    assert.match(isa, /AVX2/, `oneDNN's ISA: ${isa}`);
    assert.doesNotMatch(isa, /512|AMX/, `oneDNN's ISA: ${isa}`);
    assert.equal(threads, intraOpThreads(2, availableParallelism()), 'oneDNN runs on TF\'s intra-op pool of the size netspace set');
    errors.forEach((e, i) => assert.ok(e < 1e-4, `case ${Math.floor(i / 2)} ${i % 2 === 0 ? 'dx' : 'dw'}: relative error ${e}`));
  });

  it('keeps a user\'s own oneDNN ISA and thread count', { skip: missing ?? false }, () => {
    const { errors, isa, threads } = child({ ONEDNN_MAX_CPU_ISA: 'SSE41', TF_NUM_INTRAOP_THREADS: '3' });
    assert.match(isa, /SSE4\.1/, `oneDNN's ISA: ${isa}`);
    assert.equal(threads, 3);
    errors.forEach((e) => assert.ok(e < 1e-4, `relative error ${e}`));
  });
});
