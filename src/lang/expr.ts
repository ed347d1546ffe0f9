/**
 * The expression compiler: AST → closures (never eval or new Function).
 *
 * Value rules, where SPEC §1.1 and §11 leave room:
 * - Comparisons across kinds are false, `!=` true (§11.6); null equals missing.
 * - Arithmetic needs numbers on both sides; anything else (null, missing, a
 *   string and a number, ...) gives null, as Python would refuse it, except:
 *   `+` joins two strings; time ± number (ms) is a time; time − time is ms.
 * - Division or remainder by zero gives null; `%` keeps the dividend's sign
 *   (JavaScript's rule, §11.24).
 * - A bare duration (`5m`) is its length in ms, so `time > now() - 1h` works;
 *   a calendar duration (`1M`, `2y`) added to or subtracted from a time moves
 *   by calendar months, elsewhere it counts an average Gregorian month.
 * - `and`, `or`, `not` give booleans (not Python's operand values).
 * - The field `time` reads as a TimeValue (points store epoch ms).
 */
import type { BinaryExpr, CallExpr, DurationExpr, Expr } from './ast.js';
import { compileError, didYouMean } from './diagnostics.js';
import { builtinFunctions, compareValues, display, functionsByName, kindOf, truthyValue, valuesEqual } from './functions.js';
import { getPath, TimeValue, type Point } from '../runtime/point.js';
import type { Duration, TypeMismatchStat } from '../runtime/component.js';
import { addDuration, fastParseIso, formatTime, parseDuration, parseMoment } from '../runtime/time.js';

export { compareValues, valuesEqual } from './functions.js';

export type CompiledFn = (p: Point) => unknown;

export interface ExprEnv {
  /** :now: in epoch ms. */
  now: number;
  /** Consulted first for every call (put/reduce substitute reducers here). */
  onCall?: (call: CallExpr) => CompiledFn | undefined;
  /** The stage's type-mismatch counters (SPEC §12.1); operators add theirs here. Unset: nothing is counted. */
  mismatches?: TypeMismatchStat[];
}

/** §11.20: null, missing, false, 0, NaN and '' are false; everything else, `[]` and `{}` too, is true. */
export function truthy(v: unknown): boolean {
  return truthyValue(v);
}

const EMPTY: Point = Object.freeze({}) as Point;

/** 365.2425 days / 12: what a calendar month counts for outside time arithmetic. */
const AVERAGE_MONTH_MS = 2_629_746_000;

// ---------------------------------------------------------------------------
// Operators

function inValue(a: unknown, b: unknown): boolean {
  if (typeof b === 'string') return typeof a === 'string' && b.includes(a);
  if (Array.isArray(b)) return b.some((x) => valuesEqual(a, x));
  if (kindOf(b) === 'object') return typeof a === 'string' && Object.hasOwn(b as object, a);
  return false;
}

function arith(op: string, a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        return b === 0 ? null : a / b;
      case '%':
        return b === 0 ? null : a % b;
    }
  }
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (a instanceof TimeValue) {
    if (typeof b === 'number' && (op === '+' || op === '-')) return new TimeValue(op === '+' ? a.ms + b : a.ms - b);
    if (b instanceof TimeValue && op === '-') return a.ms - b.ms;
  }
  if (b instanceof TimeValue && typeof a === 'number' && op === '+') return new TimeValue(a + b.ms);
  return null;
}

const regexCache = new Map<string, RegExp | null>();

/** A pattern computed per point: a RegExp, or a string compiled once and cached. */
function toRegex(v: unknown): RegExp | null {
  if (v instanceof RegExp) {
    v.lastIndex = 0;
    return v;
  }
  if (typeof v !== 'string') return null;
  let re = regexCache.get(v);
  if (re === undefined) {
    try {
      re = new RegExp(v);
    } catch {
      re = null;
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(v, re);
  }
  return re;
}

/** `g` and `y` make `test` stateful (lastIndex); a match operator must not be. */
function statelessRegex(pattern: string, flags: string): RegExp {
  return new RegExp(pattern, flags.replace(/[gy]/g, ''));
}

// ---------------------------------------------------------------------------
// Fields

/** A path with list indexes: negative ones count from the end (Python's tags[-1]), and strings index by character. */
function readIndexedPath(p: unknown, path: readonly (string | number)[]): unknown {
  let cur = p;
  for (const k of path) {
    if (typeof k === 'number' && (Array.isArray(cur) || typeof cur === 'string')) {
      cur = cur[k < 0 ? cur.length + k : k];
      continue;
    }
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

function fieldReader(path: readonly (string | number)[]): CompiledFn {
  if (path.length === 0) return (p) => p;
  if (path.some((k) => typeof k === 'number')) return (p) => readIndexedPath(p, path);
  if (path.length === 1) {
    const k = path[0]!;
    // Points keep `time` as epoch ms; expressions see a time value.
    if (k === 'time') return (p) => (typeof p.time === 'number' ? new TimeValue(p.time) : p.time);
    return (p) => p[k];
  }
  if (path.length === 2) {
    const a = path[0]!;
    const b = path[1]!;
    return (p) => {
      const o = p[a];
      return o !== null && typeof o === 'object' ? (o as Record<string | number, unknown>)[b] : undefined;
    };
  }
  return (p) => getPath(p, path);
}

/** Like a field path: nothing there (out of range, not indexable) is missing, not null. */
function indexValue(target: unknown, index: unknown): unknown {
  if (typeof index === 'number') {
    if (!Number.isInteger(index) || (!Array.isArray(target) && typeof target !== 'string')) return undefined;
    return target[index < 0 ? target.length + index : index];
  }
  if (typeof index === 'string' && kindOf(target) === 'object') return (target as Record<string, unknown>)[index];
  return undefined;
}

// ---------------------------------------------------------------------------
// Compilation

function durationOf(e: DurationExpr): Duration {
  const d = parseDuration(e.text);
  if (!d) throw compileError('bad-duration', `not a valid duration: ${e.text}`, e.span, ['durations look like 250ms, 5m, 1h30m, 1M']);
  return d;
}

/** No fields, calls or pipelines: the value is the same for every point. */
function isConstant(e: Expr): boolean {
  switch (e.kind) {
    case 'literal':
    case 'duration':
    case 'regex':
      return true;
    case 'list':
      return e.items.every(isConstant);
    case 'object':
      return e.entries.every((x) => isConstant(x.value));
    case 'unary':
      return isConstant(e.arg);
    case 'binary':
    case 'coalesce':
      return isConstant(e.left) && isConstant(e.right);
    case 'conditional':
      return isConstant(e.test) && isConstant(e.then) && isConstant(e.otherwise);
    case 'index':
      return isConstant(e.target) && isConstant(e.index);
    default:
      return false;
  }
}

/**
 * Evaluate a constant operator once at compile time. Only immutable results
 * are shared between points; a list or object is built afresh for each, so a
 * later stage that changes one point's value cannot change another's.
 */
function folded(e: Expr, fn: CompiledFn): CompiledFn {
  if (!isConstant(e)) return fn;
  const v = fn(EMPTY);
  if (v !== null && typeof v === 'object' && !(v instanceof TimeValue)) return fn;
  return () => v;
}

export function compileExpr(e: Expr, env: ExprEnv): CompiledFn {
  switch (e.kind) {
    case 'literal': {
      const v = e.value;
      return () => v;
    }
    case 'duration': {
      const d = durationOf(e);
      const ms = d.ms + d.months * AVERAGE_MONTH_MS;
      return () => ms;
    }
    case 'regex': {
      const re = new RegExp(e.pattern, e.flags);
      return () => re;
    }
    case 'list': {
      const items = e.items.map((i) => compileExpr(i, env));
      return (p) => items.map((f) => f(p));
    }
    case 'object': {
      const entries = e.entries.map(({ key, value }) => [key, compileExpr(value, env)] as const);
      return (p) => {
        const o: Record<string, unknown> = {};
        for (const [k, f] of entries) o[k] = f(p);
        return o;
      };
    }
    case 'field':
      return fieldReader(e.path);
    case 'index': {
      const target = compileExpr(e.target, env);
      const index = compileExpr(e.index, env);
      return folded(e, (p) => indexValue(target(p), index(p)));
    }
    case 'unary': {
      const arg = compileExpr(e.arg, env);
      if (e.op === 'not') return folded(e, (p) => !truthyValue(arg(p)));
      return folded(e, (p) => {
        const v = arg(p);
        return typeof v === 'number' ? -v : null;
      });
    }
    case 'binary':
      return folded(e, compileBinary(e, env));
    case 'conditional': {
      // Both branches compile (their errors are errors), but only the taken one runs.
      const test = compileExpr(e.test, env);
      const then = compileExpr(e.then, env);
      const otherwise = compileExpr(e.otherwise, env);
      return folded(e, (p) => (truthyValue(test(p)) ? then(p) : otherwise(p)));
    }
    case 'coalesce': {
      const left = compileExpr(e.left, env);
      const right = compileExpr(e.right, env);
      return folded(e, (p) => {
        const v = left(p);
        return v === null || v === undefined ? right(p) : v;
      });
    }
    case 'call':
      return compileCall(e, env);
    case 'pipeline':
      throw compileError('bad-expression', 'a pipeline cannot be used as a value here', e.span);
  }
}

const ORDER: Record<'<' | '<=' | '>' | '>=', (c: number) => boolean> = {
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

// ---------------------------------------------------------------------------
// Type mismatches (SPEC §12.1) and moment strings (§12.2)

type Note = (a: unknown, b: unknown) => void;

/** A string and a number, or a time and a present non-time: the operands §12.1 counts. */
function isMismatch(a: unknown, b: unknown): boolean {
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'string' && tb === 'number') || (ta === 'number' && tb === 'string')) return true;
  const at = a instanceof TimeValue;
  if (at === b instanceof TimeValue) return false;
  const other = at ? b : a;
  return other !== null && other !== undefined;
}

function fieldText(e: Expr): string | undefined {
  if (e.kind !== 'field' || e.path.length === 0) return undefined;
  return e.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/**
 * The counter of one operator, made at compile time: called only on the
 * mismatch branch, so operands of the right types cost nothing more.
 */
function mismatchNote(e: BinaryExpr, env: ExprEnv, what: TypeMismatchStat['what'], result: string): Note | undefined {
  const list = env.mismatches;
  if (list === undefined) return undefined;
  const leftField = fieldText(e.left);
  const rightField = fieldText(e.right);
  const byKinds = new Map<string, TypeMismatchStat>();
  return (a, b) => {
    if (!isMismatch(a, b)) return;
    const left = kindOf(a);
    const right = kindOf(b);
    const key = `${left} ${right}`;
    let stat = byKinds.get(key);
    if (stat === undefined) {
      stat = { what, op: e.op, left, right, leftField, rightField, result, count: 0 };
      byKinds.set(key, stat);
      list.push(stat);
    }
    stat.count++;
  };
}

const momentCache = new Map<string, number | null>();

/** A string that parses as a moment (§11.14), in epoch ms; null when it does not. */
function momentOf(s: string, now: number): number | null {
  const fast = fastParseIso(s);
  if (fast === fast) return fast;
  let ms = momentCache.get(s);
  if (ms === undefined) {
    ms = parseMoment(s, { now }) ?? null;
    if (momentCache.size > 1000) momentCache.clear();
    momentCache.set(s, ms);
  }
  return ms;
}

/** §12.2: a time and a moment string compare as times; other pairs as §11.6 says. */
function compareWithMoments(a: unknown, b: unknown, now: number): number | undefined {
  if (a instanceof TimeValue && typeof b === 'string') {
    const ms = momentOf(b, now);
    return ms === null ? undefined : Math.sign(a.ms - ms);
  }
  if (b instanceof TimeValue && typeof a === 'string') {
    const ms = momentOf(a, now);
    return ms === null ? undefined : Math.sign(ms - b.ms);
  }
  return compareValues(a, b);
}

function equalWithMoments(a: unknown, b: unknown, now: number): boolean {
  if ((a instanceof TimeValue && typeof b === 'string') || (b instanceof TimeValue && typeof a === 'string')) return compareWithMoments(a, b, now) === 0;
  return valuesEqual(a, b);
}

/** `x == 'ok'`, `x != 5`: a scalar literal equals only itself, no deep comparison needed. */
function compileScalarEquality(l: CompiledFn, c: string | number, negate: boolean, note: Note | undefined, now: number): CompiledFn {
  const moment = typeof c === 'string' ? momentOf(c, now) : null;
  return (p) => {
    const v = l(p);
    if (v === c) return !negate;
    if (typeof v === typeof c || v === undefined || v === null) return negate;
    if (moment !== null && v instanceof TimeValue) return (v.ms === moment) !== negate;
    note?.(v, c);
    return negate;
  };
}

/** The common `value > 5` skips the generic comparison; anything but a number is false. */
function compileNumberOrder(l: CompiledFn, op: '<' | '<=' | '>' | '>=', c: number, note: Note | undefined): CompiledFn {
  const miss = (v: unknown): false => {
    note?.(v, c);
    return false;
  };
  switch (op) {
    case '<':
      return (p) => {
        const v = l(p);
        return typeof v === 'number' ? v < c : miss(v);
      };
    case '<=':
      return (p) => {
        const v = l(p);
        return typeof v === 'number' ? v <= c : miss(v);
      };
    case '>':
      return (p) => {
        const v = l(p);
        return typeof v === 'number' ? v > c : miss(v);
      };
    case '>=':
      return (p) => {
        const v = l(p);
        return typeof v === 'number' ? v >= c : miss(v);
      };
  }
}

function compileBinary(e: BinaryExpr, env: ExprEnv): CompiledFn {
  const calendar = calendarArithmetic(e, env);
  if (calendar) return calendar;
  const l = compileExpr(e.left, env);
  const r = compileExpr(e.right, env);
  const constRight = e.right.kind === 'literal' ? e.right.value : undefined;
  const now = env.now;
  switch (e.op) {
    case 'or':
      return (p) => truthyValue(l(p)) || truthyValue(r(p));
    case 'and':
      return (p) => truthyValue(l(p)) && truthyValue(r(p));
    case '==':
    case '!=': {
      const negate = e.op === '!=';
      const note = mismatchNote(e, env, 'comparison', negate ? 'true' : 'false');
      if (typeof constRight === 'number' || typeof constRight === 'string') return compileScalarEquality(l, constRight, negate, note, now);
      return (p) => {
        const a = l(p);
        const b = r(p);
        const eq = equalWithMoments(a, b, now);
        if (!eq && note !== undefined) note(a, b);
        return eq !== negate;
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const note = mismatchNote(e, env, 'comparison', 'false');
      if (typeof constRight === 'number') return compileNumberOrder(l, e.op, constRight, note);
      const test = ORDER[e.op];
      return (p) => {
        const a = l(p);
        const b = r(p);
        const c = compareWithMoments(a, b, now);
        if (c === undefined) {
          note?.(a, b);
          return false;
        }
        return test(c);
      };
    }
    case 'in':
      return (p) => inValue(l(p), r(p));
    case 'not in':
      return (p) => !inValue(l(p), r(p));
    case '=~':
    case '!~': {
      const negate = e.op === '!~';
      let fixed: RegExp | undefined;
      if (e.right.kind === 'regex') fixed = statelessRegex(e.right.pattern, e.right.flags);
      else if (typeof constRight === 'string') {
        try {
          fixed = new RegExp(constRight);
        } catch (err) {
          throw compileError('bad-expression', 'invalid regular expression', e.right.span, [(err as Error).message]);
        }
      }
      return (p) => {
        const s = l(p);
        const re = fixed ?? toRegex(r(p));
        // A non-string never matches: `=~` is false and `!~` true, like other cross-kind tests.
        if (typeof s !== 'string' || !re) return negate;
        return re.test(s) !== negate;
      };
    }
    default: {
      const op = e.op;
      const note = mismatchNote(e, env, 'arithmetic', 'null');
      const slow =
        note === undefined
          ? (a: unknown, b: unknown) => arith(op, a, b)
          : (a: unknown, b: unknown) => {
              const v = arith(op, a, b);
              if (v === null) note(a, b);
              return v;
            };
      if (op === '+' || op === '-' || op === '*') {
        return (p) => {
          const a = l(p);
          const b = r(p);
          if (typeof a === 'number' && typeof b === 'number') return op === '+' ? a + b : op === '-' ? a - b : a * b;
          return slow(a, b);
        };
      }
      return (p) => slow(l(p), r(p));
    }
  }
}

/** `time - 1M`: calendar months move by the calendar when the other side is a time. */
function calendarArithmetic(e: BinaryExpr, env: ExprEnv): CompiledFn | undefined {
  if (e.op !== '+' && e.op !== '-') return undefined;
  const durRight = e.right.kind === 'duration' ? durationOf(e.right) : undefined;
  const durLeft = e.op === '+' && e.left.kind === 'duration' ? durationOf(e.left) : undefined;
  const d = durRight?.months ? durRight : durLeft?.months ? durLeft : undefined;
  if (!d) return undefined;
  const sign = e.op === '-' ? -1 : 1;
  const other = compileExpr(d === durRight ? e.left : e.right, env);
  const approx = d.ms + d.months * AVERAGE_MONTH_MS;
  const op = e.op;
  return (p) => {
    const v = other(p);
    if (v instanceof TimeValue) return new TimeValue(addDuration(v.ms, d, sign));
    return d === durRight ? arith(op, v, approx) : arith(op, approx, v);
  };
}

function arityText(min: number, max: number): string {
  const n = min === max ? `${min}` : max === Infinity ? `at least ${min}` : max === min + 1 ? `${min} or ${max}` : `${min} to ${max}`;
  return `${n} argument${min === 1 && (max === 1 || max === Infinity) ? '' : 's'}`;
}

function compileCall(e: CallExpr, env: ExprEnv): CompiledFn {
  const substituted = env.onCall?.(e);
  if (substituted) return substituted;
  const fn = functionsByName.get(e.name);
  if (!fn) {
    throw compileError('unknown-function', `unknown function \`${e.name}\``, e.nameSpan, didYouMean(e.name, builtinFunctions.map((f) => f.name)));
  }
  const n = e.args.length;
  if (n < fn.min || n > fn.max) {
    throw compileError('bad-arguments', `\`${e.name}\` takes ${arityText(fn.min, fn.max)}, got ${n}`, e.span, [`usage: ${fn.signature}`]);
  }
  const named = e.args.find((a) => a.name !== undefined);
  if (named) throw compileError('bad-arguments', `\`${e.name}\` takes no keyword arguments`, named.nameSpan ?? named.span, [`usage: ${fn.signature}`]);
  if (fn.name === 'exists') {
    // §11.21: a field path, not a value (the value of a missing field is indistinguishable from null's absence).
    const arg = e.args[0]!.value;
    if (arg.kind === 'literal' && typeof arg.value === 'string') {
      const read = fieldReader(arg.value.split('.'));
      return (p) => read(p) !== undefined;
    }
    if (arg.kind !== 'field') throw compileError('bad-arguments', '`exists` takes a field path', arg.span, ['e.g. exists(user.name) or exists(\'user.name\')']);
    const read = fieldReader(arg.path);
    return (p) => read(p) !== undefined;
  }
  const args = e.args.map((a) => compileExpr(a.value, env));
  const impl = fn.impl;
  const now = env.now;
  switch (args.length) {
    case 0:
      return () => impl([], now);
    case 1: {
      const a0 = args[0]!;
      return (p) => impl([a0(p)], now);
    }
    case 2: {
      const a0 = args[0]!;
      const a1 = args[1]!;
      return (p) => impl([a0(p), a1(p)], now);
    }
    default:
      return (p) => impl(args.map((a) => a(p)), now);
  }
}

// ---------------------------------------------------------------------------
// Templates: `'{host} at {v:.2f}'` (Python str.format subset, §1.1, §11.24)

interface Placeholder {
  read: CompiledFn;
  conversion?: 'r' | 's';
  spec?: string;
}

type TemplatePart = string | Placeholder;

/** A Python field name: `a`, `odd key`, `a.b`, `a[b]`, `a[0]`, `a['b']`. Names do not start with space or a quote, so JSON text is not a template. */
const FIELD_NAME = /^([^\s{}[\].:!'"][^{}[\].:!]*)((?:\.[^{}[\].:!]+|\[[^\]{}]*\])*)$/;

function parsePlaceholder(inner: string): Placeholder | undefined {
  let rest = inner;
  let spec: string | undefined;
  // The name never holds `:` or `!`; a `[...]` key may, so find the first outside brackets.
  let depth = 0;
  let cut = -1;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (depth === 0 && (c === ':' || c === '!')) {
      cut = i;
      break;
    }
  }
  let conversion: 'r' | 's' | undefined;
  if (cut >= 0) {
    let tail = rest.slice(cut);
    rest = rest.slice(0, cut);
    if (tail.startsWith('!')) {
      if (tail[1] !== 'r' && tail[1] !== 's') return undefined;
      conversion = tail[1];
      tail = tail.slice(2);
      if (tail !== '' && !tail.startsWith(':')) return undefined;
    }
    if (tail.startsWith(':')) spec = tail.slice(1);
  }
  const m = FIELD_NAME.exec(rest);
  if (!m) return undefined;
  const path: (string | number)[] = [m[1]!];
  for (const seg of m[2]!.match(/\.[^.[]+|\[[^\]]*\]/g) ?? []) {
    if (seg.startsWith('.')) path.push(seg.slice(1));
    else {
      const key = seg.slice(1, -1);
      if (/^-?\d+$/.test(key)) path.push(Number(key));
      else path.push(/^(['"]).*\1$/.test(key) ? key.slice(1, -1) : key);
    }
  }
  return { read: fieldReader(path), conversion, spec };
}

/**
 * `{{`/`}}` are literal braces; `{...}` that is not a valid placeholder (JSON
 * text, a lone brace) stays as written rather than failing the run.
 */
function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let lit = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if ((ch === '{' || ch === '}') && text[i + 1] === ch) {
      lit += ch;
      i++;
      continue;
    }
    if (ch === '{') {
      const close = text.indexOf('}', i + 1);
      const open = text.indexOf('{', i + 1);
      const placeholder = close >= 0 && (open < 0 || open > close) ? parsePlaceholder(text.slice(i + 1, close)) : undefined;
      if (placeholder) {
        if (lit) parts.push(lit);
        lit = '';
        parts.push(placeholder);
        i = close;
        continue;
      }
    }
    lit += ch;
  }
  if (lit) parts.push(lit);
  return parts;
}

/** A string with a `{field}` placeholder or an escaped brace is a template (§11.24). */
export function isTemplate(text: string): boolean {
  if (!text.includes('{') && !text.includes('}')) return false;
  return parseTemplate(text).some((p) => typeof p !== 'string') || text.includes('{{') || text.includes('}}');
}

const SPEC = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s;

/** Python writes exponents with at least two digits: 1.5e+06. */
function pyExponent(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/**
 * Python's general format: exponent notation when the exponent is below -4
 * or at least the precision, fixed otherwise; trailing zeros dropped unless
 * `#` (alt). With no type (`keepPoint`) a whole fixed number keeps `.0`.
 */
function generalFormat(v: number, p: number, alt: boolean, keepPoint: boolean): string {
  if (v === 0) return alt ? (0).toFixed(p - 1) : keepPoint ? '0.0' : '0';
  const exp = Number(v.toExponential(p - 1).split('e')[1]);
  const strip = (t: string): string => (alt ? t : t.includes('.') ? t.replace(/\.?0+$/, '') : t);
  if (exp >= -4 && exp < p) {
    const fixed = strip(v.toFixed(Math.max(0, p - 1 - exp)));
    return keepPoint && !fixed.includes('.') ? fixed + '.0' : fixed;
  }
  const [mant, e] = v.toExponential(p - 1).split('e') as [string, string];
  return pyExponent(`${strip(mant)}e${e}`);
}

function formatNumber(v: number, type: string | undefined, precision: number | undefined, alt: boolean): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  switch (type) {
    case 'f':
    case 'F':
      return v.toFixed(precision ?? 6);
    case 'e':
    case 'E': {
      const s = pyExponent(v.toExponential(precision ?? 6));
      return type === 'E' ? s.toUpperCase() : s;
    }
    case '%':
      return (v * 100).toFixed(precision ?? 6) + '%';
    case 'd':
    case 'n':
      return String(Math.trunc(v));
    case 'x':
    case 'X':
    case 'o':
    case 'b': {
      const base = type === 'o' ? 8 : type === 'b' ? 2 : 16;
      const s = Math.trunc(Math.abs(v)).toString(base);
      const prefix = alt ? (type === 'o' ? '0o' : type === 'b' ? '0b' : '0x') : '';
      const out = prefix + s;
      return type === 'X' ? out.toUpperCase() : out;
    }
    case 'c':
      return String.fromCodePoint(Math.trunc(v));
    case 'g':
    case 'G': {
      const s = generalFormat(v, precision === undefined ? 6 : Math.max(1, precision), alt, false);
      return type === 'G' ? s.toUpperCase() : s;
    }
    default:
      // No type: as JSON prints it, or `precision` significant digits (Python keeps a `.0`).
      return precision === undefined ? JSON.stringify(v) : generalFormat(v, Math.max(1, precision), alt, true);
  }
}

function group(s: string, sep: string): string {
  const m = /^(-?)(\d+)(.*)$/s.exec(s);
  if (!m) return s;
  return m[1] + m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, sep) + m[3];
}

/** Python's format-spec mini-language (`[[fill]align][sign][#][0][width][,][.precision][type]`); times also take a time format (`{time:%Y-%m-%d}`). */
function applySpec(v: unknown, spec: string): string {
  const m = SPEC.exec(spec);
  if (!m) return v instanceof TimeValue ? formatTime(v.ms, spec) : display(v);
  const [, fillIn, alignIn, sign, alt, zero, width, grouping, precisionText, type] = m;
  const precision = precisionText === undefined ? undefined : Number(precisionText);
  const isNum = typeof v === 'number';
  let s: string;
  let signText = '';
  if (isNum) {
    s = formatNumber(Math.abs(v), type, precision, alt !== undefined);
    if (v < 0) signText = '-';
    else if (sign === '+') signText = '+';
    else if (sign === ' ') signText = ' ';
    if (grouping) s = group(s, grouping);
  } else {
    s = v === undefined || v === null ? '' : display(v);
    if (precision !== undefined) s = [...s].slice(0, precision).join('');
  }
  const w = width === undefined ? 0 : Number(width);
  const fill = fillIn ?? (zero && isNum ? '0' : ' ');
  const align = alignIn ?? (zero && isNum ? '=' : isNum ? '>' : '<');
  const len = [...s].length + signText.length;
  if (len >= w) return signText + s;
  const pad = w - len;
  switch (align) {
    case '<':
      return signText + s + fill.repeat(pad);
    case '^': {
      const left = Math.floor(pad / 2);
      return fill.repeat(left) + signText + s + fill.repeat(pad - left);
    }
    case '=':
      return signText + fill.repeat(pad) + s;
    default:
      return fill.repeat(pad) + signText + s;
  }
}

function renderPlaceholder(ph: Placeholder, p: Point): string {
  let v = ph.read(p);
  if (ph.conversion === 'r') v = v === undefined ? '' : typeof v === 'string' ? JSON.stringify(v) : display(v);
  else if (ph.conversion === 's') v = v === undefined || v === null ? '' : display(v);
  if (ph.spec !== undefined && ph.spec !== '') return applySpec(v, ph.spec);
  // §11.10: a missing (or null) field renders as nothing.
  return v === undefined || v === null ? '' : display(v);
}

/** toFixed and toExponential take at most 100 digits; a wider field than this is a mistake, not a layout. */
const MAX_PRECISION = 100;
const MAX_WIDTH = 10_000;

/** A format spec the renderer cannot honour is refused when the template is compiled, not at the first point. */
function checkSpec(spec: string, text: string): void {
  const m = SPEC.exec(spec);
  if (m === null) return;
  const width = m[6] === undefined ? 0 : Number(m[6]);
  const precision = m[8] === undefined ? 0 : Number(m[8]);
  if (precision > MAX_PRECISION) throw compileError('bad-template', `template ${JSON.stringify(text)}: precision .${m[8]} is more than ${MAX_PRECISION}`);
  if (width > MAX_WIDTH) throw compileError('bad-template', `template ${JSON.stringify(text)}: width ${m[6]} is more than ${MAX_WIDTH}`);
}

export function compileTemplate(text: string): CompiledFn {
  const parts = parseTemplate(text);
  for (const part of parts) if (typeof part !== 'string' && part.spec !== undefined) checkSpec(part.spec, text);
  if (parts.length === 1 && typeof parts[0] === 'string') {
    const s = parts[0];
    return () => s;
  }
  return (p) => {
    // Templates in generated empty windows may be rendered without a point (§11.10).
    const q = p ?? EMPTY;
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : renderPlaceholder(part, q);
    return out;
  };
}

/** Like compileExpr, but a string literal holding a template renders it. */
export function compileValue(e: Expr, env: ExprEnv): CompiledFn {
  if (e.kind === 'literal' && typeof e.value === 'string' && isTemplate(e.value)) return compileTemplate(e.value);
  return compileExpr(e, env);
}

// ---------------------------------------------------------------------------
// Option values

/** Nothing that depends on a point, the clock or a unit: safe to evaluate with no context. */
function isPlainConstant(e: Expr): boolean {
  switch (e.kind) {
    case 'literal':
      return true;
    case 'list':
      return e.items.every(isPlainConstant);
    case 'object':
      return e.entries.every((x) => isPlainConstant(x.value));
    case 'unary':
      return isPlainConstant(e.arg);
    case 'binary':
    case 'coalesce':
      return isPlainConstant(e.left) && isPlainConstant(e.right);
    case 'conditional':
      return isPlainConstant(e.test) && isPlainConstant(e.then) && isPlainConstant(e.otherwise);
    case 'index':
      return isPlainConstant(e.target) && isPlainConstant(e.index);
    default:
      return false;
  }
}

/**
 * Evaluate a constant expression at compile time, for option values: literals,
 * lists, objects, and operators over them (`60 * 60`, `-1`, `'a' + 'b'`). A
 * bare duration gives its text (`'5m'`: the option parser reads it) and a
 * regex a RegExp; an operator on either is not constant here.
 */
export function constantValue(e: Expr): { ok: true; value: unknown } | { ok: false } {
  switch (e.kind) {
    case 'literal':
      return { ok: true, value: e.value };
    case 'duration':
      return { ok: true, value: e.text };
    case 'regex':
      return { ok: true, value: new RegExp(e.pattern, e.flags) };
    case 'list': {
      const out: unknown[] = [];
      for (const i of e.items) {
        const c = constantValue(i);
        if (!c.ok) return c;
        out.push(c.value);
      }
      return { ok: true, value: out };
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const { key, value } of e.entries) {
        const c = constantValue(value);
        if (!c.ok) return c;
        out[key] = c.value;
      }
      return { ok: true, value: out };
    }
    case 'unary':
    case 'binary':
    case 'conditional':
    case 'coalesce':
    case 'index':
      if (!isPlainConstant(e)) return { ok: false };
      return { ok: true, value: compileExpr(e, { now: 0 })(EMPTY) };
    default:
      return { ok: false };
  }
}

/**
 * The dotted field paths an expression reads (up to its first list index),
 * for the report of names that never appeared (SPEC §12.7). Walks every
 * nested node, so new expression kinds need no change here.
 */
export function fieldsRead(e: Expr): string[] {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const node = v as { kind?: unknown; path?: unknown };
    if (node.kind === 'pipeline') return;
    if (node.kind === 'field' && Array.isArray(node.path)) {
      const names: string[] = [];
      for (const k of node.path) {
        if (typeof k !== 'string') break;
        names.push(k);
      }
      if (names.length > 0) out.add(names.join('.'));
      return;
    }
    for (const [k, x] of Object.entries(v)) if (k !== 'span' && k !== 'nameSpan') visit(x);
  };
  visit(e);
  return [...out];
}

/** A field name from `a.b` (dotted) or `'a.b'`, for options that name fields; else undefined. */
export function fieldPathOf(e: Expr): string | undefined {
  if (e.kind === 'field') return e.path.join('.');
  if (e.kind === 'literal' && typeof e.value === 'string') return e.value;
  return undefined;
}
