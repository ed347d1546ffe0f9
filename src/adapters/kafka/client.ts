/**
 * The kafkajs client, loaded on first use: broker list parsing, and kafkajs's
 * own logging routed to flume's throttled warnings instead of the console.
 */
import type { Kafka, logCreator } from 'kafkajs';
import type { RunContext } from '../../runtime/component.js';
import { compileError } from '../../lang/diagnostics.js';

/** `brokers` as a list or a comma-separated string: `host:port` entries. */
export function parseBrokers(v: unknown): string[] {
  const items = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',') : [];
  const brokers = items.map((s) => s.trim()).filter((s) => s.length > 0);
  if (brokers.length === 0) throw compileError('bad-option', 'brokers= names no broker', undefined, ["e.g. brokers='localhost:9092' or brokers=['a:9092','b:9092']"]);
  for (const b of brokers) {
    if (!/^[^\s:]+:\d+$/.test(b)) throw compileError('bad-option', `broker \`${b}\` is not host:port`);
  }
  return brokers;
}

/** Transient states kafkajs logs as errors though it retries them itself (new topics, group joins). */
const ROUTINE = /does not host this topic-partition|leader(ship)? (is )?not available|LEADER_NOT_AVAILABLE|coordinator is not available|rebalanc|not the correct coordinator|KafkaJSNumberOfRetriesExceeded.*Metadata/i;

/** kafkajs error/warn lines become flume warnings (throttled), so an outage is visible but not a flood. */
function logTo(ctx: Pick<RunContext, 'warn'>): logCreator {
  return () =>
    ({ level, log }) => {
      // kafkajs levels: 1 ERROR, 2 WARN.
      if (level > 2) return;
      const err = typeof log['error'] === 'string' ? `: ${log['error']}` : '';
      if (ROUTINE.test(log.message + err)) return;
      ctx.warn('kafka', `${log.message}${err}`);
    };
}

export async function kafkaClient(brokers: string[], clientId: string, ctx: Pick<RunContext, 'warn'>): Promise<Kafka> {
  const { Kafka, logLevel } = await import('kafkajs');
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: logTo(ctx),
    // Reconnects are retried here for a while; the sink and source add their own outer retry with backoff.
    retry: { initialRetryTime: 300, maxRetryTime: 5000, retries: 3 },
  });
}
