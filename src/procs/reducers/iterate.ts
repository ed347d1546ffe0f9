import { defineReducer, type ReducerState } from './types.js';
import { isAbsent, isObj, num } from './util.js';

export const iterate = defineReducer({
  name: 'iterate',
  summary: 'Cycles through a list: the first point gives the first item, the next the second, and so on, wrapping around.',
  description:
    'Every point advances it, whatever its fields (Python flume). In `put` it labels points in turn; in `reduce` ' +
    'the result is the item reached by the window\'s last point. No points gives null. Merging adds the other ' +
    'state\'s point count.',
  params: [{ name: 'list', type: 'list', doc: 'The values to cycle through (a non-empty list).' }],
  empty: null,
  retractable: false,
  create(consts, ctx) {
    const list = consts[0];
    if (!Array.isArray(list) || list.length === 0) {
      throw new Error(`iterate needs a non-empty list, e.g. iterate(['a', 'b']), got ${JSON.stringify(list)}`);
    }
    return (): ReducerState => {
      let n = 0;
      return {
        add() {
          n++;
        },
        result: () => (n === 0 ? null : list[(n - 1) % list.length]),
        partial: () => ({ n }),
        merge(p) {
          if (isAbsent(p)) return;
          const m = isObj(p) ? num(p, 'n') : NaN;
          if (Number.isNaN(m)) ctx.mismatch(p);
          else n += m;
        },
      };
    };
  },
  examples: [
    {
      title: 'Label points in turn.',
      program: "emit(points=[{v:1},{v:2},{v:3}]) | put(color=iterate(['red', 'green']))",
      output: '{"v":1,"color":"red"}\n{"v":2,"color":"green"}\n{"v":3,"color":"red"}',
    },
  ],
});
