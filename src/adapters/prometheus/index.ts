/**
 * `prometheus`: the latest value of every numeric field per label set, served
 * on a `/metrics` endpoint in the Prometheus text format, or pushed to a
 * Pushgateway every `flush` (`push=`). The exposition is hand-rolled (see
 * runtime/prometheus-text.ts): measured faster than prom-client for 10,000
 * series (bench/prometheus-scrape.mjs).
 */
import { defineAdapter } from '../../runtime/defs.js';
import { compileError } from '../../lang/diagnostics.js';
import { batchOptions, batchSink } from '../batched.js';
import { durationMs } from '../common.js';
import { parseListen, servingOptions } from '../serve.js';
import { PointSeries, type SeriesPlan } from './series.js';
import { PrometheusServer } from './serve.js';
import { pushDestination, pushUrl } from './push.js';

export const prometheus = defineAdapter({
  name: 'prometheus',
  summary: 'Prometheus: serve a /metrics endpoint of the latest values, or push them to a Pushgateway',
  description:
    'Every numeric field of a point is a metric (`time` and the `by` fields excepted; nested fields are joined with `_`: ' +
    '`mem.rss` → `mem_rss`), named `<prefix>_<field>` and labelled with the `by` fields: ' +
    "`read('docker-stats') | write('prometheus', by=[name])` serves `cpu{name=\"web\"} 12.5`. " +
    'Metric and label names are sanitised (characters outside `[a-zA-Z0-9_:]` become `_`, a leading digit gets a `_`), ' +
    'label values escaped; each family has a `# TYPE` line (`type=`). Only the latest value per series is kept and served, ' +
    'without a timestamp (Prometheus stamps the scrape); a series not updated for `ttl` is removed, and more than `max_series` ' +
    'series at once (after removing the stale ones) fails the run.\n\n' +
    'Served: the endpoint listens on `listen` while the run lasts (the address bound is logged; port 0 takes any free one), ' +
    'and after the end of the stream too with `keep_serving=true`, until Ctrl-C. ' +
    'Pushed (`push=`): the whole set is PUT to the Pushgateway under `job` (replacing what that job pushed before) ' +
    '`flush` after new points arrive, with the shared sink machinery: a failing push is retried for `retry_for`, ' +
    'the outage and recovery reported once, and the last values are pushed before exit.',
  write: {
    options: {
      ...servingOptions('127.0.0.1:9464'),
      path: { type: 'string', default: '/metrics', doc: 'the path of the endpoint' },
      by: { type: 'fields', default: [], doc: 'fields that become labels (a series per distinct combination)' },
      prefix: { type: 'string', default: '', doc: "put before every metric name, joined with `_`: prefix='flume' → flume_cpu" },
      type: { type: 'string', default: 'gauge', choices: ['gauge', 'counter'], doc: 'the metric type every family is declared as (# TYPE)' },
      ttl: { type: 'duration', default: '5m', nullable: true, doc: 'a series not updated for this long is removed (null: never)' },
      max_series: { type: 'integer', default: 100_000, doc: 'most series held at once; more (after removing the stale ones) fails the run' },
      push: { type: 'string', nullable: true, doc: "a Pushgateway URL ('http://127.0.0.1:9091'): push every `flush` instead of serving" },
      job: { type: 'string', default: 'flume', doc: 'the job label (grouping key) pushed under' },
      ...batchOptions({ flush: '10s', batch_size: 10_000 }),
    },
    create(opts, ctx) {
      if (opts.max_series < 1) throw compileError('bad-option', 'max_series= must be at least 1');
      const plan: SeriesPlan = {
        by: opts.by,
        prefix: opts.prefix,
        type: opts.type,
        ttlMs: opts.ttl === null ? null : durationMs(opts.ttl, 300_000),
        maxSeries: opts.max_series,
      };
      const series = new PointSeries(plan);
      if (typeof opts.push === 'string' && opts.push.length > 0) {
        const url = pushUrl(opts.push, opts.job);
        return batchSink(pushDestination(url, series, ctx), opts, ctx, {
          adapter: 'prometheus',
          server: `the Pushgateway at ${opts.push} (job ${opts.job})`,
        });
      }
      if (!opts.path.startsWith('/')) throw compileError('bad-option', `path='${opts.path}' must start with /`, undefined, ["path='/metrics'"]);
      return new PrometheusServer(series, parseListen(opts.listen), opts.path, opts.keep_serving, ctx);
    },
  },
  examples: [
    {
      title: "Statspout in one line: every container's figures on a /metrics endpoint, one series per container.",
      program: "read('docker-stats') | write('prometheus', by=[name])",
      needs: 'docker',
    },
    {
      title: 'Per-host request rates pushed to a Pushgateway every 10 seconds.',
      program: "read('stdio') | reduce(rps=count(), every='10s', by=[host]) | write('prometheus', by=[host], prefix='web', push='http://127.0.0.1:9091', job='web')",
      needs: 'prometheus',
    },
  ],
});
