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
    return (): ReducerState => {
      const ks = new ExactSum();
      let n = 0;
      return {
        add(v) {
          const x = takeNum(v, ctx);
          if (x === undefined) return;
          ks.add(x);
          n++;
        },
        remove(v) {
          if (typeof v !== 'number' || !Number.isFinite(v)) return;
          ks.add(-v);
          if (--n === 0) ks.reset();
        },
        result: () => (n === 0 ? null : ks.value / n),
        partial: () => ({ n, s: ks.parts.slice() }),
        merge(p) {
          if (isAbsent(p)) return;
          if (!isObj(p) || Number.isNaN(num(p, 'n')) || !isNumList(p.s)) return ctx.mismatch(p);
          ks.addAll(p.s);
          n += num(p, 'n');
        },
      };
    };
  },
  examples: [
    {
      title: 'Average of a field.',
      program: 'emit(points=[{v:1},{v:2},{v:6}]) | reduce(a=avg(v))',
      output: '{"a":3}',
    },
  ],
});
