/**
 * Points are plain objects. `time`, when present, is a number: epoch
 * milliseconds (UTC). Keeping it a number keeps the hot path free of
 * allocations; writers format it as ISO 8601 and expressions see it as a
 * {@link TimeValue}.
 */
import { isoString } from './time.js';

/**
 * The text of the record a point was read from, kept by a source when the
 * sink writes the same format and everything in between only sets fields it
 * declares (see `SourceInstance.keepText`): the sink writes the text again
 * instead of serialising fields it would write identically. A symbol, so
 * fields, JSON.stringify and for-in never see it.
 */
export const SOURCE_TEXT: unique symbol = Symbol('flume.sourceText');

export interface Point {
  time?: number;
  [SOURCE_TEXT]?: string;
  [field: string]: unknown;
}

/** A batch is the unit that moves between nodes: never one call per point. */
export type Batch = Point[];

/**
 * A time value inside a field other than `time`, or produced by an expression
 * (`now()`, `parse_time()`, the `time` field read in an expression). Prints as
 * ISO 8601 with milliseconds; compares with other time values.
 */
export class TimeValue {
  constructor(readonly ms: number) {}
  toJSON(): string {
    return formatIso(this.ms);
  }
  toString(): string {
    return formatIso(this.ms);
  }
  valueOf(): number {
    return this.ms;
  }
}

/** ISO 8601 UTC with milliseconds, e.g. `2016-07-17T13:59:44.000Z`. */
export function formatIso(ms: number): string {
  return isoString(ms);
}

/** A point as one line of JSON with `time` as ISO (drop examples, messages). */
export function pointToJson(p: Point): string {
  if (typeof p.time !== 'number') return JSON.stringify(p);
  const { time, ...rest } = p;
  return JSON.stringify({ time: formatIso(time), ...rest });
}

/** A field value as text (keys, labels): strings as they are, time values as ISO 8601, objects as JSON; undefined when missing. */
export function fieldText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return undefined;
  if (v instanceof TimeValue) return formatIso(v.ms);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function isPoint(v: unknown): v is Point {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof TimeValue);
}

/** Shallow copy used by processors that modify points arriving from a fan-out. */
export function copyPoint(p: Point): Point {
  return { ...p };
}

/** Read a nested path (`['container', 'name']`); missing gives undefined. */
export function getPath(p: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = p;
  for (let i = 0; i < path.length; i++) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[path[i]!];
  }
  return cur;
}

/** Split a dotted field name into a path: `container.name` → ['container', 'name']. */
export function splitPath(field: string): string[] {
  return field.split('.');
}

/**
 * Set a nested path, creating objects on the way. Intermediate objects are
 * copied (copy-on-write) so a point shared with another branch is not changed.
 */
export function setPath(p: Point, path: readonly string[], value: unknown): void {
  if (path.length === 1) {
    p[path[0]!] = value;
    return;
  }
  let cur: Record<string, unknown> = p;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = cur[k];
    const copy = next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...(next as object) } : {};
    cur[k] = copy;
    cur = copy as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

/** Delete a nested path (copying intermediates); `remove('o.v')` leaves `o: {}`. */
export function deletePath(p: Point, path: readonly string[]): void {
  if (path.length === 1) {
    delete p[path[0]!];
    return;
  }
  let cur: Record<string, unknown> = p;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = cur[k];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) return;
    const copy = { ...(next as object) } as Record<string, unknown>;
    cur[k] = copy;
    cur = copy;
  }
  delete cur[path[path.length - 1]!];
}

/**
 * Set `a.b.c` on a point being built (parsers): intermediate objects are
 * created or replaced in place, no copying, since nobody else holds them yet.
 */
export function assignDotted(p: Point, name: string, value: unknown): void {
  if (name.indexOf('.') < 0) {
    p[name] = value;
    return;
  }
  const path = name.split('.');
  let cur: Record<string, unknown> = p;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = cur[k];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}
