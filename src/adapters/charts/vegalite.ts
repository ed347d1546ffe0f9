/**
 * The Vega-Lite spec of a chart. Data is inlined in long form, one row per
 * value `{x, y, series}`, so field names with dots or spaces need no escaping
 * and the axis titles say what the fields were.
 */
import { formatIso } from '../../runtime/point.js';
import { lastByCategory, type ChartData } from './model.js';

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export interface VegaLiteOptions {
  title?: string;
  width: number;
  height: number;
  unit?: string;
}

type Row = { x: string | number; y: number; series: string };
export type VegaLiteSpec = Record<string, unknown>;

function xValue(x: string | number, data: ChartData): string | number {
  return data.xKind === 'time' ? formatIso(x as number) : x;
}

function rows(data: ChartData): Row[] {
  if (data.type === 'bar') {
    const { categories, values } = lastByCategory(data);
    const out: Row[] = [];
    for (const c of categories)
      for (const s of data.series) {
        const v = values.get(s.name)!.get(c);
        if (v !== undefined) out.push({ x: c, y: v, series: s.name });
      }
    return out;
  }
  const out: Row[] = [];
  for (const s of data.series) for (let i = 0; i < s.xs.length; i++) out.push({ x: xValue(s.xs[i]!, data), y: s.ys[i]!, series: s.name });
  return out;
}

function yTitle(data: ChartData, unit: string | undefined): string {
  return data.yFields.join(', ') + (unit !== undefined && unit !== '' ? ` (${unit.trim()})` : '');
}

function xEncoding(data: ChartData): Record<string, unknown> {
  if (data.xKind === 'time') {
    return { field: 'x', type: 'temporal', title: `${data.xField} (UTC)`, scale: { type: 'utc' }, axis: { format: timeFormat(data) } };
  }
  if (data.xKind === 'number') return { field: 'x', type: 'quantitative', title: data.xField };
  return { field: 'x', type: 'ordinal', title: data.xField, sort: null };
}

function seriesTitle(data: ChartData): string {
  return data.byFields.length > 0 ? data.byFields.join(', ') : 'field';
}

/** A d3 time format for the span shown, in UTC like every time flume prints (vega's default is local and 12-hour). */
function timeFormat(data: ChartData): string {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of data.series)
    for (const x of s.xs) {
      lo = Math.min(lo, x as number);
      hi = Math.max(hi, x as number);
    }
  const span = hi - lo;
  if (span <= 2 * 60_000) return '%H:%M:%S';
  if (formatIso(lo).slice(0, 10) === formatIso(hi).slice(0, 10)) return '%H:%M';
  if (span <= 7 * 86_400_000) return '%m-%d %H:%M';
  return '%Y-%m-%d';
}

/** Bars are horizontal, as in the terminal: categories down the y axis, values along x, one bar per series. */
function barEncoding(data: ChartData, unit: string | undefined, several: boolean): Record<string, unknown> {
  const enc: Record<string, unknown> = {
    y: { field: 'x', type: 'nominal', title: data.xField, sort: null },
    x: { field: 'y', type: 'quantitative', title: yTitle(data, unit) },
  };
  if (several) {
    enc['color'] = { field: 'series', type: 'nominal', title: seriesTitle(data), sort: null };
    enc['yOffset'] = { field: 'series', sort: null };
  }
  return enc;
}

export function buildVegaLite(data: ChartData, o: VegaLiteOptions): VegaLiteSpec {
  const several = data.series.length > 1;
  const spec: VegaLiteSpec = { $schema: VEGA_LITE_SCHEMA };
  if (o.title !== undefined && o.title !== '') spec['title'] = o.title;
  spec['width'] = o.width;
  spec['height'] = o.height;
  // The whole picture (axes and legend included) is width × height, so the png is the size asked for.
  spec['autosize'] = { type: 'fit', contains: 'padding' };
  spec['data'] = { values: rows(data) };
  if (data.type === 'bar') {
    spec['mark'] = { type: 'bar', tooltip: true };
    spec['encoding'] = barEncoding(data, o.unit, several);
    return spec;
  }
  spec['mark'] = data.type === 'area' ? { type: 'area', opacity: 0.5, line: true, tooltip: true } : { type: data.type, tooltip: true };
  const encoding: Record<string, unknown> = {
    x: xEncoding(data),
    // Areas overlap as the terminal draws them, rather than stacking.
    y: data.type === 'area' ? { field: 'y', type: 'quantitative', title: yTitle(data, o.unit), stack: null } : { field: 'y', type: 'quantitative', title: yTitle(data, o.unit) },
  };
  if (several) encoding['color'] = { field: 'series', type: 'nominal', title: seriesTitle(data), sort: null };
  spec['encoding'] = encoding;
  return spec;
}

