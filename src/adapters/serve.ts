/**
 * Sinks that answer HTTP requests (prometheus, rest): the `listen=` address,
 * starting a server with a clear error when the port is taken, closing it,
 * and staying up after the end of the stream when asked (`keep_serving`):
 * {@link ServingSink}.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { RunContext, SinkInstance } from '../runtime/component.js';
import type { Batch } from '../runtime/point.js';
import { compileError, runtimeError } from '../lang/diagnostics.js';

/** The options of every serving sink, with its default address. */
export function servingOptions<const L extends string>(listen: L) {
  return {
    listen: { type: 'string', default: listen, doc: "address to listen on: 'host:port' (port 0: any free one; the address bound is logged)" },
    keep_serving: { type: 'boolean', default: false, doc: 'keep answering after the end of the stream, until Ctrl-C' },
  } as const;
}

export interface Listen {
  host: string;
  port: number;
}

/** `host:port` (`[::1]:port` for IPv6; port 0: any free port). The host is required: flume serves where the user says only. */
export function parseListen(v: string, option = 'listen'): Listen {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(v.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) {
    throw compileError('bad-option', `${option}='${v}' is not host:port`, undefined, [
      `${option}='127.0.0.1:9464' serves this machine only; ${option}='0.0.0.0:9464' every interface`,
    ]);
  }
  return { host: m[1] ?? m[2]!, port };
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Serving {
  /** `http://host:port` as bound (the real port when 0 was asked). */
  url: string;
  close(): Promise<void>;
}

/** Listen, resolving once the socket is bound; a taken port or a bad address is a runtime error naming `what`. */
export async function serveHttp(listen: Listen, handler: Handler, what: string): Promise<Serving> {
  const { createServer } = await import('node:http');
  const server: Server = createServer((req, res) => {
    try {
      handler(req, res);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${what}: ${(e as Error).message}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'EADDRINUSE' ? 'the address is in use' : e.code === 'EADDRNOTAVAIL' ? 'no such local address' : e.message;
      reject(
        runtimeError('listen-failed', `${what}: cannot listen on ${listen.host}:${listen.port}: ${why}`, [
          "choose another port with listen='127.0.0.1:PORT' (port 0: any free one)",
        ]),
      );
    });
    server.listen(listen.port, listen.host, resolve);
  });
  const addr = server.address();
  const port = addr !== null && typeof addr === 'object' ? addr.port : listen.port;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections of a scraper would hold close() open.
        server.closeAllConnections();
      }),
  };
}

/** Resolves when `signal` aborts (Ctrl-C, SIGTERM): how long a `keep_serving` sink stays up after the end of the stream. */
function untilStopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Send a body with its content type and length. */
export function reply(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * A sink that answers HTTP requests about what it was given: it listens from
 * the first points or watermark (a program that is only compiled opens no
 * port), logs where, and closes at the end of the stream (with
 * `keep_serving`, once the run is stopped).
 */
export abstract class ServingSink implements SinkInstance {
  private serving: Promise<Serving> | undefined;

  constructor(
    /** `prometheus`, `rest`: for messages. */
    private readonly adapter: string,
    private readonly listen: Listen,
    /** Logged after the address: the path a client asks (`/metrics`). */
    private readonly logPath: string,
    private readonly keepServing: boolean,
    protected readonly ctx: RunContext,
  ) {}

  /** Take a batch in (the server is up by then). */
  protected abstract take(batch: Batch): void;

  /** Answer one request. */
  protected abstract answer(req: IncomingMessage, res: ServerResponse): void;

  private start(): Promise<Serving> {
    return (this.serving ??= serveHttp(this.listen, (req, res) => this.answer(req, res), `write ${this.adapter}`).then((s) => {
      this.ctx.log(`write ${this.adapter}: serving ${s.url}${this.logPath}`);
      return s;
    }));
  }

  /** The URL it listens on (starting it if need be). */
  async address(): Promise<string> {
    return (await this.start()).url;
  }

  async write(batch: Batch): Promise<void> {
    await this.start();
    this.take(batch);
  }

  async mark(): Promise<void> {
    await this.start();
  }

  async end(): Promise<void> {
    const s = await this.start();
    if (this.keepServing) {
      this.ctx.log(`write ${this.adapter}: the stream ended; answering with what it holds until Ctrl-C`);
      await untilStopped(this.ctx.signal);
    }
    await s.close();
  }
}
