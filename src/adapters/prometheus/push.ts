/**
 * write('prometheus', push=...): the latest values PUT to a Pushgateway on the
 * shared sink machinery. A batch is taken into the series table, then the
 * whole table is pushed (PUT replaces what the job pushed before, so expired
 * series leave the gateway too); a failed push is retried with the table as
 * it is then, which holds the batch's values.
 */
import type { RunContext } from '../../runtime/component.js';
import type { Point } from '../../runtime/point.js';
import { EXPOSITION_CONTENT_TYPE } from '../../runtime/prometheus-text.js';
import { compileError, FlumeError } from '../../lang/diagnostics.js';
import type { Destination } from '../batched.js';
import type { PointSeries } from './series.js';

/** The push URL of a job: `<gateway>/metrics/job/<job>` (base64 form for a job holding `/`, as the Pushgateway asks). */
export function pushUrl(gateway: string, job: string): string {
  let base: URL;
  try {
    base = new URL(gateway);
  } catch {
    throw compileError('bad-option', `push='${gateway}' is not a URL`, undefined, ["push='http://127.0.0.1:9091'"]);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw compileError('bad-option', `push='${gateway}' must be an http(s) URL`);
  if (job.length === 0) throw compileError('bad-option', 'job= must not be empty: the Pushgateway groups pushes by it');
  const segment = job.includes('/') ? `job@base64/${Buffer.from(job).toString('base64url')}` : `job/${encodeURIComponent(job)}`;
  return `${base.href.replace(/\/+$/, '')}/metrics/${segment}`;
}

/** An HTTP answer the Pushgateway gave instead of accepting the push. */
export class PushRefused extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`HTTP ${status}${body.trim().length > 0 ? `: ${body.trim().slice(0, 300)}` : ''}`);
  }
}

function retryable(e: unknown): boolean {
  if (e instanceof PushRefused) return e.status === 429 || e.status >= 500;
  // Too many series: no wait makes it fewer.
  if (e instanceof FlumeError) return false;
  // Refused connections, resets, timeouts: the gateway may come back.
  return true;
}

function reason(e: unknown): string {
  if (e instanceof PushRefused) return e.message;
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}

export function pushDestination(url: string, series: PointSeries, ctx: RunContext): Destination<Point> {
  return {
    encode: (p) => p,
    async send(_items, points) {
      const now = ctx.clock.now();
      series.update(points as Point[], now);
      series.expire(now);
      const res = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': EXPOSITION_CONTENT_TYPE },
        body: series.table.render(),
        signal: AbortSignal.timeout(10_000),
      });
      const body = await res.text();
      if (!res.ok) throw new PushRefused(res.status, body);
    },
    retryable,
    reason,
  };
}
