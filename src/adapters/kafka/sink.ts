/**
 * `write('kafka')`: points → records, batched, sent one batch at a time with
 * retries and backoff. The buffer is bounded: when the broker is slow or
 * gone, `write` waits (backpressure up to the sources) instead of dropping;
 * after `retry_for` of failing it fails loudly. `flush` resolves once every
 * record given so far is acknowledged, which is what lets a kafka source
 * upstream commit its offsets (at-least-once).
 */
import type { Kafka, Message, Producer } from 'kafkajs';
import type { RunContext, SinkInstance } from '../../runtime/component.js';
import { getPath, splitPath, type Batch, type Point } from '../../runtime/point.js';
import { FlumeError, runtimeError } from '../../lang/diagnostics.js';
import { avroType } from './avro.js';
import { withRetry } from '../../runtime/retry.js';
import { kafkaClient } from './client.js';
import { makeEncoder, type Encode, type KafkaFormat } from './codec.js';

export interface SinkPlan {
  brokers: string[];
  topic: string;
  key: readonly string[];
  format: KafkaFormat;
  schema: unknown;
  compression: 'none' | 'gzip';
  /** -1 (all in-sync replicas), 1 (leader), 0 (none). */
  acks: number;
  /** Create the topic with this many partitions when it does not exist. */
  partitions: number | undefined;
  batchSize: number;
  lingerMs: number;
  buffer: number;
  retryForMs: number;
  /** Stamp records with the point's time rather than the moment of sending. */
  pointTime: boolean;
}

const BACKOFF = { baseMs: 250, maxMs: 10_000 };

/** The record key from the `key` fields (paths split once): one string field as it is, anything else as JSON. */
export function recordKeyOf(fields: readonly string[]): (p: Point) => string | null {
  const paths = fields.map(splitPath);
  if (paths.length === 0) return () => null;
  if (paths.length === 1) {
    const path = paths[0]!;
    return (p) => {
      const v = getPath(p, path);
      if (v === undefined || v === null) return null;
      return typeof v === 'string' ? v : JSON.stringify(v);
    };
  }
  return (p) => JSON.stringify(paths.map((path) => getPath(p, path) ?? null));
}

export class KafkaSink implements SinkInstance {
  private keyOf: ((p: Point) => string | null) | undefined;
  private pending: Message[] = [];
  private readonly queue: Message[][] = [];
  private queued = 0;
  private sender: Promise<void> | undefined;
  private failure: FlumeError | undefined;
  private ready: Promise<void> | undefined;
  private producer: Producer | undefined;
  private kafka: Kafka | undefined;
  private encode: Encode | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly drained: Array<() => void> = [];

  constructor(
    private readonly plan: SinkPlan,
    private readonly ctx: RunContext,
  ) {}

  async write(batch: Batch): Promise<void> {
    this.check();
    await (this.ready ??= this.start());
    const enc = this.encode!;
    const keyOf = (this.keyOf ??= recordKeyOf(this.plan.key));
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const value = enc(p);
      if (typeof value === 'string') {
        this.ctx.drop('unencodable', `${value}: ${JSON.stringify(p).slice(0, 200)}`);
        continue;
      }
      const m: Message = { key: keyOf(p), value };
      if (this.plan.pointTime && typeof p.time === 'number' && Number.isFinite(p.time)) m.timestamp = String(Math.trunc(p.time));
      this.pending.push(m);
      if (this.pending.length >= this.plan.batchSize) this.enqueue();
    }
    if (this.pending.length > 0 && this.timer === undefined) {
      // A partial batch goes out after `linger`, so slow live streams are not held back.
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.enqueue();
      }, this.plan.lingerMs);
    }
    while (this.queued > this.plan.buffer && this.failure === undefined) await new Promise<void>((r) => this.drained.push(r));
    this.check();
  }

  async flush(): Promise<void> {
    this.check();
    if (this.ready === undefined) return;
    await this.ready;
    this.enqueue();
    while (this.sender !== undefined) await this.sender;
    this.check();
  }

  async end(): Promise<void> {
    try {
      await this.flush();
    } finally {
      if (this.timer !== undefined) clearTimeout(this.timer);
      await this.producer?.disconnect().catch(() => undefined);
    }
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async start(): Promise<void> {
    const p = this.plan;
    const avro = p.format === 'avro' ? await avroType(p.schema) : undefined;
    this.encode = makeEncoder(p.format, avro, 'message');
    this.kafka = await kafkaClient(p.brokers, 'flume', this.ctx);
    const { Partitioners } = await import('kafkajs');
    // The Java client's partitioner: the same key lands on the same partition as with other Kafka tools.
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
    await this.retrying('connect to', () => this.producer!.connect());
    if (p.partitions !== undefined) await this.retrying('create', () => this.createTopic(p.partitions!));
  }

  private async createTopic(partitions: number): Promise<void> {
    const admin = this.kafka!.admin();
    await admin.connect();
    try {
      const existing = await admin.listTopics();
      if (!existing.includes(this.plan.topic))
        await admin.createTopics({ topics: [{ topic: this.plan.topic, numPartitions: partitions }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  private enqueue(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    this.queue.push(this.pending);
    this.queued += this.pending.length;
    this.pending = [];
    this.sender ??= this.sendAll().then(
      () => {
        this.sender = undefined;
      },
      (e: unknown) => {
        this.sender = undefined;
        this.failure = e instanceof FlumeError ? e : runtimeError('kafka-write', String(e));
        this.wake();
      },
    );
  }

  /** One batch at a time, in order: a retried batch never overtakes a later one. */
  private async sendAll(): Promise<void> {
    const p = this.plan;
    const { CompressionTypes } = await import('kafkajs');
    const compression = p.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    while (this.queue.length > 0) {
      const messages = this.queue[0]!;
      await this.retrying('write to', () => this.producer!.send({ topic: p.topic, messages, acks: p.acks, compression }));
      this.queue.shift();
      this.queued -= messages.length;
      this.wake();
    }
  }

  private wake(): void {
    for (const r of this.drained.splice(0)) r();
  }

  /** Retry `op` with exponential backoff for up to `retry_for`, then fail naming the topic and the cause. */
  private async retrying(what: string, op: () => Promise<unknown>): Promise<void> {
    const { topic, brokers, retryForMs } = this.plan;
    const message = (e: unknown): string => (e as Error).message ?? String(e);
    try {
      await withRetry(op, { ...BACKOFF, retries: Infinity, forMs: retryForMs }, () => true, (e, _attempt, delay) =>
        this.ctx.warn('kafka', `cannot ${what} topic ${topic} (${message(e)}); retrying in ${delay} ms`),
      );
    } catch (e) {
      throw runtimeError('kafka-write', `cannot ${what} kafka topic \`${topic}\` at ${brokers.join(',')}: ${message(e)}`, [
        `gave up after retrying for ${Math.round(retryForMs / 1000)} s (retry_for=)`,
      ]);
    }
  }
}
