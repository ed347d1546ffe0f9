import { defineReducer, type ReducerContext, type ReducerState } from './types.js';
import { ExactSum, isAbsent, isNumList, isObj, num, takeNum, twoProduct } from './util.js';

/**
 * Keeps n, Σx and Σx² as exact sums (x² split exactly into two doubles), and
 * evaluates n·Σx² − (Σx)² exactly before the one final rounding. The usual
 * streaming choices fall short of SPEC §4.1's "exactly": Welford with Chan's
 * merge differs from a single run in the last bit, and a rounded Σx²−(Σx)²/n
 * cancels catastrophically on large values with small spread (timestamps,
 * byte counters). Exact sums make the result independent of order, split and
 * retraction.
 */
export function varianceFactory(finish: (variance: number) => number) {
  return (_consts: readonly unknown[], ctx: ReducerContext) =>
    (): ReducerState => {
      let n = 0;
      const s = new ExactSum();
      const q = new ExactSum();
      const reset = () => {
        n = 0;
        s.reset();
        q.reset();
      };
      return {
        add(v) {
          const x = takeNum(v, ctx);
          if (x === undefined) return;
          n++;
          s.add(x);
          const [p, e] = twoProduct(x, x);
          q.add(p);
          q.add(e);
        },
        remove(v) {
          if (typeof v !== 'number' || !Number.isFinite(v)) return;
          if (--n <= 0) return reset();
          s.add(-v);
          const [p, e] = twoProduct(v, v);
          q.add(-p);
          q.add(-e);
        },
        result() {
          if (n === 0) return null;
          const d = new ExactSum();
          for (const part of q.parts) {
            const [p, e] = twoProduct(part, n);
            d.add(p);
            d.add(e);
          }
          const sp = s.parts;
          for (let i = 0; i < sp.length; i++) {
            for (let j = 0; j < sp.length; j++) {
              const [p, e] = twoProduct(sp[i]!, sp[j]!);
              d.add(-p);
              d.add(-e);
            }
          }
          // n·Σx² − (Σx)² ≥ 0 exactly; max() only guards overflowed inputs.
          return finish(Math.max(0, d.value) / (n * n));
        },
        partial: () => ({ n, s: s.parts.slice(), q: q.parts.slice() }),
        merge(p) {
          if (isAbsent(p)) return;
          if (!isObj(p) || Number.isNaN(num(p, 'n')) || !isNumList(p.s) || !isNumList(p.q)) return ctx.mismatch(p);
          n += num(p, 'n');
          s.addAll(p.s);
          q.addAll(p.q);
        },
      };
    };
}

export const variance = defineReducer({
  name: 'variance',
  summary: 'Population variance of a numeric field.',
  description:
    'Divides by n (population), like numpy\'s default; one value gives 0, none gives null. Non-numeric values are ' +
    'skipped and counted as `type-mismatch`. Computed from exact sums and rounded once, so it is accurate even for ' +
    'large values with a small spread, retractable in O(1) without drift, and merged partial states give exactly ' +
    'the single-run result.',
  params: [{ name: 'f', type: 'value', doc: 'The field or expression.' }],
  empty: null,
  retractable: true,
  create: varianceFactory((v) => v),
  examples: [
    {
      title: 'Population standard deviation and variance.',
      program: 'emit(points=[{v:2},{v:4},{v:4},{v:4},{v:5},{v:5},{v:7},{v:9}]) | reduce(sd=stddev(v), vr=variance(v))',
      output: '{"sd":2,"vr":4}',
    },
  ],
});
