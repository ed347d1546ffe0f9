/**
 * reorder: buffer `lateness` worth of stream and release it in time order.
 */
import type { Duration, ProcInstance, RunContext } from '../runtime/component.js';
import { defineProc } from '../runtime/defs.js';
import { pointToJson, type Batch, type Point } from '../runtime/point.js';
import { addDuration } from '../runtime/time.js';

export const reorder = defineProc({
  name: 'reorder',
  summary: 'buffer and release points in time order',
  description:
    'Holds points until they are `lateness` older than the newest time seen (or than the watermark, for live sources), ' +
    'then releases them sorted by time (ties in arrival order). A point older than one already released is late: it is dropped ' +
    'and counted (reason `late`). Timeless points pass straight through. Everything held is released at end of stream.',
  windowed: true,
  options: {
    lateness: { type: 'duration', default: '5s', doc: 'how far out of order points may arrive' },
  },
  positional: ['lateness'],
  examples: [
    {
      title: 'put shuffled points back in order',
      program:
        "emit(points=[{time:'2016-01-01T00:00:02Z', a:2},{time:'2016-01-01T00:00:01Z', a:1},{time:'2016-01-01T00:00:03Z', a:3}]) | reorder(lateness='5s')",
      output:
        '{"time":"2016-01-01T00:00:01.000Z","a":1}\n{"time":"2016-01-01T00:00:02.000Z","a":2}\n{"time":"2016-01-01T00:00:03.000Z","a":3}',
    },
    {
      title: 'points later than the allowed lateness are dropped',
      program:
        "emit(points=[{time:'2016-01-01T00:00:00Z', a:0},{time:'2016-01-01T00:00:10Z', a:10},{time:'2016-01-01T00:00:20Z', a:20},{time:'2016-01-01T00:00:05Z', a:5}]) | reorder(lateness='2s')",
      output:
        '{"time":"2016-01-01T00:00:00.000Z","a":0}\n{"time":"2016-01-01T00:00:10.000Z","a":10}\n{"time":"2016-01-01T00:00:20.000Z","a":20}',
    },
  ],
  create(opts, ctx) {
    return new Reorder(opts['lateness'] as Duration, ctx);
  },
});

/**
 * A binary min-heap on (time, arrival) kept in parallel arrays, so holding a
 * point costs no allocation.
 */
class Reorder implements ProcInstance {
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly points: Point[] = [];
  private seq = 0;
  private maxSeen = -Infinity;
  private cutoff = -Infinity;
  private lastReleased = -Infinity;
  private inputMark = -Infinity;
  private exampled = false;

  constructor(
    private readonly lateness: Duration,
    private readonly ctx: RunContext,
  ) {}

  push(batch: Batch, out: Point[]): void {
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const t = p.time;
      if (t === undefined) {
        out.push(p);
        continue;
      }
      if (t < this.lastReleased) {
        this.dropLate(p);
        continue;
      }
      this.add(t, p);
      // Per point, not per batch: which points count as late must not depend on how input was batched.
      if (t > this.maxSeen) {
        this.maxSeen = t;
        this.release(this.back(t), out);
      } else if (t < this.cutoff) {
        // Already past the cutoff but not late: it can go out now without breaking the order.
        this.release(this.cutoff, out);
      }
    }
  }

  mark(watermark: number, out: Point[]): number {
    if (watermark > this.inputMark) this.inputMark = watermark;
    this.release(this.back(watermark), out);
    // Not the input's watermark: held points (and late arrivals still accepted) may be older.
    const held = this.times.length > 0 ? this.times[0]! : Infinity;
    return Math.max(this.lastReleased, Math.min(this.inputMark, held));
  }

  end(out: Point[]): void {
    this.release(Infinity, out);
  }

  private back(t: number): number {
    if (t === -Infinity) return t;
    return this.lateness.months === 0 ? t - this.lateness.ms : addDuration(t, this.lateness, -1);
  }

  private release(cutoff: number, out: Point[]): void {
    if (cutoff > this.cutoff) this.cutoff = cutoff;
    while (this.times.length > 0 && this.times[0]! < this.cutoff) {
      this.lastReleased = this.times[0]!;
      out.push(this.pop());
    }
  }

  private dropLate(p: Point): void {
    if (this.exampled) return this.ctx.drop('late');
    this.exampled = true;
    this.ctx.drop('late', pointToJson(p));
  }

  private less(i: number, j: number): boolean {
    const a = this.times[i]!;
    const b = this.times[j]!;
    return a < b || (a === b && this.seqs[i]! < this.seqs[j]!);
  }

  private swap(i: number, j: number): void {
    const { times, seqs, points } = this;
    const t = times[i]!;
    times[i] = times[j]!;
    times[j] = t;
    const s = seqs[i]!;
    seqs[i] = seqs[j]!;
    seqs[j] = s;
    const p = points[i]!;
    points[i] = points[j]!;
    points[j] = p;
  }

  private add(t: number, p: Point): void {
    this.times.push(t);
    this.seqs.push(this.seq++);
    this.points.push(p);
    let i = this.times.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private pop(): Point {
    const top = this.points[0]!;
    const last = this.times.length - 1;
    this.swap(0, last);
    this.times.pop();
    this.seqs.pop();
    this.points.pop();
    let i = 0;
    const n = this.times.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}
