/**
 * read('mongodb'): a collection in time order (sorted on the `time=` field,
 * then `_id`), filtered by `query=` (a MongoDB filter document) and `from`/`to`
 * on the server. BSON dates become times, ObjectIds their hex text.
 */
import type { CreateContext } from '../../runtime/defs.js';
import type { SourceInstance, SourceOutput } from '../../runtime/component.js';
import { TimeValue, type Point } from '../../runtime/point.js';
import { runtimeError } from '../../lang/diagnostics.js';
import { makeMalformedSink, makeTimeMover, pushBatch, type TimeUnit } from '../common.js';
import { newClient, reasonOf } from './client.js';

export interface MongoReadPlan {
  url: string;
  db: string;
  collection: string;
  query: Record<string, unknown>;
  timeField: string | null;
  timeUnit: TimeUnit;
  from: number | undefined;
  to: number | undefined;
  pageSize: number;
}

/** BSON values flume has no type for, by their `_bsontype`: ids as hex text, 64-bit and decimal numbers as numbers, binary as base64. */
function fromBsonType(v: { _bsontype: string; toString(enc?: string): string; toHexString?: () => string; toNumber?: () => number }): unknown {
  switch (v._bsontype) {
    case 'ObjectId':
      return v.toHexString!();
    case 'Long':
      return v.toNumber!();
    case 'Decimal128':
    case 'Double':
    case 'Int32':
      return Number(v.toString());
    case 'Binary':
      return v.toString('base64');
    default:
      return v.toString();
  }
}

/** A value as a point holds it: dates become time values (nested ones too). */
export function fromBson(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof Date) return new TimeValue(v.getTime());
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = fromBson(v[i]);
    return v;
  }
  if ('_bsontype' in v) return fromBsonType(v as Parameters<typeof fromBsonType>[0]);
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    if (typeof x === 'object' && x !== null) o[k] = fromBson(x);
  }
  return o;
}

export class MongoSource implements SourceInstance {
  constructor(
    private readonly plan: MongoReadPlan,
    private readonly ctx: CreateContext,
  ) {}

  /** The server filter: query= and the time range (on dates, as write('mongodb') stores them). */
  filter(): Record<string, unknown> {
    const { query, timeField, from, to } = this.plan;
    if (timeField === null || (from === undefined && to === undefined)) return query;
    const range: Record<string, Date> = {};
    if (from !== undefined) range['$gte'] = new Date(from);
    if (to !== undefined) range['$lt'] = new Date(to);
    return { $and: [query, { [timeField]: range }] };
  }

  async run(out: SourceOutput): Promise<void> {
    const { url, db, collection, timeField, timeUnit, pageSize } = this.plan;
    const move = makeTimeMover(timeField, timeUnit, this.ctx.now, makeMalformedSink('skip', this.ctx));
    const client = await newClient(url);
    try {
      const sort: Record<string, 1> = timeField === null ? { _id: 1 } : { [timeField]: 1, _id: 1 };
      const cursor = client.db(db).collection(collection).find(this.filter(), { sort, batchSize: pageSize });
      try {
        while (!out.done && !this.ctx.signal.aborted) {
          const first = await this.call(() => cursor.next());
          if (first === null) break;
          // What the driver already holds comes with it: one batch per server reply, not one await per document.
          const docs = [first, ...cursor.readBufferedDocuments()];
          for (let i = 0; i < docs.length; i++) fromBson(docs[i]);
          await pushBatch(out, move(docs as Point[]));
        }
      } finally {
        await cursor.close().catch(() => undefined);
      }
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  /** A driver call whose failure is a runtime error naming the stage. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const { url, db, collection } = this.plan;
      throw runtimeError('read-failed', `read mongodb: ${reasonOf(e)}`, [`is a MongoDB server running at ${url}? (database ${db}, collection ${collection})`]);
    }
  }
}
