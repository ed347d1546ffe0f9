/**
 * Charts as text for a terminal. Lines, areas and points are drawn with
 * asciichart on a shared y scale, one series at a time, and composited so
 * series can start and end at different x positions (asciichart itself draws
 * one array from the left edge). Bars are horizontal, with their values.
 * Colour is added only when asked (a terminal); otherwise the text is plain
 * and each series after the first is drawn with its own mark, named in the
 * legend. The y axis is labelled with round numbers (steps of 1, 2 or 5 × 10^k).
 */
import { formatIso } from '../../runtime/point.js';
import { lastByCategory, type ChartData, type Series, type XKind } from './model.js';

/** The part of asciichart used here (loaded lazily by the caller). */
export interface AsciiChart {
  plot(series: number[] | number[][], cfg?: { min?: number; max?: number; height?: number; offset?: number; format?: (x: number, i: number) => string }): string;
}

export interface TerminalOptions {
  columns: number;
  rows: number;
  color: boolean;
  title?: string;
  /** Appended to y values and labels (`%`, `ms`). */
  unit?: string;
}

/** ANSI colours, one per series in order (the legend uses the same). */
const PALETTE = ['\x1b[34m', '\x1b[31m', '\x1b[32m', '\x1b[33m', '\x1b[35m', '\x1b[36m', '\x1b[94m', '\x1b[91m', '\x1b[92m', '\x1b[93m'];
const RESET = '\x1b[0m';
const BOLD = '\x1b[1m';

function paint(text: string, series: number, color: boolean): string {
  return color ? PALETTE[series % PALETTE.length] + text + RESET : text;
}

/** The whole chart as lines of text (no trailing newline on each). */
export function renderTerminal(data: ChartData, ascii: AsciiChart, o: TerminalOptions): string[] {
  const lines: string[] = [];
  if (o.title !== undefined && o.title !== '') lines.push(o.color ? BOLD + o.title + RESET : o.title);
  if (data.series.length === 0) {
    lines.push('(no points to chart)');
    return lines;
  }
  const body = data.type === 'bar' ? renderBars(data, o) : renderPlot(data, ascii, o, lines.length);
  lines.push(...body, legend(data, o.color));
  return lines;
}

/** Without colour, series after the first are drawn with these marks (the first keeps its line, or `●` for points). */
const MARKS = ['•', '×', '+', '*', 'o', '#', '%', '@', '='];

/** The character a series is drawn with when there are no colours, replacing `ch`. */
function markOf(series: number, ch: string): string {
  return series === 0 || ch === '░' ? ch : MARKS[(series - 1) % MARKS.length]!;
}

function legend(data: ChartData, color: boolean): string {
  const first = data.type === 'point' ? '●' : '─';
  return data.series
    .map((s, i) => {
      // Bars name their series on each row, so one block glyph serves them all.
      if (color || data.type === 'bar') return paint('■', i, color) + ' ' + s.name;
      return `${i === 0 ? first : markOf(i, '')} ${s.name}`;
    })
    .join('   ');
}

// ---------------------------------------------------------------------------
// numbers

/** Decimals enough to tell neighbouring labels apart, at most 4. */
function decimalsFor(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  return Math.min(4, Math.max(0, Math.ceil(-Math.log10(step))));
}

export function formatNumber(v: number, decimals: number, unit = ''): string {
  return v.toFixed(decimals) + unit;
}

/** A bar value as written: integers plainly, others with up to 2 decimals. */
function formatValue(v: number, unit = ''): string {
  const text = Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, '');
  return text + unit;
}

// ---------------------------------------------------------------------------
// line, area, point

interface Frame {
  width: number;
  min: number;
  max: number;
  height: number;
  labelWidth: number;
  format: (v: number) => string;
}

/** Where an x value falls, 0..1 across the plot. */
type Position = (x: number | string) => number;

function positions(data: ChartData): { pos: Position; lo: number; hi: number; categories: string[] } {
  if (data.xKind === 'category') {
    const categories: string[] = [];
    const index = new Map<string, number>();
    for (const s of data.series)
      for (const x of s.xs) {
        const c = String(x);
        if (!index.has(c)) {
          index.set(c, categories.length);
          categories.push(c);
        }
      }
    const n = Math.max(1, categories.length - 1);
    return { pos: (x) => (index.get(String(x)) ?? 0) / n, lo: 0, hi: categories.length - 1, categories };
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of data.series)
    for (const x of s.xs) {
      const v = x as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  const span = hi - lo;
  return { pos: (x) => (span === 0 ? 0 : ((x as number) - lo) / span), lo, hi, categories: [] };
}

/**
 * A series resampled onto plot columns: columns with several values average
 * them; columns between two values interpolate (lines); points keep only the
 * columns that had values. `start` is the first column.
 */
function resample(s: Series, pos: Position, width: number, interpolate: boolean): { start: number; values: (number | undefined)[] } {
  const sums = new Map<number, { sum: number; n: number }>();
  for (let i = 0; i < s.xs.length; i++) {
    const col = Math.round(pos(s.xs[i]!) * (width - 1));
    const acc = sums.get(col);
    if (acc === undefined) sums.set(col, { sum: s.ys[i]!, n: 1 });
    else {
      acc.sum += s.ys[i]!;
      acc.n++;
    }
  }
  const cols = [...sums.keys()].sort((a, b) => a - b);
  const start = cols[0]!;
  const end = cols[cols.length - 1]!;
  const values: (number | undefined)[] = new Array(end - start + 1).fill(undefined);
  for (const c of cols) values[c - start] = sums.get(c)!.sum / sums.get(c)!.n;
  if (interpolate) {
    for (let k = 0; k + 1 < cols.length; k++) {
      const a = cols[k]!;
      const b = cols[k + 1]!;
      const va = values[a - start]!;
      const vb = values[b - start]!;
      for (let c = a + 1; c < b; c++) values[c - start] = va + ((vb - va) * (c - a)) / (b - a);
    }
  }
  return { start, values };
}

function yRange(data: ChartData, area: boolean): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const s of data.series)
    for (const y of s.ys) {
      if (y < min) min = y;
      if (y > max) max = y;
    }
  // Areas fill down to zero, so zero must be on the scale.
  if (area) {
    min = Math.min(min, 0);
    max = Math.max(max, 0);
  }
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return { min: min - pad, max: max + pad };
  }
  return { min, max };
}

/**
 * Round y labels: the smallest step of 1, 2 or 5 × 10^k whose multiples
 * around [min, max] fit in `rows` rows; each row is one step, and steps are
 * added above and below (not below zero for data that is not negative) so
 * the chart keeps the height the terminal gives it.
 */
function roundScale(min: number, max: number, rows: number): { min: number; max: number; intervals: number; step: number } {
  const most = Math.max(1, rows - 1);
  let step = niceStep(max - min, most);
  for (;;) {
    const lo = Math.floor(min / step + 1e-9) * step;
    const hi = Math.ceil(max / step - 1e-9) * step;
    const intervals = Math.max(1, Math.round((hi - lo) / step));
    if (intervals <= most) {
      let below = 0;
      for (let extra = most - intervals, k = 0; k < extra; k++) if (k % 2 === 1 && (min < 0 || lo - (below + 1) * step >= 0)) below++;
      return { min: lo - below * step, max: lo + (most - below) * step, intervals: most, step };
    }
    step = niceStep(step * 1.5, 1);
  }
}

function makeFrame(data: ChartData, o: TerminalOptions, usedAbove: number): Frame {
  const range = yRange(data, data.type === 'area');
  // Rows: title (counted in usedAbove), y title, plot, x axis, tick labels, x title, legend, and one for the prompt.
  const rows = Math.max(3, o.rows - usedAbove - 6);
  const { min, max, intervals, step } = roundScale(range.min, range.max, rows);
  const decimals = decimalsFor(step);
  const unit = o.unit ?? '';
  const labelWidth = Math.max(formatNumber(min, decimals, unit).length, formatNumber(max, decimals, unit).length) + 1;
  const format = (v: number): string => formatNumber(v, decimals, unit).padStart(labelWidth);
  const width = Math.max(10, o.columns - labelWidth - 2);
  return { width, min, max, height: intervals, labelWidth, format };
}

interface Cell {
  ch: string;
  series: number;
}

function renderPlot(data: ChartData, ascii: AsciiChart, o: TerminalOptions, usedAbove: number): string[] {
  const f = makeFrame(data, o, usedAbove);
  const { pos, lo, hi, categories } = positions(data);
  const rows = asciiRows(ascii, f, [0, 0]).length;
  const grid: (Cell | undefined)[][] = Array.from({ length: rows }, () => new Array<Cell | undefined>(f.width).fill(undefined));
  data.series.forEach((s, i) => {
    const { start, values } = resample(s, pos, f.width, data.type !== 'point');
    if (data.type === 'point') drawPoints(grid, f, start, values, i);
    else drawLine(grid, ascii, f, start, values as number[], i, data.type === 'area');
  });
  const labels = asciiRows(ascii, f, [f.min, f.min]).map((r) => r.slice(0, f.labelWidth));
  const out: string[] = [yTitle(data, o)];
  for (let r = 0; r < rows; r++) {
    let line = labels[r]! + '┤';
    for (const cell of grid[r]!) line += cell === undefined ? ' ' : o.color ? paint(cell.ch, cell.series, true) : markOf(cell.series, cell.ch);
    out.push(line.trimEnd());
  }
  out.push(...xAxis(data.xKind, f, lo, hi, categories, pos, data.xField));
  return out;
}

function yTitle(data: ChartData, o: TerminalOptions): string {
  const unit = o.unit !== undefined && o.unit !== '' ? ` (${o.unit.trim()})` : '';
  return data.yFields.join(', ') + unit;
}

/** asciichart's rows for values on the frame's scale: the label part is `labelWidth` wide, then the axis, then data. */
function asciiRows(ascii: AsciiChart, f: Frame, values: number[]): string[] {
  return ascii.plot(values, { min: f.min, max: f.max, height: f.height, offset: 2, format: (v) => f.format(v) }).split('\n');
}

/** Draw one series with asciichart (uncoloured) and copy its strokes onto the grid from column `start`. */
function drawLine(grid: (Cell | undefined)[][], ascii: AsciiChart, f: Frame, start: number, values: number[], series: number, fill: boolean): void {
  // A single value draws nothing in asciichart (a line needs two): give it a one-column stroke.
  const drawn = values.length === 1 ? [values[0]!, values[0]!] : values;
  const rows = asciiRows(ascii, f, drawn);
  const dataAt = f.labelWidth + 1;
  for (let r = 0; r < rows.length; r++) {
    const chars = [...rows[r]!];
    for (let k = 0; k < values.length; k++) {
      const ch = chars[dataAt + k];
      if (ch !== undefined && ch !== ' ') grid[r]![start + k] = { ch, series };
    }
  }
  if (fill) fillBelow(grid, rows.length, start, values.length, series, zeroRow(f, rows.length));
}

/** The grid row of a value, as asciichart computes it. */
function rowOf(f: Frame, rows: number, v: number): number {
  const ratio = f.max - f.min !== 0 ? f.height / (f.max - f.min) : 1;
  const min2 = Math.round(f.min * ratio);
  return rows - 1 - (Math.round(v * ratio) - min2);
}

function zeroRow(f: Frame, rows: number): number {
  return Math.min(rows - 1, Math.max(0, rowOf(f, rows, 0)));
}

/** Areas: shade the empty cells between each column's stroke and the zero line. */
function fillBelow(grid: (Cell | undefined)[][], rows: number, start: number, n: number, series: number, zero: number): void {
  for (let k = 0; k < n; k++) {
    const c = start + k;
    let top = -1;
    for (let r = 0; r < rows; r++) {
      const cell = grid[r]![c];
      if (cell !== undefined && cell.series === series) top = r;
    }
    if (top < 0) continue;
    for (let r = top + 1; r <= zero; r++) if (grid[r]![c] === undefined) grid[r]![c] = { ch: '░', series };
  }
}

function drawPoints(grid: (Cell | undefined)[][], f: Frame, start: number, values: (number | undefined)[], series: number): void {
  const rows = grid.length;
  values.forEach((v, k) => {
    if (v === undefined) return;
    grid[Math.min(rows - 1, Math.max(0, rowOf(f, rows, v)))]![start + k] = { ch: '●', series };
  });
}

// ---------------------------------------------------------------------------
// x axis

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 90 * DAY, 365 * DAY,
];

function timeLabel(t: number, step: number, multiDay: boolean): string {
  const iso = formatIso(t);
  if (step >= DAY) return iso.slice(0, 10);
  const clock = step < MINUTE ? iso.slice(11, 19) : iso.slice(11, 16);
  return multiDay ? `${iso.slice(5, 10)} ${clock}` : clock;
}

function niceStep(span: number, maxTicks: number): number {
  const raw = span / Math.max(1, maxTicks);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

interface Tick {
  col: number;
  label: string;
}

function timeTicks(lo: number, hi: number, width: number): { ticks: Tick[]; title: string } {
  const multiDay = formatIso(lo).slice(0, 10) !== formatIso(hi).slice(0, 10);
  const labelWidth = multiDay ? 11 : 8;
  const maxTicks = Math.max(1, Math.floor(width / (labelWidth + 3)));
  const span = Math.max(hi - lo, 1);
  const step = TIME_STEPS.find((s) => span / s <= maxTicks) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
  const ticks: Tick[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) {
    ticks.push({ col: hi === lo ? 0 : Math.round(((t - lo) / (hi - lo)) * (width - 1)), label: timeLabel(t, step, multiDay) });
  }
  if (ticks.length === 0) ticks.push({ col: 0, label: timeLabel(lo, step, multiDay) });
  const day = formatIso(lo).slice(0, 10);
  return { ticks, title: multiDay || step >= DAY ? 'time (UTC)' : `time (UTC, ${day})` };
}

function numberTicks(lo: number, hi: number, width: number): Tick[] {
  if (hi === lo) return [{ col: 0, label: String(lo) }];
  const step = niceStep(hi - lo, Math.max(1, Math.floor(width / 10)));
  const decimals = decimalsFor(step);
  const ticks: Tick[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push({ col: Math.round(((v - lo) / (hi - lo)) * (width - 1)), label: v.toFixed(decimals) });
  }
  return ticks;
}

function categoryTicks(categories: string[], pos: Position, width: number): Tick[] {
  return categories.map((c) => ({ col: Math.round(pos(c) * (width - 1)), label: c }));
}

/** The axis line with tick marks, the tick labels (those that fit without overlapping), and the axis title. */
function xAxis(kind: XKind, f: Frame, lo: number, hi: number, categories: string[], pos: Position, xField = ''): string[] {
  let ticks: Tick[];
  let title: string;
  if (kind === 'time') ({ ticks, title } = timeTicks(lo, hi, f.width));
  else if (kind === 'number') [ticks, title] = [numberTicks(lo, hi, f.width), xField];
  else [ticks, title] = [categoryTicks(categories, pos, f.width), xField];
  const axis = [...'─'.repeat(f.width)];
  let labels = '';
  for (const t of ticks) {
    axis[t.col] = '┬';
    // Centre the label on its tick, but never before the previous label's end nor past the right edge.
    const at = Math.min(Math.max(t.col - Math.floor(t.label.length / 2), labels.length === 0 ? 0 : labels.length + 2), f.width - t.label.length);
    if (at < labels.length + (labels.length === 0 ? 0 : 2) || at < 0) continue;
    labels = labels.padEnd(at) + t.label;
  }
  const pad = ' '.repeat(f.labelWidth);
  const lines = [pad + '└' + axis.join(''), (pad + ' ' + labels).trimEnd()];
  if (title !== '') lines.push(pad + ' ' + title.padStart(Math.floor((f.width + title.length) / 2)));
  return lines;
}

// ---------------------------------------------------------------------------
// bars

/** Eighths of a block, for bar ends finer than one column. */
const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

function bar(length: number): string {
  const whole = Math.floor(length);
  const eighths = Math.round((length - whole) * 8);
  return eighths === 8 ? '█'.repeat(whole + 1) : '█'.repeat(whole) + PARTIAL[eighths];
}

function renderBars(data: ChartData, o: TerminalOptions): string[] {
  const { categories, values } = lastByCategory(data);
  const names = data.series.map((s) => s.name);
  const several = names.length > 1;
  const catWidth = Math.max(...categories.map((c) => c.length));
  const serWidth = several ? Math.max(...names.map((n) => n.length)) : 0;
  let maxAbs = 0;
  let valueWidth = 0;
  for (const m of values.values())
    for (const v of m.values()) {
      maxAbs = Math.max(maxAbs, Math.abs(v));
      valueWidth = Math.max(valueWidth, formatValue(v, o.unit).length);
    }
  const room = Math.max(5, o.columns - catWidth - (several ? serWidth + 2 : 0) - valueWidth - 4);
  const unit = o.unit !== undefined && o.unit !== '' ? ` (${o.unit.trim()})` : '';
  const out: string[] = [`${data.yFields.join(', ')}${unit} by ${data.xField}`];
  for (const c of categories) {
    names.forEach((n, i) => {
      const v = values.get(n)!.get(c);
      if (v === undefined) return;
      const first = i === 0 || names.slice(0, i).every((m) => values.get(m)!.get(c) === undefined);
      const label = (first ? c : '').padEnd(catWidth) + (several ? '  ' + n.padEnd(serWidth) : '');
      const length = maxAbs === 0 ? 0 : (Math.abs(v) / maxAbs) * room;
      out.push(`${label} │${paint(bar(length), i, o.color)} ${formatValue(v, o.unit)}`.trimEnd());
    });
  }
  return out;
}

