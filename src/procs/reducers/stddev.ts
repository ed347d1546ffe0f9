import { defineReducer } from './types.js';
import { varianceFactory } from './variance.js';

export const stddev = defineReducer({
  name: 'stddev',
  aliases: ['stdev'],
  summary: 'Population standard deviation of a numeric field.',
  description:
    'The square root of the population variance (divides by n); one value gives 0, none gives null. Non-numeric ' +
    'values are skipped and counted as `type-mismatch`. Exact sums rounded once (see `variance`): retractable in O(1) ' +
    'without drift, and merged partial states give exactly the single-run result.',
  params: [{ name: 'f', type: 'value', doc: 'The field or expression.' }],
  empty: null,
  retractable: true,
  create: varianceFactory(Math.sqrt),
  examples: [
    {
      title: 'Standard deviation per one-minute window.',
      program:
        "emit(points=[{time:'2016-01-01T00:00:00Z',v:1},{time:'2016-01-01T00:00:30Z',v:3},{time:'2016-01-01T00:01:10Z',v:4}]) | reduce(sd=stddev(v), every='1m')",
      output: '{"time":"2016-01-01T00:00:00.000Z","sd":1}\n{"time":"2016-01-01T00:01:00.000Z","sd":0}',
    },
  ],
});
