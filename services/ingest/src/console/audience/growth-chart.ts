import { attr, text } from '@careerfeed/core';

export interface ChartPoint {
  /** YYYY-MM-DD. */
  day: string;
  value: number;
}

const WIDTH = 640;
const HEIGHT = 200;
const PAD = { top: 12, right: 12, bottom: 28, left: 44 };

/**
 * A line chart of daily values as inline SVG, drawn on the server: no script, no library, nothing
 * for the page's Content-Security-Policy to allow (presentation attributes, not style). It scales
 * to its container (viewBox). The SVG is an image with a title for assistive technology; the
 * numbers themselves are in the data table the page puts next to it.
 */
export function renderLineChart(points: ChartPoint[], label: string): string {
  if (points.length === 0) return '';
  const max = Math.max(1, ...points.map((p) => p.value));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (points.length === 1 ? innerW / 2 : (i * innerW) / (points.length - 1));
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const ticks = [0, Math.round(max / 2), max];
  return [
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title" width="100%" preserveAspectRatio="xMidYMid meet">`,
    `<title id="chart-title">${text(label)}</title>`,
    ...ticks.map(
      (t) =>
        `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="currentColor" stroke-opacity="0.2"/>` +
        `<text x="${PAD.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="12" fill="currentColor">${t}</text>`,
    ),
    `<path d="${attr(path)}" fill="none" stroke="currentColor" stroke-width="2"/>`,
    `<text x="${PAD.left}" y="${HEIGHT - 8}" font-size="12" fill="currentColor">${text(first.day)}</text>`,
    `<text x="${WIDTH - PAD.right}" y="${HEIGHT - 8}" font-size="12" text-anchor="end" fill="currentColor">${text(last.day)}</text>`,
    '</svg>',
  ].join('');
}
