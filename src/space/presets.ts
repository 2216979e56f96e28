// Named model configs: the d2l chapter's RegNet32, the model every baseline and benchmark trains.
import type { AnyNetConfig } from './config.ts';

/** RegNet32 from the d2l chapter: stem 32, group width 16, multiplier 1, depths [4, 6], widths [32, 80]. */
export const REGNET32: Readonly<AnyNetConfig> = Object.freeze({
  inputChannels: 1,
  stemWidth: 32,
  numClasses: 10,
  convBias: true,
  stages: [
    { depth: 4, width: 32, groupWidth: 16, bottleneckMultiplier: 1 },
    { depth: 6, width: 80, groupWidth: 16, bottleneckMultiplier: 1 },
  ],
});

/** Presets by the name the CLI accepts (`--model regnet32`). */
export const PRESETS: Readonly<Record<string, Readonly<AnyNetConfig>>> = Object.freeze({ regnet32: REGNET32 });
