/**
 * Points → InfluxDB line protocol (`measurement,tag=v field=1 1700000000000`).
 * Escaping as Telegraf's serializer does: measurement names escape commas and
 * spaces; tag keys, tag values and field keys also escape `=`; string field
 * values escape backslashes and double quotes. Newlines, tabs and carriage
 * returns cannot appear raw in the key part: they are written as `\n`, `\t`,
 * `\r` (two characters, as Telegraf does). A trailing backslash would escape
 * the separator after it, so it is dropped from names and tag values.
 */
import { getPath, splitPath, TimeValue, formatIso, type Point } from '../../runtime/point.js';

export type Precision = 'ns' | 'us' | 'ms' | 's';

export interface LinePlan {
  /** A measurement name, or the field holding it (when the point has that field as a string). */
  measurement: string;
  /** Tag fields; null: every string field. */
  tags: readonly string[] | null;
  /** Field fields; null: every number and boolean field (strings are fields only when named here). */
  fields: readonly string[] | null;
  precision: Precision;
}

const CONTROL = /[\n\r\t]/g;
const CONTROL_TEXT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const NAME_SPECIAL = /[, \n\r\t\\]/;
const KEY_SPECIAL = /[, =\n\r\t\\]/;

function dropTrailingBackslashes(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 92) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** A measurement name: commas and spaces escaped. */
export function escapeMeasurement(s: string): string {
  if (!NAME_SPECIAL.test(s)) return s;
  return dropTrailingBackslashes(s).replace(CONTROL, (c) => CONTROL_TEXT[c]!).replace(/[, ]/g, '\\$&');
}

/** A tag key, tag value or field key: commas, spaces and equal signs escaped. */
export function escapeKey(s: string): string {
  if (!KEY_SPECIAL.test(s)) return s;
  return dropTrailingBackslashes(s).replace(CONTROL, (c) => CONTROL_TEXT[c]!).replace(/[, =]/g, '\\$&');
}

/** A string field value, quoted: backslashes and double quotes escaped. */
export function quoteString(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/** A field value, or undefined when it cannot be one (null, NaN, an object not named in `fields`). */
function fieldValue(v: unknown, named: boolean): string | undefined {
  switch (typeof v) {
    case 'number':
      // Every number is a float: an integer field would refuse the first 1.5 that follows (a type conflict).
      return Number.isFinite(v) ? String(v) : undefined;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return named ? quoteString(v) : undefined;
    default:
      if (!named || v === null || v === undefined) return undefined;
      if (v instanceof TimeValue) return quoteString(formatIso(v.ms));
      return quoteString(JSON.stringify(v));
  }
}

function tagValue(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  const s = typeof v === 'string' ? v : v instanceof TimeValue ? formatIso(v.ms) : typeof v === 'object' ? JSON.stringify(v) : String(v);
  // An empty tag value is refused by the server: the tag is left out instead.
  return s.length === 0 ? undefined : escapeKey(s);
}

function timestamp(ms: number, precision: Precision): string {
  switch (precision) {
    case 'ms':
      return String(Math.round(ms));
    case 's':
      return String(Math.floor(ms / 1000));
    case 'us':
      return String(Math.round(ms * 1000));
    case 'ns': {
      const whole = Math.floor(ms);
      return (BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6))).toString();
    }
  }
}

/** Top-level and nested fields as [dotted name, value], nested objects flattened. */
function flatten(obj: Record<string, unknown>, prefix: string, out: [string, unknown][], skip: string | undefined): void {
  for (const k in obj) {
    if (prefix === '' && (k === 'time' || k === skip)) continue;
    const v = obj[k];
    const name = prefix === '' ? k : `${prefix}.${k}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof TimeValue)) flatten(v as Record<string, unknown>, name, out, undefined);
    else out.push([name, v]);
  }
}

const byName = (a: [string, string], b: [string, string]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * The encoder for a plan, made once: a point → its line, or the reason it has
 * none (`no fields`: nothing numeric or boolean to store).
 */
export function lineEncoder(plan: LinePlan): (p: Point) => { line: string } | { empty: string } {
  const mPath = splitPath(plan.measurement);
  const mTop = mPath.length === 1 ? mPath[0] : undefined;
  const fixedMeasurement = escapeMeasurement(plan.measurement);
  const tagPaths = plan.tags?.map((t) => ({ key: escapeKey(t), path: splitPath(t) }));
  const fieldPaths = plan.fields?.map((f) => ({ key: escapeKey(f), path: splitPath(f) }));
  const tagNames = new Set(plan.tags ?? []);
  const fieldNames = new Set(plan.fields ?? []);
  return (p) => {
    const m = getPath(p, mPath);
    const measurement = typeof m === 'string' && m.length > 0 ? escapeMeasurement(m) : fixedMeasurement;
    const skip = typeof m === 'string' ? mTop : undefined;
    const tags: [string, string][] = [];
    const fields: string[] = [];
    let all: [string, unknown][] | undefined;
    if (tagPaths === undefined || fieldPaths === undefined) {
      all = [];
      flatten(p, '', all, skip);
    }
    if (tagPaths !== undefined) {
      for (const t of tagPaths) {
        const v = tagValue(getPath(p, t.path));
        if (v !== undefined) tags.push([t.key, v]);
      }
    } else {
      for (const [k, v] of all!) {
        if (typeof v !== 'string' || fieldNames.has(k)) continue;
        const tv = tagValue(v);
        if (tv !== undefined) tags.push([escapeKey(k), tv]);
      }
    }
    if (fieldPaths !== undefined) {
      for (const f of fieldPaths) {
        const v = fieldValue(getPath(p, f.path), true);
        if (v !== undefined) fields.push(`${f.key}=${v}`);
      }
    } else {
      for (const [k, v] of all!) {
        if (tagNames.has(k)) continue;
        const fv = fieldValue(v, false);
        if (fv !== undefined) fields.push(`${escapeKey(k)}=${fv}`);
      }
    }
    if (fields.length === 0) return { empty: 'no fields (nothing numeric or boolean, and no fields= named)' };
    let line = measurement;
    if (tags.length > 1) tags.sort(byName);
    for (const [k, v] of tags) line += `,${k}=${v}`;
    line += ' ' + fields.join(',');
    if (typeof p.time === 'number' && Number.isFinite(p.time)) line += ' ' + timestamp(p.time, plan.precision);
    return { line };
  };
}
