/**
 * Durations, moments, calendar windows and time formatting. All of it is UTC:
 * a timestamp is epoch milliseconds, and "calendar" means the proleptic
 * Gregorian calendar in UTC.
 *
 * Calendar arithmetic (adding months, civil fields, window boundaries) is done
 * with integer day arithmetic (Hinnant's days-from-civil) rather than luxon
 * DateTime objects: windowing and parsing run per point, and the results equal
 * luxon's (the unit tests cross-check them). luxon parses and formats with its
 * own tokens and is the fallback for the rarer ISO 8601 and RFC forms.
 *
 * Choices where SPEC.md is silent:
 * - Durations. Components are summed: '1h 1h' is 2h. A leading sign applies to
 *   the whole text ('-1h30m'). 'a'/'an' count as one ('an hour'). ISO 8601
 *   durations ('PT1H30M', 'P1Y2M') are accepted. Years are 12 months.
 *   Fractions are allowed for exact units ('1.5h'); months must come out whole
 *   ('1.5y' is 18 months, '0.5M' is rejected). Exact parts round to whole ms.
 * - Moments. A numeric string is an epoch number like a number (so '2016' is
 *   2016 seconds after the epoch, not a year). '-1h'/'+2h' alone mean relative
 *   to now; 'in 2 hours' and 'an hour ago' work; 'today+6h' and 'yesterday-1h'
 *   take a duration like 'now-1h'; Juttle's ':…:' wrapping is accepted around
 *   any moment. 'YYYY/MM/DD' also accepts '-' and '.' separators and one-digit
 *   month/day. Human forms take a month name, a day, an optional year (missing:
 *   inferred as for syslog), an optional time (with am/pm) and an optional
 *   zone (Z, UTC, GMT, ±HH[:]MM, US zone abbreviations EST..PDT), in any order,
 *   with weekday names ignored. Day-first and month-first numeric forms
 *   ('01/02/2016') are ambiguous and are not accepted.
 * - Syslog year inference tries the eight years up to now's so that 'Feb 29'
 *   finds the last leap year.
 * - Windows. Windows of exact length L are `anchor + n·L`. Windows with a
 *   calendar part form the chain anchor, windowEnd(anchor), windowEnd(that),
 *   ... so windowStart and windowEnd always agree (reduce relies on that):
 *   windowStart(t) = s with s ≤ t < windowEnd(s). The anchor is 1970-01-01 for
 *   'epoch', 1970-01-01 + offset for 'offset', and `first` for 'first'.
 *   Mixed durations ('1M 1d') step by adding the month part, then the exact
 *   part. Month-end clamping makes a chain anchored on day 29–31 drift to an
 *   earlier day after a short month (anchored Jan 31: Feb 29, Mar 29, ...);
 *   with calendar windows use offsets below 28 days. Epoch-aligned weeks start
 *   on Thursdays (1970-01-01 was one); align='4d' starts them on Mondays.
 * - formatTime of a non-finite time gives ''. strftime supports the `-` flag
 *   (%-d) and %f (microseconds, Python) besides the C directives; unknown
 *   directives are kept as written.
 * - parseTime: fields missing from the format are inferred as the latest
 *   matching moment not after `now` (a missing year as for syslog; a time-only
 *   format gives today, or yesterday if that is in the future). Missing month
 *   or day below a given year default to 1.
 */
import { DateTime, Settings } from 'luxon';
import type { Duration } from './component.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

// ---------------------------------------------------------------------------
// Civil calendar arithmetic

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
function daysFromCivil(y: number, m: number, d: number): number {
  if (m <= 2) y -= 1;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = m > 2 ? m - 3 : m + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

// Outputs of civilFromDays: module scratch, so the hot paths allocate nothing.
let civY = 1970;
let civM = 1;
let civD = 1;

function civilFromDays(days: number): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  civD = doy - Math.floor((153 * mp + 2) / 5) + 1;
  civM = mp < 10 ? mp + 3 : mp - 9;
  civY = yoe + era * 400 + (civM <= 2 ? 1 : 0);
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function monthLength(y: number, m: number): number {
  if (m === 2) return isLeap(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function floorMod(a: number, b: number): number {
  const r = a % b;
  return r < 0 ? r + b : r === 0 ? 0 : r;
}

/** Epoch ms of a UTC date and time; undefined when a field is out of range. */
function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | undefined {
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= monthLength(y, mo) && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59)) return undefined;
  return daysFromCivil(y, mo, d) * DAY + h * HOUR + mi * MINUTE + s * SECOND + ms;
}

/** t plus k calendar months, clamping the day to the target month's length (as luxon does). */
function addMonths(t: number, k: number): number {
  if (k === 0) return t;
  const days = Math.floor(t / DAY);
  const tod = t - days * DAY;
  civilFromDays(days);
  const mi = civY * 12 + (civM - 1) + k;
  const y = Math.floor(mi / 12);
  const m = mi - y * 12 + 1;
  const d = Math.min(civD, monthLength(y, m));
  return daysFromCivil(y, m, d) * DAY + tod;
}

// ---------------------------------------------------------------------------
// Durations

type UnitKind = 'ms' | 'months';
const UNITS = new Map<string, [UnitKind, number]>();
function unit(kind: UnitKind, factor: number, ...names: string[]): void {
  for (const n of names) UNITS.set(n, [kind, factor]);
}
unit('ms', 1, 'ms', 'msec', 'msecs', 'millis', 'millisecond', 'milliseconds');
unit('ms', SECOND, 's', 'sec', 'secs', 'second', 'seconds');
unit('ms', MINUTE, 'm', 'min', 'mins', 'minute', 'minutes');
unit('ms', HOUR, 'h', 'hr', 'hrs', 'hour', 'hours');
unit('ms', DAY, 'd', 'day', 'days');
unit('ms', WEEK, 'w', 'wk', 'wks', 'week', 'weeks');
unit('months', 1, 'mo', 'mos', 'month', 'months');
unit('months', 12, 'y', 'yr', 'yrs', 'year', 'years');

function lookupUnit(word: string): [UnitKind, number] | undefined {
  // 'M' is months and 'm' minutes; every other unit ignores case.
  if (word === 'M') return ['months', 1];
  return UNITS.get(word.toLowerCase());
}

const ISO_DURATION =
  /^([+-])?P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Build a Duration from summed parts; undefined if the month part is not whole. */
function makeDuration(months: number, ms: number, sign: number): Duration | undefined {
  const mo = Math.round(months * 1e9) / 1e9;
  if (!Number.isInteger(mo) || !Number.isFinite(ms)) return undefined;
  const r = Math.round(ms);
  // `+ 0` turns -0 into 0: deepEqual and Object.is tell them apart.
  return { months: (sign < 0 ? -mo : mo) + 0, ms: (sign < 0 ? -r : r) + 0 };
}

function parseIsoDuration(s: string): Duration | undefined {
  const m = ISO_DURATION.exec(s);
  if (!m || s.endsWith('T')) return undefined;
  if (m.slice(2).every((g) => g === undefined)) return undefined;
  const num = (g: string | undefined): number => (g === undefined ? 0 : Number(g.replace(',', '.')));
  const months = num(m[2]) * 12 + num(m[3]);
  const ms = num(m[4]) * WEEK + num(m[5]) * DAY + num(m[6]) * HOUR + num(m[7]) * MINUTE + num(m[8]) * SECOND;
  return makeDuration(months, ms, m[1] === '-' ? -1 : 1);
}

/**
 * Parse a duration: bare '5m', '1h30m', '250ms', '1.5s', '1h 30m', '1 hour and
 * 30 minutes', '2y, 1M', 'day' (a unit alone is one of it), '3 days'. A plain
 * number string or number is seconds. Returns undefined if unparseable.
 */
export function parseDuration(input: string | number): Duration | undefined {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return undefined;
    return makeDuration(0, input * SECOND, 1);
  }
  if (typeof input !== 'string') return undefined;
  const s = input.trim();
  if (s === '') return undefined;
  if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(s)) return makeDuration(0, Number(s) * SECOND, 1);
  if (s.charCodeAt(0) === 80 || s.charCodeAt(1) === 80) {
    const iso = parseIsoDuration(s);
    if (iso) return iso;
  }
  const n = s.length;
  let i = 0;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    sign = s[0] === '-' ? -1 : 1;
    i = 1;
    while (i < n && s.charCodeAt(i) === 32) i++;
  }
  let months = 0;
  let ms = 0;
  let parts = 0;
  for (;;) {
    // Separators between parts: spaces, commas and the word 'and' (which must join two parts).
    let joined = false;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 44 || c === 9) i++;
      else if (parts > 0 && !joined && (c === 97 || c === 65) && /^and\b/i.test(s.slice(i, i + 4))) {
        i += 3;
        joined = true;
      } else break;
    }
    if (i >= n) {
      if (joined) return undefined;
      break;
    }
    // Count: digits, or 'a'/'an' before a unit word, or nothing (a unit alone).
    let count = 1;
    const numStart = i;
    while (i < n && (isDigit(s.charCodeAt(i)) || s.charCodeAt(i) === 46)) i++;
    if (i > numStart) {
      count = Number(s.slice(numStart, i));
      if (!Number.isFinite(count)) return undefined;
    } else {
      const art = /^(an?)\s+(?=[a-z])/i.exec(s.slice(i));
      if (art) i += art[0].length;
    }
    while (i < n && s.charCodeAt(i) === 32) i++;
    const wordStart = i;
    while (i < n && isLetter(s.charCodeAt(i))) i++;
    if (i === wordStart) return undefined;
    const u = lookupUnit(s.slice(wordStart, i));
    if (!u) return undefined;
    if (u[0] === 'months') months += count * u[1];
    else ms += count * u[1];
    parts++;
  }
  if (parts === 0) return undefined;
  return makeDuration(months, ms, sign);
}

/** True when the duration has a calendar (month/year) part. */
export function isCalendar(d: Duration): boolean {
  return d.months !== 0;
}

function formatParts(months: number, ms: number): string {
  let out = '';
  if (months !== 0) {
    const y = Math.trunc(months / 12);
    const mo = months - y * 12;
    if (y !== 0) out += `${y}y`;
    if (mo !== 0) out += `${mo}M`;
  }
  if (ms !== 0) {
    let rest = ms;
    for (const [u, size] of [
      ['w', WEEK],
      ['d', DAY],
      ['h', HOUR],
      ['m', MINUTE],
      ['s', SECOND],
    ] as const) {
      const q = Math.floor(rest / size);
      if (q > 0) {
        out += `${q}${u}`;
        rest -= q * size;
      }
    }
    if (rest > 0) out += `${rest}ms`;
  }
  return out;
}

/** Compact form that parseDuration reads back: '1h30m', '1M', '250ms', '2y1M', '-5m'. */
export function formatDuration(d: Duration): string {
  const { months, ms } = d;
  if (months === 0 && ms === 0) return '0s';
  if (months <= 0 && ms <= 0) return '-' + formatParts(-months, -ms);
  if (months >= 0 && ms >= 0) return formatParts(months, ms);
  // Mixed signs cannot be written with one leading sign; show each part's.
  return (months < 0 ? '-' + formatParts(-months, 0) : formatParts(months, 0)) + (ms < 0 ? '-' + formatParts(0, -ms) : formatParts(0, ms));
}

/** t + n·d: n·months calendar months (day clamped to the month's length), then n·ms. */
export function addDuration(t: number, d: Duration, n = 1): number {
  if (d.months === 0) return t + n * d.ms;
  return addMonths(t, Math.trunc(n * d.months)) + n * d.ms;
}

// ---------------------------------------------------------------------------
// Fast ISO 8601

/** The last valid date fastParseIso read, as y·10000 + m·100 + d (-1: none), and its epoch ms. */
let isoYmd = -1;
let isoYmdMs = 0;

function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * 'YYYY-MM-DD', 'YYYY-MM-DD[T ]HH:MM[:SS[.fff…]][Z|±HH[:MM]|±HHMM]' to epoch ms;
 * NaN when the text is not in that form or names an impossible date.
 * Digits below milliseconds are truncated.
 */
export function fastParseIso(s: string): number {
  return fastParseIsoIn(s, 0, s.length);
}

/** {@link fastParseIso} of `s[at, end)`, read in place (no substring). */
export function fastParseIsoIn(s: string, at: number, end: number): number {
  const n = end - at;
  if (n < 10 || s.charCodeAt(at + 4) !== 45 || s.charCodeAt(at + 7) !== 45) return NaN;
  const yh = d2(s, at);
  const yl = d2(s, at + 2);
  if (yh < 0 || yl < 0) return NaN;
  const y = yh * 100 + yl;
  const mo = d2(s, at + 5);
  const d = d2(s, at + 8);
  // Consecutive times in a stream mostly share the date: reuse its validation and day number.
  const ymd = y * 10000 + mo * 100 + d;
  let ms: number;
  if (ymd === isoYmd) ms = isoYmdMs;
  else {
    if (mo < 1 || mo > 12 || d < 1 || d > monthLength(y, mo)) return NaN;
    ms = daysFromCivil(y, mo, d) * DAY;
    isoYmd = ymd;
    isoYmdMs = ms;
  }
  if (n === 10) return ms;
  const sep = s.charCodeAt(at + 10);
  if ((sep !== 84 && sep !== 32 && sep !== 116) || n < 16 || s.charCodeAt(at + 13) !== 58) return NaN;
  const h = d2(s, at + 11);
  const mi = d2(s, at + 14);
  if (h < 0 || h > 23 || mi < 0 || mi > 59) return NaN;
  ms += h * HOUR + mi * MINUTE;
  let i = 16;
  if (i < n && s.charCodeAt(at + i) === 58) {
    const sec = d2(s, at + 17);
    if (sec < 0 || sec > 59) return NaN;
    ms += sec * SECOND;
    i = 19;
    const c = s.charCodeAt(at + i);
    if (c === 46 || c === 44) {
      i++;
      let frac = 0;
      let digits = 0;
      while (i < n) {
        const v = s.charCodeAt(at + i) - 48;
        if (!(v >= 0 && v <= 9)) break;
        if (digits < 3) frac = frac * 10 + v;
        digits++;
        i++;
      }
      if (digits === 0) return NaN;
      if (digits === 1) frac *= 100;
      else if (digits === 2) frac *= 10;
      ms += frac;
    }
  }
  if (i === n) return ms;
  const z = s.charCodeAt(at + i);
  if (z === 90 || z === 122) return i + 1 === n ? ms : NaN;
  if (z !== 43 && z !== 45) return NaN;
  const oh = d2(s, at + i + 1);
  if (oh < 0 || oh > 23) return NaN;
  i += 3;
  let om = 0;
  if (i < n) {
    if (s.charCodeAt(at + i) === 58) i++;
    om = d2(s, at + i);
    if (om < 0 || om > 59) return NaN;
    i += 2;
  }
  if (i !== n) return NaN;
  const off = oh * HOUR + om * MINUTE;
  return z === 43 ? ms - off : ms + off;
}

// Seconds ('00.'..'59.') and milliseconds ('000Z'..'999Z') as text, made on first use.
let isoSec: string[] | undefined;
let isoMs: string[] | undefined;
let isoMinute = NaN;
let isoPrefix = '';
/** Years 0000..9999: the range toISOString writes with four digits. */
const ISO_LO = -62167219200000;
const ISO_HI = 253402300800000;

/**
 * `new Date(ms).toISOString()` (`2016-07-17T13:59:44.000Z`), an order of
 * magnitude faster on a stream: the text up to the minute is kept from the
 * previous call (consecutive points share it) and seconds and milliseconds come
 * from tables. `ms` must be an integer time within Date's range.
 */
export function isoString(ms: number): string {
  if (!(ms >= ISO_LO && ms < ISO_HI) || ms !== Math.floor(ms)) return new Date(ms).toISOString();
  const minute = Math.floor(ms / MINUTE);
  if (minute !== isoMinute) {
    if (isoSec === undefined) {
      isoSec = Array.from({ length: 60 }, (_, i) => (i < 10 ? '0' : '') + i + '.');
      isoMs = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0') + 'Z');
    }
    isoMinute = minute;
    isoPrefix = new Date(minute * MINUTE).toISOString().slice(0, 17);
  }
  const rest = ms - minute * MINUTE;
  const sec = (rest / SECOND) | 0;
  return isoPrefix + isoSec![sec]! + isoMs![rest - sec * SECOND]!;
}

// ---------------------------------------------------------------------------
// Moments

export interface MomentOptions {
  now: number;
  unit?: EpochUnit;
}

/** The unit of an epoch number: `auto` decides by magnitude (SPEC §12.3). */
export type EpochUnit = 'auto' | 's' | 'ms' | 'us' | 'ns';

/** Digits below the millisecond each unit has: seconds have none, milliseconds 0, microseconds 3, nanoseconds 6. */
const SUB_MS_DIGITS = { ms: 0, us: 3, ns: 6 } as const;

/**
 * `auto` by magnitude: below 1e11 seconds (until the year 5138), below 1e14
 * milliseconds, below 1e17 microseconds, else nanoseconds (SPEC §12.3).
 */
export function epochUnitOf(n: number, unit: EpochUnit): Exclude<EpochUnit, 'auto'> {
  if (unit !== 'auto') return unit;
  const a = Math.abs(n);
  return a < 1e11 ? 's' : a < 1e14 ? 'ms' : a < 1e17 ? 'us' : 'ns';
}

const NUMERIC = /^([+-]?)(\d+)(?:\.(\d*))?$/;

/** Epoch number text to ms, truncating (toward earlier) below the millisecond. */
function epochText(text: string, unitIn: EpochUnit): number | undefined {
  const m = NUMERIC.exec(text);
  if (!m) return undefined;
  const unit = epochUnitOf(Number(text), unitIn);
  const neg = m[1] === '-';
  const digits = m[2]!;
  const frac = m[3] ?? '';
  let ms: number;
  let rest: boolean;
  if (unit === 's') {
    ms = Number(digits) * SECOND + Number((frac + '000').slice(0, 3));
    rest = /[1-9]/.test(frac.slice(3));
  } else {
    // Whole milliseconds are the digits before the last 0, 3 or 6: exact even past 2^53 nanoseconds.
    const cut = SUB_MS_DIGITS[unit];
    const whole = digits.length > cut ? digits.slice(0, digits.length - cut) : '0';
    ms = Number(whole);
    rest = /[1-9]/.test(digits.slice(Math.max(0, digits.length - cut)) + frac);
  }
  // Truncation means "toward the earlier instant", also before 1970.
  return neg ? -ms - (rest ? 1 : 0) : ms;
}

/** Largest epoch number taken as a time: an int64 nanosecond count (beyond it, a number is not a timestamp). */
const EPOCH_NUMBER_MAX = 2 ** 63;
/** The range a JavaScript Date holds (±100,000,000 days). */
const DATE_MS_MAX = 8.64e15;

/**
 * An epoch number in `unit` (or by magnitude for `auto`) to epoch ms, truncated
 * below the millisecond; undefined when it is not a time (not finite, beyond
 * an int64 nanosecond count, or outside a Date's range).
 */
export function epochMsFromNumber(n: number, unitIn: EpochUnit): number | undefined {
  if (!Number.isFinite(n) || Math.abs(n) >= EPOCH_NUMBER_MAX) return undefined;
  const ms = epochMsOf(n, epochUnitOf(n, unitIn));
  return Math.abs(ms) <= DATE_MS_MAX ? ms : undefined;
}

function epochMsOf(n: number, unit: Exclude<EpochUnit, 'auto'>): number {
  switch (unit) {
    case 'ms':
      return Math.floor(n);
    case 'us':
      return Math.floor(n / 1e3);
    case 'ns':
      return Math.floor(n / 1e6);
    default:
      // Shortest round-trip decimal text is exact where n*1000 is not (0.29*1000 = 289.99…).
      return epochText(String(n), 's') ?? Math.floor(n * SECOND);
  }
}

function zoneOffset(text: string): number | undefined {
  const t = text.toUpperCase();
  if (t === 'Z' || t === 'UTC' || t === 'GMT' || t === 'UT') return 0;
  const named = US_ZONES[t];
  if (named !== undefined) return named * HOUR;
  const m = /^(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(t);
  if (!m) return undefined;
  const h = Number(m[2]);
  const mi = m[3] === undefined ? 0 : Number(m[3]);
  if (h > 23 || mi > 59) return undefined;
  const off = h * HOUR + mi * MINUTE;
  return m[1] === '-' ? -off : off;
}

const US_ZONES: Record<string, number> = { EST: -5, EDT: -4, CST: -6, CDT: -5, MST: -7, MDT: -6, PST: -8, PDT: -7 };

/** Milliseconds from a fraction-of-second digit string, truncated. */
function fracMs(frac: string | undefined): number {
  if (!frac) return 0;
  return Number((frac + '00').slice(0, 3));
}

const YMD =
  /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:(?:[Tt]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(?:\s*([A-Za-z]{1,3}(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{1,2}(?::?\d{2})?))?$/;

function parseYmd(s: string): number | undefined {
  const m = YMD.exec(s);
  if (!m) return undefined;
  const off = m[9] === undefined ? 0 : zoneOffset(m[9]);
  if (off === undefined) return undefined;
  const t = utcMs(
    Number(m[1]),
    Number(m[3]),
    Number(m[4]),
    m[5] === undefined ? 0 : Number(m[5]),
    m[6] === undefined ? 0 : Number(m[6]),
    m[7] === undefined ? 0 : Number(m[7]),
    fracMs(m[8]),
  );
  return t === undefined ? undefined : t - off;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const SHORT_MONTHS = MONTHS.map((m) => m.slice(0, 3));
const SHORT_WEEKDAYS = WEEKDAYS.map((d) => d.slice(0, 3));

/** Month 1-12 from an English name or abbreviation (at least three letters), else 0. */
function monthNumber(word: string): number {
  const w = word.toLowerCase().replace(/\.$/, '');
  if (w.length < 3) return 0;
  if (w === 'sept') return 9;
  for (let i = 0; i < 12; i++) if (MONTHS[i]!.startsWith(w)) return i + 1;
  return 0;
}

function isWeekday(word: string): boolean {
  const w = word.toLowerCase().replace(/\.$/, '');
  if (w.length < 3) return false;
  if (w === 'tues' || w === 'weds' || w === 'thur' || w === 'thurs') return true;
  return WEEKDAYS.some((d) => d.startsWith(w));
}

/** The latest year ≤ now's year for which the fields make a valid moment not after `now`. */
function inferYear(now: number, mo: number, d: number, tod: number, off: number): number | undefined {
  civilFromDays(Math.floor(now / DAY));
  const nowYear = civY;
  for (let y = nowYear; y > nowYear - 8; y--) {
    if (d > monthLength(y, mo)) continue;
    const t = daysFromCivil(y, mo, d) * DAY + tod - off;
    if (t <= now) return t;
  }
  return undefined;
}

const CLOCK = /^(\d{1,2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(am|pm|a\.m\.|p\.m\.)?$/i;

/**
 * Month-name forms: syslog 'Jul 17 13:59:44', RFC 2822 'Sun, 17 Jul 2016
 * 13:59:44 +0000', asctime 'Sun Jul 17 13:59:44 2016', 'Jan 2 2016 10:00',
 * 'January 2, 2016', '2nd January 2016 at 10am'.
 */
function parseHuman(s: string, now: number): number | undefined {
  const tokens = s
    .replace(/\s*\([^)]*\)\s*$/, '')
    .split(/[\s,]+/)
    .filter((x) => x !== '');
  let year: number | undefined;
  let month = 0;
  let day = 0;
  let hasTime = false;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let ms = 0;
  let meridiem = '';
  let off: number | undefined;
  for (const tok of tokens) {
    const lower = tok.toLowerCase();
    if (lower === 'at' || lower === 'the' || lower === 'of' || lower === 'on') continue;
    if (/^\d{4}$/.test(tok) && year === undefined) {
      year = Number(tok);
      continue;
    }
    const dm = /^(\d{1,2})(st|nd|rd|th)?$/i.exec(tok);
    if (dm && day === 0) {
      day = Number(dm[1]);
      continue;
    }
    const cm = CLOCK.exec(tok);
    if (cm && !hasTime && (cm[2] !== undefined || cm[5] !== undefined)) {
      hasTime = true;
      h = Number(cm[1]);
      mi = cm[2] === undefined ? 0 : Number(cm[2]);
      sec = cm[3] === undefined ? 0 : Number(cm[3]);
      ms = fracMs(cm[4]);
      meridiem = (cm[5] ?? '').replace(/\./g, '').toLowerCase();
      continue;
    }
    if ((lower === 'am' || lower === 'pm' || lower === 'a.m.' || lower === 'p.m.') && hasTime && meridiem === '') {
      meridiem = lower.replace(/\./g, '');
      continue;
    }
    const mn = monthNumber(tok);
    if (mn !== 0 && month === 0 && /^[a-z]+\.?$/i.test(tok)) {
      month = mn;
      continue;
    }
    if (isWeekday(tok) && /^[a-z]+\.?$/i.test(tok)) continue;
    const z = off === undefined ? zoneOffset(tok) : undefined;
    if (z !== undefined) {
      off = z;
      continue;
    }
    return undefined;
  }
  if (month === 0 || day === 0) return undefined;
  if (meridiem !== '') {
    if (h < 1 || h > 12) return undefined;
    if (meridiem === 'am' && h === 12) h = 0;
    else if (meridiem === 'pm' && h !== 12) h += 12;
  }
  if (h > 23 || mi > 59 || sec > 59) return undefined;
  const tod = h * HOUR + mi * MINUTE + sec * SECOND + ms;
  if (year === undefined) return inferYear(now, month, day, tod, off ?? 0);
  if (day > monthLength(year, month)) return undefined;
  return daysFromCivil(year, month, day) * DAY + tod - (off ?? 0);
}

const SHORT_MONTH_NUMBER = new Map(SHORT_MONTHS.map((m, i) => [m, i + 1]));
const SYSLOG = /^([A-Za-z]{3}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;
const RFC2822 = /^(?:[A-Za-z]{3}, ?)?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2})(?::(\d{2}))? ([+-]\d{4}|GMT|UTC|UT|Z)$/;

/** The two month-name forms log files repeat on every line, without the general tokenizer. */
function parseSyslogOrRfc2822(s: string, now: number): number | undefined {
  let m = SYSLOG.exec(s);
  if (m) {
    const mo = SHORT_MONTH_NUMBER.get(m[1]!.toLowerCase());
    const h = Number(m[3]);
    const mi = Number(m[4]);
    const sec = Number(m[5]);
    if (mo === undefined || h > 23 || mi > 59 || sec > 59) return undefined;
    return inferYear(now, mo, Number(m[2]), h * HOUR + mi * MINUTE + sec * SECOND + fracMs(m[6]), 0);
  }
  m = RFC2822.exec(s);
  if (m) {
    const mo = SHORT_MONTH_NUMBER.get(m[2]!.toLowerCase());
    const off = zoneOffset(m[7]!);
    if (mo === undefined || off === undefined) return undefined;
    const t = utcMs(Number(m[3]), mo, Number(m[1]), Number(m[4]), Number(m[5]), m[6] === undefined ? 0 : Number(m[6]), 0);
    return t === undefined ? undefined : t - off;
  }
  return undefined;
}

const RELATIVE_BASE = /^(now|today|yesterday|tomorrow)(?:\s*([+-])\s*(.+))?$/i;

function parseRelative(s: string, now: number): number | undefined {
  const base = RELATIVE_BASE.exec(s);
  if (base) {
    const word = base[1]!.toLowerCase();
    const today = Math.floor(now / DAY) * DAY;
    const t = word === 'now' ? now : word === 'today' ? today : word === 'yesterday' ? today - DAY : today + DAY;
    if (base[2] === undefined) return t;
    const d = parseDuration(base[3]!);
    return d ? addDuration(t, d, base[2] === '-' ? -1 : 1) : undefined;
  }
  let m = /^(.+?)\s+ago$/i.exec(s);
  if (m) {
    const d = parseDuration(m[1]!);
    return d ? addDuration(now, d, -1) : undefined;
  }
  m = /^(.+?)\s+(?:from\s+now|later|hence)$/i.exec(s) ?? /^in\s+(.+)$/i.exec(s);
  if (m) {
    const d = parseDuration(m[1]!);
    return d ? addDuration(now, d, 1) : undefined;
  }
  if (s[0] === '-' || s[0] === '+') {
    const d = parseDuration(s.slice(1));
    return d ? addDuration(now, d, s[0] === '-' ? -1 : 1) : undefined;
  }
  return undefined;
}

function viaLuxon(s: string): number | undefined {
  const o = { zone: 'utc', locale: 'en-US' };
  for (const dt of [DateTime.fromISO(s, o), DateTime.fromRFC2822(s, o), DateTime.fromHTTP(s, o), DateTime.fromSQL(s, o)]) {
    if (dt.isValid) return dt.toMillis();
  }
  return undefined;
}

/**
 * Parse a moment to epoch ms (UTC), or undefined: epoch numbers, ISO 8601,
 * 'YYYY-MM-DD HH:mm[:ss[.fff]]', RFC 2822, syslog (year inferred), 'YYYY/MM/DD',
 * human forms ('Jan 2 2016 10:00') and relative phrases ('now-1h', '1 day ago').
 */
export function parseMoment(input: string | number, opts: MomentOptions): number | undefined {
  const unitOpt = opts.unit ?? 's';
  if (typeof input === 'number') return epochMsFromNumber(input, unitOpt);
  if (typeof input !== 'string') return undefined;
  const fast = fastParseIso(input);
  if (fast === fast) return fast;
  const s = input.trim();
  if (s === '') return undefined;
  if (s !== input) {
    const f = fastParseIso(s);
    if (f === f) return f;
  }
  const c0 = s.charCodeAt(0);
  if (isDigit(c0) || c0 === 45 || c0 === 43) {
    const e = epochText(s, unitOpt);
    if (e !== undefined) return e;
  }
  if (s.length > 2 && c0 === 58 && s.endsWith(':')) return parseMoment(s.slice(1, -1), opts);
  if (isDigit(c0)) {
    const ymd = parseYmd(s);
    if (ymd !== undefined) return ymd;
  }
  if (isLetter(c0)) {
    const common = parseSyslogOrRfc2822(s, opts.now);
    if (common !== undefined) return common;
  }
  const rel = parseRelative(s, opts.now);
  if (rel !== undefined) return rel;
  if (/[a-z]/i.test(s)) {
    const human = parseHuman(s, opts.now);
    if (human !== undefined) return human;
  }
  return viaLuxon(s);
}

// ---------------------------------------------------------------------------
// Windows

/** Window alignment. */
export type Align = { kind: 'epoch' } | { kind: 'offset'; offset: Duration } | { kind: 'first'; first: number };

function anchorOf(align: Align): number {
  if (align.kind === 'epoch') return 0;
  if (align.kind === 'offset') return addDuration(0, align.offset);
  return align.first;
}

function dayOfMonth(t: number): number {
  civilFromDays(Math.floor(t / DAY));
  return civD;
}

/**
 * Start of the window of length `every` containing t: windows [start,
 * start+every), so a point on a boundary belongs to the window starting there.
 * See the top-of-file comment for calendar and mixed durations.
 */
export function windowStart(t: number, every: Duration, align: Align): number {
  if (!Number.isFinite(t)) return t;
  const anchor = anchorOf(align);
  if (every.months === 0) {
    if (!(every.ms > 0)) throw new RangeError(`window length must be positive, got ${formatDuration(every)}`);
    return t - floorMod(t - anchor, every.ms);
  }
  if (every.ms === 0 && every.months > 0 && dayOfMonth(anchor) <= 28) {
    // No clamping can happen, so the chain is anchor + n·months exactly.
    const k = every.months;
    const aDays = Math.floor(anchor / DAY);
    const aTod = anchor - aDays * DAY;
    civilFromDays(aDays);
    const aMi = civY * 12 + civM - 1;
    const aD = civD;
    civilFromDays(Math.floor(t / DAY));
    let mi = aMi + Math.floor((civY * 12 + civM - 1 - aMi) / k) * k;
    let y = Math.floor(mi / 12);
    let s = daysFromCivil(y, mi - y * 12 + 1, aD) * DAY + aTod;
    if (s > t) {
      mi -= k;
      y = Math.floor(mi / 12);
      s = daysFromCivil(y, mi - y * 12 + 1, aD) * DAY + aTod;
    }
    return s;
  }
  return chainStart(t, every, anchor);
}

/** Walk the windowEnd chain from the anchor to the window holding t. */
function chainStart(t: number, every: Duration, anchor: number): number {
  let s = anchor;
  while (s > t) {
    const prev = addDuration(s, every, -1);
    if (!(prev < s)) throw new RangeError(`window length must be positive, got ${formatDuration(every)}`);
    s = prev;
  }
  for (;;) {
    const next = addDuration(s, every);
    if (!(next > s)) throw new RangeError(`window length must be positive, got ${formatDuration(every)}`);
    if (next > t) return s;
    s = next;
  }
}

/** The window after the one starting at `start` (start + every, calendar-aware). */
export function windowEnd(start: number, every: Duration): number {
  return addDuration(start, every);
}

// ---------------------------------------------------------------------------
// Calendar fields and formatting

/** Calendar fields of epoch ms in UTC. weekday: 1=Monday..7=Sunday; month 1-12. */
export function calendarField(t: number, field: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'weekday'): number {
  if (!Number.isFinite(t)) return NaN;
  const days = Math.floor(t / DAY);
  const tod = t - days * DAY;
  switch (field) {
    case 'hour':
      return Math.floor(tod / HOUR);
    case 'minute':
      return Math.floor(tod / MINUTE) % 60;
    case 'second':
      return Math.floor(tod / SECOND) % 60;
    case 'weekday':
      return floorMod(days + 3, 7) + 1;
    default:
      civilFromDays(days);
      return field === 'year' ? civY : field === 'month' ? civM : civD;
  }
}

interface Fields {
  t: number;
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
  /** 0 = Monday. */
  wd: number;
  /** 1-based day of the year. */
  yd: number;
  days: number;
}

function fieldsOf(t: number): Fields {
  const days = Math.floor(t / DAY);
  const tod = t - days * DAY;
  civilFromDays(days);
  return {
    t,
    y: civY,
    mo: civM,
    d: civD,
    h: Math.floor(tod / HOUR),
    mi: Math.floor(tod / MINUTE) % 60,
    s: Math.floor(tod / SECOND) % 60,
    ms: Math.floor(tod % SECOND),
    wd: floorMod(days + 3, 7),
    yd: days - daysFromCivil(civY, 1, 1) + 1,
    days,
  };
}

function pad(n: number, width: number, fill = '0'): string {
  const neg = n < 0;
  let s = String(Math.abs(n));
  while (s.length < width) s = fill + s;
  return neg ? '-' + s : s;
}

function cap(s: string): string {
  return s[0]!.toUpperCase() + s.slice(1);
}

function isoWeek(f: Fields): { year: number; week: number } {
  const thursday = f.days - f.wd + 3;
  civilFromDays(thursday);
  const year = civY;
  return { year, week: Math.floor((thursday - daysFromCivil(year, 1, 1)) / 7) + 1 };
}

type Directive = (f: Fields) => string;
/** Each directive gives [padded, unpadded] (the `-` flag). */
const STRFTIME: Record<string, (f: Fields, noPad: boolean) => string> = {
  Y: (f) => String(f.y),
  C: (f, np) => (np ? String(Math.floor(f.y / 100)) : pad(Math.floor(f.y / 100), 2)),
  y: (f, np) => (np ? String(floorMod(f.y, 100)) : pad(floorMod(f.y, 100), 2)),
  m: (f, np) => (np ? String(f.mo) : pad(f.mo, 2)),
  d: (f, np) => (np ? String(f.d) : pad(f.d, 2)),
  e: (f, np) => (np ? String(f.d) : pad(f.d, 2, ' ')),
  H: (f, np) => (np ? String(f.h) : pad(f.h, 2)),
  k: (f, np) => (np ? String(f.h) : pad(f.h, 2, ' ')),
  I: (f, np) => (np ? String(f.h % 12 || 12) : pad(f.h % 12 || 12, 2)),
  l: (f, np) => (np ? String(f.h % 12 || 12) : pad(f.h % 12 || 12, 2, ' ')),
  M: (f, np) => (np ? String(f.mi) : pad(f.mi, 2)),
  S: (f, np) => (np ? String(f.s) : pad(f.s, 2)),
  L: (f) => pad(f.ms, 3),
  f: (f) => pad(f.ms * 1000, 6),
  N: (f) => pad(f.ms * 1000000, 9),
  j: (f, np) => (np ? String(f.yd) : pad(f.yd, 3)),
  a: (f) => cap(SHORT_WEEKDAYS[f.wd]!),
  A: (f) => cap(WEEKDAYS[f.wd]!),
  b: (f) => cap(SHORT_MONTHS[f.mo - 1]!),
  h: (f) => cap(SHORT_MONTHS[f.mo - 1]!),
  B: (f) => cap(MONTHS[f.mo - 1]!),
  p: (f) => (f.h < 12 ? 'AM' : 'PM'),
  P: (f) => (f.h < 12 ? 'am' : 'pm'),
  u: (f) => String(f.wd + 1),
  w: (f) => String((f.wd + 1) % 7),
  U: (f, np) => {
    const w = Math.floor((f.yd - 1 + 7 - ((f.wd + 1) % 7)) / 7);
    return np ? String(w) : pad(w, 2);
  },
  W: (f, np) => {
    const w = Math.floor((f.yd - 1 + 7 - f.wd) / 7);
    return np ? String(w) : pad(w, 2);
  },
  V: (f, np) => {
    const w = isoWeek(f).week;
    return np ? String(w) : pad(w, 2);
  },
  G: (f) => String(isoWeek(f).year),
  g: (f) => pad(floorMod(isoWeek(f).year, 100), 2),
  Z: () => 'UTC',
  z: () => '+0000',
  s: (f) => String(Math.floor(f.t / SECOND)),
  F: (f) => `${f.y}-${pad(f.mo, 2)}-${pad(f.d, 2)}`,
  T: (f) => `${pad(f.h, 2)}:${pad(f.mi, 2)}:${pad(f.s, 2)}`,
  R: (f) => `${pad(f.h, 2)}:${pad(f.mi, 2)}`,
  D: (f) => `${pad(f.mo, 2)}/${pad(f.d, 2)}/${pad(floorMod(f.y, 100), 2)}`,
  x: (f) => `${pad(f.mo, 2)}/${pad(f.d, 2)}/${pad(floorMod(f.y, 100), 2)}`,
  X: (f) => `${pad(f.h, 2)}:${pad(f.mi, 2)}:${pad(f.s, 2)}`,
  c: (f) => `${cap(SHORT_WEEKDAYS[f.wd]!)} ${cap(SHORT_MONTHS[f.mo - 1]!)} ${pad(f.d, 2, ' ')} ${pad(f.h, 2)}:${pad(f.mi, 2)}:${pad(f.s, 2)} ${f.y}`,
  n: () => '\n',
  t: () => '\t',
  '%': () => '%',
};

const formatCache = new Map<string, (string | Directive)[]>();

function compileStrftime(pattern: string): (string | Directive)[] {
  let parts = formatCache.get(pattern);
  if (parts) return parts;
  parts = [];
  let lit = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch !== '%' || i + 1 >= pattern.length) {
      lit += ch;
      continue;
    }
    let j = i + 1;
    const noPad = pattern[j] === '-';
    if (noPad) j++;
    let name = pattern[j] ?? '';
    // GNU '%:z' is the offset with a colon.
    if (name === ':' && pattern[j + 1] === 'z') {
      j++;
      name = ':z';
    }
    const fn = name === ':z' ? () => '+00:00' : STRFTIME[name];
    if (!fn) {
      lit += pattern.slice(i, j + 1);
      i = j;
      continue;
    }
    if (lit) parts.push(lit);
    lit = '';
    parts.push((f: Fields) => fn(f, noPad));
    i = j;
  }
  if (lit) parts.push(lit);
  if (formatCache.size > 256) formatCache.clear();
  formatCache.set(pattern, parts);
  return parts;
}

/** Format with luxon tokens ('yyyy-MM-dd HH:mm'), or strftime when the pattern contains '%', in UTC. */
export function formatTime(t: number, pattern: string): string {
  if (!Number.isFinite(t)) return '';
  if (!pattern.includes('%')) return DateTime.fromMillis(t, { zone: 'utc', locale: 'en-US' }).toFormat(pattern);
  const f = fieldsOf(t);
  let out = '';
  for (const p of compileStrftime(pattern)) out += typeof p === 'string' ? p : p(f);
  return out;
}

// ---------------------------------------------------------------------------
// Parsing with a format

interface Parsed {
  y?: number;
  yy?: number;
  mo?: number;
  d?: number;
  yd?: number;
  h?: number;
  h12?: number;
  pm?: boolean;
  mi?: number;
  s?: number;
  ms?: number;
  off?: number;
  epoch?: number;
}

type Setter = (p: Parsed, v: string) => boolean | void;

const NAME_MONTH = '[A-Za-z]{3,9}\\.?';
const NAME_DAY = '[A-Za-z]{3,9}\\.?';
const ZONE_RE = 'Z|z|UTC|GMT|UT|[A-Za-z]{3}|(?:UTC|GMT)?[+-]\\d{1,2}(?::?\\d{2})?';
const OFFSET_RE = 'Z|z|[+-]\\d{2}(?::?\\d{2})?';

const STRPTIME: Record<string, [string, Setter | undefined]> = {
  Y: ['[+-]?\\d{1,4}', (p, v) => void (p.y = Number(v))],
  y: ['\\d{2}', (p, v) => void (p.yy = Number(v))],
  m: ['\\d{1,2}', (p, v) => void (p.mo = Number(v))],
  d: ['\\d{1,2}', (p, v) => void (p.d = Number(v))],
  e: ['\\s?\\d{1,2}', (p, v) => void (p.d = Number(v.trim()))],
  j: ['\\d{1,3}', (p, v) => void (p.yd = Number(v))],
  H: ['\\d{1,2}', (p, v) => void (p.h = Number(v))],
  k: ['\\s?\\d{1,2}', (p, v) => void (p.h = Number(v.trim()))],
  I: ['\\d{1,2}', (p, v) => void (p.h12 = Number(v))],
  l: ['\\s?\\d{1,2}', (p, v) => void (p.h12 = Number(v.trim()))],
  M: ['\\d{1,2}', (p, v) => void (p.mi = Number(v))],
  S: ['\\d{1,2}', (p, v) => void (p.s = Number(v))],
  L: ['\\d{3}', (p, v) => void (p.ms = Number(v))],
  f: ['\\d{1,9}', (p, v) => void (p.ms = fracMs(v))],
  N: ['\\d{1,9}', (p, v) => void (p.ms = fracMs(v))],
  p: ['[AaPp]\\.?[Mm]\\.?', (p, v) => void (p.pm = /^p/i.test(v))],
  P: ['[AaPp]\\.?[Mm]\\.?', (p, v) => void (p.pm = /^p/i.test(v))],
  a: [NAME_DAY, (_p, v) => isWeekday(v)],
  A: [NAME_DAY, (_p, v) => isWeekday(v)],
  b: [NAME_MONTH, (p, v) => (p.mo = monthNumber(v)) !== 0],
  h: [NAME_MONTH, (p, v) => (p.mo = monthNumber(v)) !== 0],
  B: [NAME_MONTH, (p, v) => (p.mo = monthNumber(v)) !== 0],
  u: ['[1-7]', undefined],
  w: ['[0-6]', undefined],
  U: ['\\d{1,2}', undefined],
  W: ['\\d{1,2}', undefined],
  V: ['\\d{1,2}', undefined],
  Z: [ZONE_RE, (p, v) => (p.off = zoneOffset(v)) !== undefined],
  z: [OFFSET_RE, (p, v) => (p.off = zoneOffset(v)) !== undefined],
  ':z': [OFFSET_RE, (p, v) => (p.off = zoneOffset(v)) !== undefined],
  s: ['[+-]?\\d+(?:\\.\\d+)?', (p, v) => void (p.epoch = epochText(v, 's'))],
};

/** Composite directives, expanded before compiling. */
const STRPTIME_MACROS: Record<string, string> = { F: '%Y-%m-%d', T: '%H:%M:%S', R: '%H:%M', D: '%m/%d/%y', x: '%m/%d/%y', X: '%H:%M:%S', c: '%a %b %e %H:%M:%S %Y' };

interface CompiledParse {
  re: RegExp;
  setters: Setter[];
}

const parseCache = new Map<string, CompiledParse | null>();

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compileStrptime(pattern: string): CompiledParse | null {
  const cached = parseCache.get(pattern);
  if (cached !== undefined) return cached;
  let expanded = pattern;
  // Two rounds: %c expands to text that holds no further macros, the others none at all.
  for (let k = 0; k < 2; k++) {
    expanded = expanded.replace(/%(%|-?[FTRDxXc])/g, (m: string, c: string) => (c === '%' ? m : STRPTIME_MACROS[c.replace('-', '')]!));
  }
  let src = '^\\s*';
  const setters: Setter[] = [];
  let ok = true;
  for (let i = 0; i < expanded.length; i++) {
    const ch = expanded[i]!;
    if (/\s/.test(ch)) {
      // strptime: whitespace in the format matches any run of whitespace, even none.
      while (i + 1 < expanded.length && /\s/.test(expanded[i + 1]!)) i++;
      src += '\\s*';
      continue;
    }
    if (ch !== '%' || i + 1 >= expanded.length) {
      src += escapeRe(ch);
      continue;
    }
    let j = i + 1;
    if (expanded[j] === '-') j++;
    let name = expanded[j]!;
    if (name === ':' && expanded[j + 1] === 'z') {
      j++;
      name = ':z';
    }
    i = j;
    if (name === '%') {
      src += '%';
      continue;
    }
    if (name === 'n' || name === 't') {
      src += '\\s*';
      continue;
    }
    const d = STRPTIME[name];
    if (!d) {
      ok = false;
      break;
    }
    src += `(${d[0]})`;
    setters.push(d[1] ?? (() => true));
  }
  const compiled = ok ? { re: new RegExp(src + '\\s*$', 'i'), setters } : null;
  if (parseCache.size > 256) parseCache.clear();
  parseCache.set(pattern, compiled);
  return compiled;
}

function strptime(text: string, pattern: string, now: number): number | undefined {
  const c = compileStrptime(pattern);
  if (!c) return undefined;
  const m = c.re.exec(text);
  if (!m) return undefined;
  const p: Parsed = {};
  for (let i = 0; i < c.setters.length; i++) if (c.setters[i]!(p, m[i + 1]!) === false) return undefined;
  if (p.epoch !== undefined) return p.epoch;
  let h = p.h ?? 0;
  if (p.h12 !== undefined) {
    if (p.h12 < 1 || p.h12 > 12) return undefined;
    h = (p.h12 % 12) + (p.pm ? 12 : 0);
  } else if (p.pm !== undefined && p.h !== undefined && p.h <= 12) {
    h = (p.h % 12) + (p.pm ? 12 : 0);
  }
  const mi = p.mi ?? 0;
  const sec = p.s ?? 0;
  if (h > 23 || mi > 59 || sec > 59) return undefined;
  const tod = h * HOUR + mi * MINUTE + sec * SECOND + (p.ms ?? 0);
  const off = p.off ?? 0;
  // POSIX pivot: 69-99 are 19xx, 00-68 are 20xx.
  const year = p.y ?? (p.yy !== undefined ? (p.yy >= 69 ? 1900 + p.yy : 2000 + p.yy) : undefined);
  if (year === undefined) {
    if (p.mo === undefined && p.d === undefined && p.yd === undefined) {
      const today = Math.floor((now + off) / DAY) * DAY;
      const t = today + tod - off;
      return t <= now ? t : t - DAY;
    }
    return inferYear(now, p.mo ?? 1, p.d ?? 1, tod, off);
  }
  if (p.yd !== undefined && p.mo === undefined) {
    const len = isLeap(year) ? 366 : 365;
    if (p.yd < 1 || p.yd > len) return undefined;
    return (daysFromCivil(year, 1, 1) + p.yd - 1) * DAY + tod - off;
  }
  const t = utcMs(year, p.mo ?? 1, p.d ?? 1, 0, 0, 0, 0);
  return t === undefined ? undefined : t + tod - off;
}

/** Unquoted luxon token letters of a format (quoted literals removed). */
function luxonTokens(format: string): string {
  return format.replace(/'[^']*'/g, '');
}

function luxonParse(text: string, format: string, now: number): number | undefined {
  const saved = Settings.now;
  // luxon fills units missing from the format from Settings.now: make that `now`, not the wall clock.
  Settings.now = () => now;
  try {
    const dt = DateTime.fromFormat(text, format, { zone: 'utc', locale: 'en-US' });
    if (!dt.isValid) return undefined;
    const t = dt.toMillis();
    const tokens = luxonTokens(format);
    if (/[xX]/.test(tokens) || t <= now) return t;
    if (!/[yk]/.test(tokens) && /[MLdoE]/.test(tokens)) {
      for (let k = 1; k < 8; k++) {
        const back: DateTime = dt.minus({ years: k });
        if (back.month === dt.month && back.day === dt.day && back.toMillis() <= now) return back.toMillis();
      }
      return undefined;
    }
    if (!/[yMLdoDEkWq]/.test(tokens)) return t - DAY;
    return t;
  } finally {
    Settings.now = saved;
  }
}

/**
 * Parse text to ms with an optional format (luxon tokens, or strftime when it
 * contains '%'); UTC unless the text has an offset. Without a format,
 * parseMoment. undefined if it fails.
 */
export function parseTime(text: string, format: string | undefined, opts: MomentOptions): number | undefined {
  if (format === undefined || format === '') return parseMoment(text, opts);
  if (typeof text !== 'string') return undefined;
  if (format.includes('%')) return strptime(text, format, opts.now);
  return luxonParse(text, format, opts.now);
}
