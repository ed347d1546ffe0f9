/**
 * alarm: firing/resolved transitions per group (SPEC §16.1), dpipe's business
 * alarms. With `over`, the condition is computed by a sliding-window reduce
 * (the same instance `reduce(every=, over=, by=)` uses, not a copy), and
 * groups that go silent for a whole window resolve; without it, per point.
 */
import type { CallExpr, Expr } from '../lang/ast.js';
import { compileError } from '../lang/diagnostics.js';
import { compileTemplate, truthy, type CompiledFn } from '../lang/expr.js';
import type { CompiledExpr, Duration, ProcInstance } from '../runtime/component.js';
import { defineProc, type CreateContext, type NamedArg } from '../runtime/defs.js';
import type { Point } from '../runtime/point.js';
import { addDuration, windowEnd, windowStart } from '../runtime/time.js';
import { byValues, groupKeyFn, writeBy } from './aggregate.js';
import { reduce } from './reduce.js';
import { GROUP_LIMIT } from './window.js';

/** The reduce output field holding the condition's value. */
const WHEN = '_alarm_when';
const EPOCH = { kind: 'epoch' } as const;

export const alarm = defineProc({
  name: 'alarm',
  summary: 'emit a point when a condition starts (firing) or stops (resolved) holding, per group',
  description:
    'Without `over`, `when` is evaluated at every point of its group. With `over`, `when` may use reducers (`avg(cpu) > 90`) and is ' +
    'evaluated per group every `every` over the sliding window `over` (as `reduce(every=, over=, by=)`, windows aligned to the Unix epoch). ' +
    'Only changes are emitted: `{time, alarm, state, severity, <by fields>, <reducer values>, message}` with `state` `firing` or `resolved`, ' +
    "stamped with the point's time (without `over`) or the window's end (with `over`). Each reducer call in `when` is reported under the " +
    'name `<reducer>_<field>` (`avg_cpu`, `count`; a repeated name gets `_2`, `_3`). `for` makes the condition hold that long (from the first ' +
    'evaluation where it holds) before the group fires. With `over`, a firing group resolves at the end of the first window with none of ' +
    'its points, with the reducers\' empty values. `message` is a template over the point (without `over`) or over the by fields and ' +
    'reducer values (with `over`); null when not given. Everything is decided by event time and the watermark, so historical data gives ' +
    'exactly the transitions a live run gives. A group still firing at end of stream stays firing (no resolved point is invented).',
  windowed: true,
  options: {
    name: { type: 'string', required: true, doc: 'the alarm\'s name, written in the `alarm` field' },
    when: { type: 'ast', required: true, doc: 'the condition (an expression, or a string parsed as one); with `over` it may use reducers' },
    over: { type: 'duration', nullable: true, doc: 'evaluate over this sliding window (reducers allowed in `when`); none: per point' },
    every: { type: 'duration', default: '10s', doc: 'with `over`: how often the window is evaluated' },
    by: { type: 'fields', default: [], doc: 'a separate alarm state per group of these fields' },
    for: { type: 'duration', default: '0s', allowZero: true, doc: 'how long the condition must hold before the group fires' },
    message: { type: 'string', nullable: true, doc: "a template for the `message` field, such as '{host}: cpu {avg_cpu}'" },
    severity: { type: 'string', default: 'warning', doc: 'written in the `severity` field' },
  },
  positional: ['name', 'when'],
  examples: [
    {
      title: 'per point: fires when a value crosses 90, resolves when it falls back',
      program:
        "emit(points=[{time:'2024-01-01T00:00:00Z', h:'a', cpu:50}, {time:'2024-01-01T00:00:10Z', h:'a', cpu:95}, " +
        "{time:'2024-01-01T00:00:20Z', h:'a', cpu:97}, {time:'2024-01-01T00:00:30Z', h:'a', cpu:40}]) " +
        "| alarm('hot', cpu > 90, by=[h], message='{h} at {cpu}%')",
      output:
        '{"time":"2024-01-01T00:00:10.000Z","alarm":"hot","state":"firing","severity":"warning","h":"a","message":"a at 95%"}\n' +
        '{"time":"2024-01-01T00:00:30.000Z","alarm":"hot","state":"resolved","severity":"warning","h":"a","message":"a at 40%"}',
    },
    {
      title: 'over a sliding window: the 20 s average of cpu above 90, evaluated every 10 s',
      program:
        "emit(points=[{time:'2024-01-01T00:00:00Z', cpu:80}, {time:'2024-01-01T00:00:10Z', cpu:100}, " +
        "{time:'2024-01-01T00:00:20Z', cpu:100}, {time:'2024-01-01T00:00:30Z', cpu:60}, {time:'2024-01-01T00:00:40Z', cpu:60}]) " +
        "| alarm('hot', avg(cpu) > 90, over='20s', every='10s', severity='critical')",
      output:
        '{"time":"2024-01-01T00:00:30.000Z","alarm":"hot","state":"firing","severity":"critical","avg_cpu":100,"message":null}\n' +
        '{"time":"2024-01-01T00:00:40.000Z","alarm":"hot","state":"resolved","severity":"critical","avg_cpu":80,"message":null}',
    },
    {
      title: 'a CPU alarm per container: the 1-minute average over 80%, for 2 minutes, checked every 10 s',
      program:
        "read('docker-stats', every='5s') | alarm('cpu-hot', avg(cpu) > 80, over='1m', every='10s', by=[name], for='2m', " +
        "severity='critical', message='{name}: cpu {avg_cpu}% over the last minute')",
      needs: 'docker',
    },
  ],
  create(opts, ctx) {
    const when = opts.when as Expr;
    const calls = reducerCalls(when, ctx);
    const shared = {
      name: opts.name,
      severity: opts.severity,
      by: opts.by,
      forDur: opts.for,
      message: opts.message === null || opts.message === undefined ? undefined : compileTemplate(opts.message),
    };
    if (!opts.over) {
      if (calls.length > 0) {
        throw compileError('bad-option', `alarm: \`${calls[0]!.call.name}\` is a reducer: reducers in \`when\` need \`over\``, calls[0]!.call.span, [
          "give a window, e.g. alarm(..., over='5m')",
        ]);
      }
      return new PointAlarm(shared, ctx.services.compileExpr(when));
    }
    return new WindowAlarm(shared, opts.over, opts.every, calls, when, ctx);
  },
});

interface AlarmShape {
  name: string;
  severity: string;
  by: readonly string[];
  forDur: Duration;
  message: CompiledFn | undefined;
}

interface GroupState {
  by: unknown[];
  firing: boolean;
  /** When the condition started holding (pending or firing), or undefined. */
  since: number | undefined;
  /** With `over`: time of the group's latest point. */
  lastSeen: number;
}

/** A reducer call in `when` and the field its value is reported under. */
interface NamedCall {
  call: CallExpr;
  name: string;
  empty: unknown;
}

/** Reducer calls anywhere in the condition (min/max with two or more arguments are the scalar functions). */
function reducerCalls(e: Expr, ctx: CreateContext): NamedCall[] {
  const found: NamedCall[] = [];
  const byText = new Map<string, string>();
  const taken = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const n = node as { kind?: unknown };
    if (n.kind === 'call') {
      const call = node as CallExpr;
      const def = ctx.services.reducer(call.name) as { name: string; empty: unknown } | undefined;
      if (def && !((call.name === 'min' || call.name === 'max') && call.args.length >= 2)) {
        const text = JSON.stringify([call.name, call.args.map((a) => stripSpans(a.value))]);
        if (byText.has(text)) return;
        const name = uniqueName(baseName(def.name, call), taken);
        byText.set(text, name);
        found.push({ call, name, empty: def.empty });
        return;
      }
    }
    for (const v of Object.values(node)) if (typeof v === 'object') visit(v);
  };
  visit(e);
  return found;
}

function stripSpans(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'span' || k === 'nameSpan' ? undefined : x)));
}

function baseName(reducer: string, call: CallExpr): string {
  const first = call.args[0]?.value;
  if (first?.kind === 'field') return `${reducer}_${first.path.join('_')}`;
  if (first?.kind === 'literal' && typeof first.value === 'string') return `${reducer}_${first.value.replace(/\W+/g, '_')}`;
  return reducer;
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/** State changes, shared by both modes. */
abstract class Transitions {
  protected readonly groups = new Map<unknown, GroupState>();
  protected readonly keyOf: (p: Point) => unknown;

  constructor(protected readonly a: AlarmShape) {
    this.keyOf = groupKeyFn(a.by) ?? (() => null);
  }

  protected group(key: unknown, p: Point): GroupState {
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { by: byValues(this.a.by, p), firing: false, since: undefined, lastSeen: -Infinity }));
    return g;
  }

  /** The condition's value at `t` for group `g`; returns the new state when it changed. */
  protected evaluate(g: GroupState, t: number | undefined, holds: boolean): 'firing' | 'resolved' | undefined {
    if (!holds) {
      g.since = undefined;
      if (!g.firing) return undefined;
      g.firing = false;
      return 'resolved';
    }
    if (g.firing) return undefined;
    const at = t ?? 0;
    g.since ??= at;
    if (addDuration(g.since, this.a.forDur) > at) return undefined;
    g.firing = true;
    return 'firing';
  }

  protected transition(time: number | undefined, g: GroupState, state: 'firing' | 'resolved', values: Point | undefined, templateOver: Point): Point {
    const out: Point = {};
    if (time !== undefined) out.time = time;
    out['alarm'] = this.a.name;
    out['state'] = state;
    out['severity'] = this.a.severity;
    writeBy(out, this.a.by, g.by);
    if (values) for (const k of Object.keys(values)) out[k] = values[k];
    out['message'] = this.a.message ? this.a.message(templateOver) : null;
    return out;
  }
}

/** Without `over`: the condition per point. */
class PointAlarm extends Transitions implements ProcInstance {
  constructor(
    a: AlarmShape,
    private readonly when: CompiledExpr,
  ) {
    super(a);
  }

  push(batch: Point[], out: Point[]): void {
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const g = this.group(this.keyOf(p), p);
      const state = this.evaluate(g, p.time, truthy(this.when(p)));
      if (state) out.push(this.transition(p.time, g, state, undefined, p));
    }
  }
}

/** With `over`: a sliding-window reduce computes the condition and the reducer values. */
class WindowAlarm extends Transitions implements ProcInstance {
  private readonly inner: ProcInstance;
  /** Groups firing or pending: the only ones silence can change. */
  private readonly armed = new Set<GroupState>();
  /** A lower bound of the earliest silence instant among armed groups. */
  private nextSilence = Infinity;
  private maxSeen = -Infinity;
  private readonly one: Point[] = [];
  private readonly chunk: Point[] = [];

  constructor(
    a: AlarmShape,
    private readonly over: Duration,
    private readonly every: Duration,
    private readonly calls: readonly NamedCall[],
    when: Expr,
    ctx: CreateContext,
  ) {
    super(a);
    const $named: NamedArg[] = [{ name: WHEN, value: when, span: when.span }, ...calls.map((c) => ({ name: c.name, value: c.call as Expr, span: c.call.span }))];
    const zero: Duration = { months: 0, ms: 0 };
    this.inner = reduce.create(
      { every, over, by: [...a.by], reset: true, align: 'epoch', lateness: zero, partial: false, merge: false, limit: GROUP_LIMIT, $named },
      ctx as CreateContext & { inputs: number },
    );
  }

  push(batch: Point[], out: Point[]): void {
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const t = p.time;
      this.one[0] = p;
      this.chunk.length = 0;
      // The reduce reports the windows ending at or before `t` before it takes `p`: so must silence.
      this.inner.push(this.one, this.chunk);
      if (t === undefined) continue;
      this.report(this.chunk, t, out);
      if (t > this.maxSeen) this.maxSeen = t;
      const g = this.group(this.keyOf(p), p);
      if (t > g.lastSeen) g.lastSeen = t;
    }
  }

  mark(watermark: number, out: Point[]): number {
    this.chunk.length = 0;
    this.inner.mark?.(watermark, this.chunk);
    this.report(this.chunk, watermark, out);
    return watermark;
  }

  end(out: Point[]): void {
    this.chunk.length = 0;
    this.inner.end?.(this.chunk);
    // The reduce's last window is the last one holding the last point.
    const last = this.maxSeen === -Infinity ? -Infinity : windowStart(addDuration(this.maxSeen, this.over), this.every, EPOCH);
    this.report(this.chunk, last, out);
  }

  /** Window results in time order, with silences between them, up to instant `upTo`. */
  private report(results: readonly Point[], upTo: number, out: Point[]): void {
    for (const r of results) {
      const e = addDuration(r.time!, this.over);
      this.silence(e - 1, out);
      const g = this.group(this.keyOf(r), r);
      const state = this.evaluate(g, e, truthy(r[WHEN]));
      this.arm(g);
      if (state) out.push(this.transition(e, g, state, this.valuesOf(r), this.templatePoint(g, r)));
    }
    this.silence(upTo, out);
  }

  private arm(g: GroupState): void {
    if (g.firing || g.since !== undefined) {
      this.armed.add(g);
      const at = this.silentFrom(g);
      if (at < this.nextSilence) this.nextSilence = at;
    } else this.armed.delete(g);
  }

  /** The first window end whose window `[e-over, e)` holds none of the group's points. */
  private silentFrom(g: GroupState): number {
    return windowEnd(windowStart(addDuration(g.lastSeen, this.over), this.every, EPOCH), this.every);
  }

  /** Resolve (or stop the pending of) armed groups silent for a whole window ending at or before `upTo`, in time order. */
  private silence(upTo: number, out: Point[]): void {
    while (this.nextSilence <= upTo) {
      let min = Infinity;
      for (const g of this.armed) min = Math.min(min, this.silentFrom(g));
      this.nextSilence = min;
      if (min > upTo) return;
      for (const g of [...this.armed]) {
        if (this.silentFrom(g) !== min) continue;
        this.armed.delete(g);
        const state = this.evaluate(g, min, false);
        if (state) {
          const empties = this.emptyValues();
          out.push(this.transition(min, g, state, empties, this.templatePoint(g, empties)));
        }
      }
      this.nextSilence = Infinity;
      for (const g of this.armed) this.nextSilence = Math.min(this.nextSilence, this.silentFrom(g));
    }
  }

  private valuesOf(r: Point): Point {
    const v: Point = {};
    for (const c of this.calls) v[c.name] = r[c.name];
    return v;
  }

  private emptyValues(): Point {
    const v: Point = {};
    for (const c of this.calls) v[c.name] = c.empty;
    return v;
  }

  /** What a message template sees with `over`: the by fields and the reducer values. */
  private templatePoint(g: GroupState, values: Point): Point {
    const p: Point = {};
    writeBy(p, this.a.by, g.by);
    for (const k of Object.keys(values)) if (k !== WHEN && k !== 'time') p[k] = values[k];
    return p;
  }
}

