/**
 * Shared by put and reduce: compiles `name=value` arguments whose values may
 * contain reducer calls anywhere (`range = max(v) - min(v)`, SPEC §11.11).
 * Each reducer call becomes a slot; the value compiles to a closure reading
 * the slots' current results.
 */
import type { CallExpr, Expr } from '../lang/ast.js';
import { compileError, didYouMean, distance, FlumeError } from '../lang/diagnostics.js';
import { compileValue, constantValue, fieldPathOf, type CompiledFn } from '../lang/expr.js';
import { builtinFunctions } from '../lang/functions.js';
import type { CreateContext, NamedArg } from '../runtime/defs.js';
import { getPath, splitPath, type Point } from '../runtime/point.js';
import type { ReducerDef, ReducerState } from './reducers/types.js';

export interface Slot {
  def: ReducerDef;
  /** Values added per point: one closure per 'value' parameter (usually one). */
  value?: CompiledFn;
  /** rate() gets [value, time]. */
  needsTime: boolean;
  make: () => ReducerState;
  /** For merge=true: the field holding this slot's partial state. */
  field: string;
  /**
   * put only: the call sits in a branch of `?:` or the right of `??`, so the
   * slot is fed when that branch is evaluated (`ok ? count() : null` counts
   * the ok points), not before the assignment like the others.
   */
  lazy: boolean;
}

/** Where a lazy slot feeds: put sets it to the current group's states and point time before each point. */
export interface FeedContext {
  states: ReducerState[];
  t: number | undefined;
  /** put over=: the value given to each slot for this point (NOT_FED for a lazy slot left alone). */
  vals: unknown[] | undefined;
}

/** In put's over= window: a lazy slot that this point did not feed (nothing to retract). */
export const NOT_FED: unique symbol = Symbol('flume.notFed');

export interface Assignment {
  name: string;
  path: string[];
  /** Evaluate with `results` filled for the slots. */
  value: CompiledFn;
  /** Slots used by this assignment (put updates them just before evaluating it; lazy ones are not listed). */
  slots: number[];
  /** A plain constant (no reducers, no point access). */
  constant: boolean;
  /** Reads no point field: exactly one reducer call (`n=count()`) or a literal that is not a string (strings may be templates). */
  pointFree: boolean;
}

export interface Aggregation {
  slots: Slot[];
  assignments: Assignment[];
  /** Current results, index = slot; assignments read from it. */
  results: unknown[];
  /** Set by put before evaluating a point's assignments, for lazy slots. */
  current: FeedContext;
}

function arityOf(def: ReducerDef): [number, number] {
  const total = def.params.length;
  const required = def.params.filter((p) => !p.optional).length;
  return [required, total];
}

/**
 * `reduce(n=count(), evry='1m')` adds a field `evry` rather than windowing: a
 * constant output whose name is one edit away from an option of the stage
 * gets a did-you-mean warning (the run goes on: the field may be meant).
 */
function warnOptionLookalike(name: string, options: readonly string[], ctx: CreateContext): void {
  if (name.length < 3 || options.includes(name)) return;
  const option = options.find((o) => distance(name, o) === 1);
  if (option !== undefined) ctx.warn('option-lookalike', `\`${name}=\` sets a field \`${name}\`; did you mean the option \`${option}\`?`);
}

/**
 * `stageName` 'put' feeds reducers in conditional branches lazily (only when
 * taken); reduce feeds every reducer with every point and evaluates the
 * expression, branches included, once per result. `options` are the stage's
 * option names, for the did-you-mean warning.
 */
export function compileAggregation(named: readonly NamedArg[], ctx: CreateContext, stageName: string, options: readonly string[]): Aggregation {
  const slots: Slot[] = [];
  const results: unknown[] = [];
  const assignments: Assignment[] = [];
  const current: FeedContext = { states: [], t: undefined, vals: undefined };
  for (const arg of named) {
    const used: number[] = [];
    let wholeIsReducer = false;
    const branched = stageName === 'put' ? callsInBranches(arg.value as Expr, false, new Set()) : undefined;
    const onCall = (call: CallExpr): CompiledFn | undefined => {
      const def = ctx.services.reducer(call.name) as ReducerDef | undefined;
      if (!def) return undefined;
      const [min, max] = arityOf(def);
      const n = call.args.length;
      // min/max with two or more arguments are the scalar functions (§11.11).
      if (n < min || n > max) {
        if ((call.name === 'min' || call.name === 'max') && n >= 2) return undefined;
        throw compileError('bad-reducer', `reducer \`${def.name}\` takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${n}`, call.span, [
          `${def.name}(${def.params.map((p) => (p.optional ? `${p.name}?` : p.name)).join(', ')})`,
        ]);
      }
      const slotIndex = slots.length;
      const slot = makeSlot(def, call, ctx, arg.name, branched?.has(call) === true);
      slots.push(slot);
      results.push(def.empty);
      if (slot.lazy) {
        const feed = lazyFeed(slotIndex, slot, results, current);
        return (p) => {
          feed(p);
          return results[slotIndex];
        };
      }
      used.push(slotIndex);
      if (call === arg.value) wholeIsReducer = true;
      return () => results[slotIndex];
    };
    const expr = arg.value as Expr;
    let value: CompiledFn;
    try {
      value = compileValue(expr, { now: ctx.now, onCall, mismatches: ctx.stats.mismatches });
    } catch (e) {
      // A misspelled reducer: suggest reducers as well as functions.
      if (e instanceof FlumeError && e.diagnostic.code === 'unknown-function') {
        const name = /`([^`]+)`/.exec(e.diagnostic.message)?.[1] ?? '';
        const names = [...ctx.services.reducerNames(), ...builtinFunctions.map((f) => f.name)];
        throw new FlumeError({ ...e.diagnostic, hints: didYouMean(name, names) }, e.exitCode);
      }
      throw e;
    }
    const constant = used.length === 0 && constantValue(expr).ok;
    if (constant) warnOptionLookalike(arg.name, options, ctx);
    assignments.push({ name: arg.name, path: splitPath(arg.name), value, slots: used, constant, pointFree: wholeIsReducer || (expr.kind === 'literal' && typeof expr.value !== 'string') });
  }
  return { slots, assignments, results, current };
}

/** Reducer calls under a branch of `?:` or the right side of `??`, at any depth. */
function callsInBranches(e: Expr, inBranch: boolean, into: Set<CallExpr>): Set<CallExpr> {
  switch (e.kind) {
    case 'call':
      if (inBranch) into.add(e);
      for (const a of e.args) callsInBranches(a.value, inBranch, into);
      break;
    case 'conditional':
      callsInBranches(e.test, inBranch, into);
      callsInBranches(e.then, true, into);
      callsInBranches(e.otherwise, true, into);
      break;
    case 'coalesce':
      callsInBranches(e.left, inBranch, into);
      callsInBranches(e.right, true, into);
      break;
    case 'binary':
      callsInBranches(e.left, inBranch, into);
      callsInBranches(e.right, inBranch, into);
      break;
    case 'unary':
      callsInBranches(e.arg, inBranch, into);
      break;
    case 'index':
      callsInBranches(e.target, inBranch, into);
      callsInBranches(e.index, inBranch, into);
      break;
    case 'list':
      for (const i of e.items) callsInBranches(i, inBranch, into);
      break;
    case 'object':
      for (const x of e.entries) callsInBranches(x.value, inBranch, into);
      break;
    default:
      break;
  }
  return into;
}

/** Feeds a lazy slot from the point being evaluated, into the states put set as current. */
function lazyFeed(i: number, s: Slot, results: unknown[], current: FeedContext): (p: Point) => void {
  const value = s.value;
  return (p) => {
    const v = value ? value(p) : undefined;
    const given = s.needsTime ? [v, current.t] : v;
    const st = current.states[i]!;
    st.add(given);
    if (current.vals) current.vals[i] = given;
    results[i] = st.result();
  };
}

function makeSlot(def: ReducerDef, call: CallExpr, ctx: CreateContext, field: string, lazy: boolean): Slot {
  const consts: unknown[] = [];
  let value: CompiledFn | undefined;
  def.params.forEach((param, i) => {
    const arg = call.args[i];
    if (!arg) {
      consts.push(undefined);
      return;
    }
    if (param.type === 'value') {
      consts.push(undefined);
      value = valueArg(arg.value, ctx);
      return;
    }
    const c = constantValue(arg.value);
    if (!c.ok) throw compileError('bad-reducer', `argument \`${param.name}\` of \`${def.name}\` must be a constant`, arg.value.span, [param.doc]);
    consts.push(c.value);
  });
  // Reducers tell `count()` from `count(f)` by how many arguments were given.
  if (consts.length > call.args.length) consts.length = call.args.length;
  let factory: () => ReducerState;
  try {
    factory = def.create(consts, {
      mismatch: (v) => ctx.drop('type-mismatch', `${def.name}: ${JSON.stringify(v)}`),
      approximate: (message) => ctx.warn('approximate', message),
    });
  } catch (e) {
    throw compileError('bad-reducer', `${def.name}: ${(e as Error).message}`, call.span);
  }
  const needsTime = (def as { needsTime?: boolean }).needsTime === true;
  return { def, value, needsTime, make: factory, field, lazy };
}

/** A string literal names a field (`maximum('count')`, §11.21); anything else is an expression. */
function valueArg(e: Expr, ctx: CreateContext): CompiledFn {
  if (e.kind === 'literal' && typeof e.value === 'string') {
    const path = splitPath(e.value);
    return path.length === 1 ? (p: Point) => p[path[0]!] : (p: Point) => getPath(p, path);
  }
  const f = e.kind === 'field' ? fieldPathOf(e) : undefined;
  if (f !== undefined && e.kind === 'field' && e.path.length === 1 && f !== 'time') {
    const k = f;
    return (p: Point) => p[k];
  }
  return compileValue(e, { now: ctx.now, mismatches: ctx.stats.mismatches });
}

/**
 * Adds one point to a group's states. Specialised per slot once, so the
 * per-point path tests nothing known at compile time and loops over nothing
 * when there are one or two reducers (the common case).
 */
export function pointAdder(slots: readonly Slot[]): (states: ReducerState[], p: Point) => void {
  const feeds = slots.map(slotAdder);
  if (feeds.length === 1) return feeds[0]!;
  if (feeds.length === 2) {
    const [a, b] = feeds as [SlotAdder, SlotAdder];
    return (states, p) => {
      a(states, p);
      b(states, p);
    };
  }
  return (states, p) => {
    for (let i = 0; i < feeds.length; i++) feeds[i]!(states, p);
  };
}

type SlotAdder = (states: ReducerState[], p: Point) => void;

function slotAdder(s: Slot, i: number): SlotAdder {
  const value = s.value;
  if (s.needsTime) return (states, p) => states[i]!.add([value ? value(p) : undefined, p.time]);
  if (value) return (states, p) => states[i]!.add(value(p));
  return (states) => states[i]!.add(undefined);
}

export function removePoint(slots: readonly Slot[], states: ReducerState[], values: readonly unknown[]): void {
  for (let i = 0; i < slots.length; i++) states[i]!.remove!(values[i]);
}

export function newStates(slots: readonly Slot[]): ReducerState[] {
  return slots.map((s) => s.make());
}

export function unknownReducerHint(name: string, ctx: CreateContext): string[] {
  return didYouMean(name, ctx.services.reducerNames());
}

/**
 * Group keys: one field → its value (primitives as is, others as JSON); several → JSON of the values.
 * Missing fields group as null (§11.18).
 */
export function groupKeyFn(by: readonly string[]): ((p: Point) => unknown) | undefined {
  if (by.length === 0) return undefined;
  const paths = by.map(splitPath);
  if (paths.length === 1) {
    const path = paths[0]!;
    const read = path.length === 1 ? (p: Point) => p[path[0]!] : (p: Point) => getPath(p, path);
    return (p) => {
      const v = read(p);
      if (v === undefined || v === null) return null;
      return typeof v === 'object' ? 'j:' + JSON.stringify(v) : v;
    };
  }
  return (p) => JSON.stringify(paths.map((path) => getPath(p, path) ?? null));
}

/** The by-field values of a point, for output. */
export function byValues(by: readonly string[], p: Point): unknown[] {
  return by.map((f) => {
    const v = getPath(p, splitPath(f));
    return v === undefined ? null : v;
  });
}

/** Write by-fields into an output point, rebuilding nested paths. */
export function writeBy(out: Point, by: readonly string[], values: readonly unknown[]): void {
  for (let i = 0; i < by.length; i++) {
    const path = splitPath(by[i]!);
    if (path.length === 1) {
      out[path[0]!] = values[i];
      continue;
    }
    let cur = out as Record<string, unknown>;
    for (let k = 0; k < path.length - 1; k++) {
      const seg = path[k]!;
      if (cur[seg] === null || typeof cur[seg] !== 'object') cur[seg] = {};
      cur = cur[seg] as Record<string, unknown>;
    }
    cur[path[path.length - 1]!] = values[i];
  }
}
