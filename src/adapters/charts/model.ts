/**
 * What a chart sink keeps of its points: one series of (x, y) values per
 * `by` group and y field. Terminal and Vega-Lite rendering both start from a
 * {@link ChartData} snapshot, so they always agree on the data.
 */
import { getPath, pointToJson, splitPath, TimeValue, type Point, formatIso } from '../../runtime/point.js';

export type ChartType = 'line' | 'bar' | 'area' | 'point';
export const CHART_TYPES: readonly ChartType[] = ['line', 'bar', 'area', 'point'];

/** How the x values are read: times (epoch ms), plain numbers, or categories (strings). */
export type XKind = 'time' | 'number' | 'category';
export type XValue = number | string;

export interface Series {
  name: string;
  xs: XValue[];
  ys: number[];
}

export interface ChartData {
  type: ChartType;
  xField: string;
  xKind: XKind;
  /** The y fields charted (given, or inferred from the first point). */
  yFields: string[];
  series: Series[];
  /** The `by` fields series are named after (empty: series are the y fields). */
  byFields: string[];
}

export interface ChartModelOptions {
  type: ChartType;
  x: string;
  /** Empty: every numeric field of the first point that has one (other than x and by). */
  y: readonly string[];
  by: readonly string[];
  /** Group by `by` only when the first point has one of its fields (Python flume's `series='name'` default). */
  byIfPresent?: boolean;
  /** Values kept per series; older ones scroll out (a live chart must not grow without bound). */
  limit: number;
}

/** Counts what cannot be charted (SPEC §6: never silently dropped). */
export type DropFn = (reason: string, example?: string) => void;

function readField(p: Point, path: readonly string[]): unknown {
  return path.length === 1 ? p[path[0]!] : getPath(p, path);
}

function groupName(v: unknown, field: readonly string[]): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'number' && field.length === 1 && field[0] === 'time') return formatIso(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export class ChartModel {
  private readonly xPath: string[];
  private byPaths: string[][];
  private byDecided: boolean;
  private yFields: string[];
  private yPaths: string[][];
  private xKind: XKind | undefined;
  private readonly series = new Map<string, Series>();
  /** Bumped on every added value, so the sink knows when a redraw would change anything. */
  version = 0;

  constructor(private readonly o: ChartModelOptions) {
    this.xPath = splitPath(o.x);
    this.byPaths = o.by.map(splitPath);
    this.byDecided = o.byIfPresent !== true;
    this.yFields = [...o.y];
    this.yPaths = this.yFields.map(splitPath);
  }

  add(batch: readonly Point[], drop: DropFn): void {
    for (const p of batch) this.addPoint(p, drop);
  }

  snapshot(): ChartData {
    return {
      type: this.o.type,
      xField: this.o.x,
      xKind: this.xKind ?? (this.o.x === 'time' ? 'time' : 'number'),
      yFields: [...this.yFields],
      series: [...this.series.values()].map((s) => ({ name: s.name, xs: [...s.xs], ys: [...s.ys] })),
      byFields: this.byPaths.map((b) => b.join('.')),
    };
  }

  private addPoint(p: Point, drop: DropFn): void {
    const x = this.readX(p, drop);
    if (x === undefined) return;
    if (!this.byDecided) this.decideBy(p);
    if (this.yFields.length === 0 && !this.inferY(p)) {
      drop('type-mismatch', `no numeric field to chart: ${pointToJson(p)}`);
      return;
    }
    const group = this.byPaths.map((path) => groupName(readField(p, path), path)).join(' ');
    for (let i = 0; i < this.yPaths.length; i++) {
      const v = readField(p, this.yPaths[i]!);
      // A missing or null value is a gap (an empty window), not an error.
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        drop('type-mismatch', `${this.yFields[i]} is not a number: ${pointToJson(p)}`);
        continue;
      }
      this.append(this.seriesName(group, this.yFields[i]!), x, v);
    }
  }

  private seriesName(group: string, field: string): string {
    if (this.byPaths.length === 0) return field;
    return this.yFields.length > 1 ? `${group} ${field}` : group;
  }

  /** The x value as a number (time, number) or string (category); undefined (and counted) when unusable. */
  private readX(p: Point, drop: DropFn): XValue | undefined {
    const raw = readField(p, this.xPath);
    let kind: XKind;
    let x: XValue;
    if (raw instanceof TimeValue) [kind, x] = ['time', raw.ms];
    else if (typeof raw === 'number' && Number.isFinite(raw)) [kind, x] = [this.o.x === 'time' ? 'time' : 'number', raw];
    else if (typeof raw === 'string' || typeof raw === 'boolean') [kind, x] = ['category', String(raw)];
    else {
      drop(this.o.x === 'time' ? 'timeless' : 'type-mismatch', `no ${this.o.x} to chart: ${pointToJson(p)}`);
      return undefined;
    }
    // Bars take any x as a category; a line needs one kind of x throughout.
    if (this.o.type === 'bar' && kind === 'number') kind = 'category';
    if (this.o.type === 'bar' && kind === 'category') x = String(x);
    this.xKind ??= kind;
    if (kind !== this.xKind && !(this.o.type === 'bar')) {
      drop('type-mismatch', `${this.o.x} is a ${kind} where earlier points had a ${this.xKind}: ${pointToJson(p)}`);
      return undefined;
    }
    return x;
  }

  private decideBy(p: Point): void {
    this.byDecided = true;
    if (!this.byPaths.some((path) => readField(p, path) !== undefined)) this.byPaths = [];
  }

  /** y=[] charts every numeric field of the first point that has any. */
  private inferY(p: Point): boolean {
    const skip = new Set([this.o.x, 'time', ...this.byPaths.map((b) => b.join('.'))]);
    const fields = Object.keys(p).filter((k) => !skip.has(k) && typeof p[k] === 'number' && Number.isFinite(p[k]));
    if (fields.length === 0) return false;
    this.yFields = fields;
    this.yPaths = fields.map((f) => [f]);
    return true;
  }

  private append(name: string, x: XValue, y: number): void {
    let s = this.series.get(name);
    if (s === undefined) {
      s = { name, xs: [], ys: [] };
      this.series.set(name, s);
    }
    s.xs.push(x);
    s.ys.push(y);
    this.version++;
    // Trim in steps of half the limit so scrolling costs O(1) per value on average.
    if (s.xs.length > this.o.limit * 1.5) {
      const cut = s.xs.length - this.o.limit;
      s.xs.splice(0, cut);
      s.ys.splice(0, cut);
    }
  }
}

/** Bars show the last value of each (category, series): a live bar chart shows the latest window. */
export function lastByCategory(data: ChartData): { categories: string[]; values: Map<string, Map<string, number>> } {
  const categories: string[] = [];
  const seen = new Set<string>();
  const values = new Map<string, Map<string, number>>();
  for (const s of data.series) {
    const m = new Map<string, number>();
    values.set(s.name, m);
    for (let i = 0; i < s.xs.length; i++) {
      const c = categoryLabel(s.xs[i]!, data.xKind);
      if (!seen.has(c)) {
        seen.add(c);
        categories.push(c);
      }
      m.set(c, s.ys[i]!);
    }
  }
  return { categories, values };
}

export function categoryLabel(x: XValue, kind: XKind): string {
  if (typeof x === 'string') return x;
  return kind === 'time' ? formatIso(x) : String(x);
}
