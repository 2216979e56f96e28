// What every chart of the report shares: its width, the vega-lite config (fonts, grid, legends) and the field that
// ties a row to its run.
import type { Config } from 'vega-lite';

/** Width of a single-view chart, pixels; the page scales it down to the screen. */
export const CHART_WIDTH = 440;

/**
 * Shared look: generic font families only (an SVG naming a web font would fetch it or fall back unpredictably),
 * light grid, legends under the plot so that a phone-width page keeps the plot wide.
 */
export const CHART_CONFIG: Config = {
  font: 'sans-serif',
  background: 'white',
  padding: 8,
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee', titleFontWeight: 'normal' },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 480, titleLimit: 480, orient: 'bottom', direction: 'vertical' },
  title: { fontSize: 14, anchor: 'start', fontWeight: 'bold' },
  header: { labelFontSize: 12, titleFontSize: 12 },
  range: { category: { scheme: 'tableau10' } },
};

/**
 * Field that every data row drawing one run carries: the run's id. Nothing encodes it, so the offline report draws
 * the same with or without it; the live dashboard (src/serve) uses it to give a mark its run's tooltip, to link
 * brushing between charts and to open the run that was clicked.
 */
export const RUN_ID_FIELD = 'runId';
