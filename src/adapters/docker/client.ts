/**
 * A small Docker Engine API client over `node:http` (a unix socket or tcp://),
 * shared by the docker-* sources. Only GET requests and long-lived streams
 * are needed (stats, logs, events), so no client library: this keeps start-up
 * lean and gives the reconnect loop full control of every connection.
 */
import type { IncomingMessage } from 'node:http';
import { LineSplitter } from '../formats/text.js';
import type { BackoffPolicy } from '../../runtime/retry.js';
import { compileError } from '../../lang/diagnostics.js';

/** Where the engine listens: a unix socket path, or an http host and port. */
export type Endpoint = { socketPath: string } | { host: string; port: number };

export const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * `socket=` wins, then `DOCKER_HOST`, then /var/run/docker.sock. Both may be a
 * path, `unix:///path` or `tcp://host:port` (plain HTTP; TLS is not supported).
 */
export function resolveEndpoint(socket: string | undefined, env: Readonly<Record<string, string | undefined>>): Endpoint {
  const given = socket !== undefined && socket !== '' ? socket : env['DOCKER_HOST'];
  if (given === undefined || given === '') return { socketPath: DEFAULT_SOCKET };
  if (given.startsWith('unix://')) return { socketPath: given.slice('unix://'.length) };
  const tcp = /^(?:tcp|http):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(given);
  if (tcp !== null) return { host: tcp[1]!, port: tcp[2] === undefined ? 2375 : Number(tcp[2]) };
  if (given.includes('://')) throw compileError('bad-option', `unsupported Docker host ${given}`, undefined, ['use unix:///path/to/docker.sock or tcp://host:port']);
  return { socketPath: given };
}

export function describeEndpoint(e: Endpoint): string {
  return 'socketPath' in e ? `unix://${e.socketPath}` : `tcp://${e.host}:${e.port}`;
}

/** An HTTP status other than 2xx from the engine. */
export class EngineError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class DockerClient {
  constructor(readonly endpoint: Endpoint) {}

  /** Open a GET and resolve with the response once headers arrive (2xx), or reject. */
  async open(path: string, signal?: AbortSignal): Promise<IncomingMessage> {
    // Loaded here, not at start-up: most programs never talk to the engine.
    const { request } = await import('node:http');
    return new Promise((resolve, reject) => {
      const req = request({ ...this.endpoint, path, method: 'GET', headers: { host: 'docker' }, signal }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let msg = body;
          try {
            msg = (JSON.parse(body) as { message?: string }).message ?? body;
          } catch {
            // not JSON: keep the text
          }
          reject(new EngineError(status, `${path}: ${status} ${msg.trim()}`));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** GET a JSON document. */
  async json<T>(path: string, signal?: AbortSignal): Promise<T> {
    const res = await this.open(path, signal);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
  }
}

/** A streamed response of JSON documents (events, stats), one per line. Ends when the engine closes it. */
export async function* jsonLines<T>(res: IncomingMessage): AsyncGenerator<T> {
  const split = new LineSplitter();
  const dec = new TextDecoder();
  const docs: T[] = [];
  const take = (line: string): void => {
    const text = line.trim();
    if (text.length > 0) docs.push(JSON.parse(text) as T);
  };
  try {
    for await (const c of res) {
      split.push(dec.decode(c as Buffer, { stream: true }), take);
      yield* docs.splice(0);
    }
  } finally {
    res.destroy();
  }
}

/** Say once that the engine is gone and once that it is back, however many retries there are in between. */
export class OutageReporter {
  private down = false;

  constructor(
    private readonly source: string,
    private readonly where: string,
    private readonly log: (m: string) => void,
  ) {}

  lost(e: unknown): void {
    if (this.down) return;
    this.down = true;
    const why = (e as Error | undefined)?.message ?? String(e);
    this.log(`${this.source}: lost the Docker engine at ${this.where} (${why}); retrying with backoff`);
  }

  back(): void {
    if (!this.down) return;
    this.down = false;
    this.log(`${this.source}: the Docker engine at ${this.where} is back`);
  }
}

/** Reconnect delays: from 250 ms doubling to 5 s, jittered. */
export const RECONNECT: BackoffPolicy = { baseMs: 250, maxMs: 5000 };

/** Sleep in real time (reconnect waits are about the engine, not event time); false when aborted. */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = (): void => done(false);
    const t = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
