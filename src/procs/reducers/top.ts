import { defineReducer, type ReducerContext, type ReducerState } from './types.js';
import { decodeValue, encodeValue, isAbsent, isObj, valueKey } from './util.js';
import { MinHeap } from '../../runtime/heap.js';

/** Distinct values counted exactly per state; past this the state becomes a space-saving sketch of this many counters. */
export const TOP_EXACT_LIMIT = 10_000;

interface Entry {
  key: string;
  value: unknown;
  count: number;
  /** Order of first sight: ties in count go to the value seen first. */
  seq: number;
  /** Heap slot while the state is a sketch. */
  at: number;
}

/**
 * Counts per distinct value: exact in a map while at most TOP_EXACT_LIMIT
 * values were seen, then Metwally et al.'s space-saving sketch over the same
 * entries (a new value replaces the least counted one and inherits its count,
 * so counts become upper bounds and every value with a true count above
 * n/limit is kept). A binary min-heap on count finds the least counted entry.
 */
export class TopCounter {
  private readonly entries = new Map<string, Entry>();
  private heap: MinHeap<Entry> | null = null;
  private seq = 0;
  constructor(
    private readonly limit: number,
    private readonly onApproximate: () => void,
  ) {}

  get approximate(): boolean {
    return this.heap !== null;
  }

  add(key: string, value: unknown, n: number): void {
    const e = this.entries.get(key);
    if (e) {
      e.count += n;
      if (this.heap) this.heap.down(e.at);
      return;
    }
    if (this.entries.size < this.limit) {
      const fresh: Entry = { key, value, count: n, seq: this.seq++, at: -1 };
      this.entries.set(key, fresh);
      if (this.heap) this.heap.push(fresh);
      return;
    }
    if (!this.heap) this.toSketch();
    // Space-saving: the least counted value makes room, and its count carries over as the new value's error bound.
    const min = this.heap!.peek()!;
    this.entries.delete(min.key);
    min.key = key;
    min.value = value;
    min.count += n;
    min.seq = this.seq++;
    this.entries.set(key, min);
    this.heap!.down(0);
  }

  /** The k entries with the highest counts, ties by first sight. */
  top(k: number): { value: unknown; count: number }[] {
    return [...this.entries.values()]
      .sort((a, b) => b.count - a.count || a.seq - b.seq)
      .slice(0, k)
      .map((e) => ({ value: e.value, count: e.count }));
  }

  /** Entries in order of first sight, so a merge keeps the tie order. */
  partial(): { approximate: boolean; entries: [unknown, number][] } {
    const es = [...this.entries.values()].sort((a, b) => a.seq - b.seq);
    return { approximate: this.approximate, entries: es.map((e) => [encodeValue(e.value), e.count]) };
  }

  private toSketch(): void {
    // Among equal counts the newest goes first, so older values (which win ties) survive longer.
    const less = (a: Entry, b: Entry): boolean => a.count < b.count || (a.count === b.count && a.seq > b.seq);
    this.heap = new MinHeap<Entry>(less, (e, i) => (e.at = i), [...this.entries.values()]);
    this.onApproximate();
  }
}

function isTopPartial(p: Record<string, unknown>): p is { approximate?: boolean; entries: [unknown, number][] } {
  return Array.isArray(p.entries) && p.entries.every((e) => Array.isArray(e) && e.length === 2 && typeof e[1] === 'number' && e[1] > 0);
}

function topState(k: number, ctx: ReducerContext): ReducerState {
  let told = false;
  const tell = () => {
    if (told) return;
    told = true;
    ctx.approximate?.(`top: more than ${TOP_EXACT_LIMIT} distinct values in a group and window, counts are upper bounds (space-saving sketch)`);
  };
  const counter = new TopCounter(TOP_EXACT_LIMIT, tell);
  return {
    add(v) {
      if (!isAbsent(v)) counter.add(valueKey(v), v, 1);
    },
    result: () => counter.top(k),
    partial: () => counter.partial(),
    merge(p) {
      if (isAbsent(p)) return;
      if (!isObj(p) || !isTopPartial(p)) return ctx.mismatch(p);
      if (p.approximate) tell();
      for (const [enc, n] of p.entries) {
        const value = decodeValue(enc);
        counter.add(valueKey(value), value, n);
      }
    },
  };
}

export const top = defineReducer({
  name: 'top',
  summary: 'The k most frequent values of a field, as [{value, count}], highest count first (ties: first seen).',
  description:
    'Values are distinct by type and value, as in `count_unique`; null and missing values are skipped. Counts are exact ' +
    `while a group and window has at most ${TOP_EXACT_LIMIT.toLocaleString('en-US')} distinct values; past that the state ` +
    'becomes a space-saving sketch of that many counters: every value more frequent than n/10,000 is kept, counts are upper ' +
    'bounds, and the end-of-run summary says so. Partial states merge (`reduce(partial=true)` then `reduce(merge=true)`) ' +
    'to the same exact result while the union has at most 10,000 values.',
  params: [
    { name: 'f', type: 'value', doc: 'The field or expression.' },
    { name: 'k', type: 'integer', doc: 'How many values (default 10).', optional: true },
  ],
  empty: [],
  retractable: false,
  create(consts, ctx) {
    const k = consts[1] === undefined ? 10 : (consts[1] as number);
    if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a whole number of at least 1, not ${String(k)}`);
    return () => topState(k, ctx);
  },
  examples: [
    {
      title: 'The two most frequent paths; ties go to the path seen first.',
      program: "emit(points=[{u:'/a'},{u:'/b'},{u:'/a'},{u:'/c'},{u:'/b'},{u:'/c'},{u:'/a'}]) | reduce(t=top(u, 2))",
      output: '{"t":[{"value":"/a","count":3},{"value":"/b","count":2}]}',
    },
  ],
});
