/**
 * write('elastic'): bulk indexing. Documents are buffered and sent as one
 * `_bulk` request when `batch_size` documents or `batch_bytes` bytes are
 * waiting, or `flush` after the first one arrived. A request that fails as a
 * whole (connection refused, timeout, 429, 5xx) is retried with exponential
 * backoff; inside a request, documents rejected with 429/5xx are retried the
 * same way, and documents rejected for good (a mapping conflict, 400) go to
 * `errors=` with the reason. Nothing vanishes: when retries run out the run
 * fails naming the stage.
 */
import { appendFile } from 'node:fs/promises';
import type { CreateContext } from '../../runtime/defs.js';
import type { SinkInstance } from '../../runtime/component.js';
import { formatIso, getPath, splitPath, TimeValue, type Batch, type Point } from '../../runtime/point.js';
import { formatTime } from '../../runtime/time.js';
import { backoffMs, withRetry, type RetryPolicy } from '../../runtime/retry.js';
import { compileError, runtimeError } from '../../lang/diagnostics.js';
import { durationMs } from '../common.js';
import { connect, isRetryable, reasonOf, retryableStatus, type Client } from './client.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WritePlan {
  url: string;
  index: string;
  id: string[] | undefined;
  timeField: string;
  pipeline: string | undefined;
  batchSize: number;
  batchBytes: number;
  flushMs: number;
  errors: ErrorTarget | undefined;
  retry: RetryPolicy;
  refresh: boolean;
}

/** Where rejected documents go: another index, or a JSON-lines file. */
export type ErrorTarget = { kind: 'index'; index: string } | { kind: 'file'; path: string };

export function parseErrorTarget(v: unknown): ErrorTarget | undefined {
  if (typeof v !== 'string' || v.length === 0) return undefined;
  if (v.startsWith('file:')) {
    const path = v.slice('file:'.length);
    if (path.length === 0) throw compileError('bad-option', "errors='file:' needs a path: errors='file:rejected.jsonl'");
    return { kind: 'file', path };
  }
  return { kind: 'index', index: v };
}

export function writePlan(opts: Record<string, unknown>): WritePlan {
  const batchSize = opts['batch_size'] as number;
  if (batchSize < 1) throw compileError('bad-option', '`batch_size` must be at least 1');
  const retries = opts['retries'] as number;
  if (retries < 0) throw compileError('bad-option', '`retries` must be 0 or more');
  return {
    url: opts['url'] as string,
    index: opts['index'] as string,
    id: typeof opts['id'] === 'string' ? splitPath(opts['id']) : undefined,
    timeField: opts['time_field'] as string,
    pipeline: typeof opts['pipeline'] === 'string' ? opts['pipeline'] : undefined,
    batchSize,
    batchBytes: Math.max(1, opts['batch_bytes'] as number),
    flushMs: durationMs(opts['flush'], 1000),
    errors: parseErrorTarget(opts['errors']),
    retry: { retries, baseMs: 100, maxMs: durationMs(opts['backoff_max'], 10_000) },
    refresh: opts['refresh'] === true,
  };
}

/** One document waiting to be sent: its bulk lines, pre-serialized (sizes are known, JSON is made once). */
interface Pending {
  index: string;
  id: string;
  action: string;
  source: string;
  point: Point;
}

interface BulkItemResult {
  status: number;
  error?: { type?: string; reason?: string; caused_by?: { reason?: string } };
}

/** A point as the document Elasticsearch stores: `time` under `time_field` as ISO 8601, time values as ISO. */
export function toDocument(p: Point, timeField: string): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  if (typeof p.time === 'number') doc[timeField] = formatIso(p.time);
  for (const k in p) if (k !== 'time') doc[k] = p[k];
  return doc;
}

/** `logs-%Y.%m.%d` → the index for this point's time (strftime, UTC); a name without `%` is used as is. */
export function indexFor(pattern: string, time: number): string {
  return pattern.includes('%') ? formatTime(time, pattern) : pattern;
}

function idValue(p: Point, path: string[]): string | undefined {
  const v = getPath(p, path);
  if (v === undefined || v === null) return undefined;
  if (v instanceof TimeValue) return formatIso(v.ms);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export class ElasticSink implements SinkInstance {
  private client: Client | undefined;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Flushes run one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private seq = 0;
  /** Ids made here (no `id=`) make a retried request idempotent: a document sent twice is stored once. */
  // Web Crypto, not node:crypto: importing that module costs every run start-up time.
  private readonly runId = Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString('base64url');
  private rejected = 0;
  private written = 0;

  constructor(
    private readonly plan: WritePlan,
    private readonly ctx: CreateContext,
  ) {}

  async write(batch: Batch): Promise<void> {
    this.throwIfFailed();
    for (const p of batch) {
      this.enqueue(p);
      if (this.pending.length >= this.plan.batchSize || this.pendingBytes >= this.plan.batchBytes) await this.flush();
    }
    if (this.pending.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush().catch((e: unknown) => (this.failure ??= e));
      }, this.plan.flushMs);
    }
  }

  async end(): Promise<void> {
    await this.flush();
    this.throwIfFailed();
    if (this.plan.refresh && this.client !== undefined) {
      await withRetry(() => this.client!.indices.refresh({ index: this.refreshTargets(), ignore_unavailable: true, allow_no_indices: true }), this.plan.retry, isRetryable);
    }
    if (this.rejected > 0) {
      const where = this.plan.errors === undefined ? 'counted as dropped (set errors= to keep them)' : `sent to ${this.describeErrors()}`;
      this.ctx.log(`write elastic: ${this.rejected} of ${this.written + this.rejected} documents rejected by Elasticsearch, ${where}`);
    }
    await this.client?.close();
  }

  private readonly indices = new Set<string>();

  private refreshTargets(): string[] {
    const all = [...this.indices];
    if (this.plan.errors?.kind === 'index') all.push(this.plan.errors.index);
    return all;
  }

  private describeErrors(): string {
    const e = this.plan.errors!;
    return e.kind === 'file' ? `file ${e.path}` : `index ${e.index}`;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) {
      const e = this.failure;
      this.failure = undefined;
      throw e;
    }
  }

  private enqueue(p: Point): void {
    const plan = this.plan;
    const index = indexFor(plan.index, typeof p.time === 'number' ? p.time : this.ctx.clock.now());
    this.indices.add(index);
    const id = (plan.id === undefined ? undefined : idValue(p, plan.id)) ?? `${this.runId}-${(this.seq++).toString(36)}`;
    const meta: Record<string, string> = { _index: index, _id: id };
    if (plan.pipeline !== undefined) meta['pipeline'] = plan.pipeline;
    const action = JSON.stringify({ index: meta });
    const source = JSON.stringify(toDocument(p, plan.timeField));
    this.pending.push({ index, id, action, source, point: p });
    this.pendingBytes += action.length + source.length + 2;
  }

  /** Send what is waiting; resolves once it is stored (or routed to errors=): SinkInstance.flush. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const docs = this.pending;
    if (docs.length === 0) return this.chain;
    this.pending = [];
    this.pendingBytes = 0;
    const run = this.chain.then(() => this.send(docs));
    // A failure is thrown to the caller waiting on this flush; later flushes still run in order.
    this.chain = run.catch((e: unknown) => {
      this.failure ??= e;
    });
    return run;
  }

  private async getClient(): Promise<Client> {
    this.client ??= await connect(this.plan.url);
    return this.client;
  }

  /** Bulk-send, retrying the whole request and then the documents rejected with 429/5xx, until nothing is left. */
  private async send(docs: Pending[]): Promise<void> {
    const client = await this.getClient();
    let todo = docs;
    for (let attempt = 0; todo.length > 0; attempt++) {
      const items = await this.bulk(client, todo);
      const again: Pending[] = [];
      const bad: { doc: Pending; item: BulkItemResult }[] = [];
      let lastReason = '';
      for (let i = 0; i < todo.length; i++) {
        const item = items[i]!;
        if (item.status < 300) this.written++;
        else if (retryableStatus(item.status)) {
          again.push(todo[i]!);
          lastReason = item.error?.reason ?? `status ${item.status}`;
        } else bad.push({ doc: todo[i]!, item });
      }
      if (bad.length > 0) await this.reject(bad);
      if (again.length > 0 && attempt >= this.plan.retry.retries) {
        throw runtimeError('write-failed', `write elastic: ${again.length} documents still refused after ${attempt + 1} attempts: ${lastReason}`, [
          'the server is overloaded: lower batch_size, or raise retries / backoff_max',
        ]);
      }
      if (again.length > 0) await sleep(backoffMs(this.plan.retry, attempt));
      todo = again;
    }
  }

  private async bulk(client: Client, docs: Pending[]): Promise<BulkItemResult[]> {
    const operations: string[] = [];
    for (const d of docs) operations.push(d.action, d.source);
    try {
      const res = await withRetry(
        () => client.bulk({ operations }),
        this.plan.retry,
        isRetryable,
        (e, attempt, delay) => this.ctx.warn('retry', `bulk request failed (${reasonOf(e)}), retry ${attempt} of ${this.plan.retry.retries} in ${delay} ms`),
      );
      return res.items.map((it) => {
        const r = (it.index ?? it.create ?? it.update ?? it.delete)!;
        return { status: r.status, error: r.error as BulkItemResult['error'] };
      });
    } catch (e) {
      throw runtimeError('write-failed', `write elastic: bulk request to ${this.plan.url} failed: ${reasonOf(e)}`, [
        isRetryable(e) ? `gave up after ${this.plan.retry.retries} retries; is Elasticsearch running at ${this.plan.url}?` : 'the request was refused; check index and pipeline names',
      ]);
    }
  }

  /** Documents refused for good: to errors= with the reason, or counted as dropped. */
  private async reject(bad: { doc: Pending; item: BulkItemResult }[]): Promise<void> {
    this.rejected += bad.length;
    const records = bad.map(({ doc, item }) => ({
      '@timestamp': formatIso(this.ctx.clock.now()),
      index: doc.index,
      id: doc.id,
      status: item.status,
      error: { type: item.error?.type ?? 'error', reason: item.error?.reason ?? '', caused_by: item.error?.caused_by?.reason },
      // As text: the document did not fit the mapping once, it must not fail again here.
      document: doc.source,
    }));
    const target = this.plan.errors;
    if (target === undefined) {
      for (const r of records) this.ctx.drop('rejected', `${r.error.type}: ${r.error.reason}: ${r.document}`);
      return;
    }
    if (target.kind === 'file') {
      try {
        await appendFile(target.path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
      } catch (e) {
        throw runtimeError('write-failed', `write elastic: cannot write ${bad.length} rejected documents to ${target.path}: ${(e as Error).message}`);
      }
      return;
    }
    const client = await this.getClient();
    this.indices.add(target.index);
    const operations: unknown[] = [];
    for (const r of records) operations.push({ index: { _index: target.index, _id: `${r.id}-rejected` } }, r);
    const items = await this.bulk(client, records.map((r, i) => ({ ...bad[i]!.doc, action: JSON.stringify(operations[2 * i]), source: JSON.stringify(r) })));
    const lost = items.filter((it) => it.status >= 300);
    if (lost.length > 0) {
      throw runtimeError('write-failed', `write elastic: the error index ${target.index} refused ${lost.length} rejected documents: ${lost[0]!.error?.reason ?? ''}`);
    }
  }
}
