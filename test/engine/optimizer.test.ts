// Tests of src/engine/optimizer.ts: PyTorch's SGD (momentum, Nesterov, weight decay), Adam and AdamW on small tensors,
// the fused kernels against the plain TF.js path and TF.js's own optimizers, one kernel call per update, state.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerRecipe } from '../../src/core/recipe.ts';
import { initBackend } from '../../src/engine/backend.ts';
import { createOptimizer, type RecipeOptimizer } from '../../src/engine/optimizer.ts';
import type { OpPath } from '../../src/model/ops.ts';

/** PyTorch's values (test/fixtures/torch-optimizers.py, torch 1.13.0a0): p1 and p2 after each step, then the buffers. */
const TORCH: Record<string, { steps: number[][][]; buffers: number[][] }> = {
  'sgd-momentum': {
    steps: [
      [[0.9900000095367432, 2.0199999809265137, 2.9700000286102295, 3.9000000953674316, 5.0, 6.099999904632568], [0.4000000059604645, -0.3499999940395355, 7.900000095367432, 1.100000023841858, 1.9500000476837158, 3.0, 3.799999952316284]],
      [[0.9880000352859497, 2.0239999294281006, 2.9639999866485596, 3.880000114440918, 5.0, 6.119999885559082], [0.3799999952316284, -0.3700000047683716, 7.880000114440918, 1.1200000047683716, 1.940000057220459, 3.0, 3.759999990463257]],
      [[0.9408000111579895, 2.1183998584747314, 2.8224000930786133, 3.4080002307891846, 5.0, 6.5920000076293945], [-0.09199999272823334, -0.8420000076293945, 7.4079999923706055, 1.5920000076293945, 1.7040001153945923, 3.0, 2.815999984741211]],
    ],
    buffers: [[0.23600000143051147, -0.47200000286102295, 0.7080000042915344, 2.359999895095825, 0.0, -2.359999895095825], [2.359999895095825, 2.359999895095825, 2.359999895095825, -2.359999895095825, 1.1799999475479126, 0.0, 4.71999979019165]],
  },
  'sgd-nesterov-decay-excluded': {
    steps: [
      [[0.9790999889373779, 2.0341999530792236, 2.937299966812134, 3.8024001121520996, 4.990499973297119, 6.178599834442139], [0.3100000023841858, -0.4399999976158142, 7.809999942779541, 1.190000057220459, 1.9049999713897705, 3.0, 3.619999885559082]],
      [[0.9784648418426514, 2.030057430267334, 2.935394525527954, 3.8041677474975586, 4.983734130859375, 6.163300037384033], [0.31700000166893005, -0.43299999833106995, 7.816999912261963, 1.183000087738037, 1.9084999561309814, 3.0, 3.633999824523926]],
      [[0.8892225027084351, 2.181091785430908, 2.6676676273345947, 2.9529199600219727, 4.949421405792236, 6.945922374725342], [-0.5078000426292419, -1.2577999830245972, 6.992199897766113, 2.0078001022338867, 1.4960999488830566, 3.0, 1.9843997955322266]],
    ],
    buffers: [[0.2626965641975403, -0.41719162464141846, 0.7880896329879761, 2.464663028717041, 0.13525182008743286, -2.194159507751465], [2.359999895095825, 2.359999895095825, 2.359999895095825, -2.359999895095825, 1.1799999475479126, 0.0, 4.71999979019165]],
  },
  'sgd-decay': {
    steps: [
      [[0.9890000224113464, 2.0179998874664307, 2.9670000076293945, 3.8959999084472656, 4.994999885559082, 6.093999862670898], [0.3995000123977661, -0.34975001215934753, 7.892000198364258, 1.0989999771118164, 1.9479999542236328, 2.996999979019165, 3.7960000038146973]],
      [[0.991005539894104, 2.011990785598755, 2.9730165004730225, 3.9190518856048584, 4.992502212524414, 6.065952777862549], [0.42430025339126587, -0.32457512617111206, 7.9130539894104, 1.0734504461288452, 1.9595259428024292, 2.9955015182495117, 3.844101905822754]],
      [[0.9490235447883606, 2.0879669189453125, 2.8470704555511475, 3.511213779449463, 4.982517242431641, 6.453820705413818], [0.02345166727900505, -0.7239260077476501, 7.497227668762207, 1.4713035821914673, 1.7556068897247314, 2.9895105361938477, 3.0364136695861816]],
    ],
    buffers: [],
  },
  'adam-decay-excluded': {
    steps: [
      [[0.9000000357627869, 2.0999999046325684, 2.9000000953674316, 3.9000000953674316, 4.900000095367432, 6.099999904632568], [0.4000000059604645, -0.3499999940395355, 7.900000095367432, 1.100000023841858, 1.899999976158142, 3.0, 3.9000000953674316]],
      [[0.8816092014312744, 2.1070358753204346, 2.881361246109009, 3.884458065032959, 4.850028991699219, 6.109690189361572], [0.3866831660270691, -0.3633168339729309, 7.886683464050293, 1.1133168935775757, 1.8866831064224243, 3.0, 3.886683225631714]],
      [[0.7423674464225769, 2.228743076324463, 2.7417140007019043, 3.749464273452759, 4.6502556800842285, 6.235690116882324], [0.2550608515739441, -0.4949391484260559, 7.755061149597168, 1.2449392080307007, 1.7550607919692993, 3.0, 3.755060911178589]],
    ],
    buffers: [[0.0261016096919775, -0.04158296436071396, 0.07872136682271957, 0.24663445353507996, 0.013310028240084648, -0.2195403128862381], [5.735929880756885e-05, 0.00019054928270634264, 0.0005187153001315892, 0.0054486338049173355, 7.2458792601537425e-06, 0.004955585580319166], [0.23600000143051147, 0.23600000143051147, 0.23600000143051147, -0.23600000143051147, 0.11800000071525574, 0.0, 0.47200000286102295], [0.005247751250863075, 0.005247751250863075, 0.005247751250863075, 0.005247751250863075, 0.0013119378127157688, 0.0, 0.0209910050034523]],
  },
  'adamw': {
    steps: [
      [[0.8899999856948853, 2.0799999237060547, 2.870000123977661, 3.8600001335144043, 4.949999809265137, 6.039999961853027], [0.39500001072883606, -0.3474999964237213, 7.820000171661377, 1.090000033378601, 1.8799999952316284, 2.9700000286102295, 3.8600001335144043]],
      [[0.8722330927848816, 2.082916736602783, 2.8423333168029785, 3.827383279800415, 4.925250053405762, 6.023116588592529], [0.3797081708908081, -0.3590793311595917, 7.76758337020874, 1.0978668928146362, 1.857283115386963, 2.9551501274108887, 3.827383279800415]],
      [[0.7231661081314087, 2.1728806495666504, 2.6538643836975098, 3.619213342666626, 4.82674503326416, 6.034276485443115], [0.24049167335033417, -0.4835200905799866, 7.48060941696167, 1.2075319290161133, 1.6885151863098145, 2.8960471153259277, 3.619213342666626]],
    ],
    buffers: [[0.023600000888109207, -0.047200001776218414, 0.07079999893903732, 0.23600000143051147, 0.0, -0.23600000143051147], [5.2477513236226514e-05, 0.00020991005294490606, 0.00047229763003997505, 0.005247751250863075, 0.0, 0.005247751250863075], [0.23600000143051147, 0.23600000143051147, 0.23600000143051147, -0.23600000143051147, 0.11800000071525574, 0.0, 0.47200000286102295], [0.005247751250863075, 0.005247751250863075, 0.005247751250863075, 0.005247751250863075, 0.0013119378127157688, 0.0, 0.0209910050034523]],
  },
};

/** The cases of the fixture script: optimizer, weight decay, and whether p2 is left out of the decay. */
const CASES: Record<string, { optimizer: OptimizerRecipe; weightDecay: number; excludeP2: boolean }> = {
  'sgd-momentum': { optimizer: { kind: 'sgd', momentum: 0.9, nesterov: false }, weightDecay: 0, excludeP2: false },
  'sgd-nesterov-decay-excluded': { optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true }, weightDecay: 1e-2, excludeP2: true },
  'sgd-decay': { optimizer: { kind: 'sgd', momentum: 0, nesterov: false }, weightDecay: 1e-2, excludeP2: false },
  'adam-decay-excluded': { optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }, weightDecay: 1e-2, excludeP2: true },
  adamw: { optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8 }, weightDecay: 0.1, excludeP2: false },
};

const P1 = [[1, 2, 3], [4, 5, 6]];
const P2 = [0.5, -0.25, 8, 1, 2, 3, 4];
const G1 = [[0.1, -0.2, 0.3], [1, 0, -1]];
const G2 = [1, 1, 1, -1, 0.5, 0, 2];
const SCALE = [1, -0.5, 2];
const LRS = [0.1, 0.05, 0.2];

interface Run {
  steps: number[][][];
  buffers: number[][];
  kernels: string[][];
  leaked: number;
}

/**
 * The fixture's three steps of case `name` on the active backend, through the kernels ('auto') or plain TF.js ops
 * ('reference'); with `restartAfter` k, the optimizer's state is saved before step k + 1 and loaded into a new one.
 */
async function run(name: string, path: OpPath, restartAfter: number | null = null): Promise<Run> {
  const c = CASES[name]!;
  const p1 = tf.variable(tf.tensor2d(P1), true);
  const p2 = tf.variable(tf.tensor1d(P2), true);
  const params = [{ variable: p1, decay: true }, { variable: p2, decay: !c.excludeP2 }];
  const before = tf.memory().numTensors;
  let optimizer: RecipeOptimizer = createOptimizer(c, params, LRS[0]!, path);
  const out: Run = { steps: [], buffers: [], kernels: [], leaked: 0 };
  for (const [k, lr] of LRS.entries()) {
    if (k === restartAfter) {
      const state = optimizer.saveState();
      optimizer.dispose();
      optimizer = createOptimizer(c, params, lr, path);
      optimizer.loadState({ iterations: state.iterations, buffers: state.buffers.slice() });
    }
    optimizer.learningRate = lr;
    const grads = tf.tidy(() => ({ [p1.name]: tf.mul(tf.tensor2d(G1), SCALE[k]!), [p2.name]: tf.mul(tf.tensor1d(G2), SCALE[k]!) }));
    const profile = await tf.profile(() => optimizer.applyGradients(grads));
    out.kernels.push(profile.kernels.map((kernel) => kernel.name));
    tf.dispose(Object.values(grads));
    out.steps.push([Array.from(p1.dataSync()), Array.from(p2.dataSync())]);
  }
  const state = optimizer.saveState();
  assert.equal(state.iterations, 3);
  const sizes = [6, 7];
  const perVariable = state.buffers.length / 13;
  for (let v = 0, offset = 0; v < 2; v++) {
    for (let b = 0; b < perVariable; b++) {
      out.buffers.push(Array.from(state.buffers.subarray(offset, offset + sizes[v]!)));
      offset += sizes[v]!;
    }
  }
  // torch lists p1's buffers then p2's; for Adam each as exp_avg, exp_avg_sq, as saveState orders them.
  out.leaked = tf.memory().numTensors - before - perVariable * 2;
  optimizer.dispose();
  tf.dispose([p1, p2]);
  return out;
}

/** Agreement with PyTorch: within 4 float32 steps of the larger value (torch's CPU kernels fuse multiply-adds). */
function closeToTorch(got: number[], want: number[], what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((x, i) => {
    const tolerance = 4 * 2 ** -23 * Math.max(Math.abs(want[i]!), 1e-3);
    assert.ok(Math.abs(x - want[i]!) <= tolerance, `${what}[${i}]: ${x}, PyTorch ${want[i]}`);
  });
}

describe('engine/optimizer', () => {
  before(async () => {
    await initBackend('cpu');
    await initBackend('wasm');
  });

  for (const name of Object.keys(CASES)) {
    it(`${name}: PyTorch's values on wasm, cpu and the plain TF.js path; the kernels equal that path bit for bit`, async () => {
      await tf.setBackend('cpu');
      const reference = await run(name, 'reference');
      for (const [k, step] of TORCH[name]!.steps.entries()) {
        step.forEach((want, v) => closeToTorch(reference.steps[k]![v]!, want, `reference step ${k + 1} p${v + 1}`));
      }
      TORCH[name]!.buffers.forEach((want, b) => closeToTorch(reference.buffers[b]!, want, `reference buffer ${b}`));
      assert.equal(reference.leaked, 0, 'the plain path left tensors behind');
      const kernel = CASES[name]!.optimizer.kind === 'sgd' ? 'NetspaceSgdStep' : 'NetspaceAdamStep';
      for (const backend of ['wasm', 'cpu'] as const) {
        await tf.setBackend(backend);
        const fused = await run(name, 'auto');
        assert.deepEqual(fused.kernels, [[kernel], [kernel], [kernel]], `${backend}: one kernel call per update for both variables`);
        assert.deepEqual(fused.steps, reference.steps, `${backend}: the weights of every step`);
        assert.deepEqual(fused.buffers, reference.buffers, `${backend}: the buffers`);
        assert.equal(fused.leaked, 0, `${backend}: the update left tensors behind`);
      }
    });
  }

  it('continues exactly from a saved state: buffers and step count (Adam bias correction) go into a new optimizer', async () => {
    for (const name of ['sgd-nesterov-decay-excluded', 'adamw']) {
      for (const backend of ['wasm', 'cpu'] as const) {
        await tf.setBackend(backend);
        const whole = await run(name, 'auto');
        const restarted = await run(name, 'auto', 2);
        assert.deepEqual(restarted.steps, whole.steps, `${name} on ${backend}`);
        assert.deepEqual(restarted.buffers, whole.buffers, `${name} on ${backend}`);
      }
    }
  });

  it("equals TF.js's own momentum and Adam optimizers where the formulas are the same (no weight decay)", async () => {
    await tf.setBackend('cpu');
    const cases = [
      { optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true } as const, make: () => tf.train.momentum(0.1, 0.9, true) },
      { optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const, make: () => tf.train.adam(0.1, 0.9, 0.999, 1e-8) },
    ];
    for (const { optimizer, make } of cases) {
      const ours = [tf.variable(tf.tensor2d(P1)), tf.variable(tf.tensor1d(P2))];
      const theirs = [tf.variable(tf.tensor2d(P1)), tf.variable(tf.tensor1d(P2))];
      const a = createOptimizer({ optimizer, weightDecay: 0 }, ours.map((variable) => ({ variable, decay: true })), 0.1);
      const b = make();
      for (const scale of SCALE) {
        const grads = (vs: tf.Variable[]): { name: string; tensor: tf.Tensor }[] =>
          tf.tidy(() => [{ name: vs[0]!.name, tensor: tf.mul(tf.tensor2d(G1), scale) }, { name: vs[1]!.name, tensor: tf.mul(tf.tensor1d(G2), scale) }]);
        const ga = grads(ours);
        const gb = grads(theirs);
        a.applyGradients(ga);
        b.applyGradients(gb);
        tf.dispose([...ga, ...gb].map((g) => g.tensor));
      }
      ours.forEach((v, i) => {
        const got = Array.from(v.dataSync());
        const want = Array.from(theirs[i]!.dataSync());
        // TF.js's Adam keeps beta2^t in float32: 1 - 0.999f is 0.00099998713, 1.3e-5 off 0.001, which moves its
        // denominator by ~6.5e-6 relative (torch works the bias corrections out in double, as we do).
        const tolerance = optimizer.kind === 'adam' ? 2e-5 : 1e-6;
        got.forEach((x, j) => assert.ok(Math.abs(x - want[j]!) <= tolerance * Math.max(1, Math.abs(want[j]!)), `${optimizer.kind} ${i}[${j}]: ${x} vs TF.js ${want[j]}`));
      });
      a.dispose();
      b.dispose();
      tf.dispose([...ours, ...theirs]);
    }
  });

  it("runs the chapter's plain SGD as the one NetspaceSgdUpdate call it was", async () => {
    await tf.setBackend('wasm');
    const v = tf.variable(tf.tensor1d(P2));
    const optimizer = createOptimizer({ optimizer: { kind: 'sgd', momentum: 0, nesterov: false }, weightDecay: 0 }, [{ variable: v, decay: true }], 0.5);
    const g: tf.NamedTensorMap = { [v.name]: tf.tensor1d(G2) };
    const { kernels } = await tf.profile(() => optimizer.applyGradients(g));
    assert.deepEqual(kernels.map((k) => k.name), ['NetspaceSgdUpdate']);
    assert.deepEqual(Array.from(v.dataSync()), P2.map((p, i) => Math.fround(p - Math.fround(0.5 * G2[i]!))));
    assert.equal(optimizer.saveState().buffers.length, 0, 'plain SGD keeps no buffers');
    optimizer.dispose();
    tf.dispose([v, ...Object.values(g)]);
  });
});
