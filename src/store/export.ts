// `sweep export`: one row per run of a sweep, as tidy CSV (one column per scalar, documented in docs/export.md) or JSON.
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { flatParameters } from '../space/domains.ts';
import { readStore } from './store.ts';
import type { RunRecord, SweepRecord } from '../core/types.ts';

export type ExportFormat = 'csv' | 'json';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json'];

/**
 * The columns every row has, in order (docs/export.md describes each). CSV adds after them the model's shape
 * (MODEL_COLUMNS, then stage<i>_<field> per stage) and one param_<name> column per drawn parameter.
 */
export const EXPORT_COLUMNS = [
  'sweep',
  'id',
  'space',
  'configKey',
  'status',
  'failureKind',
  'finalError',
  'bestError',
  'epochs',
  'flops',
  'params',
  'acts',
  'seed',
  'backend',
  'engine',
  'device',
  'seconds',
  'startedAt',
  'finishedAt',
  'errorText',
  'epochsPlanned',
  'resolution',
  'batchSize',
  'lr',
  'trainSize',
  'valSize',
] as const;

/** The model's scalars before its per-stage columns stage<i>_depth, _width, _groupWidth, _bottleneckMultiplier. */
export const MODEL_COLUMNS = ['inputChannels', 'stemWidth', 'numClasses', 'stages'] as const;

/** The per-stage fields, each a column stage<i>_<field> for i from 1. */
export const STAGE_FIELDS = ['depth', 'width', 'groupWidth', 'bottleneckMultiplier'] as const;

/**
 * A number as stored, without the noise of binary arithmetic: 1 - 0.42 is 0.5800000000000001 in doubles, exported as
 * 0.58. Twelve significant digits keep every digit a stored value carries (errors are counts over at most 10^6
 * images; losses are float32, 7 digits).
 */
export function tidyNumber(x: number): number {
  return Number.isInteger(x) || !Number.isFinite(x) ? x : Number(x.toPrecision(12));
}

type Column = (typeof EXPORT_COLUMNS)[number];
type Cell = string | number | null;

/** Lowest validation error over the run's epochs (the final error is the last epoch's). */
function bestError(run: RunRecord): number | null {
  const errors = run.epochs.map((e) => 1 - e.valAccuracy).filter((x) => Number.isFinite(x));
  return errors.length === 0 ? null : Math.min(...errors);
}

function flatRow(sweep: string, run: RunRecord): Record<Column, Cell> {
  return {
    sweep,
    id: run.id,
    space: run.space,
    configKey: run.configKey,
    status: run.status,
    failureKind: run.failureKind,
    finalError: run.finalError,
    bestError: bestError(run),
    epochs: run.epochs.length,
    flops: run.flops,
    params: run.params,
    acts: run.acts,
    seed: run.seed,
    backend: run.backend,
    engine: run.engine,
    device: run.device,
    seconds: run.seconds,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    errorText: run.errorText,
    epochsPlanned: run.settings.epochs,
    resolution: run.settings.resolution,
    batchSize: run.settings.batchSize,
    lr: run.settings.lr,
    trainSize: run.settings.trainSize,
    valSize: run.settings.valSize,
  };
}

/** RFC 4180: quote a field holding a comma, quote, CR or LF, doubling its quotes. Numbers go out tidy. */
function csvField(value: Cell): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(tidyNumber(value)) : '') : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The drawn parameters of a run as the space's domains name them (d1, w2, g, w0, ...): stored, or read from sampled. */
function drawnParameters(run: RunRecord): Record<string, number> {
  return Object.keys(run.parameters).length > 0 ? run.parameters : flatParameters(run.sampled);
}

/**
 * Tidy CSV with a header, one row per run and one column per scalar, for pandas.read_csv as it is: the columns of
 * EXPORT_COLUMNS, the model's (MODEL_COLUMNS, then stage<i>_<field> for each stage up to the deepest model's), then
 * param_<name> for each drawn parameter in the order the runs first name them. Empty cells where a run has no value.
 */
export function sweepToCsv(sweep: SweepRecord): string {
  const stages = Math.max(0, ...sweep.runs.map((r) => r.config.stages.length));
  const stageColumns = Array.from({ length: stages }, (_, i) => STAGE_FIELDS.map((f) => `stage${i + 1}_${f}`)).flat();
  const drawn = sweep.runs.map(drawnParameters);
  const params = [...new Set(drawn.flatMap((p) => Object.keys(p)))];
  const header = [...EXPORT_COLUMNS, ...MODEL_COLUMNS, ...stageColumns, ...params.map((k) => `param_${k}`)];
  const lines = [header.map(csvField).join(',')];
  sweep.runs.forEach((run, k) => {
    const flat = flatRow(sweep.name, run);
    const c = run.config;
    const model = [c.inputChannels, c.stemWidth, c.numClasses, c.stages.length];
    const perStage = Array.from({ length: stages }, (_, i) => STAGE_FIELDS.map((f) => c.stages[i]?.[f] ?? null)).flat();
    const values = params.map((p) => drawn[k]![p] ?? null);
    lines.push([...EXPORT_COLUMNS.map((col) => flat[col]), ...model, ...perStage, ...values].map(csvField).join(','));
  });
  return `${lines.join('\r\n')}\r\n`;
}

/** NaN (a diverged epoch's loss) has no JSON form: null; other numbers go out tidy. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value !== 'number') return value;
  return Number.isFinite(value) ? tidyNumber(value) : null;
}

/** A JSON array, one object per run: the flat columns, with config, sampled, parameters, settings and epochs as objects. */
export function sweepToJson(sweep: SweepRecord): string {
  const rows = sweep.runs.map((run) => ({
    ...flatRow(sweep.name, run),
    config: run.config,
    sampled: run.sampled,
    parameters: run.parameters,
    settings: run.settings,
    epochs: run.epochs,
  }));
  return `${JSON.stringify(rows, jsonSafe, 2)}\n`;
}

/** Reads sweep `name` (read-only, safe while it is being written) and renders it in `format`. */
export function exportSweep(dbPath: string, name: string, format: ExportFormat): string {
  if (!EXPORT_FORMATS.includes(format)) throw new NetspaceError(messages.store.exportFormat(format, EXPORT_FORMATS));
  const sweep = readStore(dbPath, (store) => store.readSweep(name));
  return format === 'csv' ? sweepToCsv(sweep) : sweepToJson(sweep);
}
