// The canonical key of a model config: one stable string per distinct network, for deduplication and UNIQUE keys.
import { bottleneckWidth, type AnyNetConfig } from './config.ts';

/**
 * A stable, shell-safe string naming the network `config` builds, e.g. `in1_stem32_out10_bias_d4w32b32g16_d6w80b80g16`
 * for RegNet32: input channels, stem width, classes, conv bias, then per stage depth d, width w, bottleneck width b
 * (channels) and group width g. It reads the fields, never the key order of the object, so equal configs give equal
 * keys however they were written; the bottleneck enters as the channel count the model builds, so multipliers that
 * round to the same bottleneck (0.5 and 0.51 of 32) give the same key, as they give the same model.
 */
export function canonicalKey(config: AnyNetConfig): string {
  let key = `in${config.inputChannels}_stem${config.stemWidth}_out${config.numClasses}_${config.convBias ? 'bias' : 'nobias'}`;
  for (const stage of config.stages) {
    key += `_d${stage.depth}w${stage.width}b${bottleneckWidth(stage)}g${stage.groupWidth}`;
  }
  return key;
}
