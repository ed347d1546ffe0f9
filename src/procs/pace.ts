/**
 * pace: replay historical points in real time (or `speed` times faster).
 */
import { compileError } from '../lang/diagnostics.js';
import type { Duration, ProcInstance, RunContext } from '../runtime/component.js';
import { defineProc } from '../runtime/defs.js';
import type { Batch, Point } from '../runtime/point.js';

export const pace = defineProc({
  name: 'pace',
  summary: 'replay historical points in real time (or `speed` times faster)',
  description:
    'The first point with a time goes out at once; every later point goes out when as much real time has passed since then as ' +
    'separates it from the first point in the data, divided by `speed`. Points whose moment has already come (out of order, or behind ' +
    'a slow downstream) go out at once; timeless points are never held. ' +
    "With `every`, pace wakes only on that real-time period: points go out in bunches spaced `every` apart (counted from the first point), " +
    'each bunch holding the points whose moment has come, so no point leaves before its moment but it may leave up to `every` after it. ' +
    'When the run is stopped, held points are released at once.',
  windowed: true,
  options: {
    every: { type: 'duration', nullable: true, default: null, doc: "emit in bunches this far apart in real time ('1s') instead of point by point" },
    speed: { type: 'number', default: 1, doc: 'replay this many times faster than real time (0.5: half speed)' },
  },
  examples: [
    {
      title: 'replay at 100 times real speed',
      program: "emit(limit=3, start='2016-01-01') | pace(speed=100)",
      output: '{"time":"2016-01-01T00:00:00.000Z"}\n{"time":"2016-01-01T00:00:01.000Z"}\n{"time":"2016-01-01T00:00:02.000Z"}',
    },
  ],
  create(opts, ctx) {
    const speed = opts['speed'] as number;
    if (!(speed > 0) || !Number.isFinite(speed)) throw compileError('bad-option', '`speed` of `pace` must be a number above 0', undefined, ['pace(speed=10)']);
    const every = (opts['every'] as Duration | null | undefined) ?? null;
    if (every && every.months !== 0) throw compileError('bad-option', '`every` of `pace` must not use calendar units (months, years)');
    return new Pace(speed, every ? every.ms : 0, ctx);
  },
});

class Pace implements ProcInstance {
  /** Data time of the first timed point, and the real time it went out. */
  private t0 = NaN;
  private wall0 = NaN;

  constructor(
    private readonly speed: number,
    private readonly every: number,
    private readonly ctx: RunContext,
  ) {}

  push(batch: Batch, out: Point[]): void {
    // Only reached when driven synchronously; the runtime uses pushAsync.
    for (let i = 0; i < batch.length; i++) out.push(batch[i]!);
  }

  async pushAsync(batch: Batch, emit: (points: Point[]) => void | Promise<void>): Promise<void> {
    const { clock, signal } = this.ctx;
    let i = 0;
    while (i < batch.length) {
      if (!signal.aborted) {
        const due = this.due(batch[i]!);
        if (due > clock.now()) await clock.sleepUntil(due, signal);
      }
      // Everything else already due goes out in the same bunch.
      const now = clock.now();
      let j = i + 1;
      while (j < batch.length && (signal.aborted || this.due(batch[j]!) <= now)) j++;
      const r = emit(i === 0 && j === batch.length ? batch : batch.slice(i, j));
      if (r) await r;
      i = j;
    }
  }

  /** When a point may go out (real time). */
  private due(p: Point): number {
    const t = p.time;
    if (t === undefined) return -Infinity;
    if (Number.isNaN(this.t0)) {
      this.t0 = t;
      this.wall0 = this.ctx.clock.now();
    }
    const at = this.wall0 + (t - this.t0) / this.speed;
    if (this.every <= 0 || at <= this.wall0) return at;
    return this.wall0 + Math.ceil((at - this.wall0) / this.every) * this.every;
  }
}
