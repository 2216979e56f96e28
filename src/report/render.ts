// vega-lite spec -> vega -> SVG string, in Node with no DOM, no canvas and no network.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A chart drawn to SVG, with what vega and vega-lite complained about while drawing it. */
export interface RenderedChart {
  /** A standalone SVG document (`<svg xmlns=...>...</svg>`), ids prefixed so that several can share a page. */
  svg: string;
  /** Warnings of the compiler and the view; a spec the report builds should produce none. */
  warnings: string[];
}

/** A vega logger that keeps messages instead of printing them: a report run should print only what it wrote. */
function collectingLogger(warnings: string[]): vega.LoggerInterface {
  let level = vega.Warn;
  const logger: vega.LoggerInterface = {
    level(value?: number) {
      if (value === undefined) return level as never;
      level = value;
      return logger;
    },
    error(...args: readonly unknown[]) {
      warnings.push(`error: ${args.map(String).join(' ')}`);
      return logger;
    },
    warn(...args: readonly unknown[]) {
      if (level >= vega.Warn) warnings.push(args.map(String).join(' '));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  } as vega.LoggerInterface;
  return logger;
}

/**
 * Gives every id in an SVG (clip paths, gradients) a prefix and rewrites the references to it: vega numbers them
 * from 1 in every chart, and inline SVGs share one id namespace in a page, so two charts would clip each other.
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${prefix}-${id}"`);
}

/** Compiles a vega-lite spec and renders it headless to SVG; `name` prefixes the SVG's ids. */
export async function renderSvg(spec: TopLevelSpec, name: string): Promise<RenderedChart> {
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  // vega tags every datum it ingests with a symbol; a copy keeps the caller's analysis (and its JSON) untouched.
  const { spec: vgSpec } = compile(structuredClone(spec), { logger });
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', logger });
  try {
    const svg = await view.toSVG();
    return { svg: prefixSvgIds(svg, `c-${name}`), warnings };
  } finally {
    view.finalize();
  }
}
