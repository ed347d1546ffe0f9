/** timechart: Python flume's time chart sink, with its option names; `chart(type='line', x='time')` underneath. */
import { defineSink } from '../runtime/defs.js';
import { compileError } from '../lang/diagnostics.js';
import { createChartSink, drawingOptions, drawingSettings } from './chart.js';

export const timechart = defineSink({
  name: 'timechart',
  summary: "Python flume's time chart: chart(type='line', x='time', y=[yvalue], by=[series])",
  description:
    'Takes Python flume\'s option names: `series` (one line per value, when the points have that field) and `yvalue` (or ' +
    '`value`; default: every numeric field). `read(\'docker-stats\') | reduce(cpu=avg(cpu), every=\'10s\', by=[name]) | timechart(unit=\'%\')` ' +
    'is a live chart of every container. Everything else is as `chart`.',
  options: {
    series: { type: 'field', default: 'name', doc: 'one line per value of this field (when the points have it)' },
    yvalue: { type: 'fields', default: [], doc: 'the field(s) charted against time (default: every numeric field)' },
    value: { type: 'fields', default: [], doc: 'the same as `yvalue`' },
    ...drawingOptions,
  },
  examples: [
    {
      title: 'requests per minute of two hosts',
      program:
        "emit(points=[{time:'2016-01-01T00:00:00Z', name:'a', n:3}, {time:'2016-01-01T00:01:00Z', name:'a', n:5}, " +
        "{time:'2016-01-01T00:00:00Z', name:'b', n:4}, {time:'2016-01-01T00:01:00Z', name:'b', n:1}]) | timechart(width=40, height=8)",
    },
  ],
  create(opts, ctx) {
    const yvalue = opts['yvalue'] as string[];
    const value = opts['value'] as string[];
    if (yvalue.length > 0 && value.length > 0) throw compileError('bad-option', 'give `yvalue` or `value`, not both');
    return createChartSink(
      { type: 'line', x: 'time', y: yvalue.length > 0 ? yvalue : value, by: [opts['series'] as string], byIfPresent: true, ...drawingSettings(opts) },
      ctx,
    );
  },
});
