/**
 * Sinks that answer HTTP requests (prometheus, rest): the `listen=` address,
 * starting a server with a clear error when the port is taken, closing it,
 * and staying up after the end of the stream when asked (`keep_serving`).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { compileError, runtimeError } from '../lang/diagnostics.js';

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
export function untilStopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Send a body with its content type and length. */
export function reply(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
