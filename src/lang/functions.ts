/**
 * Built-in functions of the expression language. Type mismatches give null,
 * never an exception. `flume help` lists this table.
 */
import { TimeValue } from '../runtime/point.js';
import { calendarField, formatTime, parseTime } from '../runtime/time.js';

export interface BuiltinFunction {
  name: string;
  min: number;
  max: number;
  signature: string;
  doc: string;
  impl: (args: unknown[], now: number) => unknown;
}

const num = (v: unknown): number | null => (typeof v === 'number' && !Number.isNaN(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function math1(name: string, f: (x: number) => number, doc: string): BuiltinFunction {
  return { name, min: 1, max: 1, signature: `${name}(x)`, doc, impl: ([x]) => (num(x) === null ? null : finite(f(x as number))) };
}

function finite(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}

function toMs(v: unknown, now: number): number | null {
  if (v instanceof TimeValue) return v.ms;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseTime(v, undefined, { now }) ?? null;
  return null;
}

/** How a value prints inside strings: numbers as JSON, times as ISO, objects as JSON. */
export function display(v: unknown): string {
  if (v === undefined || v === null) return v === null ? 'null' : '';
  if (typeof v === 'string') return v;
  if (v instanceof TimeValue) return v.toJSON();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function extreme(name: 'min' | 'max'): BuiltinFunction {
  const pick = name === 'min' ? Math.min : Math.max;
  return {
    name,
    min: 1,
    max: Infinity,
    signature: `${name}(a, b, ...) or ${name}(list)`,
    doc: `the ${name === 'min' ? 'smallest' : 'largest'} number (with one argument inside reduce/put: the ${name} reducer)`,
    impl: (args) => {
      const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
      const nums = list.filter((x): x is number => typeof x === 'number');
      return nums.length === 0 || nums.length !== list.length ? null : pick(...nums);
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
      return ms === null ? null : calendarField(ms, name);
    },
  };
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
    doc: "x rounded to `digits` decimals (default 0), half away from zero's JavaScript rule (Math.round)",
    impl: ([x, d]) => {
      if (num(x) === null) return null;
      const digits = num(d) ?? 0;
      const f = 10 ** digits;
      return Math.round((x as number) * f) / f;
    },
  },
  math1('sqrt', Math.sqrt, 'square root (null for negatives)'),
  math1('log', Math.log, 'natural logarithm'),
  math1('log10', Math.log10, 'base-10 logarithm'),
  math1('exp', Math.exp, 'e to the x'),
  { name: 'pow', min: 2, max: 2, signature: 'pow(x, y)', doc: 'x to the power y', impl: ([x, y]) => (num(x) === null || num(y) === null ? null : finite((x as number) ** (y as number))) },
  extreme('min'),
  extreme('max'),
  {
    name: 'len',
    min: 1,
    max: 1,
    signature: 'len(v)',
    doc: 'length of a string or list, number of keys of an object',
    impl: ([v]) => (typeof v === 'string' || Array.isArray(v) ? v.length : v && typeof v === 'object' && !(v instanceof TimeValue) ? Object.keys(v).length : null),
  },
  { name: 'lower', min: 1, max: 1, signature: 'lower(s)', doc: 'lower case', impl: ([s]) => str(s)?.toLowerCase() ?? null },
  { name: 'upper', min: 1, max: 1, signature: 'upper(s)', doc: 'upper case', impl: ([s]) => str(s)?.toUpperCase() ?? null },
  { name: 'trim', min: 1, max: 1, signature: 'trim(s)', doc: 'without leading and trailing white space', impl: ([s]) => str(s)?.trim() ?? null },
  { name: 'startswith', min: 2, max: 2, signature: 'startswith(s, prefix)', doc: 's starts with prefix', impl: ([s, p]) => (str(s) === null || str(p) === null ? null : (s as string).startsWith(p as string)) },
  { name: 'endswith', min: 2, max: 2, signature: 'endswith(s, suffix)', doc: 's ends with suffix', impl: ([s, p]) => (str(s) === null || str(p) === null ? null : (s as string).endsWith(p as string)) },
  {
    name: 'contains',
    min: 2,
    max: 2,
    signature: 'contains(s, part)',
    doc: 'substring of a string, or member of a list',
    impl: ([s, p]) => (typeof s === 'string' ? (typeof p === 'string' ? s.includes(p) : null) : Array.isArray(s) ? s.some((x) => x === p) : null),
  },
  {
    name: 'replace',
    min: 3,
    max: 3,
    signature: 'replace(s, old, new)',
    doc: 'every occurrence of `old` (a string or a regular expression) replaced by `new` ($1 refers to groups of a regex)',
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
    doc: 'list of parts of s split by `sep` (a string or regex; default white space)',
    impl: ([s, sep]) => {
      if (str(s) === null) return null;
      if (sep === undefined) return (s as string).trim().split(/\s+/).filter((x) => x.length > 0);
      if (sep instanceof RegExp || typeof sep === 'string') return (s as string).split(sep);
      return null;
    },
  },
  {
    name: 'substr',
    min: 2,
    max: 3,
    signature: 'substr(s, start, length?)',
    doc: 'part of s from `start` (negative counts from the end), `length` characters',
    impl: ([s, a, l]) => {
      if (str(s) === null || num(a) === null) return null;
      const text = s as string;
      const start = (a as number) < 0 ? Math.max(0, text.length + (a as number)) : (a as number);
      return l === undefined ? text.slice(start) : num(l) === null ? null : text.slice(start, start + (l as number));
    },
  },
  { name: 'str', min: 1, max: 1, signature: 'str(v)', doc: 'v as a string (numbers as JSON, times as ISO 8601)', impl: ([v]) => (v === undefined ? null : display(v)) },
  {
    name: 'num',
    min: 1,
    max: 1,
    signature: 'num(v)',
    doc: 'v as a number (numeric strings, booleans, times as epoch ms), else null',
    impl: ([v]) => {
      if (typeof v === 'number') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (v instanceof TimeValue) return v.ms;
      if (typeof v === 'string' && v.trim() !== '') {
        const n = Number(v);
        return Number.isNaN(n) ? null : n;
      }
      return null;
    },
  },
  {
    name: 'int',
    min: 1,
    max: 1,
    signature: 'int(v)',
    doc: 'v as a whole number, truncated toward zero',
    impl: ([v]) => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : typeof v === 'boolean' ? Number(v) : NaN;
      return Number.isNaN(n) ? null : Math.trunc(n);
    },
  },
  { name: 'bool', min: 1, max: 1, signature: 'bool(v)', doc: "truthiness: false for null, missing, false, 0, NaN and ''", impl: ([v]) => truthyValue(v) },
  { name: 'is_null', min: 1, max: 1, signature: 'is_null(v)', doc: 'v is null or missing', impl: ([v]) => v === null || v === undefined },
  { name: 'exists', min: 1, max: 1, signature: 'exists(field)', doc: 'the field is present (even if null); takes a field path, not a value', impl: ([v]) => v !== undefined },
  { name: 'now', min: 0, max: 0, signature: 'now()', doc: 'the time the run started (:now:)', impl: (_a, now) => new TimeValue(now) },
  {
    name: 'parse_time',
    min: 1,
    max: 2,
    signature: 'parse_time(s, format?)',
    doc: 'a time from text (any moment flume reads, or a luxon/strftime format)',
    impl: ([s, f], now) => {
      if (typeof s === 'number') return new TimeValue(s * 1000);
      if (str(s) === null) return null;
      const ms = parseTime(s as string, typeof f === 'string' ? f : undefined, { now });
      return ms === undefined ? null : new TimeValue(ms);
    },
  },
  {
    name: 'format_time',
    min: 2,
    max: 2,
    signature: 'format_time(t, format)',
    doc: "t as text: luxon tokens ('yyyy-MM-dd HH:mm') or strftime when the format has % ('%Y-%m-%d')",
    impl: ([t, f], now) => {
      const ms = toMs(t, now);
      return ms === null || str(f) === null ? null : formatTime(ms, f as string);
    },
  },
  calendar('year', 'the year of a time (UTC)'),
  calendar('month', 'the month of a time, 1–12 (UTC)'),
  calendar('day', 'the day of the month (UTC)'),
  calendar('hour', 'the hour, 0–23 (UTC)'),
  calendar('minute', 'the minute, 0–59'),
  calendar('second', 'the second, 0–59'),
  calendar('weekday', 'the weekday, 1 (Monday) to 7 (Sunday)'),
];

export const functionsByName: ReadonlyMap<string, BuiltinFunction> = new Map(builtinFunctions.map((f) => [f.name, f]));

/** §11.20: null, missing, false, 0, NaN and '' are false; everything else is true. */
export function truthyValue(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === '' || v === 0) return false;
  if (typeof v === 'number' && Number.isNaN(v)) return false;
  return true;
}
