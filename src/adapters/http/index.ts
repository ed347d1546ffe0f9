/**
 * `http`: an event collector (`read('http', listen=…)`, collector.ts), a
 * poller (`read('http', url=…)`, poller.ts), and `write('http', url=…)`
 * (write.ts, on the shared sink machinery). Both load node:http / fetch
 * only when they run.
 */
import { defineAdapter, type CreateContext } from '../../runtime/defs.js';
import type { SourceInstance } from '../../runtime/component.js';
import { compileError } from '../../lang/diagnostics.js';
import { commonReadOptions, createParserEarly, durationMs, lookupFormat } from '../common.js';
import { listenerOptions, parseListen, parseSize } from '../net/listen.js';
import { HttpCollector } from './collector.js';
import { HttpPoller } from './poller.js';
import { createHttpSink, httpWriteOptions } from './write.js';

const readOptions = {
  listen: {
    type: 'string',
    default: '127.0.0.1:8080',
    doc: "Collector: address to listen on, 'host:port' (a port alone: 127.0.0.1). Used unless url= is given.",
  },
  path: { type: 'string', default: '/', doc: 'Collector: the path events are POSTed to (GET /health answers 200 on any).' },
  max_body: { type: 'any', default: '1MB', doc: "Collector: largest request body ('1MB', '512KB' or bytes); larger ones are answered 413." },
  token: { type: 'string', nullable: true, doc: 'Collector: require `Authorization: Bearer <token>` (401 without it).' },
  ack: {
    type: 'string',
    choices: ['queued', 'flush'],
    default: 'queued',
    doc: "Collector: answer 200 once the points are queued ('queued'), or only after every sink downstream has flushed them ('flush': at-least-once end to end).",
  },
  meta: { type: 'boolean', default: false, doc: 'Collector: add `_http: {remote, method, path, headers}` to every point (without Authorization and Cookie).' },
  ...listenerOptions,
  url: { type: 'string', nullable: true, doc: 'Poller: the URL to GET (makes this read a poller instead of a collector).' },
  every: { type: 'duration', nullable: true, default: '30s', doc: 'Poller: time between polls; null fetches once (every page) and ends.' },
  headers: { type: 'object', default: {}, doc: "Poller: request headers, e.g. `{Authorization: 'Bearer x'}`." },
  follow_link: { type: 'boolean', default: true, doc: 'Poller: follow `Link: <…>; rel="next"` pages within each poll.' },
  retry_for: { type: 'duration', default: '5m', doc: 'Poller: how long failing polls (connection errors, 429, 5xx) are retried with backoff before the run fails.' },
} as const;

function stringHeaders(v: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = String(x);
  return out;
}

export const http = defineAdapter({
  name: 'http',
  summary: 'HTTP: an event collector (listen=), a poller (url=), and batches of points sent to an endpoint.',
  description:
    '**Collector** (`read(\'http\', listen=\'127.0.0.1:8080\', path=\'/\')`): POST bodies become points, by ' +
    '`Content-Type`: `application/json` (an object or an array of objects), `application/x-ndjson` (JSON lines, or ' +
    '`format=`) and `text/plain` (`format=`, default text: one `{message}` per line), `application/x-www-form-urlencoded` ' +
    '(one point; a repeated key gives a list); no Content-Type is read as JSON. Answers: `200 {"accepted": n}` once the points are queued (with ' +
    "`ack='flush'`, once every sink downstream has flushed them); `400 {\"error\"}` for a body with any invalid record " +
    "(nothing of it is accepted; `on_error='keep'` accepts bad lines as `{_raw, _error, _line}` instead); `413` over " +
    '`max_body`; `415` for another Content-Type; `401` without the bearer `token`; `503` with `Retry-After: 1` while ' +
    '`queue` points wait for the pipeline (memory stays bounded; clients retry); `GET /health` 200. Refused requests ' +
    'are reported as warnings (throttled). Points take `time` from the `time` field, else the moment of arrival. Binds 127.0.0.1 ' +
    'unless `listen` names another address; at most `max_connections` connections. Ctrl-C stops accepting, answers ' +
    'the requests being received, writes everything accepted and exits 130.\n\n' +
    "**Poller** (`read('http', url=…, every='30s')`): GETs the URL every `every` (null: once), with `headers`; a " +
    'response is a JSON array, one JSON object or JSON lines (or `format=`); `Link: <…>; rel="next"` pages are ' +
    'followed. Connection errors, 429 and 5xx are retried with backoff for `retry_for`, then the run fails; another 4xx fails it at once.\n\n' +
    "**Writing** (`write('http', url=…)`) sends batches on the shared sink machinery (batch_size, batch_bytes, flush, buffer, " +
    "retry_for, errors): the body is JSON lines (`format='jsonl'`, application/x-ndjson) or one JSON array (`format='json'`). " +
    'A 2xx answer is success; 429, 5xx, timeouts and connection errors are retried with backoff and jitter for `retry_for`, ' +
    'then the run fails; any other status refuses the batch for good: its points go to `errors=` with the status and the ' +
    "server's answer, or are counted as dropped.",
  bytes: true,
  read: {
    options: readOptions,
    create(opts, ctx: CreateContext): SourceInstance {
      const common = commonReadOptions(opts);
      const format = common.format === undefined ? undefined : lookupFormat(ctx.services, common.format, 'read');
      if (format !== undefined) createParserEarly(format, opts);
      const jsonl = lookupFormat(ctx.services, 'jsonl', 'read');
      if (typeof opts.url === 'string') {
        let url: URL;
        try {
          url = new URL(opts.url);
        } catch {
          throw compileError('bad-option', `url=${JSON.stringify(opts.url)} is not a URL`);
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw compileError('bad-option', `url= must be http:// or https:// (got ${url.protocol})`);
        return new HttpPoller(
          {
            url: url.href,
            everyMs: opts.every === null ? undefined : Math.max(1, durationMs(opts.every, 30_000)),
            headers: stringHeaders(opts.headers),
            followLink: opts.follow_link,
            retryForMs: Math.max(0, durationMs(opts.retry_for, 300_000)),
            format,
            jsonl,
            opts,
            common,
          },
          ctx,
        );
      }
      const path = opts.path.startsWith('/') ? opts.path : `/${opts.path}`;
      return new HttpCollector(
        {
          address: parseListen(opts.listen),
          path,
          maxBody: parseSize(opts.max_body, 'max_body'),
          token: opts.token ?? undefined,
          ack: opts.ack,
          meta: opts.meta,
          maxConnections: opts.max_connections,
          queue: opts.queue,
          format,
          jsonl,
          text: lookupFormat(ctx.services, 'text', 'read'),
          opts,
          common,
        },
        ctx,
      );
    },
  },
  write: { options: httpWriteOptions, create: createHttpSink },
  examples: [
    {
      // Empty input here: the registry test runs it without a server (nothing to send, nothing sent).
      title: 'POST JSON lines from stdin to an endpoint, 500 points per request, refused ones to a file.',
      program: "read('stdio') | write('http', url='http://127.0.0.1:8080/events', batch_size=500, errors='file:refused.jsonl')",
      input: '',
    },
    {
      title: 'Collect events POSTed to http://127.0.0.1:8080/events into a file.',
      program: "read('http', listen='127.0.0.1:8080', path='/events') | write('stdio', file='events.jsonl')",
      needs: 'netclients',
    },
    {
      title: 'Poll an API every minute, following its pages.',
      program: "read('http', url='http://127.0.0.1:9200/_cat/indices?format=json', every='1m') | keep(index, health)",
      needs: 'elasticsearch',
    },
  ],
});
