/**
 * `write('http', url, method='POST', format='jsonl'|'json', headers={})`
 * (SPEC §14.4): batches of points POSTed on the shared sink machinery. 2xx
 * is success; 429, 5xx and connection errors are retried for `retry_for`;
 * any other status refuses the batch's points for good (to `errors=`).
 */
import type { CreateContext } from '../../runtime/defs.js';
import type { SinkInstance } from '../../runtime/component.js';
import { pointToJson, type Point } from '../../runtime/point.js';
import { compileError } from '../../lang/diagnostics.js';
import { durationMs } from '../common.js';
import { batchOptions, batchSink, type BatchOptionValues, type Destination, type SendResult } from '../batched.js';
import { httpReason, httpRequest, HttpStatusError, retryableHttp, retryableStatus } from './send.js';

export const httpWriteOptions = {
  url: { type: 'string', required: true, doc: 'Where batches are sent (http:// or https://).' },
  method: { type: 'string', choices: ['POST', 'PUT', 'PATCH'], default: 'POST', doc: 'The request method.' },
  format: {
    type: 'string',
    choices: ['jsonl', 'json'],
    default: 'jsonl',
    doc: "Request body: 'jsonl' (one JSON object per line, application/x-ndjson) or 'json' (one array, application/json).",
  },
  headers: { type: 'object', default: {}, doc: "Request headers, e.g. `{Authorization: 'Bearer x'}`." },
  timeout: { type: 'duration', default: '30s', doc: 'How long one request may take before it counts as failed (and is retried).' },
  ...batchOptions(),
} as const;

export interface HttpWritePlan {
  url: string;
  method: string;
  format: 'jsonl' | 'json';
  headers: Record<string, string>;
  timeoutMs: number;
}

class HttpDestination implements Destination<string> {
  constructor(private readonly plan: HttpWritePlan) {}

  encode(p: Point): string {
    return pointToJson(p);
  }

  size(line: string): number {
    return line.length + 1;
  }

  async send(lines: readonly string[]): Promise<SendResult | void> {
    const { url, method, format, headers, timeoutMs } = this.plan;
    const body = format === 'json' ? `[${lines.join(',')}]` : lines.join('\n') + '\n';
    const res = await httpRequest(url, { method, headers, body, timeoutMs });
    if (res.status >= 200 && res.status < 300) return;
    const error = new HttpStatusError(res.status, res.body, `${method} ${url}`);
    if (retryableStatus(res.status)) throw error;
    // Refused for good: every point of the batch, with the server's reason.
    return { rejected: lines.map((_, index) => ({ index, reason: error.message, status: res.status })) };
  }

  retryable(e: unknown): boolean {
    return retryableHttp(e);
  }

  reason(e: unknown): string {
    return httpReason(e);
  }
}

function httpUrl(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw compileError('bad-option', `url=${JSON.stringify(v)} is not a URL`, undefined, ["url='http://127.0.0.1:8080/events'"]);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw compileError('bad-option', `url=${JSON.stringify(v)}: only http:// and https:// are supported`);
  return u.href;
}

export function createHttpSink(
  opts: BatchOptionValues & { url: string; method: string; format: 'jsonl' | 'json'; headers: Record<string, unknown>; timeout: unknown },
  ctx: CreateContext,
): SinkInstance {
  const headers: Record<string, string> = { 'content-type': opts.format === 'json' ? 'application/json' : 'application/x-ndjson' };
  for (const [k, v] of Object.entries(opts.headers)) headers[k.toLowerCase()] = String(v);
  const plan: HttpWritePlan = { url: httpUrl(opts.url), method: opts.method, format: opts.format, headers, timeoutMs: durationMs(opts.timeout, 30_000) };
  return batchSink(new HttpDestination(plan), opts, ctx, { adapter: 'http', server: plan.url });
}
