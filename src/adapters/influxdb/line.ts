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

/** Escaped keys, remembered: the same few field names come with every point. */
class KeyCache {
  private readonly map = new Map<string, string>();
  get(name: string): string {
    let k = this.map.get(name);
    if (k === undefined) {
      k = escapeKey(name);
      // Bounded: field names made from data (ids as keys) must not grow it without end.
      if (this.map.size < 10_000) this.map.set(name, k);
    }
    return k;
  }
}

/** What one point gives: its tags (`key=value`, with their keys for ordering) and its fields (`key=value`). */
interface Parts {
  tagKeys: string[];
  tags: string[];
  fields: string;
}

/** Tags sorted by key, as InfluxDB recommends (it stores them sorted either way): only when they are not already. */
function tagSet(parts: Parts): string {
  const { tagKeys, tags } = parts;
  let sorted = true;
  for (let i = 1; i < tagKeys.length && sorted; i++) if (tagKeys[i - 1]! > tagKeys[i]!) sorted = false;
  if (!sorted) {
    const order = tagKeys.map((_, i) => i).sort((a, b) => (tagKeys[a]! < tagKeys[b]! ? -1 : tagKeys[a]! > tagKeys[b]! ? 1 : 0));
    return order.map((i) => ',' + tags[i]!).join('');
  }
  let out = '';
  for (const t of tags) out += ',' + t;
  return out;
}

/**
 * The encoder for a plan, made once: a point → its line, or the reason it has
 * none (`no fields`: nothing numeric or boolean to store).
 */
export function lineEncoder(plan: LinePlan): (p: Point) => { line: string } | { empty: string } {
  const mPath = splitPath(plan.measurement);
  const mTop = mPath.length === 1 ? mPath[0] : undefined;
  const fixedMeasurement = escapeMeasurement(plan.measurement);
  const keys = new KeyCache();
  const tagPaths = plan.tags?.map((t) => ({ key: escapeKey(t), path: splitPath(t) }));
  const fieldPaths = plan.fields?.map((f) => ({ key: escapeKey(f), path: splitPath(f) }));
  const tagNames = new Set(plan.tags ?? []);
  const fieldNames = new Set(plan.fields ?? []);
  const inferTags = tagPaths === undefined;
  const inferFields = fieldPaths === undefined;

  /** Strings to tags, numbers and booleans to fields, for what tags=/fields= leave to inference; nested objects flattened. */
  const infer = (obj: Record<string, unknown>, prefix: string, parts: Parts, skip: string | undefined): void => {
    for (const k in obj) {
      if (prefix === '' && (k === 'time' || k === skip)) continue;
      const v = obj[k];
      const name = prefix === '' ? k : `${prefix}.${k}`;
      if (typeof v === 'string') {
        if (!inferTags || fieldNames.has(name)) continue;
        const tv = tagValue(v);
        if (tv === undefined) continue;
        const key = keys.get(name);
        parts.tagKeys.push(key);
        parts.tags.push(`${key}=${tv}`);
      } else if (typeof v === 'number' || typeof v === 'boolean') {
        if (!inferFields || tagNames.has(name)) continue;
        const fv = fieldValue(v, false);
        if (fv === undefined) continue;
        parts.fields += (parts.fields === '' ? '' : ',') + keys.get(name) + '=' + fv;
      } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof TimeValue)) {
        infer(v as Record<string, unknown>, name, parts, undefined);
      }
    }
  };

  return (p) => {
    const m = getPath(p, mPath);
    const measurement = typeof m === 'string' && m.length > 0 ? escapeMeasurement(m) : fixedMeasurement;
    const parts: Parts = { tagKeys: [], tags: [], fields: '' };
    if (inferTags || inferFields) infer(p, '', parts, typeof m === 'string' ? mTop : undefined);
    if (tagPaths !== undefined) {
      for (const t of tagPaths) {
        const v = tagValue(getPath(p, t.path));
        if (v === undefined) continue;
        parts.tagKeys.push(t.key);
        parts.tags.push(`${t.key}=${v}`);
      }
    }
    if (fieldPaths !== undefined) {
      for (const f of fieldPaths) {
        const v = fieldValue(getPath(p, f.path), true);
        if (v !== undefined) parts.fields += (parts.fields === '' ? '' : ',') + f.key + '=' + v;
      }
    }
    if (parts.fields === '') return { empty: 'no fields (nothing numeric or boolean, and no fields= named)' };
    let line = measurement + tagSet(parts) + ' ' + parts.fields;
    if (typeof p.time === 'number' && Number.isFinite(p.time)) line += ' ' + timestamp(p.time, plan.precision);
    return { line };
  };
}
