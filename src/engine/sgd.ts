// Plain SGD whose update of all variables is one kernel call on backends with the engine's kernels.
import * as tf from '@tensorflow/tfjs-core';
import { activeBackendHasEngineKernels, SGD_UPDATE } from './kernels.ts';

/**
 * tf.train.sgd with the same update (v <- v - learningRate * g), done for every variable in one kernel call where
 * the engine's kernels run (TF.js's own spends a Multiply and an Add per variable: 268 calls for RegNet32).
 */
type NamedTensor = { name: string; tensor: tf.Tensor };

export class FusedSgdOptimizer extends tf.SGDOptimizer {
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    if (!activeBackendHasEngineKernels()) {
      super.applyGradients(variableGradients);
      return;
    }
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor] as const)
      : Object.entries(variableGradients);
    const registered = tf.engine().registeredVariables;
    const pairs = entries.filter(([, g]) => g != null).map(([name, g]) => ({ variable: registered[name]!, gradient: g }));
    const inputs: tf.NamedTensorMap = {};
    pairs.forEach(({ variable, gradient }, i) => {
      inputs[`v${i}`] = variable;
      inputs[`g${i}`] = gradient;
    });
    const updated = tf.engine().runKernel(SGD_UPDATE, inputs, { learningRate: this.learningRate }) as tf.Tensor[];
    pairs.forEach(({ variable }, i) => {
      variable.assign(updated[i]!);
      updated[i]!.dispose();
    });
    this.incrementIterations();
  }
}

/** The optimiser the trainer should use: plain SGD at `learningRate`. */
export function sgd(learningRate: number): tf.Optimizer {
  return new FusedSgdOptimizer(learningRate);
}
