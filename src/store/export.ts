// `sweep export`: one row per run of a sweep, as CSV (flat, sampled parameters in columns) or JSON (with epochs).
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { readStore } from './store.ts';
import type { RunRecord, SweepRecord } from '../core/types.ts';

export type ExportFormat = 'csv' | 'json';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json'];

/** The flat columns of every row, in order; CSV adds one `sampled.<param>` column per sampled parameter after them. */
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
  'config',
] as const;

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
    config: JSON.stringify(run.config),
  };
}

/** RFC 4180: quote a field holding a comma, quote, CR or LF, doubling its quotes. */
function csvField(value: Cell): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV with a header; list-valued sampled parameters (per stage) are joined with spaces. */
export function sweepToCsv(sweep: SweepRecord): string {
  const sampledKeys = [...new Set(sweep.runs.flatMap((r) => Object.keys(r.sampled)))].sort();
  const header = [...EXPORT_COLUMNS, ...sampledKeys.map((k) => `sampled.${k}`)];
  const lines = [header.map(csvField).join(',')];
  for (const run of sweep.runs) {
    const flat = flatRow(sweep.name, run);
    const sampled = sampledKeys.map((k) => {
      const v = run.sampled[k];
      return v === undefined ? null : Array.isArray(v) ? v.join(' ') : v;
    });
    lines.push([...EXPORT_COLUMNS.map((c) => flat[c]), ...sampled].map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** NaN (a diverged epoch's loss) has no JSON form: null. */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
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
