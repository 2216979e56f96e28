// The smallest AnyNet the tests train and count: one stage of one block on a 1-channel input, 10 classes.
import type { AnyNetConfig, StageConfig } from '../../src/space/config.ts';

/** A one-block AnyNet (stem 8, width 16, group width 8, multiplier 1), with `stage` and `config` overriding fields. */
export function tinyAnyNet(stage: Partial<StageConfig> = {}, config: Partial<Omit<AnyNetConfig, 'stages'>> = {}): AnyNetConfig {
  return {
    inputChannels: 1,
    stemWidth: 8,
    numClasses: 10,
    convBias: true,
    ...config,
    stages: [{ depth: 1, width: 16, groupWidth: 8, bottleneckMultiplier: 1, ...stage }],
  };
}
