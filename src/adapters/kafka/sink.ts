/**
 * `write('kafka')`: points → records, on the shared sink machinery
 * (src/runtime/batch-sink.ts: batches, `flush`, bounded `buffer` with
 * backpressure, retries for `retry_for`, errors=, drain). This file only
 * says how a point becomes a record and how a batch of records is sent.
 * `flush` resolving once every record given so far is acknowledged is what
 * lets a kafka source upstream commit its offsets (at-least-once).
 */
import type { Kafka, Message, Producer } from 'kafkajs';
import type { RunContext } from '../../runtime/component.js';
import { getPath, pointToJson, splitPath, type Point } from '../../runtime/point.js';
import { avroType } from './avro.js';
import { kafkaClient } from './client.js';
import { makeEncoder, type Encode, type KafkaFormat } from './codec.js';
import { Refusal, type Destination, type Rejected } from '../batched.js';

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
  /** Stamp records with the point's time rather than the moment of sending. */
  pointTime: boolean;
}

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

/** How messages name a topic and its brokers. */
export function describeTopic(plan: Pick<SinkPlan, 'topic' | 'brokers'>): string {
  return `kafka topic \`${plan.topic}\` at ${plan.brokers.join(',')}`;
}

export class KafkaDestination implements Destination<Message> {
  private readonly keyOf: (p: Point) => string | null;
  private producer: Producer | undefined;
  private kafka: Kafka | undefined;
  private encoder: Encode | undefined;
  private compression = 0;

  constructor(
    private readonly plan: SinkPlan,
    private readonly ctx: RunContext,
  ) {
    this.keyOf = recordKeyOf(plan.key);
  }

  async prepare(): Promise<void> {
    const avro = this.plan.format === 'avro' ? await avroType(this.plan.schema) : undefined;
    this.encoder = makeEncoder(this.plan.format, avro, 'message');
  }

  encode(p: Point): Message | Refusal {
    const value = this.encoder!(p);
    if (typeof value === 'string') return new Refusal(value, 'unencodable');
    const m: Message = { key: this.keyOf(p), value };
    if (this.plan.pointTime && typeof p.time === 'number' && Number.isFinite(p.time)) m.timestamp = String(Math.trunc(p.time));
    return m;
  }

  size(m: Message): number {
    return (m.value as Buffer | string).length + (m.key?.length ?? 0);
  }

  async open(): Promise<void> {
    const p = this.plan;
    if (this.producer === undefined) {
      this.kafka = await kafkaClient(p.brokers, 'flume', this.ctx);
      const { Partitioners, CompressionTypes } = await import('kafkajs');
      this.compression = p.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
      // The Java client's partitioner: the same key lands on the same partition as with other Kafka tools.
      this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
    }
    await this.producer.connect();
    if (p.partitions !== undefined) await this.createTopic(p.partitions);
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

  async send(messages: readonly Message[]): Promise<void> {
    await this.producer!.send({ topic: this.plan.topic, messages: messages as Message[], acks: this.plan.acks, compression: this.compression });
  }

  /** A broker gone, no leader, a timeout: all may pass (kafkajs's own retries are short). */
  retryable(): boolean {
    return true;
  }

  /** errors='topic': each refused point as a JSON record with `_error`. */
  async reject(topic: string, rejected: readonly Rejected<Message>[]): Promise<void> {
    const messages = rejected.map((r) => ({ key: this.keyOf(r.point), value: pointToJson({ ...r.point, _error: r.reason }) }));
    await this.producer!.send({ topic, messages, acks: this.plan.acks });
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
  }
}
