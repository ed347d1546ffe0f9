/**
 * What every listener (http collector, tcp, udp, syslog) shares: the listen
 * address (127.0.0.1 unless one is named), byte sizes, the common options
 * (SPEC §14), and the inbox, a bounded queue between the sockets and the
 * pipeline that one loop drains into the source's output.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunContext, SourceOutput } from '../../runtime/component.js';
import type { Point } from '../../runtime/point.js';
import { compileError, runtimeError } from '../../lang/diagnostics.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/** `'8080'`, `':8080'`, `'0.0.0.0:8080'`, `'[::1]:8080'`: the host defaults to 127.0.0.1 (SPEC §14). */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:(?:\[([^\]]+)\]|([^:[\]]*)):)?(\d+)$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw compileError('bad-option', `listen=${JSON.stringify(text)} is not an address to listen on`, undefined, [
      "write it as 'host:port' (e.g. '127.0.0.1:8080'), or a port alone for 127.0.0.1; port 0 picks a free one",
    ]);
  }
  const host = m[1] ?? (m[2] !== undefined && m[2] !== '' ? m[2] : '127.0.0.1');
  return { host, port };
}

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };

/** `'1MB'`, `'512kb'`, `2048`: bytes (binary units). */
export function parseSize(v: unknown, option: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return Math.floor(v);
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([kmg]?b?)\s*$/i.exec(v) : null;
  const unit = m === null ? undefined : UNITS[m[2]!.toLowerCase()];
  if (m === null || unit === undefined || Number(m[1]) <= 0) {
    throw compileError('bad-option', `${option}=${JSON.stringify(v)} is not a size`, undefined, ["write a size like '1MB', '512KB' or a number of bytes"]);
  }
  return Math.floor(Number(m[1]) * unit);
}

/** Options every listener has (SPEC §14). */
export const listenerOptions = {
  max_connections: { type: 'integer', default: 1024, doc: 'Most connections open at once; more are refused (closed at once) until some end.' },
  queue: {
    type: 'integer',
    default: 10000,
    doc:
      'Most received points waiting for the pipeline. When it is full the http collector answers 503 with Retry-After, ' +
      'tcp stops reading its connections (TCP backpressure) and udp drops datagrams, counted as `overflow`.',
  },
} as const;

/** Milliseconds a live listener waits idle before moving the watermark with the clock. */
const IDLE_MARK_MS = 1000;

interface Entry {
  points: Point[];
  /** Called once the points are pushed (and, when `flush` is set, flushed by every sink), or with the error that stopped that. */
  done?: (error?: unknown) => void;
  flush: boolean;
}

/** Points pushed downstream at most at once (bigger backlogs go in several pushes). */
const MAX_PUSH = 16384;

/**
 * A bounded queue of received batches and the loop that pushes them
 * downstream in arrival order, several requests' points per push. While
 * downstream is slow the queue fills up and `full` tells the listener to
 * refuse (503), pause its sockets, or drop and count: memory stays bounded.
 */
export class Inbox {
  private entries: Entry[] = [];
  private queued = 0;
  private closed = false;
  private wake: (() => void) | undefined;
  private roomWaiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly ctx: Pick<RunContext, 'clock' | 'signal'>,
    /** Move the watermark with the clock while idle (not for time=null). */
    private readonly live: boolean,
  ) {}

  get full(): boolean {
    return this.queued >= this.limit;
  }

  /** Queue points (already checked against `full`, or accepted regardless: bytes read from a TCP socket). */
  put(points: Point[], done?: (error?: unknown) => void, flush = false): void {
    if (points.length === 0 && done === undefined) return;
    this.entries.push({ points, done, flush });
    this.queued += points.length;
    this.kick();
  }

  /** Resolves once the queue has room again. */
  room(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * Run a socket handler: a failure in it (a malformed record with
   * on_error='fail') stops the run through the pipeline, never as an uncaught exception.
   */
  guard(f: () => void, onError?: () => void): void {
    try {
      f();
    } catch (e) {
      this.error ??= e;
      onError?.();
      this.kick();
    }
  }
  private error: unknown;

  /** No more points will come: the loop ends once the queue is empty. */
  close(): void {
    this.closed = true;
    this.kick();
  }

  private kick(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Push everything queued until `close`, marking the watermark with the clock while idle. */
  async pump(out: SourceOutput): Promise<void> {
    try {
      for (;;) {
        if (this.error !== undefined) throw this.error;
        if (this.entries.length === 0) {
          if (this.closed) return;
          const woke = new Promise<void>((resolve) => (this.wake = resolve));
          const idle = await Promise.race([woke.then(() => false), sleep(IDLE_MARK_MS, true, { ref: false })]);
          if (idle && this.entries.length === 0 && this.live) {
            const r = out.mark(this.ctx.clock.now());
            if (r !== undefined) await r;
          }
          continue;
        }
        await this.pushSome(out);
        if (out.done && !this.ctx.signal.aborted) {
          // Downstream wants nothing more (head): what is still queued is refused, never silently kept.
          this.failAll(new Error('the pipeline has stopped'));
          return;
        }
      }
    } catch (e) {
      this.failAll(e);
      throw e;
    }
  }

  private async pushSome(out: SourceOutput): Promise<void> {
    const taken: Entry[] = [];
    let batch: Point[] = [];
    let n = 0;
    while (this.entries.length > 0 && (n === 0 || n + this.entries[0]!.points.length <= MAX_PUSH)) {
      const e = this.entries.shift()!;
      taken.push(e);
      n += e.points.length;
      if (batch.length === 0) batch = e.points;
      else for (const p of e.points) batch.push(p);
    }
    this.queued -= n;
    this.releaseRoom();
    try {
      if (batch.length > 0) {
        const r = out.push(batch);
        if (r !== undefined) await r;
      }
      if (taken.some((e) => e.flush)) await out.flushed();
    } catch (e) {
      for (const t of taken) t.done?.(e);
      throw e;
    }
    for (const t of taken) t.done?.();
  }

  private releaseRoom(): void {
    if (this.full || this.roomWaiters.length === 0) return;
    const w = this.roomWaiters;
    this.roomWaiters = [];
    for (const resolve of w) resolve();
  }

  private failAll(e: unknown): void {
    for (const t of this.entries) t.done?.(e);
    this.entries = [];
    this.queued = 0;
    this.releaseRoom();
  }
}

/**
 * Runs a listener until Ctrl-C (or downstream wants no more): `stop` stops
 * accepting and lets the connections held finish (answered, drained); then
 * the inbox closes and the pipeline drains what is queued. `close` ends
 * whatever is still open, also when the pipeline fails.
 */
export async function serve(signal: AbortSignal, inbox: Inbox, out: SourceOutput, stop: () => Promise<void>, close: () => void): Promise<void> {
  const onAbort = (): void => {
    stop().then(
      () => inbox.close(),
      () => inbox.close(),
    );
  };
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  try {
    await inbox.pump(out);
  } finally {
    signal.removeEventListener('abort', onAbort);
    close();
  }
}

/** What `listen` needs of a server (node:net and node:http servers alike). */
interface Listenable {
  listen(port: number, host: string, cb: () => void): unknown;
  once(event: 'error', cb: (e: Error) => void): unknown;
  off(event: 'error', cb: (e: Error) => void): unknown;
  address(): { port: number } | string | null;
}

/** Bind, as a runtime error naming the address when it fails; resolves to `host:port` as bound (port 0 picks one). */
export function listen(server: Listenable, a: ListenAddress, adapter: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const failed = (e: Error): void => reject(cannotListen(adapter, a, e));
    server.once('error', failed);
    server.listen(a.port, a.host, () => {
      server.off('error', failed);
      resolve(boundAddress(a, server.address()));
    });
  });
}

export function cannotListen(adapter: string, a: ListenAddress, e: Error): Error {
  return runtimeError('listen', `read('${adapter}'): cannot listen on ${a.host}:${a.port}: ${e.message}`, [
    'another process may hold the port: choose another with listen=',
  ]);
}

export function boundAddress(a: ListenAddress, bound: { port: number } | string | null): string {
  const port = typeof bound === 'object' && bound !== null ? bound.port : a.port;
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${port}`;
}
