/**
 * `elastic`: Elasticsearch. Reads documents in time order (point in time +
 * search_after) with the filter, time range, a following head and a following
 * reduce pushed down where exact; writes through bulk requests with
 * buffering, retries with backoff, date-patterned index names and an error
 * output for rejected documents. The client is loaded on first use.
 */
import { defineAdapter } from '../../runtime/defs.js';
import { parseExpression } from '../../lang/parse.js';
import { compileError, FlumeError } from '../../lang/diagnostics.js';
import type { Expr } from '../../lang/ast.js';
import { ElasticSource, readPlan } from './read.js';
import { createElasticSink } from './write.js';
import { batchOptions } from '../batched.js';

const url = { type: 'string', default: 'http://localhost:9200', connection: true, doc: 'the Elasticsearch server (FLUME_ELASTIC_URL)' } as const;

function parseQuery(v: unknown, compile: (e: unknown) => unknown): Expr | undefined {
  if (typeof v !== 'string' || v.trim().length === 0) return undefined;
  let e: Expr;
  try {
    e = parseExpression(v);
  } catch (err) {
    const msg = err instanceof FlumeError ? err.diagnostic.message : String(err);
    throw compileError('bad-option', `query=: ${msg}`, undefined, ["query= is a filter expression: query=\"status >= 500 and host == 'a'\""]);
  }
  compile(e); // unknown functions and the like are compile errors now, not at run time
  return e;
}

export const elastic = defineAdapter({
  name: 'elastic',
  summary: 'Elasticsearch: read with query pushdown, bulk write with retries',
  description:
    'Reading opens a point in time on `index` and pages through it with `search_after`, sorted by the time field. ' +
    '`query=` is a flume filter expression: its top-level `and` terms that translate exactly to the query DSL run on the server ' +
    '(comparisons of numbers on integer/double fields, equality of strings on keyword fields, `in`, `== null`, `and`/`or`/`not` of those), ' +
    'the rest on the client; `from`/`to` become a range on the time field. ' +
    'A `head(n)` right after the read limits the query; a `reduce` of `count()`, `sum`, `avg`, `min`, `max` with `every` and `by` right after it ' +
    'runs as a composite aggregation when that gives exactly the same result (integer fields, keyword `by` fields, no untimed documents with `every`, ' +
    'no ties in group order), else on the client; `pushdown=false` turns both off. `--explain` shows the stages pushed down.\n\n' +
    'Writing runs on the shared sink machinery: `_bulk` requests of `batch_size` documents or `batch_bytes` bytes, or what is waiting `flush` after the first one; ' +
    'up to `buffer` documents wait, then the pipeline waits. ' +
    "Connection errors, timeouts, 429 and 5xx are retried with exponential backoff and jitter for `retry_for` (`retries=N`, the older form, means as long as N retries take at most); per-document 429/5xx are sent again the same way. " +
    'Documents refused for good (a mapping conflict) are counted and go to `errors=`: another index (the document as text, with the reason), ' +
    "or `errors='file:path'` (JSON lines with `_error`, `error`, `document`); without `errors=` they are counted as dropped. A point's `time` is stored as ISO 8601 in `time_field`. " +
    'Without `id=` each document gets an id made by the writer, so a request retried after a lost answer stores it once.',
  read: {
    options: {
      index: { type: 'string', required: true, destination: true, doc: "index, alias, pattern or comma-separated list to read ('logs-*')" },
      url,
      query: { type: 'string', nullable: true, doc: "filter expression, pushed down where exact: \"status >= 500 and host == 'a'\"" },
      time: { type: 'field', default: '@timestamp', nullable: true, doc: 'field holding the timestamp (sort order and from/to); null reads in index order, timeless' },
      time_unit: { type: 'string', default: 'ms', choices: ['auto', 's', 'ms', 'us', 'ns'], doc: "unit of numeric (epoch) timestamps: Elasticsearch's epoch_millis by default" },
      page_size: { type: 'integer', default: 1000, doc: 'documents per search request' },
      keep_alive: { type: 'duration', default: '1m', doc: 'how long the point in time lives between two pages' },
      pushdown: { type: 'boolean', default: true, doc: 'false: never push a following head or reduce to the server' },
    },
    create(opts, ctx) {
      const query = parseQuery(opts['query'], (e) => ctx.services.compileExpr(e));
      return new ElasticSource(readPlan(opts, query), ctx);
    },
  },
  write: {
    options: {
      index: { type: 'string', required: true, destination: true, doc: "target index; strftime patterns use the point's time: 'logs-%Y.%m.%d' (UTC)" },
      url,
      id: { type: 'field', nullable: true, doc: 'field whose value is the document id (same id: the document is replaced)' },
      time_field: { type: 'string', default: '@timestamp', doc: 'field the point time is stored in' },
      pipeline: { type: 'string', nullable: true, doc: 'ingest pipeline to run on every document' },
      ...batchOptions({ errorsTarget: 'an index name (the document as text, with the reason)' }),
      retries: {
        type: 'integer',
        nullable: true,
        doc: 'older form of retry_for: retry as long as this many retries take at most (with backoff_max); when set, it replaces retry_for',
      },
      backoff_max: { type: 'duration', default: '10s', doc: 'longest wait between two retries (the wait doubles from 100ms, with jitter)' },
      refresh: { type: 'boolean', default: true, doc: 'refresh the written indices at the end of the run, so a read right after sees everything (false: leave it to the index refresh interval)' },
    },
    create(opts, ctx) {
      return createElasticSink(opts, ctx);
    },
  },
  examples: [
    {
      title: 'Index JSON lines into daily indices.',
      program: "read('stdio') | write('elastic', index='logs-%Y.%m.%d', errors='logs-rejected')",
      needs: 'elasticsearch',
    },
    {
      title: 'Server errors per host and minute, aggregated by Elasticsearch.',
      program: "read('elastic', index='logs-*', query='status >= 500', from='-1h') | reduce(n=count(), every='1m', by=[host])",
      needs: 'elasticsearch',
    },
    {
      title: 'The first ten documents of a day.',
      program: "read('elastic', index='logs-2024.01.01') | head(10)",
      needs: 'elasticsearch',
    },
  ],
});
