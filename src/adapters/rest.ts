/**
 * `rest`: Statspout's REST repository. Keeps the latest point of every key
 * (the `by` fields) and answers `GET /` (the keys seen), `GET /<key>` (that
 * key's latest point) and `GET /?format=jsonl` (every latest point).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { defineAdapter } from '../runtime/defs.js';
import type { RunContext } from '../runtime/component.js';
import { fieldText, getPath, pointToJson, splitPath, type Batch, type Point } from '../runtime/point.js';
import { compileError, runtimeError } from '../lang/diagnostics.js';
import { parseListen, reply, servingOptions, ServingSink, type Listen } from './serve.js';

const JSON_TYPE = 'application/json; charset=utf-8';

export class RestSink extends ServingSink {
  /** Key → latest point, in the order keys were first seen. */
  private readonly latest = new Map<string, Point>();
  private readonly paths: string[][];

  constructor(by: readonly string[], listen: Listen, private readonly maxKeys: number, keepServing: boolean, ctx: RunContext) {
    super('rest', listen, '', keepServing, ctx);
    this.paths = by.map(splitPath);
  }

  /** The key of a point: its `by` values joined with `/` (`GET /web/1` for by=[name, n]). */
  keyOf(p: Point): string {
    const paths = this.paths;
    if (paths.length === 1) {
      const path = paths[0]!;
      return fieldText(path.length === 1 ? p[path[0]!] : getPath(p, path)) ?? '';
    }
    let k = '';
    for (let i = 0; i < paths.length; i++) k += (i > 0 ? '/' : '') + (fieldText(getPath(p, paths[i]!)) ?? '');
    return k;
  }

  protected take(batch: Batch): void {
    const latest = this.latest;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const key = this.keyOf(p);
      if (key.length === 0 || key.replaceAll('/', '').length === 0) {
        this.ctx.drop('no-key', pointToJson(p).slice(0, 200));
        continue;
      }
      if (latest.size >= this.maxKeys && !latest.has(key)) throw this.overLimit(key);
      latest.set(key, p);
    }
  }

  private overLimit(key: string): Error {
    return runtimeError('keys-limit', `write rest: more than ${this.maxKeys} keys (max_keys=${this.maxKeys}); the next was ${JSON.stringify(key)}`, [
      'a `by` field with many values (an id, a timestamp) makes a key each: key by fewer fields',
      'raise the limit with max_keys=N',
    ]);
  }

  protected answer(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, JSON_TYPE, '{"error":"only GET"}\n');
    // Split by hand: `new URL` would read a path starting with `//` as a host.
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const pathname = q < 0 ? target : target.slice(0, q);
    if (pathname === '/') {
      if (new URLSearchParams(q < 0 ? '' : target.slice(q + 1)).get('format') === 'jsonl') {
        let body = '';
        for (const p of this.latest.values()) body += pointToJson(p) + '\n';
        return reply(res, 200, 'application/x-ndjson; charset=utf-8', body);
      }
      return reply(res, 200, JSON_TYPE, JSON.stringify([...this.latest.keys()]) + '\n');
    }
    let key: string;
    try {
      key = decodeURIComponent(pathname.slice(1));
    } catch {
      return reply(res, 400, JSON_TYPE, '{"error":"bad percent-encoding in the path"}\n');
    }
    const p = this.latest.get(key);
    if (p === undefined) return reply(res, 404, JSON_TYPE, JSON.stringify({ error: 'unknown key', key }) + '\n');
    reply(res, 200, JSON_TYPE, pointToJson(p) + '\n');
  }
}

export const rest = defineAdapter({
  name: 'rest',
  summary: 'A REST endpoint of the latest point per key (Statspout’s REST repository)',
  description:
    'Keeps the latest point of every key (the values of the `by` fields, joined with `/`) and serves, on `listen` while the run lasts: ' +
    '`GET /` the keys seen as a JSON array, in the order first seen; `GET /<key>` that key’s latest point as JSON (`time` as ISO 8601), ' +
    '404 `{"error":"unknown key"}` for a key never seen; `GET /?format=jsonl` every latest point, one JSON line each. ' +
    'A point whose `by` fields are all missing has no key and is counted as dropped (`no-key`). ' +
    'At most `max_keys` keys are held: one more fails the run with an error naming it. ' +
    'The address bound is logged (port 0 takes any free one); `keep_serving=true` keeps answering after the end of the stream, until Ctrl-C.',
  write: {
    options: {
      ...servingOptions('127.0.0.1:8080'),
      by: { type: 'fields', default: ['name'], doc: 'fields whose values make the key (several: joined with /)' },
      max_keys: { type: 'integer', default: 10_000, doc: 'most keys held; one more fails the run' },
    },
    create(opts, ctx) {
      if (opts.by.length === 0) throw compileError('bad-option', 'by= needs at least one field: the key of GET /<key>', undefined, ['by=[name]']);
      if (opts.max_keys < 1) throw compileError('bad-option', 'max_keys= must be at least 1');
      return new RestSink(opts.by, parseListen(opts.listen), opts.max_keys, opts.keep_serving, ctx);
    },
  },
  examples: [
    {
      title: "Every container's latest figures at http://127.0.0.1:8080/<name>.",
      program: "read('docker-stats') | write('rest', by=[name])",
      needs: 'docker',
    },
  ],
});
