// The page of the database: its sweeps, each with its counts and whether a process is writing it, kept current.
import type { SweepList } from '../types.ts';
import { byId, h, replace } from './dom.ts';
import { poll } from './poll.ts';
import { activityBadge } from './sweep-page.ts';

export function listPage(pollMs: number): void {
  const main = byId('app');
  const banner = h('p', { class: 'banner', id: 'banner' });
  const body = h('div', { id: 'sweeps' });
  replace(main, h('h1', {}, 'Sweeps'), banner, body);
  poll<SweepList>(
    '/api/sweeps',
    pollMs,
    (list) => {
      if (list.sweeps.length === 0) {
        replace(body, h('p', { class: 'empty' }, `No sweep in ${list.db} yet: netspace sweep run <spec> --db ${list.db} starts one.`));
        return;
      }
      const num = (n: number): HTMLTableCellElement => h('td', { class: 'num' }, n);
      const rows = list.sweeps.map((s) =>
        h(
          'tr',
          { data: { sweep: s.name } },
          h('td', {}, h('a', { href: `/sweeps/${encodeURIComponent(s.name)}` }, s.name)),
          h('td', {}, activityBadge(s)),
          num(s.counts.total),
          num(s.counts.done),
          num(s.counts.running),
          num(s.counts.pending),
          num(s.counts.failed),
          num(s.counts.diverged),
          h('td', {}, s.createdAt),
        ),
      );
      const head = ['sweep', 'state', 'runs', 'done', 'running', 'pending', 'failed', 'diverged', 'created'];
      replace(
        body,
        h('div', { class: 'table-wrap' }, h('table', { id: 'sweep-table' }, h('thead', {}, h('tr', {}, ...head.map((t, i) => h('th', { class: i >= 2 && i <= 7 ? 'num' : '' }, t)))), h('tbody', {}, ...rows))),
      );
    },
    (failure) => {
      banner.textContent = failure === null ? '' : failure.message;
    },
  );
}
