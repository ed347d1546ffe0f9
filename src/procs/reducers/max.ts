import { defineReducer } from './types.js';
import { extremumDescription, extremumFactory } from './min.js';

export const max = defineReducer({
  name: 'max',
  aliases: ['maximum'],
  summary: 'Largest value of a field (numbers, strings or times).',
  description: extremumDescription('largest'),
  params: [{ name: 'f', type: 'value', doc: "The field or expression; a string literal names a field (`maximum('count')`)." }],
  empty: null,
  retractable: false,
  create: extremumFactory(false),
  examples: [
    {
      title: 'Largest value; a string literal names the field (Python flume style).',
      program: "emit(points=[{count:3},{count:10},{count:-1}]) | reduce(top=maximum('count'))",
      output: '{"top":10}',
    },
    {
      title: 'Latest time stamp inside each window.',
      program:
        "emit(points=[{time:'2016-01-01T00:00:05Z'},{time:'2016-01-01T00:00:40Z'},{time:'2016-01-01T00:01:10Z'}]) | reduce(latest=max(time), every='1m')",
      output:
        '{"time":"2016-01-01T00:00:00.000Z","latest":"2016-01-01T00:00:40.000Z"}\n{"time":"2016-01-01T00:01:00.000Z","latest":"2016-01-01T00:01:10.000Z"}',
    },
  ],
});
