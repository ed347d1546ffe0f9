/**
 * One HTTP request of a batching sink (write('http'), write('influxdb')),
 * and which of its failures are worth retrying: connection errors,
 * timeouts, 429 and 5xx. Other statuses are the caller's to judge (a 4xx
 * refuses the batch's points for good).
 */

/** The server answered with a status the caller did not accept. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what} answered ${status}${body ? `: ${body.slice(0, 300).trim()}` : ''}`);
  }
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** Send one request; resolves with any status (the caller judges it), rejects on connection errors and timeouts. */
export async function httpRequest(url: string, init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number }): Promise<HttpAnswer> {
  const res = await fetch(url, { method: init.method, headers: init.headers, body: init.body, signal: AbortSignal.timeout(init.timeoutMs) });
  return { status: res.status, body: await res.text() };
}

/** 429 (shed load) and 5xx (failing or restarting): worth retrying. */
export function retryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Connection refused or reset, timeouts (fetch rejects for those), 429 and 5xx. */
export function retryableHttp(e: unknown): boolean {
  if (e instanceof HttpStatusError) return retryableStatus(e.status);
  if (e instanceof TypeError) return true; // fetch failed: refused, reset, DNS
  const name = (e as { name?: string } | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** A failure in words: fetch hides the system error (ECONNREFUSED) in `cause`. */
export function httpReason(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } } | undefined;
  const cause = err?.cause?.code ?? err?.cause?.message;
  return cause !== undefined ? `${err?.message ?? String(e)} (${cause})` : (err?.message ?? String(e));
}
