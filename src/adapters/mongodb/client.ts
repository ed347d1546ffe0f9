/**
 * The official `mongodb` driver, loaded on first use (flume's start-up never
 * loads it), and what its errors mean: which may go away, and in words.
 */
import { runtimeError } from '../../lang/diagnostics.js';

export type Driver = typeof import('mongodb');
export type MongoClient = import('mongodb').MongoClient;
export type Collection = import('mongodb').Collection;

let driver: Promise<Driver> | undefined;

async function importDriver(): Promise<Driver> {
  try {
    return await import('mongodb');
  } catch (e) {
    driver = undefined;
    throw runtimeError('missing-dependency', `the mongodb adapter needs the \`mongodb\` package: ${(e as Error).message}`, ['npm install mongodb@6']);
  }
}

export function loadDriver(): Promise<Driver> {
  return (driver ??= importDriver());
}

/**
 * A client that gives up on an unreachable server within `selectMs` (5 s at most),
 * so the sink's own retry (retry_for) decides how long to wait.
 */
export async function newClient(url: string, selectMs = 5000): Promise<MongoClient> {
  const { MongoClient } = await loadDriver();
  return new MongoClient(url, { serverSelectionTimeoutMS: selectMs, connectTimeoutMS: 5000, socketTimeoutMS: 60_000 });
}

/** Server error codes that mean "not now" (the driver's retryable-write set). */
const TRANSIENT_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

interface MongoLikeError {
  name?: string;
  code?: unknown;
  message?: string;
  errorLabels?: unknown;
  writeErrors?: unknown;
}

/** Connection refused or lost, no server selected in time, a server shutting down: worth trying again. */
export function transient(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as MongoLikeError & { hasErrorLabel?: (l: string) => boolean };
  switch (err.name) {
    case 'MongoNetworkError':
    case 'MongoNetworkTimeoutError':
    case 'MongoServerSelectionError':
    case 'MongoPoolClearedError':
    case 'MongoServerClosedError':
      return true;
    case 'MongoBulkWriteError':
      // No answer per document: the batch as a whole did not get through.
      if (writeErrorsOf(e).length === 0) return true;
  }
  if (typeof err.hasErrorLabel === 'function' && (err.hasErrorLabel('RetryableWriteError') || err.hasErrorLabel('ResetPool'))) return true;
  return typeof err.code === 'number' && TRANSIENT_CODES.has(err.code);
}

export interface WriteErrorInfo {
  index: number;
  code: number;
  errmsg: string;
}

/** The per-document errors of a bulk write (the driver gives one or many). */
export function writeErrorsOf(e: unknown): WriteErrorInfo[] {
  const w = (e as MongoLikeError).writeErrors;
  if (w === undefined || w === null) return [];
  return (Array.isArray(w) ? w : [w]) as WriteErrorInfo[];
}

/** A driver error in words: the underlying cause of a failed server selection, not its topology dump. */
export function reasonOf(e: unknown): string {
  const err = e as MongoLikeError & { cause?: { message?: string }; reason?: { message?: string } };
  const msg = err.cause?.message ?? err.message ?? String(e);
  return err.name !== undefined && err.name !== 'Error' ? `${err.name}: ${msg}` : msg;
}
