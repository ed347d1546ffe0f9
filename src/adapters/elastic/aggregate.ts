/**
 * A `reduce` right after read('elastic') as one composite aggregation:
 * a date_histogram source for `every` (fixed length, epoch-aligned windows, as
 * reduce's default) and a terms source per `by` field, with count/sum/avg/min/max
 * as metric sub-aggregations. Pushed down only when the result is exactly the
 * reduce's own (checked against the mapping before running):
 * - reducers: count(), and sum/avg/min/max of a field mapped as an integer type
 *   (long, integer, short, byte) with `coerce: false` (else 1.5 is aggregated as 1
 *   while reduce sees 1.5), whose sums are exact on both sides;
 * - by: keyword fields (or a text field's `.keyword`), or integer fields with
 *   `coerce: false`, with no value left out of the index (`_ignored`, e.g. longer
 *   than ignore_above);
 * - with `every`: every document has a time (reduce drops timeless points and counts them);
 * - windows with no `align`, `over`, `reset=false`, `partial`, `merge`.
 * Groups within a window come out in the order of their first document, as
 * reduce emits them; when two groups' first documents have the same time the
 * order depends on the documents, and the reduce runs on the client instead.
 */
import type { CallExpr, Expr } from '../../lang/ast.js';
import type { Duration } from '../../runtime/component.js';
import type { NamedArg } from '../../runtime/defs.js';
import type { Point } from '../../runtime/point.js';
import { writeBy } from '../../procs/aggregate.js';
import type { Client } from './client.js';
import { fieldInfo } from './client.js';
import type { Dsl, FieldInfo } from './query.js';
import type { ReadPlan } from './read.js';

type Metric = { name: string; op: 'count' } | { name: string; op: 'sum' | 'avg' | 'min' | 'max'; field: string };

export interface ReducePlan {
  every: number | undefined;
  by: string[];
  metrics: Metric[];
}

const OPS: Record<string, 'sum' | 'avg' | 'min' | 'max'> = { sum: 'sum', avg: 'avg', mean: 'avg', min: 'min', max: 'max' };
const EXACT_INTEGERS = new Set(['long', 'integer', 'short', 'byte']);
/** What the empty reducers give (count 0, sum 0, avg/min/max null): ungrouped windows without data. */
const EMPTY: Record<Metric['op'], number | null> = { count: 0, sum: 0, avg: null, min: null, max: null };
const PAGE = 1000;

function plainField(e: Expr | undefined): string | undefined {
  if (e?.kind !== 'field' || !e.path.every((s) => typeof s === 'string')) return undefined;
  const name = e.path.join('.');
  return name === 'time' ? undefined : name;
}

function metricOf(a: NamedArg): Metric | undefined {
  const v = a.value as Expr;
  if (v.kind !== 'call' || a.name.includes('.')) return undefined;
  const call = v as CallExpr;
  if (call.name === 'count' && call.args.length === 0) return { name: a.name, op: 'count' };
  const op = OPS[call.name];
  if (op === undefined || call.args.length !== 1 || call.args[0]!.name !== undefined) return undefined;
  const field = plainField(call.args[0]!.value);
  return field === undefined ? undefined : { name: a.name, op, field };
}

/** The reduce as an aggregation, when its options allow one (the mapping is checked at run time). */
export function reducePlan(opts: Readonly<Record<string, unknown>>, timeField: string | null): ReducePlan | undefined {
  if (opts['over'] || opts['reset'] === false || opts['partial'] === true || opts['merge'] === true) return undefined;
  if ((opts['align'] ?? 'epoch') !== 'epoch') return undefined;
  const every = opts['every'] as Duration | null | undefined;
  if (every && (every.months !== 0 || every.ms <= 0 || timeField === null)) return undefined;
  const by = (opts['by'] as string[] | undefined) ?? [];
  if (by.some((f) => f === 'time' || f.includes('['))) return undefined;
  const metrics: Metric[] = [];
  for (const a of (opts['$named'] as NamedArg[] | undefined) ?? []) {
    const m = metricOf(a);
    if (m === undefined) return undefined;
    metrics.push(m);
  }
  if (metrics.length === 0) return undefined;
  return { every: every ? every.ms : undefined, by, metrics };
}

function byField(f: string, info: FieldInfo | undefined): string | undefined {
  if (info?.type === 'keyword') return f;
  // Integer keys come back as numbers, as the values in _source are when the field does not coerce.
  if (EXACT_INTEGERS.has(info?.type ?? '') && info?.strict === true) return f;
  if (info?.type === 'text' && info.keyword) return info.keyword.name;
  return undefined;
}

async function count(client: Client, index: string, query: Dsl): Promise<number> {
  const r = await client.count({ index, query, ignore_unavailable: true, allow_no_indices: true });
  return r.count;
}

function and(query: Dsl, ...more: Dsl[]): Dsl {
  return { bool: { filter: [query, ...more] } };
}

/** Why the aggregation would not equal the reduce on this data, or undefined when it does. */
async function check(client: Client, plan: ReadPlan, query: Dsl, r: ReducePlan): Promise<string | undefined> {
  const fields = await fieldInfo(client, plan.index, [...r.by, ...r.metrics.flatMap((m) => (m.op === 'count' ? [] : [m.field]))]);
  for (const m of r.metrics) {
    if (m.op === 'count') continue;
    const info = fields.get(m.field);
    if (!(EXACT_INTEGERS.has(info?.type ?? '') && info?.strict === true)) return `${m.op}(${m.field}): not an integer field mapped with coerce: false`;
  }
  const indexed: string[] = [];
  for (const f of r.by) {
    const name = byField(f, fields.get(f));
    if (name === undefined) return `by ${f}: not a keyword field, nor an integer field mapped with coerce: false`;
    indexed.push(f, name);
  }
  for (const m of r.metrics) if (m.op !== 'count') indexed.push(m.field);
  if (indexed.length > 0 && (await count(client, plan.index, and(query, { terms: { _ignored: indexed } }))) > 0) {
    return 'some values are not indexed (ignore_above, ignore_malformed)';
  }
  if (plan.timeField !== null) {
    const time = (await fieldInfo(client, plan.index, [plan.timeField])).get(plan.timeField);
    const dated = time?.type === 'date' || time?.type === 'date_nanos';
    if (r.every !== undefined && !dated) return `${plan.timeField}: not a date field`;
    if (r.every !== undefined && (await count(client, plan.index, and(query, { bool: { must_not: [{ exists: { field: plan.timeField } }] } }))) > 0) {
      return `some documents have no ${plan.timeField}`;
    }
    if (r.every === undefined && !dated && time?.type !== undefined) return `${plan.timeField}: not a date field`;
  }
  return undefined;
}

interface Bucket {
  key: Record<string, unknown>;
  doc_count: number;
  [agg: string]: unknown;
}

interface Group {
  window: number | undefined;
  by: unknown[];
  first: number | null;
  values: unknown[];
}

function valueOf(b: Bucket, m: Metric, i: number): unknown {
  if (m.op === 'count') return b.doc_count;
  const v = (b[`m${i}`] as { value: number | null } | undefined)?.value ?? null;
  return m.op === 'sum' ? (v ?? 0) : v;
}

/** Every bucket of the composite aggregation, page by page. */
async function* buckets(client: Client, plan: ReadPlan, query: Dsl, r: ReducePlan, fields: Map<string, FieldInfo>, signal: AbortSignal): AsyncGenerator<Bucket> {
  const sources: Dsl[] = [];
  if (r.every !== undefined) sources.push({ w: { date_histogram: { field: plan.timeField, fixed_interval: `${r.every}ms` } } });
  r.by.forEach((f, i) => sources.push({ [`b${i}`]: { terms: { field: byField(f, fields.get(f)), missing_bucket: true } } }));
  const aggs: Dsl = {};
  r.metrics.forEach((m, i) => {
    if (m.op !== 'count') aggs[`m${i}`] = { [m.op]: { field: m.field } };
  });
  if (plan.timeField !== null) aggs['first'] = { min: { field: plan.timeField } };
  if (sources.length === 0) {
    // One group, no window: plain metric aggregations over the whole query.
    const res = await client.search({ index: plan.index, size: 0, query, track_total_hits: true, aggs: aggs as never });
    const total = res.hits.total;
    const n = typeof total === 'number' ? total : (total?.value ?? 0);
    if (n > 0) yield { key: {}, doc_count: n, ...(res.aggregations as Record<string, unknown>) };
    return;
  }
  let after: Record<string, unknown> | undefined;
  for (;;) {
    if (signal.aborted) return;
    const res = await client.search({
      index: plan.index,
      size: 0,
      query,
      aggs: { g: { composite: { size: PAGE, sources, ...(after ? { after } : {}) }, aggs } } as never,
    });
    const g = (res.aggregations as Record<string, { buckets: Bucket[]; after_key?: Record<string, unknown> }> | undefined)?.['g'];
    if (g === undefined || g.buckets.length === 0) return;
    yield* g.buckets;
    if (g.after_key === undefined || g.buckets.length < PAGE) return;
    after = g.after_key;
  }
}

/** The reduce's output, or undefined when groups tie on their first time (their order would be a guess). */
async function run(client: Client, plan: ReadPlan, query: Dsl, r: ReducePlan, signal: AbortSignal): Promise<Point[] | undefined> {
  const fields = await fieldInfo(client, plan.index, r.by);
  const groups: Group[] = [];
  for await (const b of buckets(client, plan, query, r, fields, signal)) {
    groups.push({
      window: r.every === undefined ? undefined : (b.key['w'] as number),
      by: r.by.map((_, i) => b.key[`b${i}`] ?? null),
      first: (b['first'] as { value: number | null } | undefined)?.value ?? null,
      values: r.metrics.map((m, i) => valueOf(b, m, i)),
    });
  }
  return assemble(groups, r);
}

function assemble(groups: Group[], r: ReducePlan): Point[] | undefined {
  const out: Point[] = [];
  const byWindow = new Map<number | undefined, Group[]>();
  for (const g of groups) {
    const list = byWindow.get(g.window);
    if (list === undefined) byWindow.set(g.window, [g]);
    else list.push(g);
  }
  const windows = [...byWindow.keys()].sort((a, b) => (a ?? 0) - (b ?? 0));
  const globalFirst = groups.reduce<number | null>((m, g) => (g.first === null ? m : m === null ? g.first : Math.min(m, g.first)), null);
  let prev: number | undefined;
  for (const w of windows) {
    const list = byWindow.get(w)!;
    if (hasTies(list)) return undefined;
    list.sort((a, b) => (a.first ?? Infinity) - (b.first ?? Infinity));
    if (r.every !== undefined && r.by.length === 0 && prev !== undefined) {
      for (let s = prev + r.every; s < w!; s += r.every) out.push(result(s, [], r.metrics.map((m) => EMPTY[m.op]), r));
    }
    for (const g of list) out.push(result(r.every === undefined ? (globalFirst ?? undefined) : w, g.by, g.values, r));
    prev = w;
  }
  if (groups.length === 0 && r.by.length === 0 && r.every === undefined) out.push(result(undefined, [], r.metrics.map((m) => EMPTY[m.op]), r));
  return out;
}

function hasTies(list: Group[]): boolean {
  const seen = new Set<number | null>();
  for (const g of list) {
    if (seen.has(g.first)) return true;
    seen.add(g.first);
  }
  return false;
}

function result(time: number | undefined, by: unknown[], values: unknown[], r: ReducePlan): Point {
  const p: Point = {};
  if (time !== undefined) p.time = time;
  writeBy(p, r.by, by);
  r.metrics.forEach((m, i) => (p[m.name] = values[i]));
  return p;
}

export const aggregate = { check, run };
