// The report's charts on the page with vega-embed, linked: a brush over runs in one chart filters the others (and
// the table) to the runs it holds, each chart by the brushes of the others (crossfilter), and a click opens a run.
import embed, { type EmbedOptions, type Result } from 'vega-embed';
import { LINKED_PARAM, RUN_ID_FIELD, type DashboardChart } from '../types.ts';
import { h } from './dom.ts';

/** vega's log level that prints errors only (vega.Error; the constant is not worth importing vega for). */
const LOG_ERRORS = 1;

/**
 * CSP-safe embedding: `ast` makes vega interpret expressions instead of compiling them with new Function, and the
 * styles vega-embed and vega-tooltip would inject as <style> elements come from dashboard.css instead. No action
 * menu: its "open in editor" would post the spec to another site. Warnings are not printed: a brush that keeps no
 * run of a chart leaves it empty, which vega warns about ("infinite extent"); the specs themselves are checked to
 * compile without a warning (test/serve/interactive.test.ts).
 */
export const EMBED_OPTIONS: EmbedOptions = {
  renderer: 'svg',
  actions: false,
  ast: true,
  defaultStyle: false,
  tooltip: { disableDefaultStyle: true, theme: 'light' },
  logLevel: LOG_ERRORS,
};

/** What the board tells the page. */
export interface ChartHooks {
  /** The runs every brush together keeps (null: no brush drawn), and in words which ranges they are. */
  onSelection(runs: ReadonlySet<number> | null, ranges: string[]): void;
  /** A mark of one run was clicked. */
  onRun(runId: number): void;
  /** A mark with a space and a status (the status bars) was clicked. */
  onSpaceStatus(space: string, status: string): void;
}

interface Entry {
  chart: DashboardChart;
  json: string;
  figure: HTMLElement;
  result: Result | null;
  /** Runs this chart's brush holds; null when it has none drawn. */
  selection: Set<number> | null;
  ranges: string;
  /** A newer spec that waits until this chart's brush is cleared (redrawing would drop the brush). */
  pending: DashboardChart | null;
}

/** Brush value per field, as vega-lite's interval selection signal holds it: {field: [lo, hi]}. */
type BrushValue = Record<string, unknown[]>;

/** The runs in both; `a` null stands for every run. */
function intersect(a: ReadonlySet<number> | null, b: ReadonlySet<number>): Set<number> {
  return a === null ? new Set(b) : new Set([...a].filter((id) => b.has(id)));
}

function formatRange(field: string, range: number[]): string {
  const [lo, hi] = range;
  const show = (x: number): string => (Math.abs(x) >= 1000 ? x.toExponential(2) : Number(x.toPrecision(3)).toString());
  return `${field} ${show(lo!)}–${show(hi!)}`;
}

export class ChartBoard {
  readonly #grid: HTMLElement;
  readonly #hooks: ChartHooks;
  readonly #entries = new Map<string, Entry>();
  /** Updates run one after the other: embedding is asynchronous, polls are not. */
  #queue: Promise<void> = Promise.resolve();
  /** A brush being dragged changes many times a frame; the other charts follow once per frame. */
  #frame: number | null = null;

  constructor(grid: HTMLElement, hooks: ChartHooks) {
    this.#grid = grid;
    this.#hooks = hooks;
  }

  /** Shows exactly these charts, in this order; only charts whose spec changed are drawn again. */
  update(charts: readonly DashboardChart[]): Promise<void> {
    this.#queue = this.#queue.then(() => this.#update(charts));
    return this.#queue;
  }

  /** Clears every brush (their charts are drawn afresh, with any spec that waited). */
  clearBrushes(): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      for (const entry of this.#entries.values()) {
        if (entry.selection === null && entry.pending === null) continue;
        entry.selection = null;
        await this.#draw(entry, entry.pending ?? entry.chart);
      }
      this.#selectionChanged();
    });
    return this.#queue;
  }

  async #update(charts: readonly DashboardChart[]): Promise<void> {
    const names = new Set(charts.map((c) => c.name));
    for (const [name, entry] of this.#entries) {
      if (names.has(name)) continue;
      entry.result?.finalize();
      entry.figure.remove();
      this.#entries.delete(name);
    }
    let previous: HTMLElement | null = null;
    for (const chart of charts) {
      let entry = this.#entries.get(chart.name);
      if (entry === undefined) {
        const figure = h('figure', { class: 'chart', id: `chart-${chart.name}`, data: { chart: chart.name } });
        entry = { chart, json: '', figure, result: null, selection: null, ranges: '', pending: null };
        this.#entries.set(chart.name, entry);
      }
      // Keep the DOM in the list's order (a chart may appear between two others as runs finish).
      const expected: Element | null = previous === null ? this.#grid.firstElementChild : previous.nextElementSibling;
      if (expected !== entry.figure) this.#grid.insertBefore(entry.figure, expected);
      previous = entry.figure;
      const json = JSON.stringify(chart.spec);
      if (json === entry.json) continue;
      if (entry.selection !== null) {
        entry.pending = chart;
        entry.figure.dataset.paused = 'true';
        continue;
      }
      await this.#draw(entry, chart);
    }
    this.#selectionChanged();
  }

  async #draw(entry: Entry, chart: DashboardChart): Promise<void> {
    entry.result?.finalize();
    entry.chart = chart;
    entry.json = JSON.stringify(chart.spec);
    entry.pending = null;
    delete entry.figure.dataset.paused;
    const target = h('div', { class: 'view' });
    const result = await embed(target, structuredClone(chart.spec) as never, EMBED_OPTIONS);
    entry.figure.replaceChildren(target);
    entry.result = result;
    const { view } = result;
    if (chart.brush !== null) {
      const brush = chart.brush;
      view.addSignalListener(brush.param, (_name, value: unknown) => this.#onBrush(entry, value as BrushValue));
    }
    view.addEventListener('click', (_event, item) => {
      const datum = (item as { datum?: Record<string, unknown> } | null | undefined)?.datum;
      if (datum === undefined) return;
      const runId = datum[RUN_ID_FIELD];
      if (typeof runId === 'number') this.#hooks.onRun(runId);
      else if (typeof datum.space === 'string' && typeof datum.status === 'string') this.#hooks.onSpaceStatus(datum.space, datum.status);
    });
    if (chart.linked) await view.signal(LINKED_PARAM, this.#linkedFor(entry)).runAsync();
    entry.figure.dataset.drawn = String(Number(entry.figure.dataset.drawn ?? '0') + 1);
  }

  #onBrush(entry: Entry, value: BrushValue): void {
    const brush = entry.chart.brush;
    if (brush === null) return;
    const ranges = brush.fields.map((field) => {
      const range = value?.[field];
      return Array.isArray(range) && range.length === 2 ? [Math.min(Number(range[0]), Number(range[1])), Math.max(Number(range[0]), Number(range[1]))] : null;
    });
    if (ranges.every((r) => r === null)) {
      entry.selection = null;
      entry.ranges = '';
      if (entry.pending !== null) {
        const pending = entry.pending;
        this.#queue = this.#queue.then(() => this.#draw(entry, pending));
      }
    } else {
      entry.selection = new Set(
        brush.points.filter((p) => p.values.every((v, i) => ranges[i] === null || (v >= ranges[i]![0]! && v <= ranges[i]![1]!))).map((p) => p.runId),
      );
      entry.ranges = brush.fields.flatMap((f, i) => (ranges[i] === null ? [] : [formatRange(f, ranges[i]!)])).join(' × ');
    }
    this.#frame ??= requestAnimationFrame(() => {
      this.#frame = null;
      this.#selectionChanged();
    });
  }

  /** The runs the brushes of every other chart keep, or null when no other chart has one. */
  #linkedFor(entry: Entry): number[] | null {
    let kept: Set<number> | null = null;
    for (const other of this.#entries.values()) {
      if (other === entry || other.selection === null) continue;
      kept = intersect(kept, other.selection);
    }
    return kept === null ? null : [...kept].sort((a, b) => a - b);
  }

  #selectionChanged(): void {
    for (const entry of this.#entries.values()) {
      if (!entry.chart.linked || entry.result === null) continue;
      const linked = this.#linkedFor(entry);
      entry.figure.classList.toggle('filtered', linked !== null);
      void entry.result.view.signal(LINKED_PARAM, linked).runAsync();
    }
    let all: Set<number> | null = null;
    const ranges: string[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.selection === null) continue;
      all = intersect(all, entry.selection);
      ranges.push(`${entry.chart.name}: ${entry.ranges}`);
    }
    this.#hooks.onSelection(all, ranges);
  }
}
