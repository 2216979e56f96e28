// The panel a run opens in: its curves (the chart `netspace curves` draws), its architecture stage by stage, its
// training settings, and why it failed when it did. Reloaded while the run trains.
import embed, { type Result } from 'vega-embed';
import { percent, si, value } from '../../report/format.ts';
import type { RunRow, RunView } from '../types.ts';
import { EMBED_OPTIONS } from './charts.ts';
import { h, replace } from './dom.ts';
import { getJson, type PollFailure } from './poll.ts';

export class RunPanel {
  readonly #panel: HTMLElement;
  readonly #body: HTMLElement;
  readonly #onClose: () => void;
  #result: Result | null = null;
  #shown: { id: number; epochs: number; status: string } | null = null;
  /** Loads run one after the other, so that a slow answer never replaces a newer one. */
  #queue: Promise<void> = Promise.resolve();

  constructor(panel: HTMLElement, onClose: () => void) {
    this.#panel = panel;
    this.#onClose = onClose;
    this.#body = h('div', { class: 'run-body' });
    replace(panel, h('button', { class: 'close', title: 'close', attrs: { 'aria-label': 'close' }, on: { click: () => this.close() } }, '×'), this.#body);
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !panel.hidden) this.close();
    });
  }

  /** The run open now, if any. */
  get runId(): number | null {
    return this.#panel.hidden ? null : (this.#shown?.id ?? null);
  }

  open(id: number): Promise<void> {
    this.#queue = this.#queue.then(() => this.#load(id));
    return this.#queue;
  }

  /** Loads the open run again when its row says it has moved on (a new epoch, a new status). */
  refresh(rows: readonly RunRow[]): void {
    const shown = this.#shown;
    if (shown === null || this.#panel.hidden) return;
    const row = rows.find((r) => r.id === shown.id);
    if (row !== undefined && (row.epochs !== shown.epochs || row.status !== shown.status)) void this.open(shown.id);
  }

  close(): void {
    this.#panel.hidden = true;
    this.#result?.finalize();
    this.#result = null;
    this.#onClose();
  }

  async #load(id: number): Promise<void> {
    let view: RunView;
    try {
      view = await getJson<RunView>(`/api/runs/${id}`);
    } catch (failure) {
      replace(this.#body, h('p', { class: 'banner' }, (failure as PollFailure).message));
      this.#panel.hidden = false;
      return;
    }
    const { run } = view;
    this.#shown = { id: run.id, epochs: run.epochs, status: run.status };
    this.#result?.finalize();
    this.#result = null;
    const chart = h('div', { class: 'run-curves', id: 'run-curves' });
    replace(
      this.#body,
      h('h2', { id: 'run-title' }, `Run #${run.id} · ${run.space}`),
      h('p', { class: 'meta' }, h('span', { class: `status status-${run.status}` }, run.status), run.error === null ? '' : ` · final error ${percent(run.error)}`, ` · ${run.epochs} of ${run.epochsPlanned} epochs`),
      run.errorText === null ? null : h('p', { class: 'error-text' }, run.errorText),
      h('h3', {}, 'Training curves'),
      view.curves === null ? h('p', { class: 'small' }, 'No epoch has finished yet.') : chart,
      h('h3', {}, 'Architecture'),
      architecture(view),
      h('h3', {}, 'Run'),
      facts(view),
    );
    this.#panel.hidden = false;
    if (view.curves !== null) this.#result = await embed(chart, view.curves as never, EMBED_OPTIONS);
  }
}

/** Stem, stages (d_i, w_i, g_i, b_i and what they give) and head, as the paper's AnyNet is described (section 3.1). */
function architecture(view: RunView): HTMLElement {
  const a = view.architecture;
  const cell = (text: string | number): HTMLTableCellElement => h('td', { class: 'num' }, text);
  const stages = a.stages.map((s, i) =>
    h('tr', {}, h('td', {}, `stage ${i + 1}`), cell(s.depth), cell(s.width), cell(s.groupWidth), cell(value(s.bottleneckRatio)), cell(s.innerWidth), cell(s.groups)),
  );
  const head = ['', 'd_i', 'w_i', 'g_i', 'b_i', 'bottleneck', 'groups'].map((t, i) => h('th', { class: i === 0 ? '' : 'num' }, t));
  return h(
    'div',
    { id: 'run-architecture' },
    h('p', { class: 'small' }, `stem: 3×3 conv, stride 2, ${a.inputChannels} → ${a.stemWidth} channels · head: average pool, linear to ${a.numClasses} classes`),
    h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ...head)), h('tbody', {}, ...stages))),
    h('p', { class: 'small' }, `block widths: ${a.blockWidths.join(', ')}`),
  );
}

function facts(view: RunView): HTMLElement {
  const { run, settings } = view;
  const sampled = Object.entries(view.sampled).map(([k, v]) => `${k} ${Array.isArray(v) ? `[${v.map(value).join(', ')}]` : value(v)}`);
  const lines: [string, string][] = [
    ['sweep', view.sweep],
    ['config', run.config],
    ['sampled', sampled.join(' · ')],
    ['complexity', `${si(run.flops)} flops · ${si(run.params)} params · ${si(run.acts)} acts`],
    ['training', `${settings.epochs} epochs at ${settings.resolution}×${settings.resolution}, batch ${settings.batchSize}, lr ${settings.lr}, ${settings.trainSize ?? 'all'} training / ${settings.valSize ?? 'all'} validation images`],
    ['backend', run.backend ?? '–'],
    ['seconds', run.seconds === null ? '–' : run.seconds.toFixed(1)],
    ['seed', String(view.seed)],
    ['config key', view.configKey],
  ];
  return h('dl', {}, ...lines.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}
