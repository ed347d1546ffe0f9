import { defineReducer, type ReducerState } from './types.js';
import { decodeValue, encodeValue, isAbsent, isObj, valueKey } from './util.js';

/** Distinct values kept per state; later new values are ignored. */
export const VALUES_LIMIT = 1_000;

export const values = defineReducer({
  name: 'values',
  summary: 'The distinct values of a field, in first-seen order (at most 1,000).',
  description:
    'Distinct by type and value; lists and objects compare by canonical JSON (keys sorted), the first-seen form is ' +
    'kept. Null and missing values are skipped. Once 1,000 distinct values are held, further new values are ' +
    'ignored (the list is a sample of the first ones, not an error). Merging appends the other state\'s new values ' +
    'after this state\'s, up to the same limit.',
  params: [{ name: 'f', type: 'value', doc: 'The field or expression.' }],
  empty: [],
  retractable: false,
  create(_consts, ctx) {
    return (): ReducerState => {
      const seen = new Set<string>();
      const list: unknown[] = [];
      const offer = (v: unknown) => {
        if (isAbsent(v) || list.length >= VALUES_LIMIT) return;
        const k = valueKey(v);
        if (seen.has(k)) return;
        seen.add(k);
        list.push(v);
      };
      return {
        add: offer,
        // A copy: the emitted point must not change when the state grows later (reset=false).
        result: () => list.slice(),
        partial: () => ({ values: list.map(encodeValue) }),
        merge(p) {
          if (isAbsent(p)) return;
          if (!isObj(p) || !Array.isArray(p.values)) return ctx.mismatch(p);
          for (const v of p.values) offer(decodeValue(v));
        },
      };
    };
  },
  examples: [
    {
      title: 'Distinct hosts in first-seen order.',
      program: "emit(points=[{h:'b'},{h:'a'},{h:'b'},{}]) | reduce(hosts=values(h))",
      output: '{"hosts":["b","a"]}',
    },
  ],
});
