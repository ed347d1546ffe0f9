/**
 * put: set fields left to right; reducers give running values per group.
 */
import { compileError } from '../lang/diagnostics.js';
import type { CompiledFn } from '../lang/expr.js';
import type { ProcInstance } from '../runtime/component.js';
import { defineProc, type CreateContext, type NamedArg } from '../runtime/defs.js';
import { pointToJson, setPath, TimeValue, type Point } from '../runtime/point.js';
import { epochMsFromNumber, parseMoment } from '../runtime/time.js';
import { compileAggregation, groupKeyFn, newStates, NOT_FED, type Aggregation, type Slot } from './aggregate.js';
import type { ReducerState } from './reducers/types.js';
import { GroupLimit, groupLimitOption, SlidingWindow, slidingSpec } from './window.js';

export const put = defineProc({
  name: 'put',
  summary: 'set fields from expressions, reducers (running values) or templates',
  description:
    'Fields are set left to right, so later ones see earlier ones. A reducer gives its running value per group ' +
    "(`put(n=count())` numbers the points); with `over='5m'` reducers slide per point over `(t-over, t]`. " +
    "A string holding `{field}` is a template: `put(msg='{host} is {state}')`. " +
    "Setting `time` converts as reading does: a time value stays one, a string is parsed as a moment, a number is epoch seconds, " +
    'milliseconds, microseconds or nanoseconds by its magnitude (below 1e11, 1e14, 1e17, else ns; `time_unit=\'auto\'`); ' +
    'a value that is not a time (null, a boolean, an unparseable string, 1e20) leaves the point\'s time as it was and is counted (`type-mismatch`).',
  named: { doc: 'field = expression, reducer or template' },
  options: {
    by: { type: 'fields', default: [], doc: 'keep separate running reducer values per group' },
    over: { type: 'duration', nullable: true, doc: 'reducers cover only the points within this long before each point' },
    limit: groupLimitOption,
  },
  examples: [
    { title: 'compute a field', program: 'emit(points=[{a:2, b:3}]) | put(c=a*b, d=c+1)', output: '{"a":2,"b":3,"c":6,"d":7}' },
    { title: 'number points with a running count', program: "emit(points=[{k:'x'}, {k:'y'}, {k:'x'}]) | put(n=count(), by=[k])", output: '{"k":"x","n":1}\n{"k":"y","n":1}\n{"k":"x","n":2}' },
    { title: 'template', program: "emit(points=[{host:'db1', v:0.5}]) | put(msg='{host}: {v:.2f}')", output: '{"host":"db1","v":0.5,"msg":"db1: 0.50"}' },
  ],
  create(opts, ctx) {
    const named = opts['$named'] as NamedArg[];
    if (named.length === 0) throw compileError('bad-option', 'put needs at least one `name=value` argument', undefined, ['put(double=v*2)']);
    const agg = compileAggregation(named, ctx, 'put', Object.keys(put.options));
    const keyOf = groupKeyFn(opts.by);
    const over = opts.over?.ms;
    const copy = ctx.sharedInput;
    const limit = new GroupLimit('put', opts.limit);
    // Only top-level fields: setting a nested one changes an object the record already had.
    for (const a of agg.assignments) if (a.path.length === 1 && a.name === 'time') a.value = settingTime(a.value, ctx);
    const { slots, assignments } = agg;
    const fieldsSet = assignments.every((a) => a.path.length === 1) ? [...new Set(assignments.map((a) => a.name))] : undefined;
    if (over === undefined || slots.length === 0) return { ...fastPut(agg, keyOf, copy, limit), fieldsSet };
    return { ...slidingPut(agg, keyOf, copy, limit, over), fieldsSet };
  },
});

/** `time=`: the value converted to epoch ms, or (not a time: counted) the point's time unchanged. */
function settingTime(value: CompiledFn, ctx: CreateContext): CompiledFn {
  return (p) => {
    const v = value(p);
    const ms = v instanceof TimeValue ? v.ms : typeof v === 'number' ? epochMsFromNumber(v, 'auto') : typeof v === 'string' ? parseMoment(v, { now: ctx.now }) : undefined;
    if (ms !== undefined && !Number.isNaN(ms)) return ms;
    ctx.drop('type-mismatch', `time=${JSON.stringify(v) ?? String(v)} is not a time (point kept with its time): ${pointToJson(p)}`);
    return p.time;
  };
}

/**
 * put(over=): each point's reducers cover the points of its group in
 * `(t-over, t]`. A group whose points have all left its window (by the
 * latest time seen) is released, so groups that stop receiving points do
 * not hold memory.
 */
function slidingPut(agg: Aggregation, keyOf: ((p: Point) => unknown) | undefined, copy: boolean, limit: GroupLimit, over: number): ProcInstance {
  const { slots, assignments, results, current } = agg;
  const spec = slidingSpec(slots);
  const groups = new Map<unknown, SlidingWindow>();
  let latest = -Infinity;
  let sinceSweep = 0;
  const windowOf = (p: Point): SlidingWindow => {
    const key = keyOf ? keyOf(p) : null;
    let w = groups.get(key);
    if (!w) {
      limit.check(groups.size);
      groups.set(key, (w = new SlidingWindow(spec)));
    }
    return w;
  };
  // Amortised: a sweep visits every group, and runs once as many points as there are groups have passed.
  const sweep = (): void => {
    sinceSweep = 0;
    for (const [key, w] of groups) {
      w.advance(-Infinity, latest - over, false);
      if (w.idle) groups.delete(key);
    }
  };
  return {
    push(batch, out) {
      for (let n = 0; n < batch.length; n++) {
        const p = copy ? { ...batch[n]! } : batch[n]!;
        const w = windowOf(p);
        const t = p.time;
        if (t !== undefined) {
          w.advance(-Infinity, t - over, false);
          if (t > latest) latest = t;
        }
        // A lazy slot (in a branch of ?: or ??) records its value here only when its branch is taken.
        const vals: unknown[] = new Array<unknown>(slots.length).fill(NOT_FED);
        current.states = w.states;
        current.t = t;
        current.vals = vals;
        for (let k = 0; k < assignments.length; k++) {
          const a = assignments[k]!;
          for (let j = 0; j < a.slots.length; j++) {
            const i = a.slots[j]!;
            const s = slots[i]!;
            const v = s.value ? s.value(p) : undefined;
            const given = s.needsTime ? [v, t] : v;
            w.states[i]!.add(given);
            vals[i] = given;
            results[i] = w.states[i]!.result();
          }
          const v = a.value(p);
          if (a.path.length === 1) p[a.name] = v;
          else setPath(p, a.path, v);
        }
        if (t !== undefined) w.appendCounted({ t, vals });
        out.push(p);
        if (++sinceSweep > groups.size && groups.size > 1) sweep();
      }
    },
  };
}

/** One assignment applied to a point: its reducer slots updated first, then the field set. */
type Apply = (p: Point, states: ReducerState[], t: number | undefined) => void;

/**
 * put without `over`, the common case: each assignment is specialised once
 * here, so the per-point path runs no loops over empty slot lists, builds no
 * per-point arrays and re-tests nothing that is known at compile time.
 * Semantics are the general path's: `t` is the point's time before any
 * assignment, and slots are fed just before their assignment is evaluated.
 */
function fastPut(agg: Aggregation, keyOf: ((p: Point) => unknown) | undefined, copy: boolean, limit: GroupLimit): ProcInstance {
  const { slots, assignments, results, current } = agg;
  const applies = assignments.map((a) => applyFor(a.name, a.path, a.value, a.slots.map((i) => feedFor(i, slots[i]!, results))));
  const m = applies.length;
  if (slots.length === 0) {
    const none: ReducerState[] = [];
    return {
      push(batch, out) {
        for (let n = 0; n < batch.length; n++) {
          const p = copy ? { ...batch[n]! } : batch[n]!;
          for (let k = 0; k < m; k++) applies[k]!(p, none, undefined);
          out.push(p);
        }
      },
    };
  }
  if (!keyOf) {
    // One group: no map lookup per point.
    let states: ReducerState[] | undefined;
    return {
      push(batch, out) {
        const st = (states ??= newStates(slots));
        current.states = st;
        for (let n = 0; n < batch.length; n++) {
          const p = copy ? { ...batch[n]! } : batch[n]!;
          const t = p.time;
          current.t = t;
          for (let k = 0; k < m; k++) applies[k]!(p, st, t);
          out.push(p);
        }
      },
    };
  }
  const groups = new Map<unknown, ReducerState[]>();
  return {
    push(batch, out) {
      for (let n = 0; n < batch.length; n++) {
        const p = copy ? { ...batch[n]! } : batch[n]!;
        const key = keyOf(p);
        let st = groups.get(key);
        if (!st) {
          limit.check(groups.size);
          groups.set(key, (st = newStates(slots)));
        }
        const t = p.time;
        current.states = st;
        current.t = t;
        for (let k = 0; k < m; k++) applies[k]!(p, st, t);
        out.push(p);
      }
    },
  };
}

/** Add a point's value to slot `i` and record the slot's running result. */
type Feed = (states: ReducerState[], p: Point, t: number | undefined) => void;

function feedFor(i: number, s: Slot, results: unknown[]): Feed {
  const value = s.value;
  if (s.needsTime) {
    return (states, p, t) => {
      const st = states[i]!;
      st.add([value ? value(p) : undefined, t]);
      results[i] = st.result();
    };
  }
  if (value) {
    return (states, p) => {
      const st = states[i]!;
      st.add(value(p));
      results[i] = st.result();
    };
  }
  return (states) => {
    const st = states[i]!;
    st.add(undefined);
    results[i] = st.result();
  };
}

function applyFor(name: string, path: readonly string[], value: (p: Point) => unknown, feeds: readonly Feed[]): Apply {
  const nested = path.length > 1;
  if (feeds.length === 0) {
    return nested ? (p) => setPath(p, path, value(p)) : (p) => {
      p[name] = value(p);
    };
  }
  if (feeds.length === 1) {
    const feed = feeds[0]!;
    return nested
      ? (p, states, t) => {
          feed(states, p, t);
          setPath(p, path, value(p));
        }
      : (p, states, t) => {
          feed(states, p, t);
          p[name] = value(p);
        };
  }
  return (p, states, t) => {
    for (let j = 0; j < feeds.length; j++) feeds[j]!(states, p, t);
    if (nested) setPath(p, path, value(p));
    else p[name] = value(p);
  };
}
