// The one parser of training settings: a sweep spec's `train` section, `netspace train`/`baseline` options and any
// future entry go through it, so the same value gets the same bounds and the same message everywhere.
import type { Recipe } from '../core/recipe.ts';
import type { TrainSettings } from '../core/types.ts';
import { DATASET_NAMES, DATASETS, DEFAULT_DATASET, type DatasetName } from '../data/datasets.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { isDefaultRecipe, parseRecipe } from './recipe.ts';

/**
 * Where settings come from, which decides how a setting is named in messages: a spec file's `train` section
 * (`FILE: train.lr ...`) or command-line options (`--lr ...`).
 */
export type SettingsOrigin = { kind: 'spec'; source: string } | { kind: 'options' };

/** Settings as they are given: any subset of TrainSettings' keys, values unchecked. */
export type SettingsInput = Partial<Record<keyof TrainSettings, unknown>>;

/** Training defaults: Fashion-MNIST at its own 28 px, the chapter's batch 128, SGD lr 0.05, 10 epochs, all images. */
export const TRAIN_DEFAULTS: Readonly<TrainSettings> = Object.freeze({
  epochs: 10,
  resolution: 28,
  batchSize: 128,
  lr: 0.05,
  trainSize: null,
  valSize: null,
});

/** One setting: its command-line flag, its path in a sweep spec (default `train.<key>`), and what it accepts. */
interface SettingRule {
  flag: string;
  specPath?: string;
  /**
   * The checked value, or the problem (a phrase after the setting's name). `name` is the setting's full name in
   * messages, for settings with parts of their own that throw naming the part (the recipe).
   */
  parse(value: unknown, name: string): { value: unknown } | { problem: string };
}

const whole = (min: number, max: number) => (value: unknown) =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
    ? { value }
    : { problem: messages.settings.wholeNumberIn(value, min, max) };

/** Image counts: a whole number, or null / "all" for the whole split. */
const sizeOrAll = (min: number, max: number) => (value: unknown) =>
  value === null || value === 'all' ? { value: null } : whole(min, max)(value);

/** Bounds of every setting: generous, but each catches a typo before hours of training (lr 1e38, resolution 5000). */
export const SETTING_RULES: Readonly<Record<keyof TrainSettings, SettingRule>> = Object.freeze({
  epochs: { flag: 'epochs', parse: whole(1, 10_000) },
  resolution: { flag: 'resolution', parse: whole(8, 1024) },
  batchSize: { flag: 'batch', parse: whole(1, 65_536) },
  lr: {
    flag: 'lr',
    parse: (value: unknown) =>
      typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 10 ? { value } : { problem: messages.settings.learningRate(value) },
  },
  trainSize: { flag: 'train-size', parse: sizeOrAll(10, 10_000_000) },
  valSize: { flag: 'val-size', parse: sizeOrAll(10, 10_000_000) },
  microBatch: { flag: 'micro-batch', parse: (value: unknown) => (value === null ? { value } : whole(1, 65_536)(value)) },
  recipe: { flag: 'recipe', parse: (value: unknown, name: string) => ({ value: parseRecipe(value, name) }) },
  dataset: {
    flag: 'dataset',
    specPath: 'dataset',
    parse: (value: unknown) =>
      typeof value === 'string' && (DATASET_NAMES as readonly string[]).includes(value)
        ? { value }
        : { problem: messages.settings.dataset(value, DATASET_NAMES) },
  },
});

/** How `origin` names the setting `key`: `train.lr` in a spec, `--lr` on the command line. */
export function settingName(key: keyof TrainSettings, origin: SettingsOrigin): string {
  return origin.kind === 'spec' ? (SETTING_RULES[key].specPath ?? `train.${key}`) : `--${SETTING_RULES[key].flag}`;
}

/** The setting as a message starts with it: `FILE: train.lr` for a spec, `--lr` for options. */
function fullName(key: keyof TrainSettings, origin: SettingsOrigin): string {
  const name = settingName(key, origin);
  return origin.kind === 'spec' ? `${origin.source}: ${name}` : name;
}

/** Throws the NetspaceError for `problem` with setting `key` as `origin` names it. */
export function settingError(key: keyof TrainSettings, origin: SettingsOrigin, problem: string): never {
  throw new NetspaceError(`${fullName(key, origin)} ${problem}`);
}

/**
 * Checks `input` merged over `defaults` and returns complete settings, or throws a NetspaceError naming the setting
 * as `origin` spells it, the allowed range and the value. `microBatch` is kept only when given (not null), so that
 * settings without it keep the identity they were stored with.
 */
export function parseTrainSettings(input: SettingsInput, defaults: Readonly<TrainSettings>, origin: SettingsOrigin): TrainSettings {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(input)) if (value !== undefined) merged[key] = value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(SETTING_RULES) as (keyof TrainSettings)[]) {
    if (!(key in merged)) continue;
    const parsed = SETTING_RULES[key].parse(merged[key], fullName(key, origin));
    if ('problem' in parsed) settingError(key, origin, parsed.problem);
    out[key] = parsed.value;
  }
  // Kept only when they say something, so that settings stored without them keep their identity.
  if (out.microBatch === null) delete out.microBatch;
  // The chapter's recipe is stored as no recipe, so that settings keep the identity they had before recipes.
  if (out.recipe !== undefined && isDefaultRecipe(out.recipe as Recipe)) delete out.recipe;
  if (out.dataset === DEFAULT_DATASET) delete out.dataset;
  const settings = out as unknown as TrainSettings;
  if (settings.microBatch != null && settings.microBatch > settings.batchSize) {
    settingError('microBatch', origin, messages.settings.microBatchAboveBatch(settings.microBatch, settings.batchSize));
  }
  // A flip is refused where a mirror image can change the class (digits), before any run is stored.
  const dataset = DATASETS[(settings.dataset ?? DEFAULT_DATASET) as DatasetName];
  if (settings.recipe?.augmentation.horizontalFlip === true && !dataset.flipKeepsClass) {
    if (origin.kind === 'options') throw new NetspaceError(messages.settings.flipOption(dataset.title));
    settingError('recipe', origin, messages.settings.flipForDataset(dataset.title));
  }
  return settings;
}

/** What a dataset holds, for the checks that depend on it (data/ describes each dataset). */
export interface DataLimits {
  /** Dataset name, as messages show it. */
  name: string;
  trainImages: number;
  testImages: number;
}

/**
 * Checks the settings that depend on the data once it is known (a training or validation subset larger than its
 * split), before any run is marked: a user mistake, not a failed run.
 */
export function checkSettingsForData(settings: TrainSettings, data: DataLimits, origin: SettingsOrigin): void {
  if (settings.trainSize !== null && settings.trainSize > data.trainImages) {
    settingError('trainSize', origin, messages.settings.moreThanSplit(settings.trainSize, data.name, 'training', data.trainImages));
  }
  if (settings.valSize !== null && settings.valSize > data.testImages) {
    settingError('valSize', origin, messages.settings.moreThanSplit(settings.valSize, data.name, 'test (validation)', data.testImages));
  }
}
