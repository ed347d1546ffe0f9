/**
 * Points to Prometheus series: every numeric field (nested ones joined with
 * `_`) is a metric named `<prefix>_<field>`, labelled by the `by` fields; the
 * latest value per label set is kept in a {@link SeriesTable}.
 */
import { fieldText, getPath, splitPath, TimeValue, type Batch, type Point } from '../../runtime/point.js';
import { labelName, labelSet, metricName, SeriesTable, type MetricType } from '../../runtime/prometheus-text.js';
import { runtimeError } from '../../lang/diagnostics.js';

export interface SeriesPlan {
  by: readonly string[];
  prefix: string;
  type: MetricType;
  /** Series not set for this long are removed (null: never). */
  ttlMs: number | null;
  maxSeries: number;
}

/** `cpu` with prefix `flume` (or `flume_`) → `flume_cpu`; no prefix → `cpu`. */
export function prefixed(prefix: string, field: string): string {
  if (prefix.length === 0) return metricName(field);
  return metricName(prefix.endsWith('_') ? prefix + field : `${prefix}_${field}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof TimeValue);
}

export class PointSeries {
  readonly table: SeriesTable;
  private readonly labelNames: string[];
  private readonly byPaths: string[][];
  /** Fields that are labels, not metrics (dotted names). */
  private readonly labelFields: Set<string>;
  /** Dotted field name → metric name, made once per field. */
  private readonly names = new Map<string, string>();
  private readonly values: string[];

  constructor(private readonly plan: SeriesPlan) {
    this.table = new SeriesTable(plan.type);
    this.labelNames = plan.by.map((f) => labelName(f));
    this.byPaths = plan.by.map(splitPath);
    this.labelFields = new Set(plan.by);
    this.values = new Array<string>(plan.by.length);
  }

  /** Take the numeric fields of every point as the latest values of their series, at time `now`. */
  update(batch: Batch, now: number): void {
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      for (let j = 0; j < this.byPaths.length; j++) {
        const path = this.byPaths[j]!;
        this.values[j] = fieldText(path.length === 1 ? p[path[0]!] : getPath(p, path)) ?? '';
      }
      this.fields(p, '', labelSet(this.labelNames, this.values), now);
    }
    if (this.table.size > this.plan.maxSeries) this.overLimit(now);
  }

  /** Drop series older than the ttl (before a scrape or a push). */
  expire(now: number): void {
    if (this.plan.ttlMs !== null) this.table.expire(now - this.plan.ttlMs);
  }

  private fields(p: Point | Record<string, unknown>, parent: string, labels: string, now: number): void {
    for (const k in p) {
      if (parent.length === 0 && k === 'time') continue;
      const v = p[k];
      const field = parent.length === 0 ? k : parent + '.' + k;
      if (typeof v === 'number') {
        if (this.labelFields.has(field)) continue;
        const name = this.names.get(field) ?? this.name(field);
        // A HELP line per family: promtool check metrics wants one.
        if (this.table.set(name, labels, v, now)) this.table.describe(name, this.plan.type, `the field ${field}`);
      } else if (isRecord(v)) this.fields(v, field, labels, now);
    }
  }

  /** A field's metric name, made once. */
  private name(field: string): string {
    // Points with ever new field names: the cache is bounded like the series.
    if (this.names.size >= this.plan.maxSeries) this.names.clear();
    const name = prefixed(this.plan.prefix, field);
    this.names.set(field, name);
    return name;
  }

  /** More series than allowed: the stale ones go first; if that is not enough, the run fails. */
  private overLimit(now: number): void {
    this.expire(now);
    if (this.table.size <= this.plan.maxSeries) return;
    throw runtimeError('series-limit', `write prometheus: more than ${this.plan.maxSeries} series (max_series=${this.plan.maxSeries})`, [
      'a `by` field with many values (an id, a timestamp) makes a series each: label by fewer fields, or keep() only the metrics you need',
      'raise the limit with max_series=N, or lower ttl so unused series go sooner',
    ]);
  }
}
