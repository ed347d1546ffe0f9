/**
 * emit: generate points, historical ones at once and future ones on the clock.
 */
import type { Duration } from '../runtime/component.js';
import { defineSource } from '../runtime/defs.js';
import type { Point } from '../runtime/point.js';
import { addDuration, parseMoment } from '../runtime/time.js';
import { compileError } from '../lang/diagnostics.js';
import { TimeValue } from '../runtime/point.js';

/** Historical points go downstream in batches of this size. */
const BATCH = 4096;

export const emit = defineSource({
  name: 'emit',
  summary: 'generate points carrying only `time`, or emit given points',
  description:
    '`points=[...]` emits exactly those points, in order (their `time` fields parsed). Otherwise points carrying only `time` are made ' +
    'from `start` (default: now) stepping by `every`, until `limit` points or `end` (exclusive). Points up to now come at once; ' +
    'later ones in real time, so `emit()` runs forever, one point a second.',
  options: {
    limit: { type: 'integer', min: 0, nullable: true, doc: 'how many points (default: unlimited)' },
    every: { type: 'duration', default: '1s', doc: 'step between points' },
    start: { type: 'moment', nullable: true, doc: "time of the first point ('2016-01-01', '1 hour ago'; default now)" },
    end: { type: 'moment', nullable: true, doc: 'stop before this moment (exclusive)' },
    points: { type: 'list', nullable: true, doc: 'emit exactly these points instead' },
  },
  positional: ['limit'],
  examples: [
    { title: 'three points one second apart', program: "emit(limit=3, start='2016-01-01')", output: '{"time":"2016-01-01T00:00:00.000Z"}\n{"time":"2016-01-01T00:00:01.000Z"}\n{"time":"2016-01-01T00:00:02.000Z"}' },
    { title: 'given points', program: "emit(points=[{time:'2016-01-01', a:1}, {a:2}])", output: '{"time":"2016-01-01T00:00:00.000Z","a":1}\n{"a":2}' },
  ],
  create(opts, ctx) {
    const given = opts['points'] as unknown[] | null | undefined;
    if (given) {
      const points = given.map((p, i) => toPoint(p, i, ctx.now));
      return {
        async run(out) {
          let max = -Infinity;
          for (const p of points) if (p.time !== undefined && p.time > max) max = p.time;
          // Fresh copies each run: downstream may modify points in place.
          const r = out.push(points.map((p) => ({ ...p })), max === -Infinity ? undefined : max);
          if (r) await r;
        },
      };
    }
    const limit = (opts['limit'] as number | null | undefined) ?? Infinity;
    const every = opts['every'] as Duration;
    if (every.ms <= 0 && every.months <= 0) throw compileError('bad-option', 'emit: `every` must be longer than zero');
    const start = (opts['start'] as number | null | undefined) ?? ctx.now;
    const end = (opts['end'] as number | null | undefined) ?? Infinity;
    const exact = every.months === 0 ? every.ms : 0;
    return {
      async run(out) {
        let t = start;
        let n = 0;
        const next = (): number => (exact > 0 ? t + exact : addDuration(t, every));
        while (n < limit && t < end && !out.done) {
          const now = ctx.clock.now();
          if (t <= now) {
            const batch: Point[] = [];
            while (n < limit && t < end && t <= now && batch.length < BATCH) {
              // An empty literal comes with spare in-object slots (a `{ time }` literal has none), so the
              // fields a later put adds are stored in place instead of in a separately allocated array.
              const p: Point = {};
              p.time = t;
              batch.push(p);
              t = next();
              n++;
            }
            // The next point is at `t`: nothing earlier will come (watermark).
            const r = out.push(batch, n < limit && t < end ? t : undefined);
            if (r) await r;
            continue;
          }
          // Nothing comes before `t`: say so, so a merge or a live window does not wait for this source.
          const m = out.mark(t);
          if (m) await m;
          if (!(await ctx.clock.sleepUntil(t, ctx.signal))) break;
        }
      },
    };
  },
});

function toPoint(v: unknown, i: number, now: number): Point {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw compileError('bad-option', `emit: points[${i}] is not an object`);
  }
  const p = { ...(v as Point) };
  const t = (p as Record<string, unknown>)['time'];
  if (t === undefined || t === null) {
    delete p.time;
    return p;
  }
  const ms = t instanceof TimeValue ? t.ms : parseMoment(t as string | number, { now });
  if (ms === undefined) throw compileError('bad-option', `emit: points[${i}].time is not a moment: ${JSON.stringify(t)}`);
  // `time` goes first so writers print it first.
  const { time: _omit, ...rest } = p;
  void _omit;
  return { time: ms, ...rest };
}
