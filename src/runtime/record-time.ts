/**
 * A record's time field → epoch ms: what `read`'s `time=` does with the value
 * it finds, shared with `parse`'s `time=` (runtime, so adapters and
 * processors both reach it).
 */
import { TimeValue } from './point.js';
import { epochMsFromNumber, fastParseIso, parseMoment, type EpochUnit } from './time.js';

export type TimeUnit = EpochUnit;

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };
const HTTPDATE = /^(\d{1,2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s+([+-])(\d{2}):?(\d{2})$/;

/**
 * The access-log timestamp `10/Oct/2000:13:55:36 -0700` (grok's HTTPDATE, in
 * COMMONAPACHELOG and friends), which the general moment parser does not take.
 */
export function parseHttpDate(s: string): number | undefined {
  const m = HTTPDATE.exec(s);
  if (m === null) return undefined;
  const month = MONTHS[m[2]!.toLowerCase()];
  if (month === undefined) return undefined;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const offset = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) * 60_000;
  return Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), ms) - offset;
}

/** Parse a time value read from a record; undefined when it is not a time. */
export function parseTimeValue(v: unknown, unit: TimeUnit, now: number): number | undefined {
  if (typeof v === 'number') return epochMsFromNumber(v, unit);
  if (typeof v === 'string') {
    const t = fastParseIso(v);
    if (!Number.isNaN(t)) return t;
    const m = parseMoment(v, { now, unit });
    if (m !== undefined && !Number.isNaN(m)) return m;
    return parseHttpDate(v);
  }
  if (v instanceof TimeValue) return v.ms;
  if (v instanceof Date) {
    const t = v.getTime();
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}
