/**
 * tail: the last n points (per group), emitted at end of stream (§11.17).
 */
import { defineProc } from '../runtime/defs.js';
import type { Batch, Point } from '../runtime/point.js';
import type { ProcInstance } from '../runtime/component.js';
import { groupKeyFn } from './aggregate.js';
import { GroupLimit, groupLimitOption } from './window.js';

export const tail = defineProc({
  name: 'tail',
  summary: 'the last n points (per group), at end of stream',
  description:
    'Holds the last `n` points (of every group) and emits them when the stream ends; `tail(0)` gives nothing. ' +
    'Without `by` the points come out as they arrived. With `by` they come out in time order across groups ' +
    '(ties, and streams holding timeless points, in arrival order). Memory is `n` points per group.',
  options: {
    n: { type: 'integer', min: 0, default: 10, doc: 'how many points (per group)' },
    by: { type: 'fields', default: [], doc: 'keep the last n of every group of these fields' },
    limit: groupLimitOption,
  },
  positional: ['n'],
  examples: [
    { title: 'last two points', program: 'emit(points=[{a:1},{a:2},{a:3}]) | tail(2)', output: '{"a":2}\n{"a":3}' },
    {
      title: 'last point of each group, in time order',
      program:
        "emit(points=[{time:'2016-01-01T00:00:00Z', k:'x', v:1},{time:'2016-01-01T00:00:01Z', k:'y', v:2},{time:'2016-01-01T00:00:02Z', k:'x', v:3}]) | tail(1, by=[k])",
      output: '{"time":"2016-01-01T00:00:01.000Z","k":"y","v":2}\n{"time":"2016-01-01T00:00:02.000Z","k":"x","v":3}',
    },
  ],
  create(opts) {
    const n = Math.max(0, opts.n);
    const keyOf = groupKeyFn(opts.by);
    return keyOf ? new GroupedTail(n, keyOf, new GroupLimit('tail', opts.limit)) : new Tail(n);
  },
});

/** A fixed-size ring holding the last `n` points, with their arrival numbers (for the grouped order). */
class Ring {
  readonly points: Point[];
  readonly seqs: number[];
  /** Items held (at most n). */
  length = 0;
  private next = 0;
  constructor(private readonly n: number) {
    // Sized up front when small: a growing array reserves 17 slots at its first push (tail(1, by) keeps a million rings).
    this.points = n <= 64 ? new Array<Point>(n) : [];
    this.seqs = n <= 64 ? new Array<number>(n) : [];
  }
  add(p: Point, seq: number): void {
    if (this.length < this.n) {
      this.points[this.length] = p;
      this.seqs[this.length] = seq;
      this.length++;
    } else {
      this.points[this.next] = p;
      this.seqs[this.next] = seq;
      this.next = this.next + 1 === this.n ? 0 : this.next + 1;
    }
  }
  /** Position of the i-th oldest item. */
  at(i: number): number {
    return this.length < this.n ? i : (this.next + i) % this.length;
  }
}

class Tail implements ProcInstance {
  private readonly ring: Ring;
  constructor(private readonly n: number) {
    this.ring = new Ring(n);
  }
  push(batch: Batch): void {
    if (this.n === 0) return;
    // Only the batch's last n can survive: skip the rest without touching the ring.
    for (let i = Math.max(0, batch.length - this.n); i < batch.length; i++) this.ring.add(batch[i]!, 0);
  }
  // Nothing comes out before the end, so downstream must not be promised anything earlier.
  mark(): number {
    return -Infinity;
  }
  end(out: Point[]): void {
    const r = this.ring;
    for (let i = 0; i < r.length; i++) out.push(r.points[r.at(i)]!);
  }
}

class GroupedTail implements ProcInstance {
  private readonly groups = new Map<unknown, Ring>();
  private seq = 0;
  constructor(
    private readonly n: number,
    private readonly keyOf: (p: Point) => unknown,
    private readonly limit: GroupLimit,
  ) {}
  push(batch: Batch): void {
    if (this.n === 0) return;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const k = this.keyOf(p);
      let ring = this.groups.get(k);
      if (!ring) {
        this.limit.check(this.groups.size);
        this.groups.set(k, (ring = new Ring(this.n)));
      }
      ring.add(p, this.seq++);
    }
  }
  mark(): number {
    return -Infinity;
  }
  end(out: Point[]): void {
    const held: { p: Point; seq: number }[] = [];
    let timed = true;
    for (const r of this.groups.values()) {
      for (let i = 0; i < r.length; i++) {
        const j = r.at(i);
        const p = r.points[j]!;
        if (p.time === undefined) timed = false;
        held.push({ p, seq: r.seqs[j]! });
      }
    }
    // A comparison mixing timed and timeless points would not be a total order: fall back to arrival order.
    if (timed) held.sort((a, b) => a.p.time! - b.p.time! || a.seq - b.seq);
    else held.sort((a, b) => a.seq - b.seq);
    for (const h of held) out.push(h.p);
  }
}
