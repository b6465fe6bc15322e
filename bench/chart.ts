// Line charts as standalone SVG, written by hand: a few axes, lines and labels need no library.
// Pure (data in, SVG text out), unit-tested in test/bench/chart.test.ts.

export interface Series {
  label: string;
  color: string;
  /** Dashed line (e.g. a second measure of the same implementation). */
  dashed?: boolean;
  points: Array<[number, number]>;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Logarithmic axes for values that span orders of magnitude. */
  xLog?: boolean;
  yLog?: boolean;
  series: Series[];
  width?: number;
  height?: number;
}

const MARGIN = { left: 70, right: 20, top: 40, bottom: 50 };
const LEGEND_ROW = 18;

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Round-number ticks covering [min, max]: 1-2-5 steps, or powers of ten on a log axis. */
export function ticks(min: number, max: number, log: boolean): number[] {
  if (!(max > min)) return [min];
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
      }
    }
    return out.length >= 2 ? out : [min, max];
  }
  const raw = (max - min) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function format(value: number): string {
  if (value >= 10_000) return `${Math.round(value / 1000)}k`;
  if (value >= 1000) return `${(value / 1000).toFixed(1).replace(/\.0$/, "")}k`;
  return String(Number(value.toPrecision(3)));
}

/** Pads a range to round numbers so lines do not touch the frame. */
function range(values: number[], log: boolean): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (finite.length === 0) return log ? [1, 10] : [0, 1];
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (log) {
    min = 10 ** Math.floor(Math.log10(min));
    max = 10 ** Math.ceil(Math.log10(max));
    return min === max ? [min, min * 10] : [min, max];
  }
  min = Math.min(0, min);
  if (max === min) max = min + 1;
  // Up to the next round tick above the largest value, so no point sits on the frame.
  const t = ticks(min, max, false);
  const step = t.length >= 2 ? t[1]! - t[0]! : max - min;
  return [min, Math.ceil((max * 1.02) / step) * step];
}

export function lineChart(spec: ChartSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 420;
  const series = spec.series.filter((s) => s.points.some(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const plotW = width - MARGIN.left - MARGIN.right;
  const legendH = series.length * LEGEND_ROW + 14;
  const plotH = height - MARGIN.top - MARGIN.bottom - legendH;
  const [x0, x1] = range(series.flatMap((s) => s.points.map((p) => p[0])), spec.xLog ?? false);
  const [y0, y1] = range(series.flatMap((s) => s.points.map((p) => p[1])), spec.yLog ?? false);
  const scale = (v: number, lo: number, hi: number, log: boolean) =>
    log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
  const px = (x: number) => MARGIN.left + scale(x, x0, x1, spec.xLog ?? false) * plotW;
  const py = (y: number) => MARGIN.top + plotH - scale(y, y0, y1, spec.yLog ?? false) * plotH;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`);
  for (const t of ticks(x0, x1, spec.xLog ?? false)) {
    const x = px(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + plotH}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${x}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${format(t)}</text>`);
  }
  for (const t of ticks(y0, y1, spec.yLog ?? false)) {
    const y = py(t).toFixed(1);
    out.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${format(t)}</text>`);
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH + 36}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  out.push(`<text x="16" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${MARGIN.top + plotH / 2})">${escapeXml(spec.yLabel)}</text>`);
  for (const s of series) {
    const points = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).sort((a, b) => a[0] - b[0]);
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ")}"/>`);
    for (const [x, y] of points) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3.5" fill="${s.color}"><title>${escapeXml(`${s.label}: ${format(x)} → ${y}`)}</title></circle>`);
  }
  series.forEach((s, i) => {
    const y = MARGIN.top + plotH + MARGIN.bottom + 4 + i * LEGEND_ROW;
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    out.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + 28}" y2="${y}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${MARGIN.left + 36}" y="${y}" dominant-baseline="middle">${escapeXml(s.label)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
