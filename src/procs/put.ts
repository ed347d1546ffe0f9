/**
 * put: set fields left to right; reducers give running values per group.
 */
import { compileError } from '../lang/diagnostics.js';
import type { Duration, ProcInstance } from '../runtime/component.js';
import { defineProc, type NamedArg } from '../runtime/defs.js';
import { setPath, type Point } from '../runtime/point.js';
import { compileAggregation, groupKeyFn, newStates, NOT_FED, type Aggregation, type Slot } from './aggregate.js';
import type { ReducerState } from './reducers/types.js';

interface Running {
  states: ReducerState[];
  /** over=: the points in (t-over, t], with the values given to each slot. */
  window: { t: number; vals: unknown[] }[];
  head: number;
}

export const put = defineProc({
  name: 'put',
  summary: 'set fields from expressions, reducers (running values) or templates',
  description:
    'Fields are set left to right, so later ones see earlier ones. A reducer gives its running value per group ' +
    "(`put(n=count())` numbers the points); with `over='5m'` reducers slide per point over `(t-over, t]`. " +
    "A string holding `{field}` is a template: `put(msg='{host} is {state}')`.",
  named: { doc: 'field = expression, reducer or template' },
  options: {
    by: { type: 'fields', default: [], doc: 'keep separate running reducer values per group' },
    over: { type: 'duration', nullable: true, doc: 'reducers cover only the points within this long before each point' },
  },
  examples: [
    { title: 'compute a field', program: 'emit(points=[{a:2, b:3}]) | put(c=a*b, d=c+1)', output: '{"a":2,"b":3,"c":6,"d":7}' },
    { title: 'number points with a running count', program: "emit(points=[{k:'x'}, {k:'y'}, {k:'x'}]) | put(n=count(), by=[k])", output: '{"k":"x","n":1}\n{"k":"y","n":1}\n{"k":"x","n":2}' },
    { title: 'template', program: "emit(points=[{host:'db1', v:0.5}]) | put(msg='{host}: {v:.2f}')", output: '{"host":"db1","v":0.5,"msg":"db1: 0.50"}' },
  ],
  create(opts, ctx) {
    const named = opts['$named'] as NamedArg[];
    if (named.length === 0) throw compileError('bad-option', 'put needs at least one `name=value` argument', undefined, ['put(double=v*2)']);
    const agg = compileAggregation(named, ctx, 'put');
    const keyOf = groupKeyFn(opts['by'] as string[]);
    const over = (opts['over'] as Duration | null | undefined)?.ms;
    const copy = ctx.sharedInput;
    const { slots, assignments, results } = agg;
    const retractable = slots.every((s) => s.def.retractable);
    const groups = new Map<unknown, Running>();
    // Without `by` there is one group: no map lookup per point.
    let single: Running | undefined;
    const running = (p: Point): Running => {
      if (!keyOf) return (single ??= { states: newStates(slots), window: [], head: 0 });
      const key = keyOf(p);
      let r = groups.get(key);
      if (!r) groups.set(key, (r = { states: newStates(slots), window: [], head: 0 }));
      return r;
    };
    const slide = (r: Running, t: number): void => {
      const from = t - over!;
      let evicted = false;
      while (r.head < r.window.length && r.window[r.head]!.t <= from) {
        if (retractable) {
          const vals = r.window[r.head]!.vals;
          for (let i = 0; i < vals.length; i++) if (vals[i] !== NOT_FED) r.states[i]!.remove!(vals[i]);
        }
        r.head++;
        evicted = true;
      }
      if (evicted && !retractable) {
        r.states = newStates(slots);
        for (let k = r.head; k < r.window.length; k++) {
          const vals = r.window[k]!.vals;
          for (let i = 0; i < vals.length; i++) if (vals[i] !== NOT_FED) r.states[i]!.add(vals[i]);
        }
      }
      if (r.head > 1024 && r.head * 2 > r.window.length) {
        r.window.splice(0, r.head);
        r.head = 0;
      }
    };
    // Only top-level fields: setting a nested one changes an object the record already had.
    const fieldsSet = assignments.every((a) => a.path.length === 1) ? [...new Set(assignments.map((a) => a.name))] : undefined;
    if (over === undefined) return { ...fastPut(agg, keyOf, copy), fieldsSet };
    return {
      fieldsSet,
      push(batch, out) {
        for (let n = 0; n < batch.length; n++) {
          const p = copy ? { ...batch[n]! } : batch[n]!;
          const r = slots.length > 0 ? running(p) : undefined;
          const t = p.time;
          if (r && over !== undefined && t !== undefined) slide(r, t);
          const vals: unknown[] | undefined = r && over !== undefined ? new Array<unknown>(slots.length).fill(NOT_FED) : undefined;
          if (r) {
            agg.current.states = r.states;
            agg.current.t = t;
            agg.current.vals = vals;
          }
          for (let k = 0; k < assignments.length; k++) {
            const a = assignments[k]!;
            if (r) {
              for (let j = 0; j < a.slots.length; j++) {
                const i = a.slots[j]!;
                const s = slots[i]!;
                const v = s.value ? s.value(p) : undefined;
                const given = s.needsTime ? [v, t] : v;
                r.states[i]!.add(given);
                if (vals) vals[i] = given;
                results[i] = r.states[i]!.result();
              }
            }
            const v = a.value(p);
            if (a.path.length === 1) p[a.name] = v;
            else setPath(p, a.path, v);
          }
          if (r && vals && t !== undefined) r.window.push({ t, vals });
          out.push(p);
        }
      },
    };
  },
});

/** One assignment applied to a point: its reducer slots updated first, then the field set. */
type Apply = (p: Point, states: ReducerState[], t: number | undefined) => void;

/**
 * put without `over`, the common case: each assignment is specialised once
 * here, so the per-point path runs no loops over empty slot lists, builds no
 * per-point arrays and re-tests nothing that is known at compile time.
 * Semantics are the general path's: `t` is the point's time before any
 * assignment, and slots are fed just before their assignment is evaluated.
 */
function fastPut(agg: Aggregation, keyOf: ((p: Point) => unknown) | undefined, copy: boolean): ProcInstance {
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
        if (!st) groups.set(key, (st = newStates(slots)));
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
