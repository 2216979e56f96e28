// How numbers, configs and text appear on the page and in chart labels.
import type { AnyNetConfig } from '../space/config.ts';

/** 0.1234 -> "12.34%". */
export function percent(x: number | null, digits = 2): string {
  return x === null ? '–' : `${(x * 100).toFixed(digits)}%`;
}

/** 1_234_567 -> "1.23M", with SI suffixes (flops, params). */
export function si(x: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, unit] of units) if (Math.abs(x) >= scale) return `${trim((x / scale).toPrecision(3))}${unit}`;
  return trim(x.toPrecision(3));
}

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
  return `d ${list((s) => s.depth)} · w ${list((s) => s.width)} · g ${list((s) => s.groupWidth)} · b ${list((s) => 1 / s.bottleneckMultiplier)}`;
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
