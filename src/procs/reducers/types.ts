/**
 * A reducer folds values into a state. Every state can export a partial
 * (a JSON-serialisable mergeable summary) and merge another state's partial,
 * so one aggregation can be split across processes (`reduce(partial=true)`
 * then `reduce(merge=true)`).
 */
import type { Example, OptionType } from '../../runtime/component.js';

export interface ReducerState {
  /**
   * Add one point's value. `value` is the evaluated field argument
   * (undefined when the reducer has no field argument, as `count()`).
   * Missing and null values must be skipped (except by `count()`).
   */
  add(value: unknown): void;
  /** Undo an `add` (sliding windows). Only for `retractable` reducers. */
  remove?(value: unknown): void;
  /**
   * The reducer's result; must not disturb the state (results are read every
   * window with reset=false). `window` is the window being reported, when
   * there is one (rate divides by its length, §11.18).
   */
  result(window?: ReducerWindow): unknown;
  /** A JSON-serialisable summary that `merge` accepts. */
  partial(): unknown;
  /** Combine another state's partial into this one. */
  merge(partial: unknown): void;
}

/** The bounds of a reduce window, epoch ms, end exclusive. */
export interface ReducerWindow {
  start: number;
  end: number;
}

export interface ReducerParam {
  name: string;
  /**
   * 'value': evaluated per point (a field, or an expression); a string
   * literal here names a field (`maximum('count')`).
   * Anything else: a constant of that option type, fixed at compile time.
   */
  type: 'value' | OptionType;
  doc: string;
  optional?: boolean;
}

export interface ReducerContext {
  /** Count a skipped value (non-numeric given to a numeric reducer): reason `type-mismatch`. */
  mismatch(value: unknown): void;
  /** Say once, in the end-of-run summary, that a result is an estimate (a sketch replaced exact counts). */
  approximate?(message: string): void;
}

export interface ReducerDef {
  name: string;
  aliases?: readonly string[];
  summary: string;
  description?: string;
  params: readonly ReducerParam[];
  /** The result over no values (count 0, sum 0, values [], others null). */
  empty: unknown;
  /** Supports `remove` (count, sum, avg, stddev, variance). */
  retractable: boolean;
  /**
   * Make a state factory. `consts` holds the constant parameters, in params
   * order, with the 'value' parameters left as undefined.
   */
  create(consts: readonly unknown[], ctx: ReducerContext): () => ReducerState;
  examples: readonly Example[];
}

export function defineReducer(def: ReducerDef): ReducerDef {
  return def;
}
