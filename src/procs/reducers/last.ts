import { defineReducer, type ReducerState } from './types.js';
import { decodeValue, encodeValue, isAbsent, isObj } from './util.js';

export const last = defineReducer({
  name: 'last',
  summary: 'Last present (non-null) value of a field.',
  description:
    'Any kind of value: numbers, strings, times, lists, objects. Merging follows argument order: merging B into A ' +
    'takes B\'s value when B has one, so merge partial states in time order (earlier window part first).',
  params: [{ name: 'f', type: 'value', doc: 'The field or expression.' }],
  empty: null,
  retractable: false,
  create(_consts, ctx) {
    return (): ReducerState => {
      let has = false;
      let value: unknown = null;
      return {
        add(v) {
          if (isAbsent(v)) return;
          has = true;
          value = v;
        },
        result: () => value,
        partial: () => (has ? { v: encodeValue(value) } : null),
        merge(p) {
          if (isAbsent(p)) return;
          if (!isObj(p) || !('v' in p)) return ctx.mismatch(p);
          has = true;
          value = decodeValue(p.v);
        },
      };
    };
  },
  examples: [
    {
      title: 'Last reading per one-minute window.',
      program:
        "emit(points=[{time:'2016-01-01T00:00:00Z',v:1},{time:'2016-01-01T00:00:30Z',v:2},{time:'2016-01-01T00:01:10Z',v:4}]) | reduce(v=last(v), every='1m')",
      output: '{"time":"2016-01-01T00:00:00.000Z","v":2}\n{"time":"2016-01-01T00:01:00.000Z","v":4}',
    },
  ],
});
