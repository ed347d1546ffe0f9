/**
 * write('mongodb'): unordered insertMany of each batch, on the shared sink
 * machinery (batching, buffer, retry_for, errors=). `time` is stored as a BSON
 * date. Every document gets its `_id` here when the point has none, so a batch
 * sent again after a lost answer cannot store a document twice: a duplicate
 * of an id made here, on a second attempt, is looked up: found, the first attempt got through.
 * A duplicate of the point's own `_id` is a refusal like any other (errors=).
 */
import { TimeValue, type Point } from '../../runtime/point.js';
import type { ObjectId } from 'mongodb';
import type { Destination, ItemRejection } from '../batched.js';
import { loadDriver, newClient, reasonOf, transient, writeErrorsOf, type Collection, type MongoClient, type WriteErrorInfo } from './client.js';

export interface MongoWritePlan {
  url: string;
  db: string;
  collection: string;
  /** How long one attempt waits for the server (a share of retry_for, so a short retry_for still retries). */
  selectMs: number;
}

/** A document on its way: its `_id` stays the same across attempts. */
export interface Doc {
  doc: Record<string, unknown>;
  /** The `_id` was made here, not taken from the point. */
  ownId: boolean;
  /** It was in a request before the current one. */
  tried: boolean;
}

const DUPLICATE_KEY = 11000;

/** A value as BSON stores it: time values become dates (nested ones too); the rest is left as it is. */
function toBson(v: unknown): unknown {
  if (v instanceof TimeValue) return new Date(v.ms);
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const b = toBson(v[i]);
      if (b !== v[i]) (out ??= v.slice())[i] = b;
    }
    return out ?? v;
  }
  if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
    let out: Record<string, unknown> | undefined;
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const b = toBson(o[k]);
      if (b !== o[k]) (out ??= { ...o })[k] = b;
    }
    return out ?? v;
  }
  return v;
}

/** The document for a point: a new object (the driver adds `_id` to what it inserts), `time` as a date. */
export function toDocument(p: Point, newId: () => unknown): { doc: Record<string, unknown>; ownId: boolean } {
  const doc: Record<string, unknown> = {};
  const ownId = p['_id'] === undefined;
  if (ownId) doc['_id'] = newId();
  for (const k in p) {
    const v = p[k];
    if (k === 'time') {
      if (typeof v === 'number') doc['time'] = new Date(v);
    } else doc[k] = toBson(v);
  }
  return { doc, ownId };
}

/**
 * Of the documents refused as duplicates on a second attempt, those an earlier
 * attempt stored (its answer was lost): their `_id`, made here, is on the server.
 * A duplicate on another unique index leaves no document with that id: refused.
 */
async function storedBefore(coll: Collection, items: readonly Doc[], errors: readonly WriteErrorInfo[], tried: readonly boolean[]): Promise<Set<number>> {
  const suspects = errors.filter((w) => w.code === DUPLICATE_KEY && items[w.index]!.ownId && tried[w.index]);
  if (suspects.length === 0) return new Set();
  const found = await coll.find({ _id: { $in: suspects.map((w) => items[w.index]!.doc['_id'] as ObjectId) } }, { projection: { _id: 1 } }).toArray();
  const ids = new Set(found.map((d) => String(d['_id'])));
  return new Set(suspects.filter((w) => ids.has(String(items[w.index]!.doc['_id']))).map((w) => w.index));
}

export function mongoDestination(plan: MongoWritePlan): Destination<Doc> {
  let client: MongoClient | undefined;
  let newId: () => unknown = () => undefined;
  return {
    async prepare() {
      const { ObjectId } = await loadDriver();
      newId = () => new ObjectId();
    },
    encode(p) {
      const { doc, ownId } = toDocument(p, newId);
      return { doc, ownId, tried: false };
    },
    async open() {
      client ??= await newClient(plan.url, plan.selectMs);
      await client.connect();
    },
    async send(items) {
      const coll = client!.db(plan.db).collection(plan.collection);
      const tried = items.map((d) => d.tried);
      for (const d of items) d.tried = true;
      try {
        await coll.insertMany(
          items.map((d) => d.doc),
          { ordered: false },
        );
        return;
      } catch (e) {
        const errors = writeErrorsOf(e);
        if (errors.length === 0) throw e;
        const stored = await storedBefore(coll, items, errors, tried);
        const rejected: ItemRejection[] = [];
        for (const w of errors) {
          if (stored.has(w.index)) continue;
          rejected.push({ index: w.index, reason: `${w.errmsg} (code ${w.code})`, status: w.code });
        }
        return { rejected };
      }
    },
    retryable: transient,
    reason: reasonOf,
    async close() {
      await client?.close();
      client = undefined;
    },
  };
}
