// Reading spaces from where users give them: names, JSON/YAML spec files, RegNet parameter strings.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { builtinSpaces } from './builtins.ts';
import { bottleneckMultiplier } from './config.ts';
import type { RegNetParams } from './regnet.ts';
import { sampleConfigs, type SampleOptions, type SampledConfig } from './sampler.ts';
import { parseSpaceSpec, type SpaceSpec } from './spec.ts';

const BUILTIN_NAMES = Object.keys(builtinSpaces);

/**
 * Reads a JSON (`.json`) or YAML (anything else; YAML also reads JSON) file, naming the file in every error (YAML's
 * errors also say the line and column). Space files and sweep specs are read through it.
 */
export function readDataFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new NetspaceError(messages.space.unreadable(path, (error as NodeJS.ErrnoException).code ?? String(error)));
  }
  const json = extname(path).toLowerCase() === '.json';
  try {
    return json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // The yaml package's first message line already says where: "... at line 2, column 1:".
    const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    throw new NetspaceError(messages.space.unparsable(path, json ? 'JSON' : 'YAML', reason));
  }
}

function fileExists(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/**
 * A design space by reference: a built-in name (AnyNetX_A..AnyNetX_E, RegNetX; case does not matter) or the path
 * of a JSON/YAML spec file (see parseSpaceSpec), whose space is named after the file unless it has a `name`.
 */
export function loadSpace(ref: string): SpaceSpec {
  const builtin = BUILTIN_NAMES.find((name) => name === ref) ?? BUILTIN_NAMES.find((name) => name.toLowerCase() === ref.toLowerCase());
  if (builtin !== undefined) return builtinSpaces[builtin as keyof typeof builtinSpaces];
  if (!fileExists(ref)) throw new NetspaceError(messages.space.unknownSpace(ref, BUILTIN_NAMES));
  const raw = readDataFile(ref);
  const named = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { name: basename(ref, extname(ref)), ...raw } : raw;
  return parseSpaceSpec(named, ref);
}

/** What `netspace sample` does: loadSpace, then sampleConfigs. */
export function sampleSpace(ref: string, options: SampleOptions): SampledConfig[] {
  return sampleConfigs(loadSpace(ref), options);
}

const REGNET_KEYS: Record<string, keyof RegNetParams | 'b'> = {
  d: 'depth',
  depth: 'depth',
  w0: 'w0',
  wa: 'wa',
  wm: 'wm',
  g: 'groupWidth',
  groupWidth: 'groupWidth',
  b: 'b',
};

/**
 * Reads RegNet parameters written as `d=22,w0=24,wa=24.48,wm=2.54,g=16` (b=, the bottleneck ratio, is optional
 * and 1 by default); all of d, w0, wa, wm and g are required.
 */
export function parseRegNetArgument(text: string): RegNetParams {
  const values: Partial<Record<keyof RegNetParams | 'b', number>> = {};
  for (const part of text.split(',')) {
    const [key, value, ...rest] = part.split('=').map((s) => s.trim());
    const field = key === undefined ? undefined : REGNET_KEYS[key];
    if (field === undefined || value === undefined || rest.length > 0) {
      throw new NetspaceError(messages.space.regnetPart(text, part));
    }
    const number = Number(value);
    if (value === '' || !Number.isFinite(number)) throw new NetspaceError(messages.space.regnetNotNumber(text, key, value));
    if (values[field] !== undefined) throw new NetspaceError(messages.space.regnetTwice(text, key));
    values[field] = number;
  }
  for (const key of ['d', 'w0', 'wa', 'wm', 'g'] as const) {
    if (values[REGNET_KEYS[key] as keyof RegNetParams] === undefined) throw new NetspaceError(messages.space.regnetMissing(text, key));
  }
  const { depth, w0, wa, wm, groupWidth, b } = values as Required<typeof values>;
  if (b !== undefined && b <= 0) throw new NetspaceError(messages.space.regnetRatio(text, b));
  return { depth, w0, wa, wm, groupWidth, bottleneckMultiplier: b === undefined ? 1 : bottleneckMultiplier(b) };
}

