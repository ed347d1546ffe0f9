/**
 * head: the first n points, per group. Ungrouped, it tells upstream to stop
 * once it has them (`done`), so `read(...) | head(5)` does not read the whole file.
 */
import { defineProc } from '../runtime/defs.js';
import type { Batch, Point } from '../runtime/point.js';
import type { ProcInstance } from '../runtime/component.js';
import { groupKeyFn } from './aggregate.js';
import { GroupLimit, groupLimitOption } from './window.js';

export const head = defineProc({
  name: 'head',
  summary: 'the first n points (per group)',
  description:
    'Without `by`, once `n` points have passed the stream upstream stops reading. With `by`, the first `n` points of every group pass ' +
    '(a point missing a `by` field is in the group whose value is null); the stream cannot stop early, since a new group may still appear.',
  options: {
    n: { type: 'integer', min: 0, default: 10, doc: 'how many points (per group)' },
    by: { type: 'fields', default: [], doc: 'count separately per group of these fields' },
    limit: groupLimitOption,
  },
  positional: ['n'],
  examples: [
    { title: 'first two points', program: 'emit(points=[{a:1},{a:2},{a:3}]) | head(2)', output: '{"a":1}\n{"a":2}' },
    {
      title: 'first point of each group',
      program: "emit(points=[{k:'x', v:1},{k:'y', v:2},{k:'x', v:3},{k:'y', v:4}]) | head(1, by=[k])",
      output: '{"k":"x","v":1}\n{"k":"y","v":2}',
    },
  ],
  create(opts) {
    const n = Math.max(0, opts.n);
    const keyOf = groupKeyFn(opts.by);
    return keyOf ? new GroupedHead(n, keyOf, new GroupLimit('head', opts.limit)) : new Head(n);
  },
});

class Head implements ProcInstance {
  readonly fieldsSet = [];
  private seen = 0;
  done: boolean;
  constructor(private readonly n: number) {
    this.done = n === 0;
  }
  push(batch: Batch, out: Point[]): void {
    const take = Math.min(batch.length, this.n - this.seen);
    for (let i = 0; i < take; i++) out.push(batch[i]!);
    if (take > 0) this.seen += take;
    if (this.seen >= this.n) this.done = true;
  }
}

class GroupedHead implements ProcInstance {
  readonly fieldsSet = [];
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
      if (c === undefined || c < this.n) {
        this.counts.set(k, (c ?? 0) + 1);
        out.push(p);
      }
    }
  }
}
