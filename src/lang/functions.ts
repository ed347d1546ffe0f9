/**
 * Built-in functions of the expression language, and the value rules they
 * share with the operators (kinds, ordering, equality, truthiness, display).
 * A type mismatch gives null, never an exception. `flume help` lists
 * `builtinFunctions`.
 */
import { TimeValue } from '../runtime/point.js';
import { calendarField, formatTime, parseTime } from '../runtime/time.js';

export interface BuiltinFunction {
  name: string;
  /** Fewest and most arguments (`Infinity` for variadic). */
  min: number;
  max: number;
  signature: string;
  doc: string;
  /** Arguments already evaluated; `now` is :now: in epoch ms. */
  impl: (args: unknown[], now: number) => unknown;
}

// ---------------------------------------------------------------------------
// Value rules

export type Kind = 'null' | 'number' | 'string' | 'boolean' | 'time' | 'list' | 'object' | 'regex';

/** Missing (undefined) and null are one kind: both are "no value". */
export function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
  }
  if (v instanceof TimeValue) return 'time';
  if (v instanceof RegExp) return 'regex';
  return Array.isArray(v) ? 'list' : 'object';
}

/** By code point, not UTF-16 unit (JS `<`), so astral characters sort after U+FFFF. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only when a surrogate meets a unit in U+E000..U+FFFF does unit order differ from code point order.
    if (x >= 0xd800 && y >= 0xd800) {
      const cx = a.codePointAt(i)!;
      const cy = b.codePointAt(i)!;
      return cx < cy ? -1 : 1;
    }
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

/**
 * Ordering within one kind: numbers, strings (by code point), times (by
 * instant), booleans (false < true). undefined across kinds, for NaN, and for
 * kinds without an order (lists, objects, null).
 */
export function compareValues(a: unknown, b: unknown): number | undefined {
  const ka = kindOf(a);
  if (ka !== kindOf(b)) return undefined;
  switch (ka) {
    case 'number': {
      const x = a as number;
      const y = b as number;
      return x < y ? -1 : x > y ? 1 : x === y ? 0 : undefined;
    }
    case 'string':
      return compareStrings(a as string, b as string);
    case 'time':
      return Math.sign((a as TimeValue).ms - (b as TimeValue).ms);
    case 'boolean':
      return Number(a) - Number(b);
    default:
      return undefined;
  }
}

/** Deep equality; values of different kinds are never equal; null equals missing. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ka = kindOf(a);
  if (ka !== kindOf(b)) return false;
  switch (ka) {
    case 'null':
      return true;
    case 'time':
      return (a as TimeValue).ms === (b as TimeValue).ms;
    case 'list': {
      const x = a as unknown[];
      const y = b as unknown[];
      return x.length === y.length && x.every((v, i) => valuesEqual(v, y[i]));
    }
    case 'object': {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      const kx = Object.keys(x);
      return kx.length === Object.keys(y).length && kx.every((k) => Object.hasOwn(y, k) && valuesEqual(x[k], y[k]));
    }
    case 'regex':
      return String(a) === String(b);
    default:
      // Numbers and strings that are not `===` (NaN is not equal to itself).
      return false;
  }
}

/** §11.20: null, missing, false, 0, NaN and '' are false; everything else ([] and {} too) is true. */
export function truthyValue(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === '' || v === 0) return false;
  if (typeof v === 'number' && Number.isNaN(v)) return false;
  return true;
}

/**
 * How a value prints inside a string (templates, `str`): numbers as JSON
 * prints them (`5`, not `5.0`), times as ISO 8601, lists and objects as JSON,
 * null as `null`, missing as ''.
 */
export function display(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (v instanceof TimeValue) return v.toJSON();
  if (v instanceof RegExp) return String(v);
  return JSON.stringify(v) ?? '';
}

// ---------------------------------------------------------------------------
// The table

const num = (v: unknown): number | null => (typeof v === 'number' && !Number.isNaN(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** NaN means "no answer" (sqrt(-1), log(-1)): null, like every other mismatch. */
function finite(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}

function math1(name: string, f: (x: number) => number, doc: string): BuiltinFunction {
  return { name, min: 1, max: 1, signature: `${name}(x)`, doc, impl: ([x]) => (num(x) === null ? null : finite(f(x as number))) };
}

/** A time argument: a time value, epoch ms, or text in any form flume reads. */
function toMs(v: unknown, now: number): number | null {
  if (v instanceof TimeValue) return v.ms;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') return parseTime(v, undefined, { now }) ?? null;
  return null;
}

/**
 * Math.round at `digits` decimals (halves go toward +∞, as JavaScript's Math
 * does, §11.24), shifting by the decimal exponent so `round(1.005, 2)` is
 * 1.01 (multiplying by 100 gives 100.49999…).
 */
function roundTo(x: number, digits: number): number {
  const d = Math.trunc(digits);
  if (d === 0 || !Number.isFinite(x)) return Math.round(x);
  const text = String(x);
  if (text.includes('e')) {
    const f = 10 ** d;
    return Math.round(x * f) / f;
  }
  return Number(`${Math.round(Number(`${text}e${d}`))}e${-d}`);
}

function extreme(name: 'min' | 'max'): BuiltinFunction {
  const better = name === 'min' ? (c: number) => c < 0 : (c: number) => c > 0;
  return {
    name,
    min: 1,
    max: Infinity,
    signature: `${name}(a, b, ...) or ${name}(list)`,
    doc: `the ${name === 'min' ? 'smallest' : 'largest'} of numbers, strings or times, skipping nulls (inside reduce/put, ${name}(field) is the reducer)`,
    impl: (args) => {
      const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
      let best: unknown = null;
      for (const v of list) {
        if (v === null || v === undefined) continue;
        if (best === null) {
          if (kindOf(v) !== 'number' && kindOf(v) !== 'string' && kindOf(v) !== 'time') return null;
          if (typeof v === 'number' && Number.isNaN(v)) return null;
          best = v;
          continue;
        }
        const c = compareValues(v, best);
        if (c === undefined) return null;
        if (better(c)) best = v;
      }
      return best;
    },
  };
}

function calendar(name: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'weekday', doc: string): BuiltinFunction {
  return {
    name,
    min: 1,
    max: 1,
    signature: `${name}(t)`,
    doc,
    impl: ([t], now) => {
      const ms = toMs(t, now);
      return ms === null ? null : finite(calendarField(ms, name));
    },
  };
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof TimeValue) return v.ms;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

export const builtinFunctions: readonly BuiltinFunction[] = [
  math1('abs', Math.abs, 'absolute value'),
  math1('ceil', Math.ceil, 'smallest integer ≥ x'),
  math1('floor', Math.floor, 'largest integer ≤ x'),
  {
    name: 'round',
    min: 1,
    max: 2,
    signature: 'round(x, digits?)',
    doc: 'x rounded to `digits` decimals (default 0; negative: tens, hundreds, ...); halves round up, as Math.round',
    impl: ([x, d]) => {
      if (num(x) === null) return null;
      if (d !== undefined && num(d) === null) return null;
      return roundTo(x as number, (d as number | undefined) ?? 0);
    },
  },
  math1('sqrt', Math.sqrt, 'square root (null for negatives)'),
  math1('log', Math.log, 'natural logarithm (null for negatives)'),
  math1('log10', Math.log10, 'base-10 logarithm'),
  math1('exp', Math.exp, 'e to the x'),
  {
    name: 'pow',
    min: 2,
    max: 2,
    signature: 'pow(x, y)',
    doc: 'x to the power y',
    impl: ([x, y]) => (num(x) === null || num(y) === null ? null : finite(Math.pow(x as number, y as number))),
  },
  extreme('min'),
  extreme('max'),
  {
    name: 'len',
    min: 1,
    max: 1,
    signature: 'len(v)',
    doc: 'length of a string (in characters) or list, number of keys of an object',
    impl: ([v]) => {
      if (typeof v === 'string') return [...v].length;
      if (Array.isArray(v)) return v.length;
      return kindOf(v) === 'object' ? Object.keys(v as object).length : null;
    },
  },
  { name: 'lower', min: 1, max: 1, signature: 'lower(s)', doc: 'lower case', impl: ([s]) => str(s)?.toLowerCase() ?? null },
  { name: 'upper', min: 1, max: 1, signature: 'upper(s)', doc: 'upper case', impl: ([s]) => str(s)?.toUpperCase() ?? null },
  { name: 'trim', min: 1, max: 1, signature: 'trim(s)', doc: 'without leading and trailing white space', impl: ([s]) => str(s)?.trim() ?? null },
  {
    name: 'startswith',
    min: 2,
    max: 2,
    signature: 'startswith(s, prefix)',
    doc: 's starts with prefix',
    impl: ([s, p]) => (str(s) === null || str(p) === null ? null : (s as string).startsWith(p as string)),
  },
  {
    name: 'endswith',
    min: 2,
    max: 2,
    signature: 'endswith(s, suffix)',
    doc: 's ends with suffix',
    impl: ([s, p]) => (str(s) === null || str(p) === null ? null : (s as string).endsWith(p as string)),
  },
  {
    name: 'contains',
    min: 2,
    max: 2,
    signature: 'contains(s, part)',
    doc: 'substring of a string, member of a list, key of an object (like `part in s`)',
    impl: ([s, p]) => {
      if (typeof s === 'string') return typeof p === 'string' ? s.includes(p) : null;
      if (Array.isArray(s)) return s.some((x) => valuesEqual(x, p));
      if (kindOf(s) === 'object') return typeof p === 'string' ? Object.hasOwn(s as object, p) : null;
      return null;
    },
  },
  {
    name: 'replace',
    min: 3,
    max: 3,
    signature: 'replace(s, old, new)',
    doc: 'every occurrence of `old` (a string or a /regex/) replaced by `new` ($1 refers to regex groups)',
    impl: ([s, o, n]) => {
      if (str(s) === null || str(n) === null) return null;
      if (o instanceof RegExp) return (s as string).replace(o.global ? o : new RegExp(o.source, o.flags + 'g'), n as string);
      if (typeof o === 'string') return (s as string).split(o).join(n as string);
      return null;
    },
  },
  {
    name: 'split',
    min: 1,
    max: 2,
    signature: 'split(s, sep?)',
    doc: 'list of the parts of s between `sep` (a string or /regex/; default: runs of white space)',
    impl: ([s, sep]) => {
      if (str(s) === null) return null;
      if (sep === undefined) return (s as string).split(/\s+/).filter((x) => x.length > 0);
      if (sep instanceof RegExp || typeof sep === 'string') return (s as string).split(sep);
      return null;
    },
  },
  {
    name: 'substr',
    min: 2,
    max: 3,
    signature: 'substr(s, start, length?)',
    doc: 'part of s from `start` (0-based; negative counts from the end), `length` characters (default: to the end)',
    impl: ([s, a, l]) => {
      if (str(s) === null || num(a) === null) return null;
      // Characters (code points), as len counts them: never half of a surrogate pair.
      const chars = [...(s as string)];
      const from = Math.trunc(a as number);
      const start = from < 0 ? Math.max(0, chars.length + from) : from;
      if (l === undefined) return chars.slice(start).join('');
      if (num(l) === null) return null;
      return chars.slice(start, start + Math.max(0, Math.trunc(l as number))).join('');
    },
  },
  {
    name: 'str',
    min: 1,
    max: 1,
    signature: 'str(v)',
    doc: 'v as text: numbers as JSON prints them, times as ISO 8601, lists and objects as JSON; null for missing',
    impl: ([v]) => (v === undefined ? null : display(v)),
  },
  {
    name: 'num',
    min: 1,
    max: 1,
    signature: 'num(v)',
    doc: 'v as a number (numeric text, booleans as 1/0, times as epoch ms), else null',
    impl: ([v]) => toNumber(v),
  },
  {
    name: 'int',
    min: 1,
    max: 1,
    signature: 'int(v)',
    doc: 'v as a whole number, truncated toward zero (like num, then truncated)',
    impl: ([v]) => {
      const n = toNumber(v);
      return n === null || !Number.isFinite(n) ? null : Math.trunc(n);
    },
  },
  { name: 'bool', min: 1, max: 1, signature: 'bool(v)', doc: "truthiness: false for null, missing, false, 0, NaN and ''; true otherwise", impl: ([v]) => truthyValue(v) },
  { name: 'is_null', min: 1, max: 1, signature: 'is_null(v)', doc: 'v is null or missing', impl: ([v]) => v === null || v === undefined },
  {
    name: 'exists',
    min: 1,
    max: 1,
    signature: 'exists(field)',
    doc: "the field is present (even if null); takes a field path (exists(user.name) or exists('user.name')), not a value",
    impl: ([v]) => v !== undefined,
  },
  { name: 'now', min: 0, max: 0, signature: 'now()', doc: 'the time the run started (:now:, fixed for the run)', impl: (_a, now) => new TimeValue(now) },
  {
    name: 'parse_time',
    min: 1,
    max: 2,
    signature: 'parse_time(s, format?)',
    doc: 'a time from text: any moment flume reads, or a luxon (yyyy-MM-dd) or strftime (%Y-%m-%d) format; a number is epoch seconds',
    impl: ([s, f], now) => {
      if (s instanceof TimeValue) return s;
      if (typeof s === 'number') return Number.isFinite(s) ? new TimeValue(Math.floor(s * 1000)) : null;
      if (str(s) === null || (f !== undefined && str(f) === null)) return null;
      const ms = parseTime(s as string, f as string | undefined, { now });
      return ms === undefined ? null : new TimeValue(ms);
    },
  },
  {
    name: 'format_time',
    min: 2,
    max: 2,
    signature: 'format_time(t, format)',
    doc: "t (a time, epoch ms, or text) formatted in UTC: luxon tokens ('yyyy-MM-dd HH:mm'), or strftime when the format has % ('%Y-%m-%d')",
    impl: ([t, f], now) => {
      const ms = toMs(t, now);
      return ms === null || str(f) === null ? null : formatTime(ms, f as string);
    },
  },
  calendar('year', 'the year of a time (UTC)'),
  calendar('month', 'the month of a time, 1–12 (UTC)'),
  calendar('day', 'the day of the month, 1–31 (UTC)'),
  calendar('hour', 'the hour, 0–23 (UTC)'),
  calendar('minute', 'the minute, 0–59'),
  calendar('second', 'the second, 0–59'),
  calendar('weekday', 'the weekday, 1 (Monday) to 7 (Sunday) (UTC)'),
];

export const functionsByName: ReadonlyMap<string, BuiltinFunction> = new Map(builtinFunctions.map((f) => [f.name, f]));
