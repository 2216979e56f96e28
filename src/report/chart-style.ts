// The look every chart of the report shares: its width and the vega-lite config (fonts, grid, legends).
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
