// How numbers, configs and text appear on the page and in chart labels.
import { bottleneckRatio, type AnyNetConfig } from '../space/config.ts';

export { percent, si } from '../core/format.ts';

function trim(text: string): string {
  return text.includes('.') && !text.includes('e') ? text.replace(/\.?0+$/, '') : text;
}

/** A parameter value: integers as they are, others with 3 significant digits. */
export function value(x: number): string {
  return Number.isInteger(x) ? String(x) : trim(x.toPrecision(3));
}

/** A p-value: 3 decimals, or scientific below 0.001 so that tiny ones keep their size. */
export function pValue(p: number): string {
  if (p === 0) return '< 1e-300';
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

/** The per-stage lists of a config, as the paper writes them: d_i, w_i, g_i, b_i. */
export function describeConfig(config: AnyNetConfig): string {
  const list = (f: (s: AnyNetConfig['stages'][number]) => number): string => `[${config.stages.map((s) => value(f(s))).join(', ')}]`;
  return `d ${list((s) => s.depth)} · w ${list((s) => s.width)} · g ${list((s) => s.groupWidth)} · b ${list((s) => bottleneckRatio(s.bottleneckMultiplier))}`;
}

/** The scalar sampled parameters worth quoting beside a config (RegNet's w0, wa, wm), or "". */
export function describeSampled(sampled: Record<string, number | number[]>): string {
  return ['w0', 'wa', 'wm']
    .flatMap((k) => (typeof sampled[k] === 'number' ? [`${k} ${value(sampled[k])}`] : []))
    .join(' · ');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside HTML elements and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}
