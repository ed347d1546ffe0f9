/**
 * `mongodb`: MongoDB (and wire-compatible servers) through the official
 * driver, loaded on first use. Writes batches with unordered inserts on the
 * shared sink machinery; reads a collection in time order.
 */
import { defineAdapter } from '../../runtime/defs.js';
import { compileError } from '../../lang/diagnostics.js';
import { batchOptions, batchSink } from '../batched.js';
import { durationMs } from '../common.js';
import { MongoSource } from './read.js';
import { mongoDestination } from './write.js';

const url = { type: 'string', default: 'mongodb://127.0.0.1:27017', doc: 'the server, as a MongoDB connection string (FLUME_MONGODB_URL)' } as const;
const db = { type: 'string', required: true, doc: 'the database' } as const;
const collection = { type: 'string', required: true, doc: 'the collection' } as const;

/** Where the server is, for messages: the connection string without credentials. */
function described(u: string, d: string, c: string): string {
  return `MongoDB at ${u.replace(/\/\/[^@/]*@/, '//')} (${d}.${c})`;
}

export const mongodb = defineAdapter({
  name: 'mongodb',
  summary: 'MongoDB: insert batches of documents, read a collection in time order',
  description:
    'Writing inserts each batch with an unordered `insertMany` (a refused document does not stop the others), on the shared sink machinery: ' +
    '`batch_size` documents or what waited `flush`; up to `buffer` waiting; a failing request (server down, no server selected in 5 s, or a fifth of `retry_for` when shorter) ' +
    'retried with backoff for `retry_for`, the outage and the recovery reported once each; on the end of the stream and on Ctrl-C the last batch is sent. ' +
    "A point's `time` is stored as a BSON date (time values in other fields too); a point without `_id` gets an ObjectId made by flume, " +
    'so a batch sent again after a lost answer stores each document once. Documents the server refuses (a duplicate `_id`, a field name it does not accept) ' +
    "go to `errors='file:path'` (the point with `_error`: the server's message and code), or are counted as dropped. " +
    'Batches are cut by count only (`batch_bytes` does not apply: the driver splits requests over the server\'s message size itself).\n\n' +
    'Reading sorts the collection on the `time=` field (then `_id`) and filters it with `query=`, a MongoDB filter document ' +
    "(`query={host: 'a', status: {'$gte': 500}}`); `from`/`to` become a range on the time field, compared as BSON dates " +
    '(as write stores them). Dates become times, ObjectIds their hex text. `time=null` reads in `_id` order, timeless.',
  read: {
    options: {
      url,
      db,
      collection,
      query: { type: 'object', default: {}, doc: "a MongoDB filter document: {host: 'a', status: {'$gte': 500}}" },
      time: { type: 'field', default: 'time', nullable: true, doc: 'field holding the timestamp (sort order, from/to); null reads in _id order, timeless' },
      time_unit: { type: 'string', default: 'ms', choices: ['s', 'ms'], doc: 'unit of numeric (epoch) timestamps; BSON dates need none' },
      page_size: { type: 'integer', default: 1000, doc: 'documents per server reply' },
    },
    create(opts, ctx) {
      if (opts.page_size < 1) throw compileError('bad-option', 'page_size= must be at least 1');
      const time = opts.time;
      // from/to are read's common options (procs/adapter-options.ts), not declared here.
      const range = opts as { from?: number | null; to?: number | null };
      return new MongoSource(
        {
          url: opts.url,
          db: opts.db,
          collection: opts.collection,
          query: opts.query,
          timeField: time === null ? null : time,
          timeUnit: opts.time_unit,
          from: range.from ?? undefined,
          to: range.to ?? undefined,
          pageSize: opts.page_size,
        },
        ctx,
      );
    },
  },
  write: {
    options: {
      url,
      db,
      collection,
      ...batchOptions(),
    },
    create(opts, ctx) {
      const selectMs = Math.min(5000, Math.max(500, durationMs(opts.retry_for, 300_000) / 5));
      return batchSink(mongoDestination({ url: opts.url, db: opts.db, collection: opts.collection, selectMs }), opts, ctx, {
        adapter: 'mongodb',
        server: described(opts.url, opts.db, opts.collection),
        noun: 'documents',
      });
    },
  },
  examples: [
    {
      title: 'JSON lines into a collection; documents the server refuses go to a file with the reason.',
      program: "read('stdio') | write('mongodb', db='stats', collection='containers', errors='file:rejected.jsonl')",
      needs: 'mongodb',
    },
    {
      title: 'The last hour of one host, in time order.',
      program: "read('mongodb', db='stats', collection='containers', query={name: 'web'}, from='-1h')",
      needs: 'mongodb',
    },
  ],
});
