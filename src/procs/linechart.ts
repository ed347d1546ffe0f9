/** linechart: Python flume's line chart sink, with its option names; `chart(type='line')` underneath. */
import { defineSink } from '../runtime/defs.js';
import { createChartSink, drawingOptions, drawingSettings } from './chart.js';

export const linechart = defineSink({
  name: 'linechart',
  summary: "Python flume's line chart: chart(type='line', x=xvalue, y=[yvalue], by=[series])",
  description:
    'Takes Python flume\'s option names. `series` groups only when the points have that field (Python flume\'s default `name` ' +
    'would otherwise lump everything under "unknown"); `yvalue` defaults to every numeric field. Everything else is as `chart`.',
  options: {
    series: { type: 'field', default: 'name', doc: 'one line per value of this field (when the points have it)' },
    xvalue: { type: 'field', default: 'time', doc: 'the field across' },
    yvalue: { type: 'fields', default: [], doc: 'the field(s) up (default: every numeric field)' },
    ...drawingOptions,
  },
  examples: [
    {
      title: 'a line per name, x and y named the Python flume way',
      program: "emit(points=[{name:'a', x:1, v:1}, {name:'a', x:2, v:2}, {name:'b', x:1, v:2}, {name:'b', x:2, v:1}]) | linechart(xvalue='x', yvalue='v', width=40, height=8)",
    },
  ],
  create(opts, ctx) {
    return createChartSink(
      { type: 'line', x: opts['xvalue'] as string, y: opts['yvalue'] as string[], by: [opts['series'] as string], byIfPresent: true, ...drawingSettings(opts) },
      ctx,
    );
  },
});
