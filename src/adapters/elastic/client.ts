/**
 * The Elasticsearch client, loaded on first use (programs that do not talk to
 * Elasticsearch never load it), and what the read and write sides share:
 * which failures are worth retrying, error messages, field capabilities.
 */
import type { Client } from '@elastic/elasticsearch';
import type { FieldInfo } from './query.js';
import { runtimeError } from '../../lang/diagnostics.js';

export type { Client };

export async function connect(url: string): Promise<Client> {
  let ClientClass: typeof Client;
  try {
    ({ Client: ClientClass } = await import('@elastic/elasticsearch'));
  } catch (e) {
    throw runtimeError('missing-dependency', `the elastic adapter needs the package @elastic/elasticsearch: ${(e as Error).message}`, [
      'install it next to flume: npm install @elastic/elasticsearch@8',
    ]);
  }
  // Retries are ours (backoff, and the sink's per-document retries): the client's would multiply them.
  return new ClientClass({ node: url, maxRetries: 0, requestTimeout: 60_000 });
}

interface ClientErrorShape {
  name?: string;
  message?: string;
  meta?: { statusCode?: number | null; body?: unknown };
}

export function statusOf(e: unknown): number | undefined {
  const s = (e as ClientErrorShape | undefined)?.meta?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** HTTP status worth retrying: overload (429) and server errors. */
export function retryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Connection refused/reset, timeouts, 429 and 5xx: the server may be back shortly. */
export function isRetryable(e: unknown): boolean {
  const name = (e as ClientErrorShape | undefined)?.name;
  if (name === 'ConnectionError' || name === 'TimeoutError' || name === 'NoLivingConnectionsError') return true;
  const status = statusOf(e);
  return status !== undefined && retryableStatus(status);
}

/** The server's reason when it gave one, else the client's message. */
export function reasonOf(e: unknown): string {
  const err = e as ClientErrorShape | undefined;
  const body = err?.meta?.body as { error?: { type?: string; reason?: string; root_cause?: { reason?: string }[] } } | undefined;
  const reason = body?.error?.root_cause?.[0]?.reason ?? body?.error?.reason;
  if (typeof reason === 'string') return `${body?.error?.type ?? 'error'}: ${reason}`;
  return err?.message ?? String(e);
}

const KEYWORD_IGNORE_ABOVE_DEFAULT = Infinity;

/** Field capabilities of `fields` in `index`: one type across all indices, or undefined. */
export async function fieldInfo(client: Client, index: string, fields: readonly string[]): Promise<Map<string, FieldInfo>> {
  const out = new Map<string, FieldInfo>();
  if (fields.length === 0) return out;
  const names = fields.flatMap((f) => [f, `${f}.keyword`]);
  const caps = await client.fieldCaps({ index, fields: names, ignore_unavailable: true, allow_no_indices: true });
  const typeOf = (f: string): string | undefined => {
    const byType = caps.fields[f];
    if (byType === undefined) return undefined;
    const types = Object.keys(byType);
    return types.length === 1 ? types[0] : undefined;
  };
  const params = await mappingParams(client, index, names.filter((n) => typeOf(n) !== undefined));
  const ignoreAbove = new Map([...params].map(([k, v]) => [k, v.ignoreAbove]));
  for (const f of fields) {
    const info: FieldInfo = { type: typeOf(f), strict: params.get(f)?.strict === true };
    if (info.type === 'keyword') info.ignoreAbove = ignoreAbove.get(f) ?? KEYWORD_IGNORE_ABOVE_DEFAULT;
    if (info.type === 'text' && typeOf(`${f}.keyword`) === 'keyword') {
      info.keyword = { name: `${f}.keyword`, ignoreAbove: ignoreAbove.get(`${f}.keyword`) ?? KEYWORD_IGNORE_ABOVE_DEFAULT };
    }
    out.set(f, info);
  }
  return out;
}

/**
 * Per field, across the indices: the smallest ignore_above (longer values are
 * not indexed), and whether every index maps it with `coerce: false` (else a
 * long field indexes 1.5 as 1 and "5" as 5 while _source keeps what was sent).
 */
async function mappingParams(client: Client, index: string, fields: readonly string[]): Promise<Map<string, { ignoreAbove: number; strict: boolean }>> {
  const out = new Map<string, { ignoreAbove: number; strict: boolean }>();
  if (fields.length === 0) return out;
  const res = await client.indices.getFieldMapping({ index, fields: [...fields], ignore_unavailable: true, allow_no_indices: true });
  for (const idx of Object.values(res)) {
    for (const [full, m] of Object.entries(idx.mappings)) {
      const leaf = Object.values(m.mapping)[0] as { ignore_above?: number; coerce?: boolean } | undefined;
      const prev = out.get(full) ?? { ignoreAbove: Infinity, strict: true };
      out.set(full, { ignoreAbove: Math.min(prev.ignoreAbove, leaf?.ignore_above ?? Infinity), strict: prev.strict && leaf?.coerce === false });
    }
  }
  return out;
}
