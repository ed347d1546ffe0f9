import { defineReducer, type ReducerState } from './types.js';
import { isAbsent, isObj, num } from './util.js';

/**
 * `count()` and `count(f)` differ only in whether an argument was written, so
 * the mode comes from `consts.length`: the reduce processor must pass `[]` for
 * `count()` and `[undefined]` for `count(f)` (consts trimmed to the arguments
 * given). Both modes receive `add(undefined)` for a point lacking the value,
 * which is why the value alone cannot tell them apart.
 */
export const count = defineReducer({
  name: 'count',
  summary: 'Number of points; with a field, number of points where it is present and non-null.',
  description:
    '`count()` counts every point. `count(f)` counts points where `f` (a field or an expression) is present and not null; ' +
    'any other value, including `0`, `false` and `""`, counts. Retractable: sliding windows update it in O(1). ' +
    'Merging partial states adds the counts, so a split aggregation is exact.',
  params: [{ name: 'f', type: 'value', optional: true, doc: 'Count only points where this field or expression is present and non-null.' }],
  empty: 0,
  retractable: true,
  create(consts, ctx) {
    const all = consts.length === 0;
    const mismatch = ctx.mismatch;
    // A class, not closures: one small object per group (a million groups are common).
    class CountState implements ReducerState {
      n = 0;
      add(v: unknown): void {
        if (all || !isAbsent(v)) this.n++;
      }
      remove(v: unknown): void {
        if (all || !isAbsent(v)) this.n--;
      }
      result(): number {
        return this.n;
      }
      partial(): unknown {
        return { n: this.n };
      }
      merge(p: unknown): void {
        if (isAbsent(p)) return;
        const m = isObj(p) ? num(p, 'n') : NaN;
        if (Number.isNaN(m)) mismatch(p);
        else this.n += m;
      }
    }
    return () => new CountState();
  },
  examples: [
    {
      title: 'Count all points, and points where `v` is present and non-null.',
      program: 'emit(points=[{v:1},{v:null},{w:2},{v:0}]) | reduce(n=count(), nv=count(v))',
      output: '{"n":4,"nv":2}',
    },
    {
      title: 'Count points per minute.',
      program:
        "emit(points=[{time:'2016-01-01T00:00:00Z'},{time:'2016-01-01T00:00:30Z'},{time:'2016-01-01T00:01:10Z'}]) | reduce(n=count(), every='1m')",
      output: '{"time":"2016-01-01T00:00:00.000Z","n":2}\n{"time":"2016-01-01T00:01:00.000Z","n":1}',
    },
  ],
});
