// The report's vega-lite specs made interactive for the dashboard: run tooltips, a brush over runs, a filter by the
// other charts' brushes. Pure: the specs stay the report's (one source), only marks' behaviour is added.
import type { TopLevelSpec } from 'vega-lite';
import type { ChartSpecs } from '../report/charts.ts';
import type { RunStatus } from '../core/types.ts';
import { BRUSH_PARAM, LINKED_PARAM, RUN_ID_FIELD, type BrushTarget, type DashboardChart } from './types.ts';

/** What a mark that draws one run tells on hover, besides its own x and y. */
export interface RunFacts {
  space: string;
  status: RunStatus;
  /** Final top-1 validation error, 0..1; null unless done. */
  error: number | null;
  /** The per-stage lists, "d [..] · w [..] · g [..] · b [..]". */
  config: string;
  flops: number;
  params: number;
}

/** Where a run's facts go in each of its rows (prefixed so that they never collide with a chart's own fields). */
const FACT_FIELDS: Record<keyof RunFacts, string> = {
  space: 'run_space',
  status: 'run_status',
  error: 'run_error',
  config: 'run_config',
  flops: 'run_flops',
  params: 'run_params',
};

/** Tooltip lines of a run's mark, in order. */
const RUN_TOOLTIP = [
  { field: RUN_ID_FIELD, type: 'nominal', title: 'run' },
  { field: FACT_FIELDS.space, type: 'nominal', title: 'space' },
  { field: FACT_FIELDS.status, type: 'nominal', title: 'status' },
  { field: FACT_FIELDS.error, type: 'quantitative', title: 'final error', format: '.2%' },
  { field: FACT_FIELDS.config, type: 'nominal', title: 'config' },
  { field: FACT_FIELDS.flops, type: 'quantitative', title: 'flops', format: '.3~s' },
  { field: FACT_FIELDS.params, type: 'quantitative', title: 'params', format: '.3~s' },
] as const;

/** A chart's own fields that the run lines already show. */
const SHOWN_BY_RUN_TOOLTIP = new Set([RUN_ID_FIELD, 'space', 'error', 'flops', 'params']);

/**
 * Transforms whose output rows are no longer the input's: a unit with one draws a fit or a summary (a loess line, a
 * density), not runs, whatever runId its input rows carry.
 */
const RESHAPING_TRANSFORMS = ['aggregate', 'joinaggregate', 'loess', 'regression', 'density', 'quantile', 'pivot', 'bin'];

const reshapes = (unit: Json): boolean =>
  Array.isArray(unit.transform) && unit.transform.some((step) => isObject(step) && RESHAPING_TRANSFORMS.some((key) => key in step));

/** Marks that draw one symbol per row, the ones a rectangle brush can select. */
const POINT_MARKS = new Set(['point', 'circle', 'square']);

type Json = Record<string, unknown>;
type Row = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const runIdOf = (row: Row): number | null => (typeof row[RUN_ID_FIELD] === 'number' ? (row[RUN_ID_FIELD] as number) : null);

/** The inline rows of a view, or null when it names none (it then sees its parent's). */
function inlineRows(view: Json): Row[] | null {
  const data = view.data;
  return isObject(data) && Array.isArray(data.values) ? (data.values as Row[]) : null;
}

/**
 * The rows a unit draws: its data through the filters of its own transforms that are field predicates (plain data:
 * `{field, equal}` or `{field, oneOf}`). An expression filter cannot be read here, so it is taken to keep every row.
 */
function unitRows(unit: Json, rows: readonly Row[]): Row[] {
  let kept = [...rows];
  for (const step of Array.isArray(unit.transform) ? unit.transform : []) {
    if (!isObject(step) || !isObject(step.filter) || typeof step.filter.field !== 'string') continue;
    const { field, equal, oneOf } = step.filter as { field: string; equal?: unknown; oneOf?: unknown[] };
    if (equal !== undefined) kept = kept.filter((row) => row[field] === equal);
    else if (Array.isArray(oneOf)) kept = kept.filter((row) => oneOf.includes(row[field]));
  }
  return kept;
}

/** The field of a position channel when it plots raw quantitative values (no aggregate, no bins), else null. */
function plainQuantField(def: unknown): string | null {
  if (!isObject(def) || typeof def.field !== 'string' || def.type !== 'quantitative') return null;
  return def.aggregate === undefined && def.bin === undefined ? def.field : null;
}

/** A tooltip line for one of the unit's own position fields, titled and formatted as its axis is. */
function ownTooltipLine(def: Json): Json {
  const axis = isObject(def.axis) ? def.axis : {};
  const title = typeof def.title === 'string' ? def.title : typeof axis.title === 'string' ? axis.title : (def.field as string);
  const axisFormat = typeof axis.format === 'string' ? axis.format : '';
  const line: Json = { field: def.field, type: def.type ?? 'nominal', title };
  if (axisFormat.includes('%')) line.format = '.2%';
  else if (def.type === 'quantitative') line.format = axisFormat === '~s' ? '.3~s' : '.4~g';
  return line;
}

function runTooltip(encoding: Json): Json[] {
  const own = ['x', 'y']
    .map((channel) => encoding[channel])
    .filter((def): def is Json => isObject(def) && typeof def.field === 'string' && !SHOWN_BY_RUN_TOOLTIP.has(def.field))
    .map(ownTooltipLine);
  return [...RUN_TOOLTIP.map((line) => ({ ...line })), ...own];
}

/** What the walk over one chart finds. */
interface Found {
  brush: BrushTarget | null;
  linked: boolean;
}

/** Adds behaviour to one unit (a view with a mark) that draws `rows`. */
function decorateUnit(unit: Json, rows: readonly Row[], found: Found): void {
  const mark: Json = typeof unit.mark === 'string' ? { type: unit.mark } : { ...(unit.mark as Json) };
  const drawn = unitRows(unit, rows);
  const runRows = reshapes(unit) ? [] : drawn.filter((row) => runIdOf(row) !== null);
  const encoding: Json = isObject(unit.encoding) ? { ...unit.encoding } : {};
  if (runRows.length === 0) {
    // Not a mark of runs (an EDF, a band, a bar of counts): the values it encodes.
    if (mark.tooltip === undefined) mark.tooltip = true;
    unit.mark = mark;
    return;
  }
  mark.cursor = 'pointer';
  unit.mark = mark;
  encoding.tooltip = runTooltip(encoding);
  unit.encoding = encoding;
  unit.transform = [
    ...(Array.isArray(unit.transform) ? unit.transform : []),
    { filter: `!isArray(${LINKED_PARAM}) || !isValid(datum.${RUN_ID_FIELD}) || indexof(${LINKED_PARAM}, datum.${RUN_ID_FIELD}) >= 0` },
  ];
  found.linked = true;
  const x = plainQuantField(encoding.x);
  if (found.brush !== null || !POINT_MARKS.has(String(mark.type)) || x === null || plainQuantField(encoding.y) === null) return;
  // A range of x (flops, params, depth, ...): the question a brush asks is "these designs", the y is their error.
  unit.params = [...(Array.isArray(unit.params) ? unit.params : []), { name: BRUSH_PARAM, select: { type: 'interval', encodings: ['x'] } }];
  const points = runRows.flatMap((row) => {
    const value = row[x];
    return typeof value === 'number' && Number.isFinite(value) ? [{ runId: runIdOf(row)!, values: [value] }] : [];
  });
  found.brush = { param: BRUSH_PARAM, fields: [x], points };
}

/** Visits every view of a spec (layers, concatenations, a facet's inner spec) with the rows it sees. */
function walk(view: Json, inherited: readonly Row[], found: Found): void {
  const rows = inlineRows(view) ?? inherited;
  if (view.mark !== undefined) {
    decorateUnit(view, rows, found);
    return;
  }
  for (const key of ['layer', 'hconcat', 'vconcat', 'concat'] as const) {
    const children = view[key];
    if (Array.isArray(children)) for (const child of children) if (isObject(child)) walk(child, rows, found);
  }
  if (isObject(view.spec)) walk(view.spec, rows, found);
}

/** Copies a spec with every row of a known run given that run's facts. */
function withRunFacts(value: unknown, facts: ReadonlyMap<number, RunFacts>): unknown {
  if (Array.isArray(value)) return value.map((item) => withRunFacts(item, facts));
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'values' && Array.isArray(child)) {
      out[key] = child.map((row: unknown) => {
        const id = isObject(row) ? runIdOf(row) : null;
        const run = id === null ? undefined : facts.get(id);
        if (run === undefined) return row;
        const extra = Object.fromEntries((Object.keys(FACT_FIELDS) as (keyof RunFacts)[]).map((k) => [FACT_FIELDS[k], run[k]]));
        return { ...(row as Row), ...extra };
      });
    } else {
      out[key] = withRunFacts(child, facts);
    }
  }
  return out;
}

/**
 * One report chart made interactive. Marks drawing runs (rows with a `runId`) get a tooltip with the run's facts,
 * a pointer cursor and a filter by LINKED_PARAM; the first unit of them that plots raw quantitative x and y as
 * points gets an interval brush (BRUSH_PARAM) over x. Other marks get vega-lite's tooltip of their encoded
 * values. What the chart draws, and how, is the report's.
 */
export function interactiveChart(name: string, spec: TopLevelSpec, facts: ReadonlyMap<number, RunFacts>): DashboardChart {
  const copy = withRunFacts(spec, facts) as Json;
  const found: Found = { brush: null, linked: false };
  walk(copy, [], found);
  if (found.linked) copy.params = [...(Array.isArray(copy.params) ? copy.params : []), { name: LINKED_PARAM, value: null }];
  return { name, spec: copy as unknown as TopLevelSpec, brush: found.brush, linked: found.linked };
}

/** Every chart of the report's list, in its order, made interactive: the page shows whatever the report draws. */
export function interactiveCharts(specs: ChartSpecs, facts: ReadonlyMap<number, RunFacts>): DashboardChart[] {
  return Object.entries(specs).map(([name, spec]) => interactiveChart(name, spec, facts));
}
