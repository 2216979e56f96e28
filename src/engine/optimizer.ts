// The recipe's optimizer (SGD with momentum, Nesterov and weight decay; Adam; AdamW): one kernel call per update on
// backends with the engine's kernels, standard TF.js ops elsewhere, and a state that goes into checkpoints.
import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerRecipe, Recipe } from '../core/recipe.ts';
import type { OpPath } from '../model/ops.ts';
import { ADAM_STEP, SGD_STEP, SGD_UPDATE, type AdamStepAttrs, type SgdStepAttrs } from './kernels.ts';

/** A variable the optimizer trains, and whether the recipe's weight decay applies to it. */
export interface OptimizerParam {
  variable: tf.Variable;
  decay: boolean;
}

/** What the optimizer holds besides the weights: enough to continue exactly where it stopped. */
export interface OptimizerState {
  /** Updates applied so far (Adam's t). */
  iterations: number;
  /** Every buffer (SGD's momentum, Adam's two moments), variable after variable in the order given, float32. */
  buffers: Float32Array;
}

/** Buffers each variable needs. */
const BUFFERS: Record<OptimizerRecipe['kind'], (o: OptimizerRecipe) => number> = {
  sgd: (o) => (o.kind === 'sgd' && o.momentum > 0 ? 1 : 0),
  adam: () => 2,
  adamw: () => 2,
};

type Named = tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[];

/**
 * The recipe's optimizer over a fixed list of variables, as torch.optim.SGD (dampening 0), Adam and AdamW compute
 * their updates (the formulas are in simd-kernels.as sgdStep and adamStep; PyTorch 1.13 torch/optim/*.py). Where the
 * active backend has the engine's kernels (wasm, cpu) all variables are updated in one kernel call: NetspaceSgdUpdate
 * for plain SGD without decay (the chapter's recipe, bit for bit what it was), NetspaceSgdStep or NetspaceAdamStep
 * otherwise. Elsewhere (tensorflow, or `path` 'reference') the same formulas run as standard TF.js ops per variable:
 * the reference the kernels are tested against, and the hook for a backend that registers SGD_STEP or ADAM_STEP with
 * native ops of its own (they are then used, as on wasm). Set `learningRate` before each step (train/lr-schedule.ts).
 */
export class RecipeOptimizer extends tf.Optimizer {
  /** Learning rate of the next update. */
  learningRate: number;
  private readonly buffers: tf.Variable[][];
  private readonly index: Map<string, number>;

  constructor(
    private readonly recipe: Pick<Recipe, 'optimizer' | 'weightDecay'>,
    private readonly params: readonly OptimizerParam[],
    learningRate: number,
    private readonly path: OpPath = 'auto',
  ) {
    super();
    this.learningRate = learningRate;
    this.index = new Map(params.map((p, i) => [p.variable.name, i]));
    const count = BUFFERS[recipe.optimizer.kind](recipe.optimizer);
    this.buffers = params.map(({ variable }) => Array.from({ length: count }, () => tf.tidy(() => tf.variable(tf.zerosLike(variable), false))));
  }

  static get className(): string {
    return 'NetspaceRecipeOptimizer';
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.recipe.optimizer, weightDecay: this.recipe.weightDecay, learningRate: this.learningRate };
  }

  private decayOf(i: number): number {
    return this.params[i]!.decay ? this.recipe.weightDecay : 0;
  }

  override applyGradients(variableGradients: Named): void {
    const entries = Array.isArray(variableGradients) ? variableGradients.map((v) => [v.name, v.tensor] as const) : Object.entries(variableGradients);
    const given = entries
      .filter(([, g]) => g != null)
      .map(([name, gradient]) => {
        const i = this.index.get(name);
        if (i === undefined) throw new Error(`optimizer: variable ${name} is not one of the ${this.params.length} it trains`);
        return { i, gradient };
      });
    const o = this.recipe.optimizer;
    if (o.kind === 'sgd') this.sgd(o.momentum, o.nesterov, given);
    else this.adam(o.kind === 'adamw', o.beta1, o.beta2, o.eps, given);
    this.incrementIterations();
  }

  private hasKernel(name: string): boolean {
    return this.path === 'auto' && tf.getKernel(name, tf.getBackend()) !== undefined;
  }

  /** Runs `kernel` over the given variables and assigns its outputs: `perVariable` of them, the variable's new value first. */
  private runFused(kernel: string, inputs: tf.NamedTensorMap, attrs: object, given: readonly { i: number }[], perVariable: number): void {
    const outputs = tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor[];
    given.forEach(({ i }, k) => {
      const targets = [this.params[i]!.variable, ...this.buffers[i]!].slice(0, perVariable);
      targets.forEach((target, j) => target.assign(outputs[k * perVariable + j]!));
    });
    tf.dispose(outputs);
  }

  private sgd(momentum: number, nesterov: boolean, given: readonly { i: number; gradient: tf.Tensor }[]): void {
    const lr = this.learningRate;
    const decays = given.map(({ i }) => this.decayOf(i));
    const inputs: tf.NamedTensorMap = {};
    given.forEach(({ i, gradient }, k) => {
      inputs[`v${k}`] = this.params[i]!.variable;
      inputs[`g${k}`] = gradient;
      if (momentum !== 0) inputs[`b${k}`] = this.buffers[i]![0]!;
    });
    if (momentum === 0 && decays.every((d) => d === 0) && this.hasKernel(SGD_UPDATE)) {
      this.runFused(SGD_UPDATE, inputs, { learningRate: lr }, given, 1);
      return;
    }
    if (this.hasKernel(SGD_STEP)) {
      const attrs: SgdStepAttrs = { learningRate: lr, momentum, nesterov, decays };
      this.runFused(SGD_STEP, inputs, attrs, given, momentum === 0 ? 1 : 2);
      return;
    }
    for (const [k, { i, gradient }] of given.entries()) {
      tf.tidy(() => {
        const v = this.params[i]!.variable;
        const d = decays[k] === 0 ? gradient : tf.add(gradient, tf.mul(tf.scalar(decays[k]!), v));
        let step = d;
        if (momentum !== 0) {
          const buffer = this.buffers[i]![0]!;
          const next = tf.add(tf.mul(buffer, tf.scalar(momentum)), d);
          buffer.assign(next);
          step = nesterov ? tf.add(d, tf.mul(tf.scalar(momentum), next)) : next;
        }
        v.assign(tf.sub(v, tf.mul(tf.scalar(lr), step)));
      });
    }
  }

  private adam(decoupled: boolean, beta1: number, beta2: number, eps: number, given: readonly { i: number; gradient: tf.Tensor }[]): void {
    // torch works these scalars out in double from the step count t (this update's), then applies them to float32.
    const t = this.iterations + 1;
    const lr = this.learningRate;
    const stepSize = lr / (1 - beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
    const l2 = given.map(({ i }) => (decoupled ? 0 : this.decayOf(i)));
    const keep = given.map(({ i }) => (decoupled ? 1 - lr * this.decayOf(i) : 1));
    if (this.hasKernel(ADAM_STEP)) {
      const inputs: tf.NamedTensorMap = {};
      given.forEach(({ i, gradient }, k) => {
        inputs[`v${k}`] = this.params[i]!.variable;
        inputs[`g${k}`] = gradient;
        inputs[`m${k}`] = this.buffers[i]![0]!;
        inputs[`s${k}`] = this.buffers[i]![1]!;
      });
      const attrs: AdamStepAttrs = { stepSize, bc2Sqrt, eps, beta1, beta2, l2, keep };
      this.runFused(ADAM_STEP, inputs, attrs, given, 3);
      return;
    }
    for (const [k, { i, gradient }] of given.entries()) {
      tf.tidy(() => {
        const v = this.params[i]!.variable;
        const [m, s] = this.buffers[i]! as [tf.Variable, tf.Variable];
        const d = l2[k] === 0 ? gradient : tf.add(gradient, tf.mul(tf.scalar(l2[k]!), v));
        const nm = tf.add(tf.mul(m, tf.scalar(beta1)), tf.mul(tf.scalar(1 - beta1), d));
        const ns = tf.add(tf.mul(s, tf.scalar(beta2)), tf.mul(tf.mul(tf.scalar(1 - beta2), d), d));
        const denom = tf.add(tf.div(tf.sqrt(ns), tf.scalar(bc2Sqrt)), tf.scalar(eps));
        const kept = keep[k] === 1 ? v : tf.mul(v, tf.scalar(keep[k]!));
        m.assign(nm);
        s.assign(ns);
        v.assign(tf.sub(kept, tf.div(tf.mul(tf.scalar(stepSize), nm), denom)));
      });
    }
  }

  /** The state to checkpoint: iterations and every buffer as float32 (read from the backend). */
  saveState(): OptimizerState {
    const all = this.buffers.flat();
    const buffers = new Float32Array(all.reduce((n, b) => n + b.size, 0));
    let offset = 0;
    for (const b of all) {
      buffers.set(b.dataSync() as Float32Array, offset);
      offset += b.size;
    }
    return { iterations: this.iterations, buffers };
  }

  /** Puts back a state saved by saveState of an optimizer with the same recipe and variables. */
  loadState(state: OptimizerState): void {
    const all = this.buffers.flat();
    const expected = all.reduce((n, b) => n + b.size, 0);
    if (state.buffers.length !== expected) {
      throw new Error(`optimizer state holds ${state.buffers.length} values, this optimizer's buffers ${expected}`);
    }
    let offset = 0;
    for (const b of all) {
      tf.tidy(() => b.assign(tf.tensor(state.buffers.subarray(offset, offset + b.size), b.shape)));
      offset += b.size;
    }
    this.iterations_ = state.iterations;
  }

  override dispose(): void {
    tf.dispose(this.buffers.flat());
    super.dispose();
  }
}

/**
 * The optimizer of `recipe` over `params` at `learningRate`: plain SGD for the chapter's recipe (one
 * NetspaceSgdUpdate call per step, as sgd() in sgd.ts), with momentum, Nesterov, weight decay, Adam or AdamW as the
 * recipe says.
 */
export function createOptimizer(
  recipe: Pick<Recipe, 'optimizer' | 'weightDecay'>,
  params: readonly OptimizerParam[],
  learningRate: number,
  path: OpPath = 'auto',
): RecipeOptimizer {
  return new RecipeOptimizer(recipe, params, learningRate, path);
}
