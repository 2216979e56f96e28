// The runs table: every run of the sweep, sortable by any column, filtered by space, status, parameter ranges and the
// charts' brushes. Plain DOM: a few hundred rows sort and filter in well under a millisecond, and the filters are
// netspace's own (brushed run sets, per-parameter ranges), which a table library would still leave to us.
import { RUN_STATUSES } from '../../core/types.ts';
import { percent, si, value } from '../../report/format.ts';
import type { ParameterColumn, RunRow } from '../types.ts';
import { h, replace } from './dom.ts';

/** One column: its header, how a row sorts and how its cell reads. */
interface Column {
  key: string;
  title: string;
  numeric: boolean;
  sort: (row: RunRow) => number | string | null;
  cell: (row: RunRow) => string;
  class?: string;
}

const num = (x: number | null | undefined, show: (x: number) => string): string => (x === null || x === undefined ? '–' : show(x));

const BASE_COLUMNS: Column[] = [
  { key: 'id', title: 'run', numeric: true, sort: (r) => r.id, cell: (r) => `#${r.id}` },
  { key: 'space', title: 'space', numeric: false, sort: (r) => r.space, cell: (r) => r.space },
  { key: 'status', title: 'status', numeric: false, sort: (r) => RUN_STATUSES.indexOf(r.status), cell: (r) => r.status },
  { key: 'error', title: 'error', numeric: true, sort: (r) => r.error, cell: (r) => num(r.error, (x) => percent(x)) },
  { key: 'epochs', title: 'epochs', numeric: true, sort: (r) => r.epochs, cell: (r) => `${r.epochs}/${r.epochsPlanned}` },
  { key: 'flops', title: 'flops', numeric: true, sort: (r) => r.flops, cell: (r) => si(r.flops) },
  { key: 'params', title: 'params', numeric: true, sort: (r) => r.params, cell: (r) => si(r.params) },
];

const TAIL_COLUMNS: Column[] = [
  { key: 'seconds', title: 'seconds', numeric: true, sort: (r) => r.seconds, cell: (r) => num(r.seconds, (x) => x.toFixed(1)) },
  { key: 'config', title: 'config (d_i, w_i, g_i, b_i)', numeric: false, sort: (r) => r.config, cell: (r) => r.config, class: 'config' },
];

function parameterColumn(p: ParameterColumn): Column {
  return { key: `p-${p.name}`, title: p.name, numeric: true, sort: (r) => r.values[p.name] ?? null, cell: (r) => num(r.values[p.name], value) };
}

const collator = new Intl.Collator(undefined, { numeric: true });

/** Missing values sort last whichever the direction. */
function compare(a: number | string | null, b: number | string | null, direction: 1 | -1): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const order = typeof a === 'number' && typeof b === 'number' ? a - b : collator.compare(String(a), String(b));
  return order * direction;
}

export class RunsTable {
  readonly #head: HTMLTableSectionElement;
  readonly #body: HTMLTableSectionElement;
  readonly #count: HTMLElement;
  readonly #space: HTMLSelectElement;
  readonly #status: HTMLSelectElement;
  readonly #ranges: HTMLElement;
  readonly #onRun: (id: number) => void;
  #runs: RunRow[] = [];
  #columns: Column[] = [...BASE_COLUMNS, ...TAIL_COLUMNS];
  #parameters: ParameterColumn[] = [];
  #sort: { key: string; direction: 1 | -1 } = { key: 'id', direction: 1 };
  #selection: ReadonlySet<number> | null = null;
  #bounds = new Map<string, { min: number | null; max: number | null }>();
  #openRun: number | null = null;

  /** Builds the filters and the table inside `root`; `onRun` opens a run when its row is clicked. */
  constructor(root: HTMLElement, onRun: (id: number) => void) {
    this.#onRun = onRun;
    this.#space = h('select', { id: 'filter-space', on: { change: () => this.#render() } });
    this.#status = h('select', { id: 'filter-status', on: { change: () => this.#render() } }, h('option', { attrs: { value: '' } }, 'every status'));
    for (const s of RUN_STATUSES) this.#status.append(h('option', { attrs: { value: s } }, s));
    this.#ranges = h('span', { class: 'ranges' });
    this.#count = h('p', { class: 'small', id: 'run-count' });
    this.#head = h('thead');
    this.#body = h('tbody');
    replace(
      root,
      h('div', { class: 'filters' }, h('label', {}, 'space', this.#space), h('label', {}, 'status', this.#status), this.#ranges),
      this.#count,
      h('div', { class: 'table-wrap' }, h('table', { id: 'runs-table' }, this.#head, this.#body)),
    );
    this.#renderHead();
  }

  /** New rows from the server; filters, sort and selection stay. */
  setRuns(runs: RunRow[], parameters: ParameterColumn[]): void {
    this.#runs = runs;
    this.#syncSpaces([...new Set(runs.map((r) => r.space))]);
    if (parameters.map((p) => p.name).join() !== this.#parameters.map((p) => p.name).join()) {
      this.#parameters = parameters;
      this.#columns = [...BASE_COLUMNS, ...parameters.map(parameterColumn), ...TAIL_COLUMNS];
      this.#buildRangeFilters();
      this.#renderHead();
    }
    this.#render();
  }

  /** The runs the charts' brushes keep, or null for all. */
  setSelection(selection: ReadonlySet<number> | null): void {
    this.#selection = selection;
    this.#render();
  }

  /** Sets the space and status filters (a click on a status bar). */
  showSpaceStatus(space: string, status: string): void {
    this.#space.value = space;
    this.#status.value = status;
    this.#render();
  }

  /** Marks the row of the run the panel shows. */
  markOpen(id: number | null): void {
    this.#openRun = id;
    for (const row of this.#body.rows) row.classList.toggle('open', Number(row.dataset.run) === id);
  }

  #syncSpaces(spaces: string[]): void {
    const have = [...this.#space.options].slice(1).map((o) => o.value);
    if (have.join('\u0000') === spaces.join('\u0000') && this.#space.options.length > 0) return;
    const chosen = this.#space.value;
    replace(this.#space, h('option', { attrs: { value: '' } }, 'every space'), ...spaces.map((s) => h('option', { attrs: { value: s } }, s)));
    this.#space.value = spaces.includes(chosen) ? chosen : '';
  }

  #buildRangeFilters(): void {
    const inputs = this.#parameters.map((p) => {
      const bound = (side: 'min' | 'max'): HTMLInputElement =>
        h('input', {
          id: `filter-${p.name}-${side}`,
          title: `${p.label}: ${side === 'min' ? 'at least' : 'at most'}`,
          attrs: { type: 'number', step: 'any', placeholder: side, 'aria-label': `${p.name} ${side}` },
          on: {
            input: (event) => {
              const text = (event.target as HTMLInputElement).value;
              const bounds = this.#bounds.get(p.name) ?? { min: null, max: null };
              bounds[side] = text === '' || !Number.isFinite(Number(text)) ? null : Number(text);
              this.#bounds.set(p.name, bounds);
              this.#render();
            },
          },
        });
      return h('label', { title: p.label }, p.name, bound('min'), '–', bound('max'));
    });
    this.#bounds = new Map([...this.#bounds].filter(([name]) => this.#parameters.some((p) => p.name === name)));
    replace(this.#ranges, ...inputs);
  }

  #renderHead(): void {
    const cells = this.#columns.map((c) => {
      const sorted = this.#sort.key === c.key ? (this.#sort.direction === 1 ? 'ascending' : 'descending') : 'none';
      return h(
        'th',
        {
          class: `sortable${c.numeric ? ' num' : ''}`,
          data: { key: c.key },
          attrs: { 'aria-sort': sorted, scope: 'col', title: 'sort by this column' },
          on: { click: () => this.#sortBy(c.key) },
        },
        c.title,
      );
    });
    replace(this.#head, h('tr', {}, ...cells));
  }

  #sortBy(key: string): void {
    this.#sort = { key, direction: this.#sort.key === key ? (this.#sort.direction === 1 ? -1 : 1) : 1 };
    this.#renderHead();
    this.#render();
  }

  #keeps(row: RunRow): boolean {
    if (this.#space.value !== '' && row.space !== this.#space.value) return false;
    if (this.#status.value !== '' && row.status !== this.#status.value) return false;
    if (this.#selection !== null && !this.#selection.has(row.id)) return false;
    for (const [name, { min, max }] of this.#bounds) {
      const v = row.values[name];
      if ((min !== null || max !== null) && (v === null || v === undefined)) return false;
      if (min !== null && v! < min) return false;
      if (max !== null && v! > max) return false;
    }
    return true;
  }

  #render(): void {
    const column = this.#columns.find((c) => c.key === this.#sort.key) ?? this.#columns[0]!;
    const rows = this.#runs.filter((r) => this.#keeps(r)).sort((a, b) => compare(column.sort(a), column.sort(b), this.#sort.direction) || a.id - b.id);
    const trs = rows.map((r) =>
      h(
        'tr',
        { class: `run${r.id === this.#openRun ? ' open' : ''}`, data: { run: r.id, status: r.status }, title: r.errorText ?? '', on: { click: () => this.#onRun(r.id) } },
        ...this.#columns.map((c) =>
          h('td', { class: [c.numeric ? 'num' : '', c.key === 'status' ? `status status-${r.status}` : '', c.class ?? ''].filter(Boolean).join(' ') }, c.cell(r)),
        ),
      ),
    );
    replace(this.#body, ...trs);
    this.#count.textContent = `${rows.length} of ${this.#runs.length} runs shown`;
    this.#count.dataset.shown = String(rows.length);
    this.#count.dataset.total = String(this.#runs.length);
  }
}
