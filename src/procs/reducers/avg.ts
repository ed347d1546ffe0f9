import { defineReducer, type ReducerState } from './types.js';
import { ExactSum, isAbsent, isNumList, isObj, num, takeNum } from './util.js';

export const avg = defineReducer({
  name: 'avg',
  aliases: ['mean'],
  summary: 'Arithmetic mean of a numeric field.',
  description:
    'Non-numeric values (numeric strings included) are skipped and counted as `type-mismatch`; no values gives null. ' +
    'Keeps a count and an exact sum (see `sum`), so it is retractable in O(1) without drift and merged partial ' +
    'states give exactly the single-run result.',
  params: [{ name: 'f', type: 'value', doc: 'The field or expression to average.' }],
  empty: null,
  retractable: true,
  create(_consts, ctx) {
    // A class, not closures: one small object per group (a million groups are common).
    class AvgState implements ReducerState {
      ks = new ExactSum();
      n = 0;
      add(v: unknown): void {
        const x = takeNum(v, ctx);
        if (x === undefined) return;
        this.ks.add(x);
        this.n++;
      }
      remove(v: unknown): void {
        if (typeof v !== 'number' || !Number.isFinite(v)) return;
        this.ks.add(-v);
        if (--this.n === 0) this.ks.reset();
      }
      result(): number | null {
        return this.n === 0 ? null : this.ks.value / this.n;
      }
      partial(): unknown {
        return { n: this.n, s: this.ks.parts.slice() };
      }
      merge(p: unknown): void {
        if (isAbsent(p)) return;
        if (!isObj(p) || Number.isNaN(num(p, 'n')) || !isNumList(p.s)) return ctx.mismatch(p);
        this.ks.addAll(p.s);
        this.n += num(p, 'n');
      }
    }
    return () => new AvgState();
  },
  examples: [
    {
      title: 'Average of a field.',
      program: 'emit(points=[{v:1},{v:2},{v:6}]) | reduce(a=avg(v))',
      output: '{"a":3}',
    },
  ],
});
