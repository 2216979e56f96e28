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
 * A model named on the command line: a preset name (`regnet32`) or a JSON file holding an AnyNetConfig, or what
 * `netspace sample --json` writes: one sampled record ({space, key, config, ...}, its `config` taken) or an array of
 * them, one picked with `file.json#k` (k from 1, the `#` column of sample's table; a one-record array needs none).
 * Throws a NetspaceError naming the argument when it is neither, or the file's field when the config is bad.
 */
export function resolveModelConfig(nameOrPath: string): AnyNetConfig {
  const preset = PRESETS[nameOrPath.toLowerCase()];
  if (preset !== undefined) return structuredClone(preset) as AnyNetConfig;
  const pick = /^(.*)#(\d+)$/.exec(nameOrPath);
  const path = pick !== null && !existsSync(nameOrPath) ? pick[1]! : nameOrPath;
  const index = pick !== null && path !== nameOrPath ? Number(pick[2]) : null;
  if (!existsSync(path)) {
    throw new NetspaceError(messages.space.notPreset(nameOrPath, Object.keys(PRESETS)));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new NetspaceError(messages.space.unparsable(path, 'JSON', (error as Error).message));
  }
  return parseAnyNetConfig(...sampledConfig(parsed, path, index));
}

/** A sampled record's config (the field to parse and where it is), else the document itself. */
function sampledConfig(parsed: unknown, path: string, index: number | null): [unknown, string] {
  if (Array.isArray(parsed)) {
    if (index === null && parsed.length !== 1) throw new NetspaceError(messages.space.pickSampled(path, parsed.length));
    const k = index ?? 1;
    if (k < 1 || k > parsed.length) throw new NetspaceError(messages.space.pickSampled(path, parsed.length, k));
    return sampledConfig(parsed[k - 1], `${path}#${k}`, null);
  }
  if (index !== null) throw new NetspaceError(messages.space.pickSampled(path, 1, index));
  const record = parsed as { config?: unknown; key?: unknown } | null;
  const isRecord = typeof record === 'object' && record !== null && typeof record.config === 'object' && typeof record.key === 'string';
  return isRecord ? [record.config, `${path}: config`] : [parsed, path];
}
