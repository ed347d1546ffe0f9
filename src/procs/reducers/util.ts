/**
 * Helpers shared by the reducers: the numeric test, compensated sums, a
 * value encoding for partials (time values survive JSON), and canonical keys
 * for distinct-value reducers.
 */
import { TimeValue } from '../../runtime/point.js';

/**
 * Numeric reducers take finite numbers only: numeric strings are not numbers
 * (`'5'` is skipped, as JSON data means what it says), and NaN/±Infinity would
 * poison every later result and cannot be printed as JSON anyway.
 */
export function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function isAbsent(v: unknown): v is null | undefined {
  return v === undefined || v === null;
}

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * An exact running sum of doubles (Shewchuk's non-overlapping partials, as
 * Python's `math.fsum`), read as the correctly rounded total. The value does
 * not depend on the order of additions, which gives three properties the
 * reducers need: merged partial states print exactly what a single run
 * prints, sliding windows retract by adding `-x` without drifting, and
 * `0.1 + 0.2 + 0.3` is `0.6`. Typically 1–3 partials are held.
 */
export class ExactSum {
  parts: number[] = [];
  add(x: number): void {
    const p = this.parts;
    const n = p.length;
    let i = 0;
    for (let j = 0; j < n; j++) {
      let y = p[j]!;
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    // p[0..i) are the new partials below x. Setting `length` is slow: write in place and shrink only when needed.
    if (i < n) {
      p[i] = x;
      if (i + 1 < n) p.length = i + 1;
    } else p.push(x);
  }
  addAll(parts: readonly number[]): void {
    for (const x of parts) this.add(x);
  }
  /** The correctly rounded (half-even) value of the exact sum. */
  get value(): number {
    const p = this.parts;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n]!;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // The partials below the break decide a tie between two doubles.
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
  reset(): void {
    this.parts.length = 0;
  }
}

const SPLITTER = 134217729; // 2^27 + 1, Veltkamp's split of a double into two 26-bit halves

/** a·b as an unevaluated sum `[p, e]` with p = fl(a·b), exact barring overflow (Dekker). */
export function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  if (!Number.isFinite(p)) return [p, 0];
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return [p, al * bl - (p - ah * bh - al * bh - ah * bl)];
}

/** True when a partial's field is a list of finite numbers. */
export function isNumList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/**
 * Partials must survive JSON: a time value becomes `{"$time": ms}`. A plain
 * object that happens to look like an encoding is wrapped in `{"$esc": ...}`
 * so decoding is unambiguous.
 */
export function encodeValue(v: unknown): unknown {
  if (v instanceof TimeValue) return { $time: v.ms };
  if (Array.isArray(v)) return v.map(encodeValue);
  if (isObj(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = encodeValue(v[k]);
    const keys = Object.keys(out);
    if (keys.length === 1 && (keys[0] === '$time' || keys[0] === '$esc')) return { $esc: out };
    return out;
  }
  return v;
}

export function decodeValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeValue);
  if (isObj(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$time' && typeof v.$time === 'number') return new TimeValue(v.$time);
    if (keys.length === 1 && keys[0] === '$esc' && isObj(v.$esc)) {
      const inner = v.$esc;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(inner)) out[k] = decodeValue(inner[k]);
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = decodeValue(v[k]);
    return out;
  }
  return v;
}

/** JSON with object keys sorted at every level, so `{a,b}` and `{b,a}` are one value (SPEC §11.18). */
export function canonicalJson(v: unknown): string {
  if (v instanceof TimeValue) return JSON.stringify(v.toJSON());
  if (Array.isArray(v)) return '[' + v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',') + ']';
  if (isObj(v)) {
    const parts: string[] = [];
    for (const k of Object.keys(v).sort()) {
      if (v[k] === undefined) continue;
      parts.push(JSON.stringify(k) + ':' + canonicalJson(v[k]));
    }
    return '{' + parts.join(',') + '}';
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * Identity of a value for distinct counting: the type is part of the key, so
 * `1`, `'1'` and `true` are three values, and a time differs from its ISO
 * string. Numbers use JS's shortest round-trip form, so -0 and 0 are one value.
 */
export function valueKey(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return 's' + v;
    case 'number':
      return 'n' + String(v);
    case 'boolean':
      return v ? 'b1' : 'b0';
    case 'object':
      if (v instanceof TimeValue) return 't' + v.ms;
      return 'j' + canonicalJson(v);
    default:
      return 'x' + String(v);
  }
}

/** Numeric reducers: the number, or undefined to skip (non-numbers are reported). */
export function takeNum(v: unknown, ctx: { mismatch(value: unknown): void }): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  ctx.mismatch(v);
  return undefined;
}

/** Read a finite number from a partial's field (NaN when the partial is malformed). */
export function num(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : NaN;
}
