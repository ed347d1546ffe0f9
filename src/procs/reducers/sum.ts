import { defineReducer, type ReducerState } from './types.js';
import { ExactSum, isAbsent, isNumList, isObj, num, takeNum } from './util.js';

export const sum = defineReducer({
  name: 'sum',
  summary: 'Sum of a numeric field.',
  description:
    'Non-numeric values (numeric strings included) are skipped and counted as `type-mismatch`. ' +
    'Uses compensated (Neumaier) summation, so sliding windows that add and retract values do not drift and ' +
    'merged partial sums equal a single run. Retractable.',
  params: [{ name: 'f', type: 'value', doc: 'The field or expression to add up.' }],
  empty: 0,
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
          // Exact arithmetic already gives 0 here; resetting just drops the leftover partials.
          if (--n === 0) ks.reset();
        },
        result: () => (n === 0 ? 0 : ks.value),
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
      title: 'Sum a field; null and missing values are skipped.',
      program: 'emit(points=[{v:1},{v:2.5},{v:null},{}]) | reduce(s=sum(v))',
      output: '{"s":3.5}',
    },
    {
      title: 'Sum per one-minute window.',
      program:
        "emit(points=[{time:'2016-01-01T00:00:00Z',v:1},{time:'2016-01-01T00:00:30Z',v:2},{time:'2016-01-01T00:01:10Z',v:4}]) | reduce(s=sum(v), every='1m')",
      output: '{"time":"2016-01-01T00:00:00.000Z","s":3}\n{"time":"2016-01-01T00:01:00.000Z","s":4}',
    },
  ],
});
