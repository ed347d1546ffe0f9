/**
 * `read('kafka')`: a consumer in a consumer group. Each fetched batch becomes
 * one pushed batch; its offsets are committed only after every downstream
 * sink has flushed it (`out.flushed()`), so a crash replays at most the
 * batches not yet committed (at-least-once). Several processes with the same
 * group share the topic's partitions; a rebalance hands uncommitted records
 * to the new owner.
 */
import type { Batch as KafkaBatch, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { RunContext, SourceInstance, SourceOutput } from '../../runtime/component.js';
import type { Point } from '../../runtime/point.js';
import { FlumeError, runtimeError } from '../../lang/diagnostics.js';
import { filterRange, makeMalformedSink, makeTimeMover, pushBatch, type CommonReadOptions } from '../common.js';
import { avroType } from './avro.js';
import { kafkaClient } from './client.js';
import { Malformed, makeDecoder, type Decode, type KafkaFormat } from './codec.js';

export interface SourcePlan {
  brokers: string[];
  topic: string;
  group: string;
  fromBeginning: boolean;
  format: KafkaFormat;
  schema: unknown;
  meta: boolean;
  follow: boolean;
  /** Most bytes fetched per partition at once: bounds a batch, and so what a crash can repeat. */
  fetchMaxBytes: number;
  /** Caught up for this long: advance the watermark to the clock (undefined: never). */
  idleMs: number | undefined;
  common: CommonReadOptions;
}

const COMMIT_RETRY_MS = 2000;

/** Per partition: the offset after which the partition counts as read (follow=false). */
type Ends = Map<number, bigint>;

export class KafkaSource implements SourceInstance {
  private decode: Decode | undefined;
  private where = '';
  /** The current record's timestamp, for points without a time field. */
  private recordTime = 0;
  private readonly errors;
  private readonly moveTime;
  private readonly range;
  private stopping = false;
  private finish: ((err?: unknown) => void) | undefined;
  private ends: Ends | undefined;
  /** Inside eachBatch: no idle mark may interleave with a push. */
  private busy = false;
  private marking: Promise<void> | undefined;
  /** When a batch was last pushed, and whether the last fetch came back empty (caught up). */
  private lastBatchAt = 0;
  private caughtUp = false;
  /** Offsets flushed downstream but not yet committed, by topic and partition. */
  private readonly uncommitted = new Map<string, { topic: string; partition: number; offset: string }>();

  constructor(
    private readonly plan: SourcePlan,
    private readonly ctx: RunContext,
  ) {
    const c = plan.common;
    this.errors = makeMalformedSink(c.on_error, ctx, () => this.where);
    this.moveTime = makeTimeMover(c.time, c.time_unit, ctx.now, this.errors, { arrival: () => this.recordTime });
    this.range = filterRange(undefined, c.to);
  }

  async run(out: SourceOutput): Promise<void> {
    const p = this.plan;
    if (this.ctx.signal.aborted) return;
    const avro = p.format === 'avro' ? await avroType(p.schema) : undefined;
    this.decode = makeDecoder(p.format, avro, 'message');
    const kafka = await kafkaClient(p.brokers, 'flume', this.ctx);
    if (!p.follow) {
      this.ends = await this.setup('read the end offsets of', () => this.endOffsets(kafka));
      if (this.ends.size === 0) return;
    }
    const consumer = kafka.consumer({ groupId: p.group, maxBytesPerPartition: p.fetchMaxBytes, maxBytes: Math.max(p.fetchMaxBytes, 1 << 20), retry: { retries: 10 } });
    const finished = new Promise<void>((resolve, reject) => {
      this.finish = (err) => {
        this.stopping = true;
        if (err === undefined) resolve();
        else reject(err instanceof FlumeError ? err : runtimeError('kafka-read', `kafka topic \`${p.topic}\`: ${(err as Error).message ?? String(err)}`));
      };
    });
    const onAbort = (): void => this.finish!();
    this.ctx.signal.addEventListener('abort', onAbort, { once: true });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) this.finish!(e.payload.error);
    });
    // After a rebalance every owner restarts from the committed offsets: older pending commits are moot.
    consumer.on(consumer.events.GROUP_JOIN, () => this.uncommitted.clear());
    // An idle consumer gets no batch to retry a failed commit with: try again now and then.
    const retry = setInterval(() => void this.commit(consumer), COMMIT_RETRY_MS);
    // An empty fetch means every assigned partition is read to its end.
    consumer.on(consumer.events.FETCH, (e) => {
      this.caughtUp = e.payload.numberOfBatches === 0;
    });
    const idle = p.idleMs === undefined || p.common.time === null ? undefined : setInterval(() => void this.markIdle(out), Math.max(100, p.idleMs / 2));
    try {
      await this.setup('connect to', () => consumer.connect());
      await this.setup('subscribe to', () => consumer.subscribe({ topic: p.topic, fromBeginning: p.fromBeginning }));
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (args) => this.eachBatch(consumer, out, args.batch, args.resolveOffset, args.heartbeat),
      });
      await finished;
    } finally {
      clearInterval(retry);
      if (idle !== undefined) clearInterval(idle);
      this.ctx.signal.removeEventListener('abort', onAbort);
      await this.commit(consumer);
      await consumer.disconnect().catch(() => undefined);
    }
  }

  /** A step before reading (kafkajs has retried it already): its failure as a runtime error naming topic and brokers. */
  private async setup<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw runtimeError('kafka-read', `cannot ${what} kafka topic \`${this.plan.topic}\` at ${this.plan.brokers.join(',')}: ${(e as Error).message ?? String(e)}`);
    }
  }

  /** The high-water marks now, less what the group has already committed: where a bounded read ends. */
  private async endOffsets(kafka: Kafka): Promise<Ends> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const high = await admin.fetchTopicOffsets(this.plan.topic);
      const committed = await admin.fetchOffsets({ groupId: this.plan.group, topics: [this.plan.topic] });
      const done = new Map(committed[0]?.partitions.map((x) => [x.partition, BigInt(x.offset)]) ?? []);
      const ends: Ends = new Map();
      for (const h of high) {
        const end = BigInt(h.high);
        const start = done.get(h.partition) ?? -1n;
        const from = start >= 0n ? start : this.plan.fromBeginning ? BigInt(h.low) : end;
        if (from < end) ends.set(h.partition, end - 1n);
      }
      return ends;
    } finally {
      await admin.disconnect();
    }
  }

  private async eachBatch(
    consumer: Consumer,
    out: SourceOutput,
    batch: KafkaBatch,
    resolveOffset: (offset: string) => void,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    if (this.stopping || batch.messages.length === 0) return;
    // A bounded read (follow=false) leaves alone partitions it has finished and records past their end.
    const end = this.ends === undefined ? undefined : (this.ends.get(batch.partition) ?? -1n);
    const messages = end === undefined ? batch.messages : batch.messages.filter((m) => BigInt(m.offset) <= end);
    if (messages.length === 0) return;
    if (this.marking !== undefined) await this.marking;
    this.busy = true;
    this.caughtUp = false;
    try {
      await pushBatch(out, this.points(batch, messages));
      // At-least-once: the offsets are committed only once every sink holds these points durably.
      await out.flushed();
    } catch (e) {
      this.finish!(e);
      return;
    } finally {
      this.busy = false;
      this.lastBatchAt = Date.now();
    }
    const last = messages[messages.length - 1]!.offset;
    resolveOffset(last);
    this.uncommitted.set(`${batch.topic}\0${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() });
    await this.commit(consumer);
    if (out.done) this.finish!();
    else if (this.ends !== undefined) this.markRead(batch.partition, BigInt(last));
    // Rebalance errors from the heartbeat go back to kafkajs, which rejoins the group.
    if (!this.stopping) await heartbeat();
  }

  /**
   * Live and caught up: the watermark moves with the clock so downstream
   * windows close on time even when no records arrive (SPEC §2).
   */
  private async markIdle(out: SourceOutput): Promise<void> {
    if (this.busy || this.stopping || !this.caughtUp || Date.now() - this.lastBatchAt < this.plan.idleMs!) return;
    this.busy = true;
    const r = out.mark(this.ctx.clock.now());
    this.marking = Promise.resolve(r).then(
      () => undefined,
      (e: unknown) => this.finish?.(e),
    );
    await this.marking;
    this.marking = undefined;
    this.busy = false;
  }

  /**
   * Commit every offset not committed yet. A commit that fails (the group is
   * rebalancing) is kept and tried again with the next one: at worst records
   * are read again, never skipped.
   */
  private async commit(consumer: Consumer): Promise<void> {
    if (this.uncommitted.size === 0) return;
    const offsets = [...this.uncommitted.values()];
    try {
      await consumer.commitOffsets(offsets);
      for (const o of offsets) {
        const k = `${o.topic}\0${o.partition}`;
        if (this.uncommitted.get(k) === o) this.uncommitted.delete(k);
      }
    } catch (e) {
      this.ctx.warn('kafka', `offset commit failed (${(e as Error).message}); will retry (records may be read again, never skipped)`);
    }
  }

  private markRead(partition: number, offset: bigint): void {
    const end = this.ends!.get(partition);
    if (end !== undefined && offset >= end) this.ends!.delete(partition);
    if (this.ends!.size === 0) this.finish!();
  }

  private points(batch: KafkaBatch, messages: readonly KafkaMessage[]): Point[] {
    const out: Point[] = [];
    const one: Point[] = [];
    const lines = [0];
    for (const m of messages) {
      this.where = `${batch.topic}/${batch.partition}`;
      const offset = Number(m.offset);
      if (m.value === null) {
        this.ctx.drop('empty', `${this.where}:${offset}: a record without a value (tombstone)`);
        continue;
      }
      const v = this.decode!(m.value);
      one.length = 0;
      if (v instanceof Malformed) this.errors.malformed(offset, v.raw, v.error, one);
      else one.push(v);
      if (one.length === 0) continue;
      this.recordTime = Number(m.timestamp);
      lines[0] = offset;
      const moved = this.moveTime(one, lines);
      for (const p of moved) {
        if (this.plan.meta) p._kafka = meta(batch, m, offset);
        out.push(p);
      }
    }
    return this.range === undefined ? out : this.range(out);
  }
}

function meta(batch: KafkaBatch, m: KafkaMessage, offset: number): Record<string, unknown> {
  return { topic: batch.topic, partition: batch.partition, offset, key: m.key === null ? null : m.key.toString('utf8') };
}
