/**
 * A small Docker Engine API client over `node:http`, shared by the docker-*
 * sources, reaching the engine the way the docker CLI does (SPEC §17.3): a
 * unix socket, `tcp://` (with TLS under DOCKER_TLS_VERIFY / DOCKER_TLS,
 * certificates from DOCKER_CERT_PATH) or `ssh://` (docker-modem's ssh
 * connection, loaded only then, running `docker system dial-stdio` on the
 * remote host). Only GET requests and long-lived streams are needed (stats,
 * logs, events), so requests and streams stay ours: start-up stays lean and
 * the reconnect loop keeps full control of every connection.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, RequestOptions } from 'node:http';
import type { RequestOptions as TlsRequestOptions } from 'node:https';
import { join } from 'node:path';
import { LineSplitter } from '../formats/text.js';
import type { BackoffPolicy } from '../../runtime/retry.js';
import { compileError } from '../../lang/diagnostics.js';

/** TLS material for a tcp:// engine, read when the endpoint is resolved. */
export interface TlsFiles {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** DOCKER_TLS_VERIFY: check the engine's certificate against `ca`. */
  verify: boolean;
}

/** Where the engine listens: a unix socket path, an http(s) host and port, or an ssh host. */
export type Endpoint =
  | { socketPath: string }
  | { host: string; port: number; tls?: TlsFiles }
  | { ssh: { host: string; port: number; username?: string; agent?: string } };

export const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * `socket=` wins, then `DOCKER_HOST`, then /var/run/docker.sock. Both may be a
 * path, `unix:///path`, `tcp://host:port` or `ssh://[user@]host[:port]`, as
 * for the docker CLI: with DOCKER_TLS_VERIFY (or DOCKER_TLS) set, tcp:// is TLS
 * with ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH (default ~/.docker).
 */
export function resolveEndpoint(socket: string | undefined, env: Readonly<Record<string, string | undefined>>): Endpoint {
  const given = socket !== undefined && socket !== '' ? socket : env['DOCKER_HOST'];
  if (given === undefined || given === '') return { socketPath: DEFAULT_SOCKET };
  if (given.startsWith('unix://')) return { socketPath: given.slice('unix://'.length) };
  const tcp = /^(?:tcp|http|https):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(given);
  if (tcp !== null) {
    const verify = isSet(env['DOCKER_TLS_VERIFY']);
    const tls = verify || isSet(env['DOCKER_TLS']) || given.startsWith('https://');
    return { host: tcp[1]!, port: tcp[2] === undefined ? (tls ? 2376 : 2375) : Number(tcp[2]), ...(tls ? { tls: tlsFiles(env, verify) } : {}) };
  }
  const ssh = /^ssh:\/\/(?:([^@/]+)@)?([^:/]+)(?::(\d+))?\/?$/.exec(given);
  if (ssh !== null) {
    return { ssh: { host: ssh[2]!, port: ssh[3] === undefined ? 22 : Number(ssh[3]), username: ssh[1], agent: env['SSH_AUTH_SOCK'] } };
  }
  if (given.includes('://')) {
    throw compileError('bad-option', `unsupported Docker host ${given}`, undefined, ['use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host']);
  }
  return { socketPath: given };
}

/** The docker CLI treats an empty variable as unset; so does flume. */
function isSet(v: string | undefined): boolean {
  return v !== undefined && v !== '';
}

function tlsFiles(env: Readonly<Record<string, string | undefined>>, verify: boolean): TlsFiles {
  const dir = isSet(env['DOCKER_CERT_PATH']) ? env['DOCKER_CERT_PATH']! : join(env['HOME'] ?? '', '.docker');
  const read = (name: string): Buffer => {
    try {
      return readFileSync(join(dir, name));
    } catch (e) {
      throw compileError('bad-option', `cannot read ${join(dir, name)} for TLS to the Docker engine: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, undefined, [
        'DOCKER_CERT_PATH names the folder holding ca.pem, cert.pem and key.pem (default ~/.docker)',
      ]);
    }
  };
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem'), verify };
}

export function describeEndpoint(e: Endpoint): string {
  if ('socketPath' in e) return `unix://${e.socketPath}`;
  if ('ssh' in e) return `ssh://${e.ssh.username ? `${e.ssh.username}@` : ''}${e.ssh.host}:${e.ssh.port}`;
  return `${e.tls ? 'tcp+tls' : 'tcp'}://${e.host}:${e.port}`;
}

/** How node:http(s) reaches an endpoint; the modules are loaded at the first request, not at start-up. */
async function connect(e: Endpoint): Promise<{ request: typeof import('node:http').request; options: RequestOptions | TlsRequestOptions }> {
  if ('socketPath' in e) return { request: (await import('node:http')).request, options: { socketPath: e.socketPath } };
  if ('ssh' in e) {
    const { default: sshAgent } = await import('docker-modem/lib/ssh.js');
    const agent = sshAgent({ host: e.ssh.host, port: e.ssh.port, username: e.ssh.username, agent: e.ssh.agent });
    return { request: (await import('node:http')).request, options: { host: e.ssh.host, agent } };
  }
  if (e.tls) {
    const { ca, cert, key, verify } = e.tls;
    return { request: (await import('node:https')).request, options: { host: e.host, port: e.port, ca, cert, key, rejectUnauthorized: verify } };
  }
  return { request: (await import('node:http')).request, options: { host: e.host, port: e.port } };
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
    const { request, options } = await connect(this.endpoint);
    return new Promise((resolve, reject) => {
      // Over TLS the Host header is what the engine's certificate is checked against: keep the real host there.
      const headers = 'host' in this.endpoint && this.endpoint.tls ? {} : { host: 'docker' };
      const req = request({ ...options, path, method: 'GET', headers, signal }, (res) => {
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
