/** Engine timestamps keep nanoseconds; resuming without duplicates needs them exact. */

/** RFC 3339 with up to nine fractional digits (`2026-11-23T10:50:01.123456789Z`) → nanoseconds since the epoch. */
export function parseNanos(ts: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (m === null) return undefined;
  const secs = Date.parse(m[1]! + m[3]!);
  if (Number.isNaN(secs)) return undefined;
  return BigInt(secs) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** The API's `since=` form, `seconds.nanoseconds`. */
export function sinceParam(ns: bigint): string {
  const s = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  return `${s}.${frac.toString().padStart(9, '0')}`;
}

export function nanosToMs(ns: bigint): number {
  return Number(ns / 1_000_000n);
}
