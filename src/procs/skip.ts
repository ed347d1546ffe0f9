/**
 * skip: drop the first n points, per group.
 */
import { defineProc } from '../runtime/defs.js';
import type { Batch, Point } from '../runtime/point.js';
import type { ProcInstance } from '../runtime/component.js';
import { groupKeyFn } from './aggregate.js';
import { GroupLimit, groupLimitOption } from './window.js';

export const skip = defineProc({
  name: 'skip',
  summary: 'drop the first n points (per group)',
  description: 'With `by`, the first `n` points of every group are dropped (a point missing a `by` field is in the group whose value is null).',
  options: {
    n: { type: 'integer', min: 0, required: true, doc: 'how many points to drop (per group)' },
    by: { type: 'fields', default: [], doc: 'count separately per group of these fields' },
    limit: groupLimitOption,
  },
  positional: ['n'],
  examples: [
    { title: 'skip the first two points', program: 'emit(points=[{a:1},{a:2},{a:3}]) | skip(2)', output: '{"a":3}' },
    {
      title: 'skip the first point of each group',
      program: "emit(points=[{k:'x', v:1},{k:'y', v:2},{k:'x', v:3},{k:'y', v:4}]) | skip(1, by=[k])",
      output: '{"k":"x","v":3}\n{"k":"y","v":4}',
    },
  ],
  create(opts) {
    const n = Math.max(0, opts.n);
    const keyOf = groupKeyFn(opts.by);
    return keyOf ? new GroupedSkip(n, keyOf, new GroupLimit('skip', opts.limit)) : new Skip(n);
  },
});

class Skip implements ProcInstance {
  private left: number;
  constructor(n: number) {
    this.left = n;
  }
  push(batch: Batch, out: Point[]): void {
    let i = 0;
    if (this.left > 0) {
      i = Math.min(this.left, batch.length);
      this.left -= i;
    }
    for (; i < batch.length; i++) out.push(batch[i]!);
  }
}

class GroupedSkip implements ProcInstance {
  private readonly counts = new Map<unknown, number>();
  constructor(
    private readonly n: number,
    private readonly keyOf: (p: Point) => unknown,
    private readonly limit: GroupLimit,
  ) {}
  push(batch: Batch, out: Point[]): void {
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const k = this.keyOf(p);
      const c = this.counts.get(k);
      if (c === undefined) this.limit.check(this.counts.size);
      if (c === undefined || c < this.n) this.counts.set(k, (c ?? 0) + 1);
      else out.push(p);
    }
  }
}
