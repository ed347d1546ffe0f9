/**
 * `kafka`: read from and write to Apache Kafka topics (kafkajs, loaded only
 * when a kafka stage runs). Records are JSON objects, text lines or Avro.
 * Reading is at-least-once through a consumer group; writing is batched,
 * keyed, retried and backpressured. See source.ts and sink.ts.
 */
import { defineAdapter, type CreateContext } from '../../runtime/defs.js';
import type { SinkInstance, SourceInstance } from '../../runtime/component.js';
import { compileError } from '../../lang/diagnostics.js';
import { commonReadOptions, durationMs } from '../common.js';
import { loadAvroSchema } from './avro.js';
import { parseBrokers } from './client.js';
import type { KafkaFormat } from './codec.js';
import { describeTopic, KafkaDestination } from './sink.js';
import { batchOptions, batchSink, type BatchOptionValues } from '../batched.js';
import { KafkaSource } from './source.js';

const FORMATS = ['json', 'avro', 'text'] as const;

const shared = {
  topic: { type: 'string', required: true, destination: true, doc: 'The Kafka topic.' },
  brokers: {
    type: 'any',
    connection: true,
    default: 'localhost:9092',
    doc: "Bootstrap brokers: a list of host:port or one comma-separated string (default from FLUME_KAFKA_BROKERS).",
  },
  format: {
    type: 'string',
    choices: FORMATS,
    default: 'json',
    doc: "Record values: 'json' (one JSON object per record), 'text' (the value as `message`), 'avro' (binary Avro, with schema=).",
  },
  schema: {
    type: 'string',
    nullable: true,
    doc: "With format='avro': the Avro schema, as a .avsc file path or inline JSON. `time` is epoch milliseconds in a long field, or ISO 8601 in a string field.",
  },
} as const;

function formatOf(opts: Record<string, unknown>): KafkaFormat {
  const f = opts.format ?? 'json';
  return (FORMATS as readonly unknown[]).includes(f) ? (f as KafkaFormat) : 'json';
}

function topicOf(opts: Record<string, unknown>): string {
  const t = opts.topic;
  if (typeof t !== 'string' || t.trim() === '') throw compileError('bad-option', 'topic= must name a Kafka topic');
  return t;
}

function schemaOf(opts: Record<string, unknown>, format: KafkaFormat): unknown {
  if (format === 'avro') return loadAvroSchema(opts.schema);
  if (opts.schema !== undefined && opts.schema !== null) throw compileError('bad-option', "schema= applies to format='avro' only");
  return undefined;
}

/** acks as Kafka users write it: 'all' (or -1), 1 (the leader), 0 (none). */
function acksOf(v: unknown): number {
  if (v === 'all' || v === -1 || v === '-1') return -1;
  if (v === 1 || v === '1' || v === 'leader') return 1;
  if (v === 0 || v === '0' || v === 'none') return 0;
  throw compileError('bad-option', `acks=${JSON.stringify(v)}: use 'all', 1 or 0`);
}

function positiveInt(opts: Record<string, unknown>, name: string): number {
  const v = opts[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw compileError('bad-option', `${name}= must be a positive integer`);
  return v;
}

function createSource(opts: Record<string, unknown>, ctx: CreateContext): SourceInstance {
  const format = formatOf(opts);
  const group = typeof opts.group === 'string' && opts.group !== '' ? opts.group : `flume-${randomGroupSuffix()}`;
  return new KafkaSource(
    {
      brokers: parseBrokers(opts.brokers),
      topic: topicOf(opts),
      group,
      fromBeginning: opts.from === 'earliest',
      format,
      schema: schemaOf(opts, format),
      meta: opts.meta === true,
      follow: opts.follow !== false,
      fetchMaxBytes: positiveInt(opts, 'fetch_max_bytes'),
      idleMs: opts.idle === null || opts.idle === undefined ? undefined : Math.max(0, durationMs(opts.idle, 1000)),
      common: commonReadOptions(opts),
    },
    ctx,
  );
}

function createSink(opts: Record<string, unknown> & BatchOptionValues, ctx: CreateContext): SinkInstance {
  const format = formatOf(opts);
  const key = opts.key === undefined || opts.key === null ? [] : Array.isArray(opts.key) ? (opts.key as string[]) : [String(opts.key)];
  const plan = {
    brokers: parseBrokers(opts.brokers),
    topic: topicOf(opts),
    key,
    format,
    schema: schemaOf(opts, format),
    compression: opts.compression === 'gzip' ? ('gzip' as const) : ('none' as const),
    acks: acksOf(opts.acks),
    partitions: opts.partitions === undefined || opts.partitions === null ? undefined : positiveInt(opts, 'partitions'),
    pointTime: opts.timestamp === 'time',
  };
  return batchSink(new KafkaDestination(plan, ctx), opts, ctx, {
    adapter: 'kafka',
    server: describeTopic(plan),
    noun: 'records',
    code: 'kafka-write',
    errorsLabel: (topic) => `topic ${topic}`,
  });
}

export const kafka = defineAdapter({
  name: 'kafka',
  summary: 'Apache Kafka topics: consumer groups with at-least-once offsets; batched, keyed, retried writes (JSON, text, Avro).',
  description:
    'Reading joins the consumer group `group` (several flume processes with the same group share the partitions; a ' +
    "rebalance hands uncommitted records to the new owner). `from` applies when the group has no committed offset: " +
    "'latest' (the default) reads new records only, 'earliest' the whole topic. Offsets are committed only after every " +
    'sink downstream has flushed the points of that fetch (at-least-once: after a crash, at most the uncommitted fetches ' +
    'are read again). Points held by a processor (an open `reduce` window) are not covered: a crash loses those ' +
    "windows' partial results unless the records are replayed. A point takes `time` from the `time` field, else the " +
    "record's timestamp; numeric times are epoch milliseconds (`time_unit='ms'`, Kafka's unit). `meta=true` adds " +
    '`_kafka: {topic, partition, offset, key}`. Malformed records follow `on_error` (the `line` is the offset). ' +
    'A record with no value (tombstone) is dropped and counted as `empty`. Reading is live and never ends on its own ' +
    '(Ctrl-C or `head` stop it) unless `follow=false`, which reads up to the end offsets seen at start (one consumer).\n\n' +
    'Writing runs on the shared sink machinery (batch_size, batch_bytes, flush, buffer, retry_for, errors): batches of ' +
    "`batch_size` records (a partial batch after `flush`; `linger` is its older name), one batch at a time, with the key " +
    "from `key` (the Java client's partitioner: one key, one partition). A failing send is retried with backoff for up to " +
    '`retry_for`, then the run fails. Up to `buffer` records wait; beyond that the pipeline waits (a broker outage ' +
    'stalls the sources and recovers; nothing is dropped). A point that does not fit the Avro schema goes to `errors=` ' +
    "(a file or a topic), else is counted (`unencodable`). The record timestamp is the moment of sending unless `timestamp='time'`.",
  read: {
    options: {
      ...shared,
      group: {
        type: 'string',
        nullable: true,
        doc: 'Consumer group id. Processes sharing it split the partitions. Without it, a new private group per run.',
      },
      from: {
        type: 'string',
        choices: ['latest', 'earliest'],
        default: 'latest',
        doc: "Where a group without committed offsets starts: 'latest' (new records only) or 'earliest' (the whole topic).",
      },
      follow: {
        type: 'boolean',
        default: true,
        doc: 'false: stop at the end offsets seen at start (a bounded read, for one consumer) instead of waiting for new records.',
      },
      idle: {
        type: 'duration',
        nullable: true,
        default: '1s',
        doc:
          'Once every assigned partition is read to its end for this long, the watermark advances with the clock, so windows ' +
          'downstream close on time without new records. null: only records move it (a backfill of historical data with several ' +
          'consumers, where a rebalance could hand over old records after the clock has closed their windows).',
      },
      fetch_max_bytes: {
        type: 'integer',
        default: 1048576,
        doc: 'Most bytes fetched from one partition at once. A fetch is one batch and one offset commit: smaller fetches repeat fewer records after a crash.',
      },
      meta: { type: 'boolean', default: false, doc: 'Add `_kafka: {topic, partition, offset, key}` to every point.' },
      time_unit: { type: 'string', default: 'ms', choices: ['auto', 's', 'ms', 'us', 'ns'], doc: 'Unit of numeric (epoch) timestamps; Kafka uses milliseconds.' },
      on_error: {
        type: 'string',
        default: 'skip',
        choices: ['skip', 'fail', 'keep'],
        doc: "Malformed records: 'skip' (count and report), 'fail' (stop, naming topic/partition:offset), 'keep' (emit {_raw, _error, _line}).",
      },
    },
    create: createSource,
  },
  write: {
    options: {
      ...shared,
      key: { type: 'fields', nullable: true, doc: 'Field(s) whose value is the record key (several: a JSON array). Same key, same partition.' },
      compression: { type: 'string', choices: ['none', 'gzip'], default: 'none', doc: "Batch compression: 'none' or 'gzip'." },
      acks: { type: 'any', default: 'all', doc: "Acknowledgement: 'all' (every in-sync replica), 1 (the leader) or 0 (none)." },
      partitions: {
        type: 'integer',
        nullable: true,
        doc: 'Create the topic with this many partitions when it does not exist (otherwise the broker auto-creates it with its default).',
      },
      timestamp: {
        type: 'string',
        choices: ['now', 'time'],
        default: 'now',
        doc:
          "The record timestamp: 'now' (when sent, as Kafka clients do) or 'time' (the point's time). With 'time', historical " +
          "points are older than the topic's retention and the broker may delete them at once.",
      },
      ...batchOptions({ flush: '100ms', buffer: 20_000, flushAliases: ['linger'], errorsTarget: 'a topic name (each refused point as a JSON record with `_error`)' }),
    },
    create: createSink,
  },
  examples: [
    {
      title: 'Send points to a topic, keyed by host.',
      program: "emit(limit=3) | put(host='a') | write('kafka', topic='events', key=host)",
      needs: 'kafka',
    },
    {
      title: 'Count a topic\'s records per minute and host, as one of a consumer group.',
      program: "read('kafka', topic='events', group='counters', from='earliest') | reduce(n=count(), every='1m', by=[host])",
      needs: 'kafka',
    },
  ],
});

/** Web Crypto, not node:crypto: importing that module costs every run start-up time. */
function randomGroupSuffix(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString('hex');
}
