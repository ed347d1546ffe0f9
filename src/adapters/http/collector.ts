/**
 * `read('http', listen=…)`: an event collector (SPEC §14.1). Each POST body
 * becomes one batch, parsed whole before anything of it is accepted (a bad
 * record rejects the request with 400); accepted batches wait in a bounded
 * inbox (full: 503 with Retry-After) that one loop pushes downstream. With
 * `ack='flush'` a request is answered only after every sink has flushed its points.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { RunContext, SourceInstance, SourceOutput } from '../../runtime/component.js';
import type { Point } from '../../runtime/point.js';
import type { FormatDef, MalformedSink } from '../formats/types.js';
import { makeTimeMover, RecordDecoder, type CommonReadOptions } from '../common.js';
import { Inbox, listen, serve, type ListenAddress } from '../net/listen.js';

export interface CollectorPlan {
  address: ListenAddress;
  path: string;
  maxBody: number;
  token: string | undefined;
  ack: 'queued' | 'flush';
  meta: boolean;
  maxConnections: number;
  queue: number;
  /** format= as given (undefined: jsonl for NDJSON bodies, text for text/plain). */
  format: FormatDef | undefined;
  jsonl: FormatDef;
  text: FormatDef;
  opts: Record<string, unknown>;
  common: CommonReadOptions;
}

/** Seconds a client is told to wait when the queue is full. */
const RETRY_AFTER_S = 1;
/** How long connections may take to finish after Ctrl-C before they are closed. */
const DRAIN_GRACE_MS = 10_000;

/** A request that is answered with an error status (nothing of it accepted). */
class Refusal {
  constructor(
    readonly status: number,
    readonly message: string,
  ) {}
}

/** Collects the first malformed record of a body: one is enough to refuse the whole request. */
class FirstError implements MalformedSink {
  error: string | undefined;
  malformed(line: number, _raw: string, error: string): void {
    this.error ??= `line ${line}: ${error}`;
  }
}

/** Headers that must not end up in points (credentials). */
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

export class HttpCollector implements SourceInstance {
  private draining = false;
  private inbox!: Inbox;
  private readonly keep: boolean;

  constructor(
    private readonly plan: CollectorPlan,
    private readonly ctx: RunContext,
  ) {
    this.keep = plan.common.on_error === 'keep';
  }

  async run(out: SourceOutput): Promise<void> {
    const p = this.plan;
    const { createServer } = await import('node:http');
    this.inbox = new Inbox(p.queue, this.ctx, p.common.time !== null);
    const server = createServer({ keepAlive: true }, (req, res) => this.handle(req, res));
    server.maxConnections = p.maxConnections;
    const where = await listen(server, p.address, 'http');
    this.ctx.log(`read('http'): listening on http://${where}${p.path}`);
    await serve(this.ctx.signal, this.inbox, out, () => this.stop(server), () => server.closeAllConnections());
    server.close();
  }

  /** Ctrl-C: stop accepting; requests being received are answered; idle keep-alive connections close. */
  private stop(server: Server): Promise<void> {
    this.draining = true;
    return new Promise((resolve) => {
      const grace = setTimeout(() => server.closeAllConnections(), DRAIN_GRACE_MS);
      server.close(() => {
        clearTimeout(grace);
        resolve();
      });
      server.closeIdleConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.draining) res.setHeader('Connection', 'close');
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (req.method === 'GET' && path === '/health') return answer(res, 200, { status: 'ok' });
    if (path !== this.plan.path) return this.refuse(req, res, new Refusal(404, `no such path: ${path} (events are posted to ${this.plan.path})`));
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return this.refuse(req, res, new Refusal(405, `method ${req.method ?? '?'} not allowed: POST events to ${this.plan.path}`));
    }
    if (this.plan.token !== undefined && req.headers.authorization !== `Bearer ${this.plan.token}`) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return this.refuse(req, res, new Refusal(401, 'missing or wrong bearer token (Authorization: Bearer <token>)'));
    }
    if (this.inbox.full) return this.busy(req, res);
    const length = Number(req.headers['content-length']);
    if (length > this.plan.maxBody) return this.tooLarge(req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.plan.maxBody) {
        req.removeAllListeners('data');
        this.tooLarge(req, res);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > this.plan.maxBody) return;
      this.accept(req, res, path, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', () => undefined);
  }

  private accept(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): void {
    let points: Point[];
    try {
      points = this.parse(req.headers['content-type'], body);
    } catch (e) {
      if (e instanceof Refusal) return this.refuse(req, res, e);
      throw e;
    }
    // The body was read while the queue filled up: refuse it now rather than grow past the limit.
    if (this.inbox.full) return this.busy(req, res);
    if (this.plan.meta) {
      const headers: Record<string, string | string[] | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) if (!SECRET_HEADERS.has(k)) headers[k] = v;
      const meta = { remote: req.socket.remoteAddress ?? null, method: req.method, path, headers };
      for (const pt of points) pt._http = meta;
    }
    const n = points.length;
    if (this.plan.ack === 'flush') {
      this.inbox.put(points, (error) => (error === undefined ? answer(res, 200, { accepted: n }) : answer(res, 500, { error: `not written: ${errorText(error)}` })), true);
    } else {
      this.inbox.put(points);
      answer(res, 200, { accepted: n });
    }
  }

  /** The body's points by Content-Type; a Refusal (400/415) when it is not valid. */
  private parse(contentType: string | undefined, body: Buffer): Point[] {
    const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
    const errors = new FirstError();
    let points: Point[];
    if (type === 'application/json' || type.endsWith('+json')) points = this.parseJson(body);
    else if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/x-jsonlines' || type === 'text/plain') {
      const format = this.plan.format ?? (type === 'text/plain' ? this.plan.text : this.plan.jsonl);
      const dec = new RecordDecoder({
        format,
        opts: this.plan.opts,
        common: this.plan.common,
        ctx: this.ctx,
        arrival: this.arrival,
        errors: this.keep ? undefined : errors,
      });
      points = dec.feed(body);
      for (const pt of dec.end()) points.push(pt);
    } else if (type === 'application/x-www-form-urlencoded') points = [formPoint(body)];
    else
      throw new Refusal(
        415,
        `unsupported Content-Type ${type}: send application/json, application/x-ndjson, text/plain or application/x-www-form-urlencoded`,
      );
    if (type === 'application/json' || type === 'application/x-www-form-urlencoded' || type.endsWith('+json')) {
      points = makeTimeMover(this.plan.common.time, this.plan.common.time_unit, this.ctx.now, errors, { arrival: this.arrival })(points);
    }
    if (errors.error !== undefined) throw new Refusal(400, `invalid body: ${errors.error}; nothing of it was accepted`);
    return points;
  }

  private readonly arrival = (): number => this.ctx.clock.now();

  private parseJson(body: Buffer): Point[] {
    let v: unknown;
    try {
      v = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw new Refusal(400, `invalid JSON: ${(e as Error).message}; nothing of it was accepted`);
    }
    const items = Array.isArray(v) ? v : [v];
    for (let i = 0; i < items.length; i++) {
      const item: unknown = items[i];
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        const where = Array.isArray(v) ? `element ${i}` : 'the body';
        throw new Refusal(400, `${where} is not a JSON object; nothing of the body was accepted`);
      }
    }
    return items as Point[];
  }

  private busy(req: IncomingMessage, res: ServerResponse): void {
    this.ctx.warn('http-busy', `read('http'): queue full (${this.plan.queue} points): answered 503, clients retry after ${RETRY_AFTER_S}s`);
    res.setHeader('Retry-After', String(RETRY_AFTER_S));
    this.refuse(req, res, new Refusal(503, `busy: the pipeline's queue is full; retry after ${RETRY_AFTER_S}s`), false);
  }

  private tooLarge(req: IncomingMessage, res: ServerResponse): void {
    // The rest of the body is not read: the connection closes after the answer.
    res.setHeader('Connection', 'close');
    this.refuse(req, res, new Refusal(413, `body larger than max_body (${this.plan.maxBody} bytes)`));
    req.once('end', () => undefined);
    res.once('finish', () => req.socket.destroySoon());
  }

  /** Answer an error; the request counts as `rejected` (the client was told, nothing was accepted). */
  private refuse(req: IncomingMessage, res: ServerResponse, r: Refusal, count = true): void {
    if (count) this.ctx.warn('http-rejected', `read('http'): answered ${r.status}: ${r.message}`);
    // Read (and discard) whatever is left of the body so a keep-alive connection stays usable.
    if (!req.complete) req.resume();
    answer(res, r.status, { error: r.message });
  }
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One point from a form body; a repeated key gives a list. */
function formPoint(body: Buffer): Point {
  const p: Point = {};
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) {
    const old = p[k];
    p[k] = old === undefined ? v : Array.isArray(old) ? [...(old as unknown[]), v] : [old, v];
  }
  return p;
}
