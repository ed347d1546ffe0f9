/**
 * Durations, moments, windows and formatting. Expected instants are written as
 * literal epoch numbers worked out by hand from 2016-01-01T00:00:00Z =
 * 1451606400000 (days × 86400000 + time of day), not from the code under test.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  addDuration,
  calendarField,
  fastParseIso,
  formatDuration,
  formatTime,
  isCalendar,
  parseDuration,
  parseMoment,
  parseTime,
  windowEnd,
  windowStart,
  type Align,
} from '../../src/runtime/time.js';

const DAY = 86400000;
const HOUR = 3600000;
const MIN = 60000;
/** 2016-01-01T00:00:00Z */
const Y2016 = 1451606400000;
/** 2016-03-01T00:00:00Z: Jan (31) + Feb (29, leap) after Y2016. */
const MAR1 = Y2016 + 60 * DAY;
/** 2016-07-17T13:59:44Z: day 199 of 2016 (31+29+31+30+31+30+17). */
const JUL17 = Y2016 + 198 * DAY + 13 * HOUR + 59 * MIN + 44000;

const at = (now: number) => ({ now });
const dur = (s: string) => {
  const d = parseDuration(s);
  assert.ok(d, `duration ${s}`);
  return d;
};
const EPOCH: Align = { kind: 'epoch' };

describe('parseDuration', () => {
  it('reads compact forms', () => {
    assert.deepEqual(parseDuration('5m'), { months: 0, ms: 300000 });
    assert.deepEqual(parseDuration('1h30m'), { months: 0, ms: 5400000 });
    assert.deepEqual(parseDuration('250ms'), { months: 0, ms: 250 });
    assert.deepEqual(parseDuration('1.5s'), { months: 0, ms: 1500 });
    assert.deepEqual(parseDuration('1.5h'), { months: 0, ms: 5400000 });
    assert.deepEqual(parseDuration('1d'), { months: 0, ms: 86400000 });
    assert.deepEqual(parseDuration('1w'), { months: 0, ms: 604800000 });
    assert.deepEqual(parseDuration('1M'), { months: 1, ms: 0 });
    assert.deepEqual(parseDuration('1y'), { months: 12, ms: 0 });
  });

  it('reads spaced, worded and joined forms', () => {
    assert.deepEqual(parseDuration('1h 30m'), { months: 0, ms: 5400000 });
    assert.deepEqual(parseDuration('1 hour and 30 minutes'), { months: 0, ms: 5400000 });
    assert.deepEqual(parseDuration('2y, 1M'), { months: 25, ms: 0 });
    assert.deepEqual(parseDuration('3 days'), { months: 0, ms: 259200000 });
    assert.deepEqual(parseDuration('2 weeks'), { months: 0, ms: 1209600000 });
    assert.deepEqual(parseDuration('1 month'), { months: 1, ms: 0 });
    assert.deepEqual(parseDuration('2 years'), { months: 24, ms: 0 });
    assert.deepEqual(parseDuration('10 secs'), { months: 0, ms: 10000 });
    assert.deepEqual(parseDuration('10 sec'), { months: 0, ms: 10000 });
    assert.deepEqual(parseDuration('5 mins'), { months: 0, ms: 300000 });
    assert.deepEqual(parseDuration('2 hrs'), { months: 0, ms: 7200000 });
    assert.deepEqual(parseDuration('3 milliseconds'), { months: 0, ms: 3 });
    assert.deepEqual(parseDuration('an hour'), { months: 0, ms: 3600000 });
    assert.deepEqual(parseDuration('1 day, 2 hours and 3 minutes'), { months: 0, ms: 86400000 + 7200000 + 180000 });
    assert.deepEqual(parseDuration('1M 1d'), { months: 1, ms: 86400000 });
  });

  it('reads a unit alone as one of it', () => {
    assert.deepEqual(parseDuration('day'), { months: 0, ms: 86400000 });
    assert.deepEqual(parseDuration('hour'), { months: 0, ms: 3600000 });
    assert.deepEqual(parseDuration('month'), { months: 1, ms: 0 });
    assert.deepEqual(parseDuration('week'), { months: 0, ms: 604800000 });
  });

  it('distinguishes m (minutes) from M (months), ignoring case elsewhere', () => {
    assert.deepEqual(parseDuration('m'), { months: 0, ms: 60000 });
    assert.deepEqual(parseDuration('M'), { months: 1, ms: 0 });
    assert.deepEqual(parseDuration('3M'), { months: 3, ms: 0 });
    assert.deepEqual(parseDuration('3m'), { months: 0, ms: 180000 });
    assert.deepEqual(parseDuration('1H'), { months: 0, ms: 3600000 });
    assert.deepEqual(parseDuration('2 Hours'), { months: 0, ms: 7200000 });
    assert.deepEqual(parseDuration('1 DAY'), { months: 0, ms: 86400000 });
  });

  it('reads plain numbers as seconds', () => {
    assert.deepEqual(parseDuration(90), { months: 0, ms: 90000 });
    assert.deepEqual(parseDuration('90'), { months: 0, ms: 90000 });
    assert.deepEqual(parseDuration('0.25'), { months: 0, ms: 250 });
    assert.deepEqual(parseDuration(0), { months: 0, ms: 0 });
  });

  it('reads signs and ISO 8601 durations', () => {
    assert.deepEqual(parseDuration('-1h30m'), { months: 0, ms: -5400000 });
    assert.deepEqual(parseDuration('-1M'), { months: -1, ms: 0 });
    assert.deepEqual(parseDuration('PT1H30M'), { months: 0, ms: 5400000 });
    assert.deepEqual(parseDuration('P1Y2M3D'), { months: 14, ms: 3 * 86400000 });
    assert.deepEqual(parseDuration('1.5y'), { months: 18, ms: 0 });
  });

  it('rejects what is not a duration', () => {
    for (const bad of ['', '   ', 'abc', '5 parsecs', '1h 30', '0.5M', '1h and', 'and 1h', 'P', 'PT', '1..5s', NaN, Infinity]) {
      assert.equal(parseDuration(bad as string | number), undefined, String(bad));
    }
  });

  it('formats compactly and reads back', () => {
    assert.equal(formatDuration({ months: 0, ms: 5400000 }), '1h30m');
    assert.equal(formatDuration({ months: 1, ms: 0 }), '1M');
    assert.equal(formatDuration({ months: 0, ms: 250 }), '250ms');
    assert.equal(formatDuration({ months: 25, ms: 0 }), '2y1M');
    assert.equal(formatDuration({ months: 0, ms: 0 }), '0s');
    assert.equal(formatDuration({ months: 0, ms: -300000 }), '-5m');
    assert.equal(formatDuration({ months: 0, ms: 604800000 }), '1w');
    assert.equal(formatDuration({ months: 0, ms: 90061001 }), '1d1h1m1s1ms');
    for (const s of ['1h30m', '250ms', '2y1M', '1M1d', '1w2d3h4m5s6ms', '-5m', '1.5s', '1 hour and 30 minutes']) {
      const d = dur(s);
      assert.deepEqual(parseDuration(formatDuration(d)), d, s);
    }
  });

  it('isCalendar is true only with a month part', () => {
    assert.equal(isCalendar(dur('1M')), true);
    assert.equal(isCalendar(dur('1y')), true);
    assert.equal(isCalendar(dur('1M 1d')), true);
    assert.equal(isCalendar(dur('30d')), false);
  });
});

describe('addDuration', () => {
  const JAN31 = Y2016 + 30 * DAY;
  const FEB29 = Y2016 + 59 * DAY;
  const MAR31 = Y2016 + 90 * DAY;

  it('adds exact durations', () => {
    assert.equal(addDuration(Y2016, dur('1h')), Y2016 + HOUR);
    assert.equal(addDuration(Y2016, dur('1h'), 3), Y2016 + 3 * HOUR);
    assert.equal(addDuration(Y2016, dur('1h'), -1), Y2016 - HOUR);
  });

  it('adds months on the calendar, clamping the day', () => {
    assert.equal(addDuration(JAN31, dur('1M')), FEB29);
    // n·months from the start, not month by month (which would give Mar 29).
    assert.equal(addDuration(JAN31, dur('1M'), 2), MAR31);
    assert.equal(addDuration(MAR31, dur('1M'), -1), FEB29);
    assert.equal(addDuration(Y2016, dur('1y')), Y2016 + 366 * DAY);
    // 2016-02-29 + 1y = 2017-02-28
    assert.equal(addDuration(FEB29, dur('1y')), Y2016 + 366 * DAY + 58 * DAY);
    // Month part first, then the exact part: Jan 31 + 1M = Feb 29, + 1d = Mar 1.
    assert.equal(addDuration(JAN31, dur('1M 1d')), MAR1);
    // Time of day is kept.
    assert.equal(addDuration(Y2016 + 5 * HOUR, dur('1M')), Y2016 + 31 * DAY + 5 * HOUR);
  });
});

describe('fastParseIso', () => {
  it('parses the fixed ISO forms', () => {
    assert.equal(fastParseIso('2016-01-01T00:00:00Z'), Y2016);
    assert.equal(fastParseIso('2016-01-01T00:00:00.000Z'), Y2016);
    assert.equal(fastParseIso('2016-01-01'), Y2016);
    assert.equal(fastParseIso('2016-07-17T13:59:44Z'), JUL17);
    assert.equal(fastParseIso('2016-07-17T13:59:44'), JUL17);
    assert.equal(fastParseIso('2016-07-17 13:59:44'), JUL17);
    assert.equal(fastParseIso('2016-07-17T13:59'), JUL17 - 44000);
    assert.equal(fastParseIso('2016-01-01T05:06:07.5Z'), Y2016 + 5 * HOUR + 6 * MIN + 7500);
    assert.equal(fastParseIso('2016-01-01T05:06:07.12Z'), Y2016 + 5 * HOUR + 6 * MIN + 7120);
  });

  it('converts offsets to UTC', () => {
    // 05:06 at +05:30 is 23:36 the day before in UTC.
    assert.equal(fastParseIso('2016-01-01T05:06+05:30'), Y2016 - 24 * MIN);
    assert.equal(fastParseIso('2016-07-17T15:59:44+02:00'), JUL17);
    assert.equal(fastParseIso('2016-07-17T15:59:44+0200'), JUL17);
    assert.equal(fastParseIso('2016-07-17T15:59:44+02'), JUL17);
    assert.equal(fastParseIso('2016-07-17T08:59:44-05:00'), JUL17);
  });

  it('truncates digits below milliseconds, never rounding', () => {
    assert.equal(fastParseIso('2016-01-01T05:06:07.1239Z'), Y2016 + 5 * HOUR + 6 * MIN + 7123);
    assert.equal(fastParseIso('2016-01-01T00:00:00.999999999Z'), Y2016 + 999);
  });

  it('returns NaN for other text and impossible dates', () => {
    for (const s of [
      '',
      'hello',
      '2016',
      '2016-1-1',
      '2016/01/01',
      '16-01-01',
      '2016-13-01',
      '2016-02-30',
      '2015-02-29',
      '2016-01-01T24:00:00Z',
      '2016-01-01T12:60Z',
      '2016-01-01T12:00:61Z',
      '2016-01-01T12',
      '2016-01-01T12:00:',
      '2016-01-01T12:00:00.',
      '2016-01-01T12:00:00ZZ',
      '2016-01-01T12:00:00+5',
      '2016-01-01T12:00:00 Z',
      '2016-01-01X12:00:00',
      ' 2016-01-01',
      'Jul 17 13:59:44',
    ]) {
      assert.ok(Number.isNaN(fastParseIso(s)), s);
    }
    assert.equal(fastParseIso('2016-02-29'), Y2016 + 59 * DAY);
  });

  it('agrees with Date.parse', () => {
    const cases = [
      '2016-01-01',
      '1970-01-01',
      '1969-12-31T23:59:59.999Z',
      '2000-02-29T12:00:00Z',
      '2016-07-17T13:59:44.123Z',
      '2016-07-17T13:59:44.123+05:30',
      '2016-07-17T13:59:44-08:00',
      '2016-12-31T23:59:59.999+14:00',
      '2099-03-01T00:00Z',
      '1900-03-01T00:00:00Z',
      '0001-01-01T00:00:00Z',
    ];
    for (const s of cases) assert.equal(fastParseIso(s), Date.parse(s), s);
    // Date.parse reads these as local time; flume reads them as UTC.
    for (const s of ['2016-07-17T13:59:44', '2016-07-17T13:59:44.5', '2016-07-17T13:59']) {
      assert.equal(fastParseIso(s), Date.parse(s + 'Z'), s);
    }
  });
});

describe('parseMoment', () => {
  const o = at(MAR1);

  it('parses ISO 8601 with and without time, offset or Z', () => {
    assert.equal(parseMoment('2016-01-01', o), Y2016);
    assert.equal(parseMoment('2016-01-01T00:00:00Z', o), Y2016);
    assert.equal(parseMoment('2016-01-01T00:00:00', o), Y2016);
    assert.equal(parseMoment('2016-07-17T15:59:44+02:00', o), JUL17);
    assert.equal(parseMoment('2016-01-01T05:06+05:30', o), Y2016 - 24 * MIN);
    assert.equal(parseMoment('  2016-01-01  ', o), Y2016);
    // Forms left to luxon: week date, ordinal date, basic format, year-month.
    assert.equal(parseMoment('2016-W01-1', o), Y2016 + 3 * DAY);
    assert.equal(parseMoment('2016-001', o), Y2016);
    assert.equal(parseMoment('20160717T135944Z', o), JUL17);
    assert.equal(parseMoment('2016-01', o), Y2016);
  });

  it('parses a space for T and truncates sub-millisecond digits', () => {
    assert.equal(parseMoment('2016-01-01 05:06', o), Y2016 + 5 * HOUR + 6 * MIN);
    assert.equal(parseMoment('2016-01-01 05:06:07', o), Y2016 + 5 * HOUR + 6 * MIN + 7000);
    assert.equal(parseMoment('2016-01-01 05:06:07.123', o), Y2016 + 5 * HOUR + 6 * MIN + 7123);
    assert.equal(parseMoment('2016-01-01T05:06:05.1239Z', o), Y2016 + 5 * HOUR + 6 * MIN + 5123);
    assert.equal(parseMoment('2016-01-01 05:06:07 +05:00', o), Y2016 + 6 * MIN + 7000);
    assert.equal(parseMoment('2016-01-01 05:06:07 UTC', o), Y2016 + 5 * HOUR + 6 * MIN + 7000);
  });

  it('parses RFC 2822', () => {
    assert.equal(parseMoment('Sun, 17 Jul 2016 13:59:44 +0000', o), JUL17);
    assert.equal(parseMoment('Sun, 17 Jul 2016 15:59:44 +0200', o), JUL17);
    assert.equal(parseMoment('17 Jul 2016 13:59:44 GMT', o), JUL17);
    assert.equal(parseMoment('Sun, 17 Jul 2016 09:59:44 EDT', o), JUL17);
  });

  it('parses syslog timestamps, inferring the latest year not after now', () => {
    // now = 2016-03-01T00:00Z
    assert.equal(parseMoment('Dec 31 23:00:00', o), Y2016 - HOUR);
    assert.equal(parseMoment('Feb 1 10:00:00', o), Y2016 + 31 * DAY + 10 * HOUR);
    // 2015-07-17: a year before JUL17, across 2016-02-29.
    assert.equal(parseMoment('Jul 17 13:59:44', o), JUL17 - 366 * DAY);
    // 2015-07-07T03:04:05Z, with syslog's space-padded day.
    assert.equal(parseMoment('Jul  7 03:04:05', o), JUL17 - 366 * DAY - 10 * DAY - (13 * HOUR + 59 * MIN + 44000) + 3 * HOUR + 4 * MIN + 5000);
    // Exactly now is not after now.
    assert.equal(parseMoment('Mar  1 00:00:00', o), MAR1);
    assert.equal(parseMoment('Mar  1 00:00:01', o), MAR1 + 1000 - 366 * DAY);
    // Feb 29 goes back to the last leap year (now = 2017-03-01).
    assert.equal(parseMoment('Feb 29 10:00:00', at(MAR1 + 365 * DAY)), Y2016 + 59 * DAY + 10 * HOUR);
  });

  it('parses epoch seconds, or milliseconds with unit ms', () => {
    assert.equal(parseMoment(1451606400, o), Y2016);
    assert.equal(parseMoment('1451606400', o), Y2016);
    assert.equal(parseMoment(1451606400.123, o), Y2016 + 123);
    assert.equal(parseMoment('1451606400.1239', o), Y2016 + 123);
    assert.equal(parseMoment(1451606400.29, o), Y2016 + 290);
    assert.equal(parseMoment(1451606400123, { now: MAR1, unit: 'ms' }), Y2016 + 123);
    assert.equal(parseMoment('1451606400123', { now: MAR1, unit: 'ms' }), Y2016 + 123);
    assert.equal(parseMoment(0, o), 0);
    assert.equal(parseMoment(-1.5, o), -1500);
    assert.equal(parseMoment(NaN, o), undefined);
  });

  it('parses YYYY/MM/DD with an optional time', () => {
    assert.equal(parseMoment('2016/01/01', o), Y2016);
    assert.equal(parseMoment('2016/07/17 13:59', o), JUL17 - 44000);
    assert.equal(parseMoment('2016/07/17 13:59:44', o), JUL17);
    assert.equal(parseMoment('2016/7/17 13:59:44', o), JUL17);
    assert.equal(parseMoment('2016/02/30', o), undefined);
  });

  it('parses human forms', () => {
    const jan2at10 = Y2016 + DAY + 10 * HOUR;
    assert.equal(parseMoment('Jan 2 2016 10:00', o), jan2at10);
    assert.equal(parseMoment('January 2, 2016', o), Y2016 + DAY);
    assert.equal(parseMoment('January 2, 2016 10:00:00', o), jan2at10);
    assert.equal(parseMoment('2 Jan 2016 10:00', o), jan2at10);
    assert.equal(parseMoment('2nd January 2016 at 10am', o), jan2at10);
    assert.equal(parseMoment('Jan 2, 2016 10:00 pm', o), jan2at10 + 12 * HOUR);
    assert.equal(parseMoment('Jan 2 2016 12:30am', o), Y2016 + DAY + 30 * MIN);
    assert.equal(parseMoment('Sun Jul 17 13:59:44 2016', o), JUL17);
    assert.equal(parseMoment('Sat Jan 02 2016 10:00:00 GMT+0000 (Coordinated Universal Time)', o), jan2at10);
    assert.equal(parseMoment('Jan 2 2016 10:00 +01:00', o), jan2at10 - HOUR);
  });

  it('parses relative phrases against now', () => {
    // now = 2016-03-01T12:34:56Z
    const now = MAR1 + 12 * HOUR + 34 * MIN + 56000;
    const r = at(now);
    assert.equal(parseMoment('now', r), now);
    assert.equal(parseMoment('NOW', r), now);
    assert.equal(parseMoment(':now:', r), now);
    assert.equal(parseMoment('today', r), MAR1);
    assert.equal(parseMoment('yesterday', r), MAR1 - DAY);
    assert.equal(parseMoment('tomorrow', r), MAR1 + DAY);
    assert.equal(parseMoment('now-1h', r), now - HOUR);
    assert.equal(parseMoment('now+30m', r), now + 30 * MIN);
    assert.equal(parseMoment('now - 1 hour', r), now - HOUR);
    assert.equal(parseMoment('today+6h', r), MAR1 + 6 * HOUR);
    assert.equal(parseMoment('1 day ago', r), now - DAY);
    assert.equal(parseMoment('an hour ago', r), now - HOUR);
    assert.equal(parseMoment('2 hours from now', r), now + 2 * HOUR);
    assert.equal(parseMoment('in 2 hours', r), now + 2 * HOUR);
    assert.equal(parseMoment('-1h', r), now - HOUR);
    assert.equal(parseMoment(':1 day ago:', r), now - DAY);
    assert.equal(parseMoment(':2016-01-01:', r), Y2016);
    // Calendar units count on the calendar: 2016-03-31 minus a month is 2016-02-29.
    assert.equal(parseMoment('1M ago', at(Y2016 + 90 * DAY)), Y2016 + 59 * DAY);
    assert.equal(parseMoment('now-1M', at(Y2016 + 90 * DAY)), Y2016 + 59 * DAY);
  });

  it('returns undefined for what is not a moment', () => {
    for (const s of ['', 'garbage', 'now-xyz', '2016-02-30', 'Feb 30 2016', '5 parsecs ago', 'Jan 2016 99:00', 'Jan 2 2016 25:00']) {
      assert.equal(parseMoment(s, o), undefined, s);
    }
  });
});

describe('windowStart / windowEnd', () => {
  const t1017 = Y2016 + 10 * HOUR + 17 * MIN;

  it('aligns exact windows to the epoch', () => {
    assert.equal(windowStart(t1017 + 30000, dur('1h'), EPOCH), Y2016 + 10 * HOUR);
    assert.equal(windowStart(Y2016 + 10 * HOUR + 59 * MIN + 59999, dur('1h'), EPOCH), Y2016 + 10 * HOUR);
    assert.equal(windowStart(t1017, dur('5m'), EPOCH), Y2016 + 10 * HOUR + 15 * MIN);
    assert.equal(windowEnd(Y2016 + 10 * HOUR, dur('1h')), Y2016 + 11 * HOUR);
    // Before 1970 too.
    assert.equal(windowStart(-1, dur('1h'), EPOCH), -HOUR);
  });

  it('puts a point on a boundary in the window that starts there', () => {
    assert.equal(windowStart(Y2016 + 11 * HOUR, dur('1h'), EPOCH), Y2016 + 11 * HOUR);
    assert.equal(windowStart(Y2016 + 31 * DAY, dur('1M'), EPOCH), Y2016 + 31 * DAY);
  });

  it('aligns month and year windows to calendar boundaries', () => {
    const jan15 = Y2016 + 14 * DAY;
    assert.equal(windowStart(jan15, dur('1M'), EPOCH), Y2016);
    assert.equal(windowEnd(Y2016, dur('1M')), Y2016 + 31 * DAY);
    assert.equal(windowEnd(Y2016 + 31 * DAY, dur('1M')), MAR1);
    // 2016-05-15 → 2016-04-01: months since 1970-01 are multiples of 3 in Jan, Apr, Jul, Oct.
    const may15 = Y2016 + (31 + 29 + 31 + 30 + 14) * DAY;
    assert.equal(windowStart(may15, dur('3M'), EPOCH), Y2016 + (31 + 29 + 31) * DAY);
    assert.equal(windowStart(JUL17, dur('1y'), EPOCH), Y2016);
    assert.equal(windowEnd(Y2016, dur('1y')), Y2016 + 366 * DAY);
    // 1969-12-15 → 1969-12-01
    assert.equal(windowStart(-17 * DAY, dur('1M'), EPOCH), -31 * DAY);
  });

  it("anchors at the first point with align 'first'", () => {
    const first: Align = { kind: 'first', first: t1017 };
    assert.equal(windowStart(t1017, dur('1h'), first), t1017);
    assert.equal(windowStart(Y2016 + 12 * HOUR + 5 * MIN, dur('1h'), first), Y2016 + 11 * HOUR + 17 * MIN);
    assert.equal(windowStart(Y2016 + 11 * HOUR + 17 * MIN, dur('1h'), first), Y2016 + 11 * HOUR + 17 * MIN);
    assert.equal(windowStart(Y2016 + 9 * HOUR + 50 * MIN, dur('1h'), first), Y2016 + 9 * HOUR + 17 * MIN);
    // A month window from 2016-01-15 ends 2016-02-15.
    const jan15 = Y2016 + 14 * DAY;
    const feb15 = Y2016 + 45 * DAY;
    const monthly: Align = { kind: 'first', first: jan15 };
    assert.equal(windowEnd(jan15, dur('1M')), feb15);
    assert.equal(windowStart(Y2016 + 50 * DAY, dur('1M'), monthly), feb15);
    assert.equal(windowStart(Y2016 + 3 * DAY, dur('1M'), monthly), Y2016 - 17 * DAY);
  });

  it('shifts epoch alignment by an offset', () => {
    const minus1h: Align = { kind: 'offset', offset: dur('-1h') };
    assert.equal(windowStart(Y2016 + 12 * HOUR, dur('1d'), minus1h), Y2016 - HOUR);
    assert.equal(windowStart(Y2016 + 23 * HOUR, dur('1d'), minus1h), Y2016 + 23 * HOUR);
    const plus15m: Align = { kind: 'offset', offset: dur('15m') };
    assert.equal(windowStart(Y2016 + 10 * HOUR + 5 * MIN, dur('1h'), plus15m), Y2016 + 9 * HOUR + 15 * MIN);
    // Weeks: the epoch was a Thursday; 4 days later starts them on Mondays (2016-01-06 → Mon 2016-01-04).
    assert.equal(windowStart(Y2016 + 5 * DAY, dur('1w'), EPOCH), Y2016 - DAY);
    const monday = windowStart(Y2016 + 5 * DAY, dur('1w'), { kind: 'offset', offset: dur('4d') });
    assert.equal(monday, Y2016 + 3 * DAY);
    assert.equal(calendarField(monday, 'weekday'), 1);
    // Calendar windows with an offset: months starting on the 2nd; quarters starting in February.
    assert.equal(windowStart(Y2016 + 10 * DAY, dur('1M'), { kind: 'offset', offset: dur('1d') }), Y2016 + DAY);
    assert.equal(windowStart(Y2016, dur('1M'), { kind: 'offset', offset: dur('1d') }), Y2016 - 30 * DAY);
    assert.equal(windowStart(Y2016 + 10 * DAY, dur('3M'), { kind: 'offset', offset: dur('1M') }), Y2016 - 61 * DAY);
  });

  it('always gives start ≤ t < windowEnd(start), and ends are window starts', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const everies = ['1h', '15m', '1d', '1w', '1M', '3M', '1y', '1M 1d', '2M 12h'].map(dur);
    const firsts = [Y2016 + 30 * DAY + 7 * HOUR, Y2016 + 14 * DAY, MAR1 - 1];
    for (let i = 0; i < 400; i++) {
      const t = Math.floor(Y2016 + (rand() - 0.5) * 4 * 365 * DAY);
      const every = everies[i % everies.length]!;
      const aligns: Align[] = [EPOCH, { kind: 'offset', offset: dur('6h') }, { kind: 'first', first: firsts[i % firsts.length]! }];
      for (const a of aligns) {
        const s = windowStart(t, every, a);
        const e = windowEnd(s, every);
        assert.ok(s <= t && t < e, `${new Date(t).toISOString()} ${formatDuration(every)} ${a.kind}`);
        assert.equal(windowStart(e, every, a), e);
      }
    }
  });
});

describe('calendarField', () => {
  it('gives UTC fields', () => {
    assert.equal(calendarField(JUL17, 'year'), 2016);
    assert.equal(calendarField(JUL17, 'month'), 7);
    assert.equal(calendarField(JUL17, 'day'), 17);
    assert.equal(calendarField(JUL17, 'hour'), 13);
    assert.equal(calendarField(JUL17, 'minute'), 59);
    assert.equal(calendarField(JUL17, 'second'), 44);
    assert.equal(calendarField(-1, 'year'), 1969);
    assert.equal(calendarField(-1, 'second'), 59);
  });

  it('numbers weekdays 1 (Monday) to 7 (Sunday)', () => {
    assert.equal(calendarField(Y2016, 'weekday'), 5); // Friday
    assert.equal(calendarField(Y2016 + 2 * DAY, 'weekday'), 7); // Sunday
    assert.equal(calendarField(Y2016 + 3 * DAY, 'weekday'), 1); // Monday
    assert.equal(calendarField(JUL17, 'weekday'), 7); // Sunday
    assert.equal(calendarField(0, 'weekday'), 4); // 1970-01-01, Thursday
  });
});

describe('formatTime', () => {
  const t = Y2016 + DAY + 3 * HOUR + 4 * MIN + 5006; // 2016-01-02T03:04:05.006Z, a Saturday

  it('formats luxon tokens in UTC', () => {
    assert.equal(formatTime(JUL17, 'yyyy-MM-dd HH:mm'), '2016-07-17 13:59');
    assert.equal(formatTime(t, "yyyy-MM-dd'T'HH:mm:ss.SSS"), '2016-01-02T03:04:05.006');
    assert.equal(formatTime(t, 'EEE d MMMM yyyy'), 'Sat 2 January 2016');
  });

  it('formats strftime patterns in UTC', () => {
    assert.equal(formatTime(t, '%Y-%m-%d %H:%M:%S.%L'), '2016-01-02 03:04:05.006');
    assert.equal(formatTime(t, '%F %T'), '2016-01-02 03:04:05');
    assert.equal(formatTime(t, '%j %a %A %b %B %y'), '002 Sat Saturday Jan January 16');
    assert.equal(formatTime(t, '[%e] %Z %z %%'), '[ 2] UTC +0000 %');
    assert.equal(formatTime(t, '%s'), '1451703845');
    assert.equal(formatTime(t, '%I:%M %p'), '03:04 AM');
    assert.equal(formatTime(t + 12 * HOUR, '%I:%M %p'), '03:04 PM');
    assert.equal(formatTime(t, '%-d/%-m %f'), '2/1 006000');
    assert.equal(formatTime(t, '%u %w'), '6 6');
    // 2016-01-02 is in ISO week 53 of 2015.
    assert.equal(formatTime(t, '%G-W%V'), '2015-W53');
    assert.equal(formatTime(t, '%Q'), '%Q');
    assert.equal(formatTime(NaN, '%F'), '');
  });
});

describe('parseTime', () => {
  const o = at(MAR1);

  it('uses parseMoment without a format', () => {
    assert.equal(parseTime('2016-07-17T13:59:44Z', undefined, o), JUL17);
    assert.equal(parseTime('1 day ago', undefined, o), MAR1 - DAY);
  });

  it('parses with luxon tokens', () => {
    assert.equal(parseTime('17/07/2016 13:59:44', 'dd/MM/yyyy HH:mm:ss', o), JUL17);
    assert.equal(parseTime('17/07/2016 15:59:44 +02:00', 'dd/MM/yyyy HH:mm:ss ZZ', o), JUL17);
    assert.equal(parseTime('not a date', 'dd/MM/yyyy', o), undefined);
    // No year: the latest year that is not after now (now = 2016-03-01).
    assert.equal(parseTime('17/07 13:59:44', 'dd/MM HH:mm:ss', o), JUL17 - 366 * DAY);
  });

  it('parses with strftime patterns', () => {
    assert.equal(parseTime('17/07/2016 13:59:44', '%d/%m/%Y %H:%M:%S', o), JUL17);
    assert.equal(parseTime('2016-07-17 15:59:44 +0200', '%Y-%m-%d %H:%M:%S %z', o), JUL17);
    assert.equal(parseTime('2016-07-17T13:59:44.123456', '%Y-%m-%dT%H:%M:%S.%f', o), JUL17 + 123);
    assert.equal(parseTime('Sun Jul 17 01:59:44 PM 2016', '%a %b %d %I:%M:%S %p %Y', o), JUL17);
    assert.equal(parseTime('1451606400', '%s', o), Y2016);
    assert.equal(parseTime('2016-07-17 13:59:44', '%F %T', o), JUL17);
    assert.equal(parseTime('Jul 17 13:59:44', '%b %d %H:%M:%S', o), JUL17 - 366 * DAY);
    assert.equal(parseTime('2016-01-01 100%', '%Y-%m-%d 100%%', o), Y2016);
    assert.equal(parseTime('2016-13-01', '%Y-%m-%d', o), undefined);
    assert.equal(parseTime('nope', '%Y-%m-%d', o), undefined);
    assert.equal(parseTime('2016-01-01', '%Y-%m-%d %Q', o), undefined);
  });
});

describe('epochMsFromNumber (SPEC §12.3)', () => {
  it("'auto' decides by magnitude; a unit forces one; below the millisecond is truncated", async () => {
    const { epochMsFromNumber } = await import('../../src/runtime/time.js');
    const ms = Date.UTC(2024, 2, 1, 12, 5, 0);
    assert.equal(epochMsFromNumber(ms / 1000, 'auto'), ms);
    assert.equal(epochMsFromNumber(ms + 123, 'auto'), ms + 123);
    assert.equal(epochMsFromNumber((ms + 123) * 1000 + 456, 'auto'), ms + 123);
    assert.equal(epochMsFromNumber((ms + 123) * 1e6, 'auto'), ms + 123);
    // The edges: 1e11 s is the year 5138; just below it is still seconds.
    assert.equal(epochMsFromNumber(99_999_999_999, 'auto'), 99_999_999_999_000);
    assert.equal(epochMsFromNumber(1e11, 'auto'), 1e11);
    assert.equal(epochMsFromNumber(1e14, 'auto'), 1e11);
    assert.equal(epochMsFromNumber(1e17, 'auto'), 1e11);
    assert.equal(epochMsFromNumber(1709294700, 'ms'), 1709294700);
    assert.equal(epochMsFromNumber(1709294700123, 's'), 1709294700123000);
    assert.equal(epochMsFromNumber(1.5, 's'), 1500);
    assert.equal(epochMsFromNumber(-1.5, 'ms'), -2);
    assert.equal(epochMsFromNumber(Number.NaN, 'auto'), undefined);
  });
});
