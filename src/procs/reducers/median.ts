import { defineReducer } from './types.js';
import { PERCENTILE_DESCRIPTION, percentileFactory } from './percentile.js';

export const median = defineReducer({
  name: 'median',
  summary: 'The median of a numeric field (`percentile(f, 0.5)`).',
  description: PERCENTILE_DESCRIPTION + ' With an even count the median is the mean of the two middle values.',
  params: [{ name: 'f', type: 'value', doc: 'The field or expression.' }],
  empty: null,
  retractable: false,
  create(_consts, ctx) {
    return percentileFactory(0.5, ctx);
  },
  examples: [
    {
      title: 'Median of an even number of values.',
      program: 'emit(points=[{v:5},{v:1},{v:4},{v:2}]) | reduce(m=median(v))',
      output: '{"m":3}',
    },
  ],
});
