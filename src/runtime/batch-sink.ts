/**
 * The machinery every network sink shares (SPEC §15.1): points are encoded
 * one by one as they arrive, gathered into batches of `batch_size` points or
 * `batch_bytes` bytes (or what waited `flush`), and sent one batch at a time,
 * in order. Up to `buffer` points wait; beyond that `write` makes the pipeline
 * wait (backpressure, never unbounded memory). A failing request is retried
 * with exponential backoff and jitter for `retry_for`; the outage and the
 * recovery are each reported once; past `retry_for` the run fails loudly.
 * Points the destination refuses for good go to `errors=` (or are counted as
 * dropped). `flush()` and `end()` resolve once everything given so far is
 * acknowledged, which is what SourceOutput.flushed() and Ctrl-C rely on.
 *
 * A sink declares only a {@link Destination}: how to encode a point, how to
 * send a batch, which failures are worth retrying, and how to close.
 */
import { appendFile } from 'node:fs/promises';
import type { RunContext, SinkInstance } from './component.js';
import { pointToJson, type Batch, type Point } from './point.js';
import { withRetry, type RetryPolicy } from './retry.js';

/** What `encode` returns for a point it cannot turn into a record. */
export class Refusal {
  constructor(
    /** Why, for errors= and drop examples. */
    readonly reason: string,
    /** The drop reason it is counted under (`unencodable`, `empty`). */
    readonly kind: string = 'unencodable',
    /** false: only counted (a point without anything to send), never routed to errors=. */
    readonly route: boolean = true,
  ) {}
}

/** A point the destination refused for good: index into the batch sent, and why. */
export interface ItemRejection {
  index: number;
  reason: string;
  /** The destination's status code, when it has one (HTTP status, bulk item status). */
  status?: number;
}

/** What `send` reports about a batch that was not wholly accepted. */
export interface SendResult {
  /** Items refused for good: to errors=. */
  rejected?: readonly ItemRejection[];
  /** Items to send again (the destination shed them: per-item 429); retried with backoff like a failed request. */
  retry?: readonly number[];
  /** Why the items in `retry` were refused, for the outage message. */
  retryReason?: string;
}

/** A rejected point on its way to errors=. */
export interface Rejected<T> {
  point: Point;
  item: T | undefined;
  reason: string;
  status?: number;
  /** The drop reason it is counted under without errors= (default `rejected`). */
  kind?: string;
}

/** The part of a sink that knows its destination. */
export interface Destination<T> {
  /** Local set-up before the first point is encoded (load a schema); not retried. */
  prepare?(): Promise<void>;
  /** Encode one point as the record `send` takes; a {@link Refusal} when it cannot be. */
  encode(p: Point): T | Refusal;
  /** The record's size in bytes, for `batch_bytes` (absent: batches are cut by count only). */
  size?(item: T): number;
  /** Before the first send (connect, create the database); retried like a send. */
  open?(): Promise<void>;
  /** Send one batch. Throw when the request failed as a whole (`retryable` decides whether it is tried again). */
  send(items: readonly T[], points: readonly Point[]): Promise<SendResult | void>;
  /** Whether a thrown failure may go away (connection refused, timeout, 429, 5xx). */
  retryable(e: unknown): boolean;
  /** A failure in words, for messages (default: its message). */
  reason?(e: unknown): string;
  /** Route rejections to a destination-specific errors= target (an index, a topic). */
  reject?(target: string, rejected: readonly Rejected<T>[]): Promise<void>;
  /** The JSON record errors='file:' gets for a refused point (default: the point); `_error` is added to it. */
  errorRecord?(rejected: Rejected<T>): Record<string, unknown>;
  /** After the last send (also after a failure, when its own failure is ignored). */
  close?(): Promise<void>;
}

/** Where refused points go: a JSON-lines file, a destination-specific target, or nowhere (counted as dropped). */
export type ErrorsTarget = { kind: 'file'; path: string } | { kind: 'destination'; target: string; label: string };

export interface BatchSinkConfig {
  /** The adapter, for messages: `write influxdb: ...`. */
  adapter: string;
  /** The destination in words: `InfluxDB at http://127.0.0.1:8086 (db flume)`. */
  server: string;
  /** Where it is, when `server` does not say: outage and failure messages add it. */
  address?: string;
  /** What its records are called in messages (`points`, `documents`, `records`). */
  noun?: string;
  batchSize: number;
  /** Bytes per batch (with Destination.size). */
  batchBytes: number;
  /** Longest wait of a point before its batch is sent, ms. */
  flushMs: number;
  /** Points waiting before `write` makes the pipeline wait. */
  buffer: number;
  /** How long a failing request is retried before the run fails, ms. */
  retryForMs: number;
  /** Longest wait between retries, ms. */
  backoffMaxMs?: number;
  errors: ErrorsTarget | undefined;
  /** The run's error for a sink that gave up (a FlumeError: the runtime knows no diagnostics). */
  failure(message: string, hints: string[]): Error;
}

/** First retry delay; it doubles up to BatchSinkConfig.backoffMaxMs. */
const BACKOFF_BASE_MS = 100;
const BACKOFF_MAX_MS = 10_000;

/** Thrown inside a send attempt when some items were shed and must go again. */
class ItemsShed extends Error {}

interface Pending<T> {
  items: T[];
  points: Point[];
}

/** Seconds as people read them in messages: `300 s`, `1.5 s`. */
function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

export class BatchSink<T> implements SinkInstance {
  private items: T[] = [];
  private points: Point[] = [];
  private bytes = 0;
  private readonly queue: Pending<T>[] = [];
  /** Points encoded and not yet acknowledged (pending, queued or in flight). */
  private waiting = 0;
  private timer: NodeJS.Timeout | undefined;
  private sender: Promise<void> | undefined;
  private prepared: Promise<void> | undefined;
  private opening: Promise<void> | undefined;
  private failure: Error | undefined;
  private waiters: (() => void)[] = [];
  /** When the current outage began (undefined: none), and its retries. */
  private outageSince: number | undefined;
  private outageRetries = 0;
  readonly counts = { sent: 0, rejected: 0, retries: 0, outages: 0 };
  private readonly policy: RetryPolicy;
  private readonly noun: string;

  constructor(
    private readonly dest: Destination<T>,
    private readonly config: BatchSinkConfig,
    private readonly ctx: RunContext,
  ) {
    this.policy = {
      retries: Infinity,
      baseMs: BACKOFF_BASE_MS,
      maxMs: config.backoffMaxMs ?? BACKOFF_MAX_MS,
      forMs: config.retryForMs,
    };
    this.noun = config.noun ?? 'points';
  }

  write(batch: Batch): void | Promise<void> {
    this.throwIfFailed();
    if (this.dest.prepare !== undefined && this.prepared === undefined) {
      this.prepared = this.dest.prepare();
      return this.prepared.then(() => this.write(batch));
    }
    const { batchSize, batchBytes } = this.config;
    const sized = this.dest.size !== undefined;
    let refused: Rejected<T>[] | undefined;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const item = this.dest.encode(p);
      if (item instanceof Refusal) {
        if (!item.route) this.ctx.drop(item.kind, `${item.reason}: ${pointToJson(p).slice(0, 200)}`);
        else (refused ??= []).push({ point: p, item: undefined, reason: item.reason, kind: item.kind });
        continue;
      }
      this.items.push(item);
      this.points.push(p);
      this.waiting++;
      if (sized) this.bytes += this.dest.size!(item);
      if (this.items.length >= batchSize || (sized && this.bytes >= batchBytes)) this.seal();
    }
    if (this.items.length > 0 && this.timer === undefined) {
      // A partial batch goes out `flush` after its first point, so slow streams are not held back.
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.seal();
      }, this.config.flushMs);
    }
    const routed = refused === undefined ? undefined : this.route(refused);
    if (this.waiting <= this.config.buffer) return routed;
    return (async () => {
      await routed;
      await this.room();
    })();
  }

  /** Make the pipeline wait until the buffer has room (or the sink failed). */
  private async room(): Promise<void> {
    // What waits must be on its way, or the buffer would only empty after `flush`.
    this.seal();
    while (this.waiting > this.config.buffer && this.failure === undefined) await new Promise<void>((r) => this.waiters.push(r));
    this.throwIfFailed();
  }

  /** Everything given so far is acknowledged (SinkInstance.flush: offsets may be committed). */
  async flush(): Promise<void> {
    this.throwIfFailed();
    this.seal();
    while (this.sender !== undefined) await this.sender;
    this.throwIfFailed();
  }

  async end(): Promise<void> {
    try {
      await this.flush();
    } catch (e) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      await this.dest.close?.().catch(() => undefined);
      throw e;
    }
    await this.dest.close?.();
    this.reportRejections();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** The batch being gathered goes into the send queue. */
  private seal(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.items.length === 0) return;
    this.queue.push({ items: this.items, points: this.points });
    this.items = [];
    this.points = [];
    this.bytes = 0;
    if (this.failure === undefined) this.sender ??= this.sendAll();
  }

  private fail(e: unknown): void {
    this.failure ??= e instanceof Error ? e : new Error(String(e));
    this.wake();
    // A run whose sources are idle would otherwise only hear of it at the next write.
    this.ctx.fail?.(this.failure);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  /** One batch at a time, in order: a retried batch never overtakes a later one. */
  private async sendAll(): Promise<void> {
    try {
      await this.open();
      while (this.queue.length > 0) {
        const batch = this.queue[0]!;
        await this.sendBatch(batch);
        this.queue.shift();
        this.waiting -= batch.items.length;
        this.wake();
      }
    } catch (e) {
      this.fail(e);
    } finally {
      // In the same step as the loop's last check: a batch sealed from now on starts a new sender.
      this.sender = undefined;
    }
  }

  /** Connect once (retried like a send), before the first batch or rejection goes out. */
  private open(): Promise<void> {
    if (this.dest.open === undefined) return Promise.resolve();
    return (this.opening ??= this.retrying('connect to', () => this.dest.open!()));
  }

  /** Send a batch until every item is accepted or rejected; shed items are sent again with backoff. */
  private async sendBatch(batch: Pending<T>): Promise<void> {
    let items = batch.items;
    let points = batch.points;
    await this.retrying('write to', async () => {
      const result = await this.dest.send(items, points);
      const rejected = result?.rejected ?? [];
      const again = result?.retry ?? [];
      this.counts.sent += items.length - rejected.length - again.length;
      if (rejected.length > 0) {
        await this.route(rejected.map((r) => ({ point: points[r.index]!, item: items[r.index], reason: r.reason, status: r.status })));
      }
      if (again.length === 0) return;
      items = again.map((i) => items[i]!);
      points = again.map((i) => points[i]!);
      throw new ItemsShed(`${again.length} ${this.noun} refused for now: ${result?.retryReason ?? 'overloaded'}`);
    });
  }

  /** Errors this sink raised itself pass through an enclosing retry unwrapped. */
  private readonly ownErrors = new WeakSet<object>();

  private own(message: string, hints: string[]): Error {
    const e = this.config.failure(message, hints);
    this.ownErrors.add(e);
    return e;
  }

  private reasonOf(e: unknown): string {
    if (this.dest.reason !== undefined && !(e instanceof ItemsShed)) return this.dest.reason(e);
    return e instanceof Error ? e.message : String(e);
  }

  /**
   * Run `op` with backoff and jitter for `retry_for`: the first failure is
   * reported once as an outage, the first success after it once as the
   * recovery; past `retry_for` (or a failure not worth retrying) the run fails.
   */
  private async retrying(what: string, op: () => Promise<void>): Promise<void> {
    const { adapter, address } = this.config;
    const server = address === undefined ? this.config.server : `${this.config.server} at ${address}`;
    const began = Date.now();
    try {
      await withRetry(op, this.policy, (e) => e instanceof ItemsShed || (!this.ownErrors.has(e as object) && this.dest.retryable(e)), (e, _attempt, delay) => {
        this.counts.retries++;
        this.outageRetries++;
        if (this.outageSince !== undefined) return;
        this.outageSince = Date.now();
        this.counts.outages++;
        this.ctx.warn(
          'outage',
          `cannot ${what} ${server} (${this.reasonOf(e)}); retrying with backoff for up to ${seconds(this.config.retryForMs)} (retry_for=), ` +
            `first retry in ${delay} ms; the pipeline waits once ${this.config.buffer} ${this.noun} are buffered`,
        );
      });
    } catch (e) {
      if (this.ownErrors.has(e as object)) throw e;
      const passing = e instanceof ItemsShed || this.dest.retryable(e);
      const since = this.outageSince ?? began;
      const retried = passing
        ? `gave up after retrying for ${seconds(Date.now() - since)} (retry_for=${seconds(this.config.retryForMs)})`
        : 'not retried: the destination refused the request (a failure that does not pass by waiting)';
      throw this.own(`write ${adapter}: cannot ${what} ${server}: ${this.reasonOf(e)}`, [
        retried,
        `${this.waiting} ${this.noun} not sent; ${this.counts.sent} were sent before`,
      ]);
    }
    if (this.outageSince !== undefined) {
      this.ctx.warn('recovered', `${server} is back after ${seconds(Date.now() - this.outageSince)} (${this.outageRetries} retries); nothing was lost`);
      this.outageSince = undefined;
      this.outageRetries = 0;
    }
  }

  /** Refused points: to errors= with the reason, or counted as dropped. */
  private async route(rejected: readonly Rejected<T>[]): Promise<void> {
    this.counts.rejected += rejected.length;
    const target = this.config.errors;
    if (target === undefined) {
      for (const r of rejected) this.ctx.drop(r.kind ?? 'rejected', `${r.reason}: ${pointToJson(r.point).slice(0, 200)}`);
      return;
    }
    if (target.kind === 'destination') {
      await this.open();
      await this.retrying('write rejected points to', () => this.dest.reject!(target.target, rejected));
      return;
    }
    const record = this.dest.errorRecord;
    const lines = rejected.map((r) => pointToJson({ ...(record === undefined ? r.point : record.call(this.dest, r)), _error: r.reason })).join('\n') + '\n';
    try {
      await appendFile(target.path, lines);
    } catch (e) {
      throw this.own(`write ${this.config.adapter}: cannot write ${rejected.length} rejected ${this.noun} to ${target.path}: ${(e as Error).message}`, [
        'errors=file:path must name a writable file',
      ]);
    }
  }

  private reportRejections(): void {
    const n = this.counts.rejected;
    if (n === 0) return;
    const target = this.config.errors;
    const where =
      target === undefined ? 'counted as dropped (set errors= to keep them)' : target.kind === 'file' ? `sent to file ${target.path}` : `sent to ${target.label}`;
    this.ctx.log(`write ${this.config.adapter}: ${n} of ${this.counts.sent + n} ${this.noun} rejected by ${this.config.server}, ${where}`);
  }
}
