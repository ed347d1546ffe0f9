/** barchart: Python flume's bar chart sink, with its option names; `chart(type='bar')` underneath. */
import { defineSink } from '../runtime/defs.js';
import { createChartSink, drawingOptions, drawingSettings } from './chart.js';

export const barchart = defineSink({
  name: 'barchart',
  summary: "Python flume's bar chart: chart(type='bar', x=category, y=[value], by=[series])",
  description:
    'Takes Python flume\'s option names: `category` (one group of bars per value), `value` (the bar length; default: every ' +
    'numeric field) and `series` (one bar per value in each category, when the points have that field). Bars are horizontal and ' +
    'show the last value of each category and series. Everything else is as `chart`.',
  options: {
    category: { type: 'field', default: 'time', doc: 'one group of bars per value of this field' },
    value: { type: 'fields', default: [], doc: 'the field(s) giving bar lengths (default: every numeric field)' },
    series: { type: 'field', default: 'name', doc: 'one bar per value of this field in each category (when the points have it)' },
    ...drawingOptions,
  },
  examples: [
    {
      title: 'points per host',
      program: "emit(points=[{host:'db1'}, {host:'web1'}, {host:'web1'}]) | reduce(n=count(), by=[host]) | barchart(category='host', value='n', width=30)",
      output: 'n by host\ndb1  │██████████▌ 1\nweb1 │█████████████████████ 2\n■ n',
    },
  ],
  create(opts, ctx) {
    return createChartSink(
      { type: 'bar', x: opts['category'] as string, y: opts['value'] as string[], by: [opts['series'] as string], byIfPresent: true, ...drawingSettings(opts) },
      ctx,
    );
  },
});
