/**
 * The options every network sink shares (SPEC §15.1), declared once: each
 * sink spreads `batchOptions()` into its write options (so help and the
 * reference document them once), then builds its sink with `batchSink`,
 * which runs on the runtime's BatchSink (src/runtime/batch-sink.ts).
 */
import { compileError, runtimeError } from '../lang/diagnostics.js';
import type { RunContext } from '../runtime/component.js';
import { BatchSink, type Destination, type ErrorsTarget } from '../runtime/batch-sink.js';
import { durationMs } from './common.js';

export { Refusal, type Destination, type Rejected, type SendResult, type ItemRejection } from '../runtime/batch-sink.js';

/** Per-sink defaults of the shared options, and what else its `errors=` accepts. */
export interface BatchDefaults {
  batch_size?: number;
  flush?: string;
  buffer?: number;
  /** Older names of `flush` (kafka's `linger`). */
  flushAliases?: readonly string[];
  /** A destination-specific errors= target in words: `an index name`, `a topic name`. */
  errorsTarget?: string;
}

const NO_ALIASES: readonly string[] = [];

/** The shared option schema, with this sink's defaults. */
export function batchOptions(d: BatchDefaults = {}) {
  return {
    batch_size: {
      type: 'integer',
      default: d.batch_size ?? 1000,
      doc: 'Points per request: a batch is sent once it holds batch_size points or batch_bytes bytes, whichever comes first.',
    },
    batch_bytes: { type: 'integer', default: 5_000_000, doc: 'Encoded bytes per request (see batch_size).' },
    flush: {
      type: 'duration',
      default: d.flush ?? '1s',
      aliases: d.flushAliases ?? NO_ALIASES,
      doc: 'Longest wait of a point before its batch is sent (a partial batch goes out this long after its first point).',
    },
    buffer: {
      type: 'integer',
      default: d.buffer ?? 10_000,
      doc: 'Points waiting to be sent before the pipeline is made to wait (backpressure up to the sources; nothing is dropped).',
    },
    retry_for: {
      type: 'duration',
      default: '5m',
      doc:
        'How long a failing request (connection refused, timeout, 429, 5xx) is retried with exponential backoff and jitter before ' +
        'the run fails (exit 1). The outage and the recovery are reported once each; the pipeline waits meanwhile.',
    },
    errors: {
      type: 'string',
      nullable: true,
      doc:
        `Where points the destination refuses for good go, with the reason: 'file:path' (JSON lines, the point with \`_error\`)` +
        `${d.errorsTarget ? `, or ${d.errorsTarget}` : ''}. Without it they are counted as dropped (\`rejected\`).`,
    },
  } as const;
}

/** The shared options as `create` receives them. */
export interface BatchOptionValues {
  batch_size: number;
  batch_bytes: number;
  flush: unknown;
  buffer: number;
  retry_for: unknown;
  errors: string | null | undefined;
}

/** How a sink names itself and its destination in messages. */
export interface SinkIdentity {
  /** The adapter (`influxdb`). */
  adapter: string;
  /** The destination in words (`InfluxDB at http://127.0.0.1:8086, database flume`). */
  server: string;
  /** Where it is, when `server` does not say (`http://127.0.0.1:9200`): outage and failure messages add it. */
  address?: string;
  /** Its records (`points`, `documents`, `records`). */
  noun?: string;
  /** The error code of a run that failed here (default `write-failed`). */
  code?: string;
  /** A destination-specific errors= target in messages: `index x`, `topic y`; absent: only file: is accepted. */
  errorsLabel?: (target: string) => string;
  /** Longest wait between two retries (elastic's backoff_max), ms. */
  backoffMaxMs?: number;
}

function positive(opts: BatchOptionValues, name: 'batch_size' | 'batch_bytes' | 'buffer'): number {
  const v = opts[name];
  if (!Number.isInteger(v) || v < 1) throw compileError('bad-option', `${name}= must be a positive integer`);
  return v;
}

/** errors= as given: `file:path`, a destination-specific target, or nothing. */
export function parseErrorsTarget(v: string | null | undefined, id: Pick<SinkIdentity, 'adapter' | 'errorsLabel'>): ErrorsTarget | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  if (v.startsWith('file:')) {
    const path = v.slice('file:'.length);
    if (path.length === 0) throw compileError('bad-option', "errors='file:' needs a path: errors='file:rejected.jsonl'");
    return { kind: 'file', path };
  }
  if (id.errorsLabel === undefined) {
    throw compileError('bad-option', `errors=${JSON.stringify(v)}: write('${id.adapter}') sends rejected points to a file only`, undefined, [
      "errors='file:rejected.jsonl' (JSON lines: each point with `_error`, the reason)",
    ]);
  }
  return { kind: 'destination', target: v, label: id.errorsLabel(v) };
}

/** A sink on the shared machinery, from the shared options and the sink's destination. */
export function batchSink<T>(dest: Destination<T>, opts: BatchOptionValues, ctx: RunContext, id: SinkIdentity): BatchSink<T> {
  const code = id.code ?? 'write-failed';
  return new BatchSink(
    dest,
    {
      adapter: id.adapter,
      server: id.server,
      address: id.address,
      noun: id.noun,
      batchSize: positive(opts, 'batch_size'),
      batchBytes: positive(opts, 'batch_bytes'),
      buffer: positive(opts, 'buffer'),
      flushMs: Math.max(0, durationMs(opts.flush, 1000)),
      retryForMs: Math.max(0, durationMs(opts.retry_for, 300_000)),
      backoffMaxMs: id.backoffMaxMs,
      errors: parseErrorsTarget(opts.errors, id),
      failure: (message, hints) => runtimeError(code, message, hints),
    },
    ctx,
  );
}
