/**
 * write('elastic'): bulk indexing on the shared sink machinery
 * (src/runtime/batch-sink.ts: batches by `batch_size`/`batch_bytes`, `flush`,
 * bounded `buffer`, retries for `retry_for`, errors=, drain). A request that
 * fails as a whole (connection refused, timeout, 429, 5xx) is retried with
 * backoff; inside a request, documents refused with 429/5xx are sent again
 * the same way, and documents refused for good (a mapping conflict, 400) go
 * to `errors=` with the reason: another index, or a JSON-lines file.
 */
import type { CreateContext } from '../../runtime/defs.js';
import type { SinkInstance } from '../../runtime/component.js';
import { formatIso, getPath, splitPath, TimeValue, type Point } from '../../runtime/point.js';
import { formatTime } from '../../runtime/time.js';
import { withRetry, type RetryPolicy } from '../../runtime/retry.js';
import { compileError, runtimeError } from '../../lang/diagnostics.js';
import { durationMs } from '../common.js';
import { batchSink, parseErrorsTarget, type BatchOptionValues, type Destination, type ItemRejection, type Rejected, type SendResult } from '../batched.js';
import { connect, isRetryable, reasonOf, retryableStatus, type Client } from './client.js';

export interface WritePlan {
  url: string;
  index: string;
  id: string[] | undefined;
  timeField: string;
  pipeline: string | undefined;
  refresh: boolean;
}

const ELASTIC = { adapter: 'elastic', errorsLabel: (index: string) => `index ${index}` };

/** Where rejected documents go: another index, or a JSON-lines file (errors= as elastic has always read it). */
export type ErrorTarget = { kind: 'index'; index: string } | { kind: 'file'; path: string };

export function parseErrorTarget(v: unknown): ErrorTarget | undefined {
  const t = parseErrorsTarget(typeof v === 'string' ? v : undefined, ELASTIC);
  if (t === undefined || t.kind === 'file') return t;
  return { kind: 'index', index: t.target };
}

export function writePlan(opts: Record<string, unknown>): WritePlan {
  return {
    url: opts['url'] as string,
    index: opts['index'] as string,
    id: typeof opts['id'] === 'string' ? splitPath(opts['id']) : undefined,
    timeField: opts['time_field'] as string,
    pipeline: typeof opts['pipeline'] === 'string' ? opts['pipeline'] : undefined,
    refresh: opts['refresh'] === true,
  };
}

/** One document: its bulk lines, serialised once (sizes are known, JSON is made once). */
interface Doc {
  index: string;
  id: string;
  action: string;
  source: string;
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

function itemReason(item: BulkItemResult): string {
  return `${item.error?.type ?? 'error'}: ${item.error?.reason ?? `status ${item.status}`}`;
}

class ElasticDestination implements Destination<Doc> {
  private client: Client | undefined;
  private seq = 0;
  /** Ids made here (no `id=`) make a retried request idempotent: a document sent twice is stored once. */
  // Web Crypto, not node:crypto: importing that module costs every run start-up time.
  private readonly runId = Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString('base64url');
  private readonly indices = new Set<string>();

  constructor(
    private readonly plan: WritePlan,
    private readonly ctx: CreateContext,
    private readonly retry: RetryPolicy,
  ) {}

  encode(p: Point): Doc {
    const plan = this.plan;
    const index = indexFor(plan.index, typeof p.time === 'number' ? p.time : this.ctx.clock.now());
    this.indices.add(index);
    const id = (plan.id === undefined ? undefined : idValue(p, plan.id)) ?? `${this.runId}-${(this.seq++).toString(36)}`;
    const meta: Record<string, string> = { _index: index, _id: id };
    if (plan.pipeline !== undefined) meta['pipeline'] = plan.pipeline;
    return { index, id, action: JSON.stringify({ index: meta }), source: JSON.stringify(toDocument(p, plan.timeField)) };
  }

  size(d: Doc): number {
    return d.action.length + d.source.length + 2;
  }

  async open(): Promise<void> {
    this.client ??= await connect(this.plan.url);
  }

  async send(docs: readonly Doc[]): Promise<SendResult> {
    const items = await this.bulk(docs);
    const rejected: ItemRejection[] = [];
    const retry: number[] = [];
    let retryReason = '';
    for (let i = 0; i < docs.length; i++) {
      const item = items[i]!;
      if (item.status < 300) continue;
      if (retryableStatus(item.status)) {
        retry.push(i);
        retryReason = itemReason(item);
      } else rejected.push({ index: i, reason: itemReason(item), status: item.status });
    }
    return { rejected, retry, retryReason };
  }

  private async bulk(docs: readonly Doc[]): Promise<BulkItemResult[]> {
    const operations: string[] = [];
    for (const d of docs) operations.push(d.action, d.source);
    const res = await this.client!.bulk({ operations });
    return res.items.map((it) => {
      const r = (it.index ?? it.create ?? it.update ?? it.delete)!;
      return { status: r.status, error: r.error as BulkItemResult['error'] };
    });
  }

  retryable(e: unknown): boolean {
    return isRetryable(e);
  }

  reason(e: unknown): string {
    return reasonOf(e);
  }

  /** What errors= receives: the document as text (it did not fit the mapping once, it must not fail again there) and the reason. */
  errorRecord(r: Rejected<Doc>): Record<string, unknown> {
    const doc = r.item;
    const [type, ...rest] = r.reason.split(': ');
    return {
      '@timestamp': formatIso(this.ctx.clock.now()),
      index: doc?.index,
      id: doc?.id,
      status: r.status,
      error: { type, reason: rest.join(': ') },
      document: doc?.source ?? JSON.stringify(toDocument(r.point, this.plan.timeField)),
    };
  }

  /** errors='index': the error records into that index, stored for sure or the run fails. */
  async reject(index: string, rejected: readonly Rejected<Doc>[]): Promise<void> {
    this.indices.add(index);
    const docs = rejected.map((r) => {
      const id = `${r.item?.id ?? `${this.runId}-${(this.seq++).toString(36)}`}-rejected`;
      return { index, id, action: JSON.stringify({ index: { _index: index, _id: id } }), source: JSON.stringify({ ...this.errorRecord(r), _error: r.reason }) };
    });
    const items = await this.bulk(docs);
    const lost = items.filter((it) => it.status >= 300);
    if (lost.length > 0) {
      throw runtimeError('write-failed', `write elastic: the error index ${index} refused ${lost.length} rejected documents: ${itemReason(lost[0]!)}`);
    }
  }

  async close(): Promise<void> {
    if (this.client === undefined) return;
    try {
      if (this.plan.refresh) {
        const index = [...this.indices];
        await withRetry(() => this.client!.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true }), this.retry, isRetryable);
      }
    } finally {
      await this.client.close();
    }
  }
}

/**
 * `retries=N` (elastic's option from before retry_for): the time N retries
 * take at most with this backoff, which then replaces retry_for.
 */
export function retriesAsDuration(retries: number, backoffMaxMs: number): number {
  let total = 0;
  for (let k = 0; k < retries; k++) total += Math.min(backoffMaxMs, BACKOFF_BASE_MS * 2 ** k);
  return total;
}

const BACKOFF_BASE_MS = 100;

export function createElasticSink(opts: Record<string, unknown> & BatchOptionValues, ctx: CreateContext): SinkInstance {
  const plan = writePlan(opts);
  const retries = opts['retries'];
  if (typeof retries === 'number' && retries < 0) throw compileError('bad-option', '`retries` must be 0 or more');
  const backoffMaxMs = durationMs(opts['backoff_max'], 10_000);
  const retryFor = typeof retries === 'number' ? retriesAsDuration(retries, backoffMaxMs) : opts.retry_for;
  const policy: RetryPolicy = { retries: 10, baseMs: BACKOFF_BASE_MS, maxMs: backoffMaxMs };
  return batchSink(new ElasticDestination(plan, ctx, policy), { ...opts, retry_for: retryFor }, ctx, {
    ...ELASTIC,
    server: 'Elasticsearch',
    address: plan.url,
    noun: 'documents',
    backoffMaxMs,
  });
}
