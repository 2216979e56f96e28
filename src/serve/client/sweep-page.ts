// The page of one sweep: status line, notes, spaces, the report's charts (linked), the runs table and the run panel,
// all redrawn from GET /api/sweeps/:name whenever the sweep writes.
import { percent } from '../../report/format.ts';
import type { SweepListItem, SweepView } from '../types.ts';
import { ChartBoard } from './charts.ts';
import { byId, clock, h, replace } from './dom.ts';
import { poll } from './poll.ts';
import { RunPanel } from './run-panel.ts';
import { RunsTable } from './table.ts';

/** "writing (pid 123 on host)" or "idle", as a badge. */
export function activityBadge(sweep: SweepListItem): HTMLElement {
  const text = sweep.owner === null ? 'idle' : `writing · pid ${sweep.owner.pid} on ${sweep.owner.host}`;
  return h('span', { class: `live ${sweep.activity}`, data: { activity: sweep.activity } }, text);
}

function countsLine(view: SweepView): HTMLElement {
  const c = view.sweep.counts;
  return h(
    'span',
    { id: 'counts', data: { total: c.total, done: c.done, running: c.running, pending: c.pending, failed: c.failed, diverged: c.diverged } },
    `${c.total} runs: ${c.done} done, ${c.running} running, ${c.pending} pending, ${c.failed} failed, ${c.diverged} diverged`,
  );
}

function spacesTable(view: SweepView): HTMLElement {
  const num = (text: string | number): HTMLTableCellElement => h('td', { class: 'num' }, text);
  const rows = view.spaces.map((s) =>
    h(
      'tr',
      {},
      h('td', {}, s.space),
      num(s.counts.total),
      num(s.counts.done),
      num(s.counts.running + s.counts.pending),
      num(s.counts.failed + s.counts.diverged),
      num(percent(s.minError)),
      num(percent(s.medianError)),
      num(percent(s.meanError)),
      h('td', {}, s.bestRunId === null ? '–' : `#${s.bestRunId}`),
    ),
  );
  const head = ['space', 'runs', 'done', 'to train', 'failed / diverged', 'min error', 'median error', 'mean error', 'best run'];
  return h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ...head.map((t, i) => h('th', { class: i === 0 || i === 8 ? '' : 'num' }, t)))), h('tbody', {}, ...rows)));
}

/** Builds the page for sweep `name` and keeps it current. */
export function sweepPage(name: string, pollMs: number): void {
  const main = byId('app');
  const banner = h('p', { class: 'banner', id: 'banner' });
  const status = h('p', { class: 'meta', id: 'status-line' });
  const notes = h('ul', { class: 'notes', id: 'notes' });
  const spaces = h('div', { id: 'spaces' });
  const grid = h('div', { class: 'charts', id: 'chart-grid' });
  const selection = h('span', { class: 'selection', id: 'selection', hidden: true });
  const tableRoot = h('div', { id: 'runs' });
  const panel = h('aside', { class: 'panel', id: 'run-panel', hidden: true, attrs: { 'aria-label': 'run' } });
  const noCharts = h('p', { class: 'empty', id: 'no-charts', hidden: true }, 'No chart yet: the sweep has no runs.');

  const runPanel = new RunPanel(panel, () => table.markOpen(null));
  const openRun = (id: number): void => {
    table.markOpen(id);
    void runPanel.open(id);
  };
  const table = new RunsTable(tableRoot, openRun);
  const board = new ChartBoard(grid, {
    onSelection: (runs, ranges) => {
      table.setSelection(runs);
      selection.hidden = runs === null;
      selection.dataset.runs = runs === null ? '' : String(runs.size);
      replace(selection, runs === null ? '' : `${runs.size} runs selected (${ranges.join('; ')}) `, h('button', { id: 'clear-selection', on: { click: () => void board.clearBrushes() } }, 'clear'));
    },
    onRun: openRun,
    onSpaceStatus: (space, runStatus) => table.showSpaceStatus(space, runStatus),
  });

  replace(
    main,
    h('h1', {}, `Sweep ${name}`),
    status,
    banner,
    notes,
    h('section', {}, h('h2', {}, 'Design spaces'), spaces),
    h(
      'section',
      {},
      h('h2', {}, 'Charts'),
      h('p', { class: 'small' }, 'Hover a mark for its run. Drag across a scatter plot to select a range of runs: the other charts and the table keep only those (double-click the plot to clear). Click a run to open it.'),
      noCharts,
      grid,
    ),
    h('section', {}, h('h2', {}, 'Runs'), selection, tableRoot),
    panel,
  );

  poll<SweepView>(
    `/api/sweeps/${encodeURIComponent(name)}`,
    pollMs,
    async (view) => {
      replace(status, countsLine(view), ' · ', activityBadge(view.sweep), ` · created ${view.sweep.createdAt} · analysed `, h('time', { id: 'analysed-at', attrs: { datetime: view.analysedAt } }, clock(view.analysedAt)));
      replace(notes, ...view.notes.map((n) => h('li', {}, n)));
      replace(spaces, spacesTable(view));
      noCharts.hidden = view.charts.length > 0;
      table.setRuns(view.runs, view.parameters);
      runPanel.refresh(view.runs);
      await board.update(view.charts);
    },
    (failure) => {
      banner.textContent = failure === null ? '' : failure.message;
    },
  );
}
