/**
 * `read('http', url=…, every='30s')`: polls a URL (SPEC §14.2). A response
 * is a JSON array, one JSON object, or JSON lines (or `format=`); `Link:
 * rel="next"` pages are followed. Failures (connection errors, 429, 5xx) are
 * retried with the shared backoff for `retry_for`, then the run fails.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunContext, SourceInstance, SourceOutput } from '../../runtime/component.js';
import type { Point } from '../../runtime/point.js';
import { withRetry } from '../../runtime/retry.js';
import { runtimeError } from '../../lang/diagnostics.js';
import type { FormatDef } from '../formats/types.js';
import { makeMalformedSink, makeTimeMover, pushBatch, RecordDecoder, type CommonReadOptions } from '../common.js';

export interface PollerPlan {
  url: string;
  /** Milliseconds between polls; undefined: fetch once (all pages) and end. */
  everyMs: number | undefined;
  headers: Record<string, string>;
  followLink: boolean;
  retryForMs: number;
  /** format= as given; undefined: by the response (JSON array or object, else JSON lines). */
  format: FormatDef | undefined;
  jsonl: FormatDef;
  opts: Record<string, unknown>;
  common: CommonReadOptions;
}

/** Most pages followed in one poll: a server whose Link never ends must not keep the poll going forever. */
const MAX_PAGES = 10_000;

class Retryable extends Error {}

export class HttpPoller implements SourceInstance {
  constructor(
    private readonly plan: PollerPlan,
    private readonly ctx: RunContext,
  ) {}

  async run(out: SourceOutput): Promise<void> {
    const p = this.plan;
    const errors = makeMalformedSink(p.common.on_error, this.ctx, () => p.url);
    const move = makeTimeMover(p.common.time, p.common.time_unit, this.ctx.now, errors, { arrival: () => this.ctx.clock.now() });
    for (;;) {
      let url: string | undefined = p.url;
      for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
        if (out.done || this.ctx.signal.aborted) return;
        const { text, next } = await this.fetchPage(url);
        await pushBatch(out, this.points(text, url, move));
        url = p.followLink ? next : undefined;
      }
      if (p.everyMs === undefined || out.done || this.ctx.signal.aborted) return;
      try {
        await sleep(p.everyMs, undefined, { signal: this.ctx.signal });
      } catch {
        return; // Ctrl-C
      }
      if (p.common.time !== null) {
        const r = out.mark(this.ctx.clock.now());
        if (r !== undefined) await r;
      }
    }
  }

  private async fetchPage(url: string): Promise<{ text: string; next: string | undefined }> {
    const p = this.plan;
    let outage = false;
    try {
      const r = await withRetry(
        async () => {
          let res: Response;
          try {
            res = await fetch(url, { headers: p.headers, signal: this.ctx.signal });
          } catch (e) {
            if (this.ctx.signal.aborted) throw e;
            throw new Retryable(`cannot reach ${url}: ${causeText(e)}`);
          }
          if (res.status === 429 || res.status >= 500) {
            await res.body?.cancel();
            throw new Retryable(`${url} answered ${res.status} ${res.statusText}`);
          }
          if (res.status < 200 || res.status >= 300) {
            const body = (await res.text()).slice(0, 200);
            throw runtimeError('http-read', `${url} answered ${res.status} ${res.statusText}${body ? `: ${body}` : ''}`);
          }
          return { text: await res.text(), next: nextLink(res.headers.get('link'), url) };
        },
        { retries: Infinity, baseMs: 500, maxMs: 30_000, forMs: p.retryForMs },
        (e) => e instanceof Retryable && !this.ctx.signal.aborted,
        (e) => {
          // The outage and the recovery are reported once each.
          if (!outage) this.ctx.log(`read('http'): ${(e as Error).message}; retrying (for up to ${Math.round(p.retryForMs / 1000)}s)`);
          outage = true;
        },
      );
      if (outage) this.ctx.log(`read('http'): ${url} answers again`);
      return r;
    } catch (e) {
      if (e instanceof Retryable) throw runtimeError('http-read', `${e.message}; gave up after retry_for`);
      throw e;
    }
  }

  /** A response's points: by format=, else a JSON array or object, else JSON lines. */
  private points(text: string, url: string, move: (b: Point[]) => Point[]): Point[] {
    const p = this.plan;
    if (p.format === undefined) {
      const t = text.trimStart();
      if (t.startsWith('[') || t.startsWith('{')) {
        let v: unknown;
        try {
          v = JSON.parse(text);
        } catch {
          v = undefined; // not one JSON value: JSON lines
        }
        if (v !== undefined) {
          const items = Array.isArray(v) ? v : [v];
          const points: Point[] = [];
          const errors = makeMalformedSink(p.common.on_error, this.ctx, () => url);
          items.forEach((item: unknown, i) => {
            if (item !== null && typeof item === 'object' && !Array.isArray(item)) points.push(item as Point);
            else errors.malformed(i + 1, JSON.stringify(item), 'not a JSON object', points);
          });
          return move(points);
        }
      }
    }
    const dec = new RecordDecoder({ format: p.format ?? p.jsonl, opts: p.opts, common: p.common, ctx: this.ctx, where: url, arrival: () => this.ctx.clock.now() });
    const points = dec.feed(text);
    for (const pt of dec.end()) points.push(pt);
    return points;
  }
}

/** The `rel="next"` target of a Link header, resolved against the page's URL. */
export function nextLink(header: string | null, base: string): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m === null) continue;
    if (/;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2]!)) return new URL(m[1]!, base).href;
  }
  return undefined;
}

function causeText(e: unknown): string {
  const err = e as Error & { cause?: Error & { code?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}
