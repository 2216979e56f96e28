// Named model configs: the d2l chapter's RegNet32, the model every baseline and benchmark trains.
import { existsSync, readFileSync } from 'node:fs';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { parseAnyNetConfig, type AnyNetConfig } from './config.ts';

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

/**
 * A model named on the command line: a preset name (`regnet32`) or a JSON file holding an AnyNetConfig.
 * Throws a NetspaceError naming the argument when it is neither, or the file's field when the config is bad.
 */
export function resolveModelConfig(nameOrPath: string): AnyNetConfig {
  const preset = PRESETS[nameOrPath.toLowerCase()];
  if (preset !== undefined) return structuredClone(preset) as AnyNetConfig;
  if (!existsSync(nameOrPath)) {
    throw new NetspaceError(messages.space.notPreset(nameOrPath, Object.keys(PRESETS)));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(nameOrPath, 'utf8'));
  } catch (error) {
    throw new NetspaceError(messages.space.unparsable(nameOrPath, 'JSON', (error as Error).message));
  }
  return parseAnyNetConfig(parsed, nameOrPath);
}
