import { defineReducer, type ReducerState } from './types.js';
import { decodeValue, encodeValue, isAbsent, isObj } from './util.js';

export const first = defineReducer({
  name: 'first',
  summary: 'First present (non-null) value of a field.',
  description:
    'Any kind of value: numbers, strings, times, lists, objects. Merging follows argument order: merging B into A ' +
    'keeps A\'s value when A has one, so merge partial states in time order (earlier window part first).',
  params: [{ name: 'f', type: 'value', doc: 'The field or expression.' }],
  empty: null,
  retractable: false,
  create(_consts, ctx) {
    return (): ReducerState => {
      let has = false;
      let value: unknown = null;
      return {
        add(v) {
          if (has || isAbsent(v)) return;
          has = true;
          value = v;
        },
        result: () => value,
        partial: () => (has ? { v: encodeValue(value) } : null),
        merge(p) {
          if (isAbsent(p)) return;
          if (!isObj(p) || !('v' in p)) return ctx.mismatch(p);
          if (!has) {
            has = true;
            value = decodeValue(p.v);
          }
        },
      };
    };
  },
  examples: [
    {
      title: 'First and last present values; nulls and missing fields are skipped.',
      program: "emit(points=[{v:null},{v:'a'},{v:'b'},{}]) | reduce(f=first(v), l=last(v))",
      output: '{"f":"a","l":"b"}',
    },
  ],
});
