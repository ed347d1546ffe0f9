/**
 * `write('influxdb')` (SPEC §15.2): line protocol over plain HTTP on the
 * shared sink machinery. 1.x: `POST /write?db=` (the database is created
 * first with `CREATE DATABASE`, as Telegraf does); 2.x/3.x: `POST
 * /api/v2/write?org=&bucket=` with `Authorization: Token`. A batch the
 * server refuses (400/422/413: a parse error, a field type conflict) is
 * split in halves until the refused lines are found: those go to errors=
 * with the server's reason, the rest is written (InfluxDB stores a point
 * written twice once: same series and time).
 */
import type { CreateContext } from '../../runtime/defs.js';
import type { SinkInstance } from '../../runtime/component.js';
import type { Point } from '../../runtime/point.js';
import { compileError } from '../../lang/diagnostics.js';
import { durationMs } from '../common.js';
import { batchSink, Refusal, type BatchOptionValues, type Destination, type ItemRejection, type SendResult } from '../batched.js';
import { httpReason, httpRequest, HttpStatusError, retryableHttp, retryableStatus, type HttpAnswer } from '../http/send.js';
import { lineEncoder, type LinePlan, type Precision } from './line.js';

export type InfluxApi = { version: 1; db: string } | { version: 2; org: string; bucket: string };

export interface InfluxPlan {
  url: string;
  api: InfluxApi;
  token: string | undefined;
  line: LinePlan;
  timeoutMs: number;
}

/** Statuses that refuse what was sent rather than the request: split the batch to find the lines. */
const REFUSED = new Set([400, 413, 422]);

/** The server's reason: InfluxDB answers `{"error": "..."}` (1.x) or `{"code": ..., "message": "..."}` (2.x). */
export function influxReason(a: HttpAnswer): string {
  try {
    const body = JSON.parse(a.body) as { error?: string; message?: string };
    const m = body.error ?? body.message;
    if (typeof m === 'string') return `${a.status}: ${m}`;
  } catch {
    // not JSON: the text as it is
  }
  return `${a.status}: ${a.body.trim().slice(0, 300)}`;
}

/** The write request's URL (path and query) for the API in use. */
export function writeUrl(plan: Pick<InfluxPlan, 'url' | 'api' | 'line'>): string {
  const base = plan.url.replace(/\/+$/, '');
  const precision = plan.line.precision;
  if (plan.api.version === 1) return `${base}/write?db=${encodeURIComponent(plan.api.db)}&precision=${precision}`;
  return `${base}/api/v2/write?org=${encodeURIComponent(plan.api.org)}&bucket=${encodeURIComponent(plan.api.bucket)}&precision=${precision}`;
}

export class InfluxDestination implements Destination<string> {
  private readonly encoder: (p: Point) => { line: string } | { empty: string };
  private readonly target: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly plan: InfluxPlan,
    private readonly ctx: Pick<CreateContext, 'warn'>,
  ) {
    this.encoder = lineEncoder(plan.line);
    this.target = writeUrl(plan);
    this.headers = { 'content-type': 'text/plain; charset=utf-8' };
    if (plan.token !== undefined) this.headers['authorization'] = `Token ${plan.token}`;
  }

  encode(p: Point): string | Refusal {
    const r = this.encoder(p);
    return 'line' in r ? r.line : new Refusal(r.empty, 'empty', false);
  }

  size(line: string): number {
    return line.length + 1;
  }

  /** 1.x: make sure the database exists (CREATE DATABASE does nothing when it does). */
  async open(): Promise<void> {
    if (this.plan.api.version === 1) await this.createDatabase();
  }

  private async createDatabase(): Promise<void> {
    const db = (this.plan.api as { db: string }).db;
    const q = `CREATE DATABASE "${db.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    const res = await httpRequest(`${this.plan.url.replace(/\/+$/, '')}/query`, {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ q }).toString(),
      timeoutMs: this.plan.timeoutMs,
    });
    if (res.status === 200) return;
    if (retryableStatus(res.status)) throw new HttpStatusError(res.status, res.body, 'CREATE DATABASE');
    // No right to create databases (auth): it may exist already; the first write will tell.
    this.ctx.warn('create-database', `cannot create database ${db} (${influxReason(res)}); writing anyway`);
  }

  async send(lines: readonly string[]): Promise<SendResult> {
    const rejected: ItemRejection[] = [];
    await this.sendPart(lines, 0, lines.length, rejected);
    return { rejected };
  }

  /** Send lines[from, to); on a refusal, the halves separately, down to the refused lines. */
  private async sendPart(lines: readonly string[], from: number, to: number, rejected: ItemRejection[]): Promise<void> {
    let res = await this.post(lines, from, to);
    if (res.status === 404 && this.plan.api.version === 1 && /database not found/.test(res.body)) {
      // Dropped while we were writing: create it again, as at the start.
      await this.createDatabase();
      res = await this.post(lines, from, to);
    }
    if (res.status >= 200 && res.status < 300) return;
    if (retryableStatus(res.status)) throw new HttpStatusError(res.status, res.body, `POST ${this.target}`);
    if (!REFUSED.has(res.status)) throw new HttpStatusError(res.status, influxReason(res), `POST ${this.target}`);
    if (to - from === 1) {
      rejected.push({ index: from, reason: influxReason(res), status: res.status });
      return;
    }
    const mid = from + Math.ceil((to - from) / 2);
    await this.sendPart(lines, from, mid, rejected);
    await this.sendPart(lines, mid, to, rejected);
  }

  private post(lines: readonly string[], from: number, to: number): Promise<HttpAnswer> {
    const body = (from === 0 && to === lines.length ? lines : lines.slice(from, to)).join('\n') + '\n';
    return httpRequest(this.target, { method: 'POST', headers: this.headers, body, timeoutMs: this.plan.timeoutMs });
  }

  retryable(e: unknown): boolean {
    return retryableHttp(e);
  }

  reason(e: unknown): string {
    return httpReason(e);
  }
}

export interface InfluxOptions extends BatchOptionValues {
  url: string;
  db: string | null | undefined;
  org: string | null | undefined;
  bucket: string | null | undefined;
  token: string | null | undefined;
  measurement: string;
  tags: string[] | null | undefined;
  fields: string[] | null | undefined;
  precision: Precision;
  timeout: unknown;
}

function given(v: string | null | undefined): v is string {
  return typeof v === 'string' && v.length > 0;
}

export function influxApi(opts: Pick<InfluxOptions, 'db' | 'org' | 'bucket'>): InfluxApi {
  if (given(opts.db)) {
    if (given(opts.bucket) || given(opts.org)) throw compileError('bad-option', 'write influxdb: give db= (1.x) or org= and bucket= (2.x), not both');
    return { version: 1, db: opts.db };
  }
  if (given(opts.bucket) && given(opts.org)) return { version: 2, org: opts.org, bucket: opts.bucket };
  throw compileError('bad-option', 'write influxdb needs db= (InfluxDB 1.x) or org= and bucket= (2.x/3.x, with token=)', undefined, [
    "write('influxdb', db='metrics')",
    "write('influxdb', url='http://127.0.0.1:8086', org='acme', bucket='metrics', token='…')",
  ]);
}

export function influxPlan(opts: InfluxOptions): InfluxPlan {
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw compileError('bad-option', `url=${JSON.stringify(opts.url)} is not a URL`, undefined, ["url='http://127.0.0.1:8086'"]);
  }
  if (opts.measurement.length === 0) throw compileError('bad-option', 'measurement= must not be empty');
  return {
    url: url.href,
    api: influxApi(opts),
    token: given(opts.token) ? opts.token : undefined,
    line: { measurement: opts.measurement, tags: opts.tags ?? null, fields: opts.fields ?? null, precision: opts.precision },
    timeoutMs: durationMs(opts.timeout, 30_000),
  };
}

export function createInfluxSink(opts: InfluxOptions, ctx: CreateContext): SinkInstance {
  const plan = influxPlan(opts);
  const where = plan.api.version === 1 ? `database ${plan.api.db}` : `org ${plan.api.org}, bucket ${plan.api.bucket}`;
  return batchSink(new InfluxDestination(plan, ctx), opts, ctx, { adapter: 'influxdb', server: `InfluxDB at ${plan.url.replace(/\/$/, '')} (${where})` });
}
