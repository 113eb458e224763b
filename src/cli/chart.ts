/** Charts for the terminal (asciichart) and for a browser (a hand-written SVG). */

import asciichart from "asciichart";

/** Reduces a series to at most `width` points, keeping each bucket's maximum (peaks stay visible). */
export function downsample(values: readonly number[], width: number): number[] {
  if (values.length <= width) return [...values];
  const bucket = values.length / width;
  return Array.from({ length: width }, (_, index) => {
    const slice = values.slice(Math.floor(index * bucket), Math.max(Math.floor((index + 1) * bucket), Math.floor(index * bucket) + 1));
    return Math.max(...slice);
  });
}

/** A terminal line chart of one or more series sharing an axis. */
export function terminalChart(series: readonly (readonly number[])[], options: { height?: number; width?: number; colors?: boolean } = {}): string {
  const width = options.width ?? 100;
  const data = series.map((values) => downsample(values, width));
  const palette = [asciichart.green, asciichart.blue, asciichart.magenta, asciichart.yellow];
  const values = data.flat();
  const range = values.length === 0 ? 0 : Math.max(...values) - Math.min(...values);
  return asciichart.plot(data.length === 1 ? (data[0] ?? []) : data, {
    // One row per unit for small counts, so that every axis label is a whole number of its own.
    height: options.height ?? Math.max(1, Math.min(10, Math.ceil(range))),
    ...(options.colors === true ? { colors: palette.slice(0, data.length) } : {}),
    format: (value: number) => value.toFixed(0).padStart(4),
  });
}

/** One line of an SVG chart. */
export interface SvgSeries {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * The y axis's ticks from 0: five equal steps in general, but when every value is a whole count
 * the step is a whole "nice" number (1, 2, 5, 10, 20, …), so no tick reads 2.4 prebuilds.
 */
export function yTicks(series: readonly SvgSeries[]): number[] {
  const values = series.flatMap((entry) => entry.values);
  const maximum = Math.max(1, ...values);
  const intervals = 5;
  if (!values.every((value) => Number.isInteger(value))) return Array.from({ length: intervals + 1 }, (_, tick) => (maximum * tick) / intervals);
  let step = 1;
  for (let scale = 1; step * intervals < maximum; scale *= 10) {
    step = [1, 2, 5].map((factor) => factor * scale).find((candidate) => candidate * intervals >= maximum) ?? 10 * scale;
  }
  return Array.from({ length: Math.ceil(maximum / step) + 1 }, (_, tick) => tick * step);
}

/**
 * A self-contained SVG line chart: one polyline per series over a shared x axis of `labels`
 * (ticks every `tickEvery` points, titled `xTitle`), a y axis from 0, and a legend.
 */
export function svgChart(title: string, labels: readonly string[], series: readonly SvgSeries[], tickEvery: number, xTitle: string): string {
  const width = 1000;
  const height = 440;
  const left = 60;
  const right = 20;
  const top = 50;
  const bottom = 80;
  const points = Math.max(labels.length, 2);
  const ticks = yTicks(series);
  const maximum = ticks[ticks.length - 1] ?? 1;
  const x = (index: number) => left + (index / (points - 1)) * (width - left - right);
  const y = (value: number) => top + (1 - value / maximum) * (height - top - bottom);
  const lines: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="24" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const value of ticks) {
    lines.push(`<line x1="${left}" x2="${width - right}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="#e5e5e5"/>`);
    lines.push(`<text class="y-tick" x="${left - 8}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end">${Number(value.toFixed(1))}</text>`);
  }
  labels.forEach((label, index) => {
    if (index % tickEvery !== 0) return;
    lines.push(`<line x1="${x(index).toFixed(1)}" x2="${x(index).toFixed(1)}" y1="${height - bottom}" y2="${height - bottom + 5}" stroke="#999"/>`);
    lines.push(`<text class="x-tick" x="${x(index).toFixed(1)}" y="${height - bottom + 18}" text-anchor="middle">${escapeXml(label)}</text>`);
  });
  lines.push(`<text class="x-title" x="${(left + width - right) / 2}" y="${height - bottom + 38}" text-anchor="middle">${escapeXml(xTitle)}</text>`);
  lines.push(`<line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="#333"/>`);
  lines.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="#333"/>`);
  for (const entry of series) {
    const path = entry.values.map((value, index) => `${x(index).toFixed(1)},${y(value).toFixed(1)}`).join(" ");
    lines.push(`<polyline data-series="${escapeXml(entry.name)}" fill="none" stroke="${entry.color}" stroke-width="2" points="${path}"/>`);
  }
  series.forEach((entry, index) => {
    const legendX = left + index * 180;
    lines.push(`<rect x="${legendX}" y="${height - 22}" width="14" height="4" fill="${entry.color}"/>`);
    lines.push(`<text x="${legendX + 20}" y="${height - 16}">${escapeXml(entry.name)}</text>`);
  });
  lines.push(`</svg>`);
  return `${lines.join("\n")}\n`;
}
