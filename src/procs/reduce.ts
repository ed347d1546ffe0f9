/**
 * reduce: aggregate per group, over the whole stream or per window (SPEC §4.1, §11.1–5, §11.23).
 */
import { compileError } from '../lang/diagnostics.js';
import type { Duration } from '../runtime/component.js';
import { defineProc, type CreateContext, type NamedArg } from '../runtime/defs.js';
import { parseDuration, windowEnd, windowStart, addDuration, type Align } from '../runtime/time.js';
import { pointToJson, setPath, type Point } from '../runtime/point.js';
import { byValues, pointAdder, compileAggregation, groupKeyFn, newStates, writeBy, type Aggregation } from './aggregate.js';
import type { ReducerState, ReducerWindow } from './reducers/types.js';
import { EmptyRuns, GroupLimit, groupLimitOption, SlidingWindow, slidingSpec, type SlidingSpec } from './window.js';

interface Group {
  by: unknown[];
  states: ReducerState[];
  last: Point;
}

interface Window {
  start: number;
  end: number;
  groups: Map<unknown, Group>;
}

interface SlidingGroup {
  by: unknown[];
  window: SlidingWindow;
}

const EMPTY_POINT: Point = {};

export const reduce = defineProc({
  name: 'reduce',
  summary: 'aggregate points with reducers, per group, over the whole stream or per time window',
  description:
    'Each `name=` is a reducer call (`count()`, `avg(cpu)`), an expression of reducers (`range=max(v)-min(v)`), a constant, ' +
    "or a template interpolated with the window's last point. Without `every`, one result per group at end of stream, stamped " +
    'with the earliest time seen. With `every`, tumbling windows aligned to the Unix epoch (calendar units to calendar boundaries, UTC), ' +
    'each result stamped with its window start; empty windows between data are emitted with empty values when ungrouped. ' +
    'With `over`, sliding windows `[e-over, e)` for every `every`-aligned instant `e`, stamped `e-over`. ' +
    'A timeless point in a windowed reduce is dropped and counted (reason `timeless`); a point whose window has closed is dropped and counted (`late`). ' +
    'With `reset=false` reducers accumulate across windows (running values); a window emits the groups that had points in it. ' +
    'A point whose window ended at or before the watermark minus `lateness` is late, even when that window never opened. ' +
    "With `gap`, session windows: a group's session lasts while its points come less than `gap` apart (by event time; live, by the " +
    'watermark), and gives one result stamped with its first point; results come in order of those stamps.',
  // Only windows need time order: one result per group at end of stream does not (after a sort too).
  windowed: (opts) => (opts['every'] !== undefined && opts['every'] !== null) || (opts['gap'] !== undefined && opts['gap'] !== null),
  named: { doc: 'output field = reducer call, expression of reducers, constant or template' },
  options: {
    every: { type: 'duration', nullable: true, doc: "window length ('1m', '1h', '1d', calendar '1M'/'1y'); none: one result at end of stream" },
    over: { type: 'duration', nullable: true, doc: 'sliding window length; results every `every`, each covering the preceding `over`' },
    gap: {
      type: 'duration',
      nullable: true,
      doc: "session windows: a group's session ends when none of its points comes for this long; one result per session, stamped with its first point's time",
    },
    by: { type: 'fields', default: [], doc: 'group by these fields (bare or quoted, nested paths allowed)' },
    reset: { type: 'boolean', default: true, doc: 'false: reducers accumulate across windows (running totals)' },
    align: {
      type: 'string',
      default: 'epoch',
      doc: "window alignment: 'epoch' (default, windows line up across processes), 'first' (anchored at the first point, as Python flume), or a duration offset such as '15m'",
    },
    lateness: { type: 'duration', default: '0s', doc: 'how long a window stays open after its end for late points (points later still are dropped and counted)' },
    partial: { type: 'boolean', default: false, doc: "emit each reducer's mergeable state instead of its result (first stage of a split aggregation)" },
    merge: { type: 'boolean', default: false, doc: 'combine partial states produced by `partial=true` (same window and group) into final results' },
    limit: { ...groupLimitOption, doc: 'most groups held at once (per window); one more is a runtime error, never a silent drop' },
  },
  examples: [
    {
      title: 'count points per hour',
      program: "emit(limit=5, every='30m', start='2016-01-01') | reduce(count=count(), every='1h')",
      output:
        '{"time":"2016-01-01T00:00:00.000Z","count":2}\n{"time":"2016-01-01T01:00:00.000Z","count":2}\n{"time":"2016-01-01T02:00:00.000Z","count":1}',
    },
    {
      title: 'average per group over the whole stream',
      program: "emit(points=[{host:'a', v:1}, {host:'b', v:4}, {host:'a', v:3}]) | reduce(avg=avg(v), n=count(), by=[host])",
      output: '{"host":"a","avg":2,"n":2}\n{"host":"b","avg":4,"n":1}',
    },
    {
      title: 'range as an expression of reducers',
      program: 'emit(points=[{v:3}, {v:9}, {v:4}]) | reduce(range=max(v) - min(v))',
      output: '{"range":6}',
    },
  ],
  create(opts, ctx) {
    const named = opts['$named'] as NamedArg[];
    if (named.length === 0) throw compileError('bad-option', 'reduce needs at least one `name=reducer()` argument', undefined, ['reduce(count=count())']);
    const agg = compileAggregation(named, ctx, 'reduce', Object.keys(reduce.options));
    const partial = opts['partial'] === true;
    const merge = opts['merge'] === true;
    if (partial || merge) {
      for (const a of agg.assignments) {
        if (a.slots.length !== 1 || a.constant) {
          throw compileError('bad-option', `with partial or merge, \`${a.name}\` must be exactly one reducer call`);
        }
      }
    }
    const every = opts['every'] as Duration | null | undefined;
    const over = opts['over'] as Duration | null | undefined;
    const by = opts['by'] as string[];
    const lateness = (opts['lateness'] as Duration).ms;
    const align = parseAlign(opts['align'] as string);
    if (every && every.ms <= 0 && every.months <= 0) throw compileError('bad-option', '`every` must be longer than zero');
    if (over && !every) throw compileError('bad-option', '`over` needs `every` (results are produced every `every`)');
    const gap = opts.gap;
    const shape: Shape = { agg, by, partial, merge, ctx, limit: new GroupLimit('reduce', opts.limit) };
    if (gap) {
      if (every) throw compileError('bad-option', '`every` and `gap` cannot be combined: `gap` makes session windows, `every` fixed ones');
      return new Sessions(shape, gap, lateness);
    }
    if (!every) return new WholeStream(shape);
    if (over) return new Sliding(shape, every, over, align, lateness);
    return new Tumbling(shape, every, align, lateness, opts['reset'] !== false);
  },
});

function parseAlign(text: string): Align | 'first' {
  if (text === 'epoch') return { kind: 'epoch' };
  if (text === 'first') return 'first';
  const d = parseDuration(text);
  if (!d) throw compileError('bad-option', `align must be 'epoch', 'first' or a duration, got '${text}'`);
  return { kind: 'offset', offset: d };
}

interface Shape {
  agg: Aggregation;
  by: string[];
  partial: boolean;
  merge: boolean;
  ctx: CreateContext;
  limit: GroupLimit;
}

/** Shared: feeding a group's states, and writing a result point. */
abstract class Reducing {
  protected readonly keyOf: ((p: Point) => unknown) | undefined;
  /** Feeds one point into a group's states (added, or merged as partials). */
  protected readonly feed: (states: ReducerState[], p: Point) => void;

  constructor(protected readonly s: Shape) {
    this.keyOf = groupKeyFn(s.by);
    this.keepLast = !s.agg.assignments.every((a) => a.pointFree);
    const slots = s.agg.slots;
    this.feed = s.merge
      ? (states, p) => {
          for (let i = 0; i < slots.length; i++) {
            const v = p[slots[i]!.field];
            if (v !== undefined && v !== null) states[i]!.merge(v);
          }
        }
      : pointAdder(slots);
  }

  protected result(time: number | undefined, by: readonly unknown[], states: readonly ReducerState[] | undefined, last: Point, window?: ReducerWindow): Point {
    const { agg, partial } = this.s;
    const out: Point = {};
    if (time !== undefined) out.time = time;
    writeBy(out, this.s.by, by);
    for (let i = 0; i < agg.slots.length; i++) {
      const st = states?.[i];
      agg.results[i] = st ? (partial ? st.partial() : st.result(window)) : agg.slots[i]!.def.empty;
    }
    for (const a of agg.assignments) {
      const v = a.value(last);
      if (a.path.length === 1) out[a.name] = v;
      else setPath(out, a.path, v);
    }
    return out;
  }

  /** Some output field reads the window's last point (a template, an expression of fields): keep it per group. */
  protected readonly keepLast: boolean;

  protected newGroup(p: Point): Group {
    return { by: byValues(this.s.by, p), states: newStates(this.s.agg.slots), last: this.keepLast ? p : EMPTY_POINT };
  }
}

/** No `every`: one result per group at end of stream. */
class WholeStream extends Reducing {
  private readonly groups = new Map<unknown, Group>();
  private first: number | undefined;

  push(batch: Point[]): void {
    const keyOf = this.keyOf;
    const feed = this.feed;
    let first = this.first;
    // The map is consulted only when the key changes (never, ungrouped): a hot loop on big streams.
    let lastKey: unknown;
    let g: Group | undefined;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const t = p.time;
      if (t !== undefined && (first === undefined || t < first)) first = t;
      const key = keyOf ? keyOf(p) : null;
      if (g === undefined || key !== lastKey) {
        g = this.groups.get(key);
        if (!g) {
          this.s.limit.check(this.groups.size);
          this.groups.set(key, (g = this.newGroup(p)));
        }
        lastKey = key;
      }
      feed(g.states, p);
      if (this.keepLast) g.last = p;
    }
    this.first = first;
  }

  mark(): number {
    return -Infinity;
  }

  end(out: Point[]): void {
    if (this.groups.size === 0 && !this.keyOf) {
      out.push(this.result(undefined, [], undefined, EMPTY_POINT));
      return;
    }
    for (const g of this.groups.values()) out.push(this.result(this.first, g.by, g.states, g.last));
  }
}

class Tumbling extends Reducing {
  /** Open windows, ascending by start. */
  private readonly open: Window[] = [];
  private current: Window | undefined;
  /** Windows starting before this have been emitted. */
  private closedBefore = -Infinity;
  private maxSeen = -Infinity;
  private align: Align | undefined;
  /** Ungrouped: the next window start to fill with empty values. */
  private nextEmpty: number | undefined;
  private readonly persistent = new Map<unknown, Group>();
  /** Ungrouped runs of empty windows across a gap, produced a part at a time. */
  private readonly runs: EmptyRuns;

  constructor(
    s: Shape,
    private readonly every: Duration,
    align: Align | 'first',
    private readonly lateness: number,
    private readonly reset: boolean,
  ) {
    super(s);
    this.runs = new EmptyRuns(s.ctx.signal);
    this.align = align === 'first' ? undefined : align;
    this.fast = this.align?.kind === 'epoch' && every.months === 0 ? every.ms : 0;
  }

  /** Exact epoch-aligned windows compute starts with arithmetic. */
  private readonly fast: number;

  private startOf(t: number): number {
    if (this.fast > 0) return t - (((t % this.fast) + this.fast) % this.fast);
    this.align ??= { kind: 'first', first: t };
    return windowStart(t, this.every, this.align);
  }

  more(out: Point[]): boolean {
    return this.runs.more(out);
  }

  push(batch: Point[], out: Point[]): void {
    this.runs.begin(out);
    this.pushPoints(batch, out);
    this.runs.finish(out);
  }

  private pushPoints(batch: Point[], out: Point[]): void {
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const t = p.time;
      if (t === undefined) {
        this.s.ctx.drop('timeless', pointToJson(p));
        continue;
      }
      if (t > this.maxSeen) {
        this.maxSeen = t;
        if (this.open.length > 0 && this.open[0]!.end + this.lateness <= t) this.closeUpTo(t - this.lateness, out);
      }
      let w = this.current;
      if (!w || t < w.start || t >= w.end) {
        const start = this.startOf(t);
        // Late even when its window never opened (SPEC §12.6): it would close at once, after later windows.
        if (start < this.closedBefore || (t < this.horizon && this.endOf(start) + this.lateness <= this.horizon)) {
          this.s.ctx.drop('late', pointToJson(p));
          continue;
        }
        w = this.windowAt(start);
        this.current = w;
      }
      const key = this.keyOf ? this.keyOf(p) : null;
      let g = w.groups.get(key);
      if (!g) {
        this.s.limit.check(w.groups.size);
        if (this.reset) g = this.newGroup(p);
        else {
          g = this.persistent.get(key);
          if (!g) {
            this.s.limit.check(this.persistent.size);
            this.persistent.set(key, (g = this.newGroup(p)));
          }
        }
        w.groups.set(key, g);
      }
      this.feed(g.states, p);
      if (this.keepLast) g.last = p;
    }
  }

  private windowAt(start: number): Window {
    const open = this.open;
    for (let i = open.length - 1; i >= 0; i--) {
      const w = open[i]!;
      if (w.start === start) return w;
      if (w.start < start) {
        const nw = this.newWindow(start);
        open.splice(i + 1, 0, nw);
        return nw;
      }
    }
    const nw = this.newWindow(start);
    open.unshift(nw);
    return nw;
  }

  private endOf(start: number): number {
    return this.fast > 0 ? start + this.fast : windowEnd(start, this.every);
  }

  private newWindow(start: number): Window {
    return { start, end: this.endOf(start), groups: new Map() };
  }

  /** The watermark so far: the largest time seen, or a later watermark from upstream. */
  private get horizon(): number {
    return Math.max(this.maxSeen, this.lastWatermark);
  }
  private lastWatermark = -Infinity;

  /** Emit windows whose end + lateness ≤ watermark (`wm` here is already minus lateness). */
  private closeUpTo(wm: number, out: Point[]): void {
    while (this.open.length > 0 && this.open[0]!.end <= wm) {
      const w = this.open.shift()!;
      if (this.current === w) this.current = undefined;
      this.fillEmpty(w.start, out);
      this.emitWindow(w, out);
      this.closedBefore = w.end;
      if (!this.keyOf) this.nextEmpty = w.end;
    }
    if (this.open.length === 0 && this.nextEmpty !== undefined) {
      // Live and idle: ungrouped windows close on time with empty values.
      const upTo = this.startOf(wm);
      this.fillEmpty(upTo, out);
      if (upTo > this.closedBefore) this.closedBefore = upTo;
    }
  }

  private fillEmpty(before: number, out: Point[]): void {
    if (this.keyOf || this.nextEmpty === undefined || this.nextEmpty >= before) return;
    const step = this.fast > 0 ? (s: number) => s + this.fast : (s: number) => windowEnd(s, this.every);
    this.runs.emit({ at: this.nextEmpty, before, step, make: this.emptyResult() }, out);
    this.nextEmpty = before;
  }

  /** An empty window's result; with reset=false, the running values as they are now (the run may be written later). */
  private emptyResult(): (at: number) => Point {
    if (this.reset) return (at) => this.result(at, [], undefined, EMPTY_POINT);
    const g = this.persistent.get(null);
    if (!g) return (at) => this.result(at, [], undefined, EMPTY_POINT);
    const snapshot = this.result(0, [], g.states, g.last);
    return (at) => withTime(snapshot, at);
  }

  private emitWindow(w: Window, out: Point[]): void {
    // With reset=false the window's groups are the persistent ones: running values, only groups with points here.
    const groups = w.groups.values();
    const window = { start: w.start, end: w.end };
    for (const g of groups) out.push(this.result(w.start, g.by, g.states, g.last, window));
  }

  mark(watermark: number, out: Point[]): number {
    if (watermark > this.lastWatermark) this.lastWatermark = watermark;
    const wm = watermark - this.lateness;
    this.runs.begin(out);
    if (this.open.length > 0 || this.nextEmpty !== undefined) this.closeUpTo(wm, out);
    this.runs.finish(out);
    if (this.open.length > 0) return this.open[0]!.start;
    if (this.align === undefined || !Number.isFinite(wm)) return -Infinity;
    return this.startOf(wm);
  }

  end(out: Point[]): void {
    this.runs.begin(out);
    for (const w of this.open) {
      this.fillEmpty(w.start, out);
      this.emitWindow(w, out);
      if (!this.keyOf) this.nextEmpty = w.end;
    }
    this.open.length = 0;
    this.runs.finish(out);
  }
}

class Sliding extends Reducing {
  private readonly groups = new Map<unknown, SlidingGroup>();
  private next: number | undefined;
  private maxSeen = -Infinity;
  private align: Align | undefined;
  private readonly spec: SlidingSpec;
  /** Ungrouped runs of empty windows across a gap, produced a part at a time. */
  private readonly runs: EmptyRuns;

  constructor(
    s: Shape,
    private readonly every: Duration,
    private readonly over: Duration,
    align: Align | 'first',
    private readonly lateness: number,
  ) {
    super(s);
    this.align = align === 'first' ? undefined : align;
    this.spec = slidingSpec(s.agg.slots, s.merge);
    this.runs = new EmptyRuns(s.ctx.signal);
  }

  private startOf(t: number): number {
    this.align ??= { kind: 'first', first: t };
    return windowStart(t, this.every, this.align);
  }

  more(out: Point[]): boolean {
    return this.runs.more(out);
  }

  push(batch: Point[], out: Point[]): void {
    this.runs.begin(out);
    this.pushPoints(batch, out);
    this.runs.finish(out);
  }

  private pushPoints(batch: Point[], out: Point[]): void {
    const slots = this.s.agg.slots;
    for (const p of batch) {
      const t = p.time;
      if (t === undefined) {
        this.s.ctx.drop('timeless', pointToJson(p));
        continue;
      }
      if (this.next === undefined) this.next = windowEnd(this.startOf(t), this.every);
      else if (t < this.emitted) {
        this.s.ctx.drop('late', pointToJson(p));
        continue;
      } else if (t < this.maxSeen) {
        // Before the first window to come (SPEC §12.6): its first window is still open only while
        // nothing was emitted and lateness covers it; then results start there, else it is late.
        const first = windowEnd(this.startOf(t), this.every);
        if (first < this.next) {
          if (this.emitted !== -Infinity || first + this.lateness <= this.maxSeen) {
            this.s.ctx.drop('late', pointToJson(p));
            continue;
          }
          this.next = first;
        }
      }
      if (t > this.maxSeen) {
        this.maxSeen = t;
        this.emitUpTo(t - this.lateness, out);
      }
      const key = this.keyOf ? this.keyOf(p) : null;
      let g = this.groups.get(key);
      if (!g) {
        this.s.limit.check(this.groups.size);
        this.groups.set(key, (g = { by: byValues(this.s.by, p), window: new SlidingWindow(this.spec) }));
      }
      const vals = slots.map((sl) => {
        if (this.s.merge) return p[sl.field];
        const v = sl.value ? sl.value(p) : undefined;
        return sl.needsTime ? [v, t] : v;
      });
      g.window.insert({ t, vals, p });
    }
  }

  private emitted = -Infinity;
  /** The last boundary had no point in any group (a gap may follow: worth looking for one). */
  private idle = true;

  private emitUpTo(wm: number, out: Point[]): void {
    while (this.next !== undefined && this.next <= wm) {
      if (this.idle) this.skipIdle(wm, out);
      if (this.next <= wm) this.emitBoundary(out);
    }
  }

  /**
   * Boundaries whose windows hold no point are skipped in one step (a gap in
   * the data, or one far-future point): ungrouped, they become a run of
   * empty results, produced lazily.
   */
  private skipIdle(limit: number, out: Point[]): void {
    let oldest = Infinity;
    for (const g of this.groups.values()) {
      const t = g.window.size > 0 ? -Infinity : g.window.oldest;
      if (t !== undefined && t < oldest) oldest = t;
    }
    const e = this.next!;
    if (oldest < e) return;
    // The first boundary whose window may hold `oldest` is the one just after it.
    const to = Math.min(oldest === Infinity ? limit : windowEnd(this.startOf(oldest), this.every), windowEnd(this.startOf(limit), this.every));
    if (to <= e) return;
    if (!this.keyOf) {
      const step = (at: number): number => windowEnd(at, this.every);
      this.runs.emit({ at: e, before: to, step, make: (at) => this.result(addDuration(at, this.over, -1), [], undefined, EMPTY_POINT) }, out);
    }
    this.next = to;
    // The last boundary skipped: a point before it is late.
    this.emitted = this.startOf(to - 1);
  }

  private emitBoundary(out: Point[]): void {
    const e = this.next!;
    const from = addDuration(e, this.over, -1);
    let any = false;
    for (const [key, g] of this.groups) {
      const w = g.window;
      w.advance(e, from, true);
      if (w.size > 0) {
        any = true;
        out.push(this.result(from, g.by, w.states, w.lastPoint!, { start: from, end: e }));
      } else if (w.idle) this.groups.delete(key);
    }
    if (!any && !this.keyOf) out.push(this.result(from, [], undefined, EMPTY_POINT));
    this.idle = !any;
    this.emitted = e;
    this.next = windowEnd(e, this.every);
  }

  mark(watermark: number, out: Point[]): number {
    this.runs.begin(out);
    this.emitUpTo(watermark - this.lateness, out);
    this.runs.finish(out);
    if (this.next === undefined) return -Infinity;
    return addDuration(this.next, this.over, -1);
  }

  end(out: Point[]): void {
    if (this.next === undefined) return;
    this.runs.begin(out);
    const last = this.maxSeen;
    // Boundaries up to the last whose window starts at or before the last point.
    while (addDuration(this.next, this.over, -1) <= last) {
      if (this.idle) this.skipIdle(addDuration(last, this.over), out);
      if (addDuration(this.next, this.over, -1) <= last) this.emitBoundary(out);
    }
    this.runs.finish(out);
  }
}

interface Session {
  by: unknown[];
  states: ReducerState[];
  first: number;
  last: number;
  lastPoint: Point;
  closed: boolean;
}

/**
 * Session windows (`gap`). Open sessions sit in a map kept in order of their
 * latest point (a session is moved to the end when it gets a later point), so
 * the ones to close are at its front; all sessions also sit in a list in order
 * of their first point, from which closed ones are emitted as long as no open
 * session started before them, so results come in time order.
 */
class Sessions extends Reducing {
  private readonly open = new Map<unknown, Session>();
  private readonly byStart: Session[] = [];
  private head = 0;
  private maxSeen = -Infinity;

  constructor(
    s: Shape,
    private readonly gap: Duration,
    private readonly lateness: number,
  ) {
    super(s);
  }

  private endOf(t: number): number {
    return addDuration(t, this.gap);
  }

  push(batch: Point[], out: Point[]): void {
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const t = p.time;
      if (t === undefined) {
        this.s.ctx.drop('timeless', pointToJson(p));
        continue;
      }
      const key = this.keyOf ? this.keyOf(p) : null;
      let session = this.open.get(key);
      if (session && t >= this.endOf(session.last)) {
        this.close(key, session);
        session = undefined;
      }
      if (!session) {
        // A point alone would make a session that closed already: it is late.
        if (this.endOf(t) + this.lateness <= this.maxSeen) {
          this.s.ctx.drop('late', pointToJson(p));
          continue;
        }
        this.s.limit.check(this.open.size);
        session = { by: byValues(this.s.by, p), states: newStates(this.s.agg.slots), first: t, last: t, lastPoint: p, closed: false };
        this.open.set(key, session);
        this.insertByStart(session);
      } else if (t < session.first) {
        session.first = t;
        this.reposition(session);
      }
      this.feed(session.states, p);
      if (t >= session.last) {
        session.last = t;
        session.lastPoint = p;
        if (this.open.size > 1) {
          this.open.delete(key);
          this.open.set(key, session);
        }
      }
      if (t > this.maxSeen) {
        this.maxSeen = t;
        this.closeUpTo(t - this.lateness, out);
      }
    }
  }

  mark(watermark: number, out: Point[]): number {
    const cutoff = watermark - this.lateness;
    this.closeUpTo(cutoff, out);
    const front = this.byStart[this.head];
    const next = Number.isFinite(cutoff) ? addDuration(cutoff, this.gap, -1) : cutoff;
    return front ? Math.min(front.first, next) : next;
  }

  end(out: Point[]): void {
    for (const [key, session] of this.open) this.close(key, session);
    this.release(out);
  }

  private close(key: unknown, session: Session): void {
    session.closed = true;
    this.open.delete(key);
  }

  /** Close every session whose end is at or before `cutoff`, then emit what can go out in order. */
  private closeUpTo(cutoff: number, out: Point[]): void {
    for (const [key, session] of this.open) {
      if (this.endOf(session.last) > cutoff) break;
      this.close(key, session);
    }
    this.release(out);
  }

  private release(out: Point[]): void {
    const list = this.byStart;
    while (this.head < list.length && list[this.head]!.closed) {
      const session = list[this.head++]!;
      out.push(this.result(session.first, session.by, session.states, session.lastPoint));
    }
    if (this.head > 1024 && this.head * 2 > list.length) {
      list.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Sessions start in time order but for points accepted late: those are placed by a short scan from the end. */
  private insertByStart(session: Session): void {
    const list = this.byStart;
    let i = list.length;
    while (i > this.head && list[i - 1]!.first > session.first) i--;
    list.splice(i, 0, session);
  }

  private reposition(session: Session): void {
    const list = this.byStart;
    let i = list.indexOf(session, this.head);
    while (i > this.head && list[i - 1]!.first > session.first) {
      list[i] = list[i - 1]!;
      i--;
    }
    list[i] = session;
  }
}


/** A copy of `p` stamped `at` (`time` first); nested values are copied, since a later stage may change them in place. */
function withTime(p: Point, at: number): Point {
  const q: Point = {};
  q.time = at;
  for (const k in p) if (k !== 'time') q[k] = typeof p[k] === 'object' && p[k] !== null ? structuredClone(p[k]) : p[k];
  return q;
}
