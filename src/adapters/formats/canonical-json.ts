/**
 * A JSON-lines fast path: lines that are flat objects written exactly as
 * JSON.stringify writes them (no spaces, no escapes, numbers in their shortest
 * form). For those the text can be written again unchanged, and the scan that
 * proves it also builds the point. Anything else (nesting, escapes, spacing,
 * exponents, long numbers, repeated keys) is declined and left to JSON.parse.
 */
import { SOURCE_TEXT, TimeValue, type Point } from '../../runtime/point.js';
import { fastParseIsoIn } from '../../runtime/time.js';

/** Exact powers of ten: a mantissa below 2^53 divided by one is correctly rounded, as JSON.parse rounds. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
/**
 * At most 15 digits: two different decimals that short are never the same
 * double, so the text is the shortest that reads back to the number, which is
 * what Number.prototype.toString (and JSON.stringify) writes.
 */
const MAX_DIGITS = 15;
/** toString writes 0.000001 in full, 0.0000001 as 1e-7. */
const MAX_LEADING_ZEROS = 5;
/** New key orders are compiled up to this many per input; more are left to JSON.parse. */
const MAX_SHAPES = 256;

/**
 * Text that needs a character-by-character look inside strings: escapes,
 * control characters (a raw one is invalid JSON) and surrogates (a lone one is
 * escaped by JSON.stringify). Without any, a string ends at the next quote.
 */
const DELICATE = /[\\\x00-\x09\x0b-\x1f\ud800-\udfff]/;
/** From lastIndex: the rest of a string that JSON.stringify writes unchanged, and its closing quote. */
const PLAIN_REST = /[^"\\\x00-\x1f\ud800-\udfff]*"/y;

/** One key order: its keys, each as the UTF-16 codes of `"key":`, and a compiled constructor. */
interface Shape {
  keys: readonly string[];
  /** Compared in place, faster than startsWith. */
  codes: readonly (readonly number[])[];
  make: (values: unknown[]) => Point;
  /** The text may be kept: the first key is `time` and no key is one the pipeline sets. */
  keepable: boolean;
}

export class CanonicalJsonScanner {
  private shape: Shape | undefined;
  private readonly shapes = new Map<string, Shape>();
  private readonly values: unknown[] = [];
  private readonly keys: string[] = [];
  /** Whether the current text needs the careful string scan. */
  private careful = true;
  /** The first key is `time` and its value is an ISO time in the form writers give it. */
  private timeText = false;
  /** values[0] is the line's `time` read as ms. */
  private isoMs = false;

  /**
   * @param keep keep each line's text on its point ({@link SOURCE_TEXT}, without the closing brace)
   *   when its first field is `time` in toISOString's form; `time` is then epoch ms already. An ISO
   *   `time` of a line without kept text is given as a {@link TimeValue}. Either way the reader's time
   *   handling must follow (the point is not what JSON.parse makes until then).
   * @param sets fields the pipeline sets: a line that has one does not keep its text
   */
  constructor(
    private readonly keep: boolean,
    private readonly sets: readonly string[] = [],
  ) {
    if (keep) this.timeKey = 'time';
  }

  /** The first field, when it is named `key`, holds the time the reader's time handling reads next. */
  private timeKey: string | undefined;

  /**
   * The reader's time handling reads `key` (a top-level field) after this: when
   * it is a line's first field and an ISO time, read it in place and give it as
   * a {@link TimeValue}, which that handling takes as it is.
   */
  readsTime(key: string): void {
    if (!this.keep) this.timeKey = key;
  }

  /** Look at a chunk once before scanning lines in it. */
  begin(text: string): void {
    this.careful = DELICATE.test(text);
  }

  /** The point for `s[start, end)` (one line, no line end), or undefined to leave it to JSON.parse. */
  scan(s: string, start: number, end: number): Point | undefined {
    if (end - start < 7 || s.charCodeAt(start) !== 123 || s.charCodeAt(end - 1) !== 125) return undefined;
    const values = this.values;
    let shape = this.shape;
    let matched = shape !== undefined;
    if (!matched) this.keys.length = 0;
    let k = 0;
    let i = start + 1;
    this.timeText = false;
    this.isoMs = false;
    for (;;) {
      // Key: the known shape's next key text, else a new one.
      if (matched && k < shape!.codes.length && textAt(s, i, shape!.codes[k]!)) i += shape!.codes[k]!.length;
      else {
        if (matched) {
          matched = false;
          const keys = this.keys;
          keys.length = 0;
          for (let j = 0; j < k; j++) keys.push(shape!.keys[j]!);
        }
        i = this.key(s, i, end);
        if (i < 0) return undefined;
      }
      // Value.
      const c = s.charCodeAt(i);
      if (c === 34) {
        const close = this.stringEnd(s, i + 1, end);
        if (close < 0) return undefined;
        if (k === 0 && this.timeKey !== undefined && (matched ? shape!.keys[0] : this.keys[0]) === this.timeKey) this.time(s, i + 1, close);
        else values[k] = s.slice(i + 1, close);
        i = close + 1;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        i = this.number(s, i, values, k);
        if (i < 0) return undefined;
      } else if (c === 116 && s.startsWith('true', i)) {
        values[k] = true;
        i += 4;
      } else if (c === 102 && s.startsWith('false', i)) {
        values[k] = false;
        i += 5;
      } else if (c === 110 && s.startsWith('null', i)) {
        values[k] = null;
        i += 4;
      } else return undefined;
      k++;
      const sep = s.charCodeAt(i);
      if (sep === 44) {
        i++;
        continue;
      }
      if (sep === 125 && i === end - 1) break;
      return undefined;
    }
    if (!matched || k !== shape!.keys.length) {
      // A known order cut short: its first k keys.
      if (matched) this.keys.splice(0, this.keys.length, ...shape!.keys.slice(0, k));
      shape = this.shapeFor(this.keys);
      if (shape === undefined) return undefined;
      this.shape = shape;
    }
    if (this.isoMs) {
      // Kept text means time is already read: epoch ms, which the reader's time handling then leaves alone.
      if (this.keep && shape!.keepable && this.timeText) {
        const p = shape!.make(values);
        p[SOURCE_TEXT] = s.slice(start, end - 1);
        return p;
      }
      values[0] = new TimeValue(values[0] as number);
    }
    return shape!.make(values);
  }

  /**
   * The first field's value when it is `time`, read in place (no substring to
   * parse again): as ms for now, made a time value at the end unless the text
   * is kept; a text fastParseIso does not take stays text.
   */
  private time(s: string, at: number, close: number): void {
    const t = fastParseIsoIn(s, at, close);
    this.isoMs = !Number.isNaN(t);
    this.values[0] = this.isoMs ? t : s.slice(at, close);
    // Only toISOString's own form is written back the same: YYYY-MM-DDTHH:MM:SS.mmmZ.
    this.timeText =
      this.isoMs &&
      close - at === 24 &&
      s.charCodeAt(at + 10) === 84 &&
      s.charCodeAt(at + 16) === 58 &&
      s.charCodeAt(at + 19) === 46 &&
      s.charCodeAt(at + 23) === 90;
  }

  /** A key at `i` (appended to `keys`): the index after its colon, or -1. */
  private key(s: string, i: number, end: number): number {
    if (s.charCodeAt(i) !== 34) return -1;
    const close = this.stringEnd(s, i + 1, end);
    if (close < 0 || s.charCodeAt(close + 1) !== 58) return -1;
    const key = s.slice(i + 1, close);
    // Integer-like keys come first in an object whatever their place in the text; __proto__ is not a field.
    const first = key.charCodeAt(0);
    if ((first >= 48 && first <= 57) || key === '__proto__') return -1;
    this.keys.push(key);
    return close + 2;
  }

  /** The closing quote of a string whose text starts at `i`, or -1 when it is not plain. */
  private stringEnd(s: string, i: number, end: number): number {
    let close: number;
    if (this.careful) {
      PLAIN_REST.lastIndex = i;
      if (!PLAIN_REST.test(s)) return -1;
      close = PLAIN_REST.lastIndex - 1;
    } else close = s.indexOf('"', i);
    return close >= 0 && close < end ? close : -1;
  }

  /** A number at `i` in its canonical form: stored in values[k]; the index after it, or -1. */
  private number(s: string, i: number, values: unknown[], k: number): number {
    let neg = false;
    let c = s.charCodeAt(i);
    if (c === 45) {
      neg = true;
      c = s.charCodeAt(++i);
    }
    let m = 0;
    let digits = 0;
    if (c === 48) {
      c = s.charCodeAt(++i);
      digits = 1;
      if (c >= 48 && c <= 57) return -1; // leading zero
    } else if (c >= 49 && c <= 57) {
      do {
        m = m * 10 + (c - 48);
        digits++;
        c = s.charCodeAt(++i);
      } while (c >= 48 && c <= 57);
    } else return -1;
    let frac = 0;
    if (c === 46) {
      c = s.charCodeAt(++i);
      if (!(c >= 48 && c <= 57)) return -1;
      let leading = m === 0;
      let zeros = 0;
      do {
        if (leading) {
          if (c === 48) zeros++;
          else leading = false;
        }
        m = m * 10 + (c - 48);
        digits++;
        frac++;
        c = s.charCodeAt(++i);
      } while (c >= 48 && c <= 57);
      // toString writes neither trailing zeros (1.50 is 1.5) nor 0.0 (it is 0).
      if (s.charCodeAt(i - 1) === 48 || zeros > MAX_LEADING_ZEROS) return -1;
    }
    // Exponents and long numbers are written differently; -0 is written 0.
    if (c === 101 || c === 69 || digits > MAX_DIGITS || (neg && m === 0)) return -1;
    const v = frac === 0 ? m : m / POW10[frac]!;
    values[k] = neg ? -v : v;
    return i;
  }

  private shapeFor(keys: readonly string[]): Shape | undefined {
    const id = keys.join('\u0000');
    let shape = this.shapes.get(id);
    if (shape !== undefined) return shape;
    // A repeated key keeps its first place and its last value: not the text.
    if (new Set(keys).size !== keys.length || this.shapes.size >= MAX_SHAPES) return undefined;
    const own = keys.slice();
    const fields = own.map((key, j) => `${JSON.stringify(key)}:v[${j}]`).join(',');
    shape = {
      keys: own,
      codes: own.map((key) => {
        const text = JSON.stringify(key) + ':';
        return Array.from({ length: text.length }, (_, j) => text.charCodeAt(j));
      }),
      // One object literal per key order: points get a fixed layout, made at literal speed.
      make: new Function('v', `return {${fields}};`) as (values: unknown[]) => Point,
      keepable: own[0] === 'time' && !this.sets.some((f) => own.includes(f)),
    };
    this.shapes.set(id, shape);
    return shape;
  }
}

/** `s` holds the characters `codes` at `i`. */
function textAt(s: string, i: number, codes: readonly number[]): boolean {
  for (let j = 0; j < codes.length; j++) if (s.charCodeAt(i + j) !== codes[j]) return false;
  return true;
}

/** Fields a sink can append to a kept text: not integer-like (those would come first) and not __proto__. */
export function appendable(field: string): boolean {
  const first = field.charCodeAt(0);
  return !(first >= 48 && first <= 57) && field !== '__proto__';
}

const SCALE = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6];
/** Fractions of k = 1..3 digits as text ('0'..'9', '00'..'99', '000'..'999'), made on first use. */
let fractions: string[][] | undefined;

function fractionText(k: number, f: number): string {
  fractions ??= [[], ...[1, 2, 3].map((n) => Array.from({ length: 10 ** n }, (_, i) => String(i).padStart(n, '0')))];
  return fractions[k]![f]!;
}

/**
 * `String(x)` for a finite number, faster for the common short decimals
 * (1660.18): when m / 10^k gives back x for the smallest k ≤ 6, the decimal
 * m·10^-k reads back to x and has at most 15 digits, so it is the one shortest
 * text toString would write too.
 */
export function numberText(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const ax = x < 0 ? -x : x;
  if (ax >= 1e-6 && ax < 1e9) {
    for (let k = 1; k <= 6; k++) {
      const scale = SCALE[k]!;
      const m = Math.round(ax * scale);
      if (m / scale !== ax) continue;
      let text: string;
      if (k <= 3) {
        // m / scale is x, not an integer: its integer part is x's.
        const whole = Math.floor(ax);
        text = String(whole) + '.' + fractionText(k, m - whole * scale);
      } else {
        let digits = String(m);
        if (digits.length <= k) digits = '0'.repeat(k - digits.length + 1) + digits;
        text = digits.slice(0, digits.length - k) + '.' + digits.slice(digits.length - k);
      }
      return x < 0 ? '-' + text : text;
    }
  }
  return String(x);
}
