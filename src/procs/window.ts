/**
 * Window machinery shared by the processors that aggregate over time
 * (reduce, put; alarms later):
 *
 * - {@link SlidingWindow}: one group's reducer states over a sliding window
 *   of time, points entering in time order and leaving from the oldest.
 * - {@link EmptyRuns}: runs of empty windows across a gap produced a bounded
 *   part at a time (one far-future timestamp must not build them all at once).
 * - {@link GroupLimit}: the `limit` every per-group state has.
 */
import { compileError, runtimeError } from '../lang/diagnostics.js';
import type { Point } from '../runtime/point.js';
import { newStates, NOT_FED, type Slot } from './aggregate.js';
import type { ReducerState } from './reducers/types.js';

/** One point's reducer inputs (one value per slot), with the point for templates. */
export interface WindowEntry {
  t: number;
  vals: unknown[];
  p?: Point;
}

/** What every group of one stage shares: how to make, feed and retract its states. */
export interface SlidingSpec {
  readonly slots: readonly Slot[];
  /** Slot values are partial states to merge (reduce(merge=true)), not values to add. */
  readonly merge: boolean;
  /** Every reducer can take a value back; otherwise states are recomputed from what is left. */
  readonly retractable: boolean;
}

export function slidingSpec(slots: readonly Slot[], merge = false): SlidingSpec {
  return { slots, merge, retractable: !merge && slots.every((s) => s.def.retractable) };
}

/** Compact the entry array once this many have left it (and they are at least half of it). */
const COMPACT_AFTER = 1024;

/**
 * One group's states over a sliding window. Entries are kept in time order:
 * `[0, evicted)` have left, `[evicted, counted)` are in the states, and
 * `[counted, length)` wait to be counted (reduce counts a point only once the
 * window it belongs to is computed; put counts it at once).
 */
export class SlidingWindow {
  states: ReducerState[];
  private entries: WindowEntry[] = [];
  private counted = 0;
  private evicted = 0;

  constructor(private readonly spec: SlidingSpec) {
    this.states = newStates(spec.slots);
  }

  /** An entry whose values the caller has already fed to `states` (put feeds slots as its assignments evaluate). */
  appendCounted(e: WindowEntry): void {
    if (this.counted !== this.entries.length) throw new Error('SlidingWindow: appendCounted with entries waiting');
    this.entries.push(e);
    this.counted++;
  }

  /** An entry to count later; a late-but-accepted one is inserted in time order (never among counted ones). */
  insert(e: WindowEntry): void {
    const entries = this.entries;
    let i = entries.length;
    while (i > this.counted && entries[i - 1]!.t > e.t) i--;
    if (i === entries.length) entries.push(e);
    else entries.splice(i, 0, e);
  }

  /**
   * Bring the states to cover the entries with `from < t < until` (or
   * `from <= t`, when `keepFrom`): count waiting entries earlier than
   * `until`, then take out those before `from`.
   */
  advance(until: number, from: number, keepFrom: boolean): void {
    const { entries, spec } = this;
    let changed = false;
    while (this.counted < entries.length && entries[this.counted]!.t < until) {
      if (spec.retractable) this.feed(this.states, entries[this.counted]!.vals);
      this.counted++;
      changed = true;
    }
    while (this.evicted < this.counted && (keepFrom ? entries[this.evicted]!.t < from : entries[this.evicted]!.t <= from)) {
      if (spec.retractable) {
        const vals = entries[this.evicted]!.vals;
        for (let i = 0; i < vals.length; i++) if (vals[i] !== NOT_FED) this.states[i]!.remove!(vals[i]);
      }
      this.evicted++;
      changed = true;
    }
    if (!spec.retractable && changed) {
      this.states = newStates(spec.slots);
      for (let i = this.evicted; i < this.counted; i++) this.feed(this.states, entries[i]!.vals);
    }
    if (this.evicted > COMPACT_AFTER && this.evicted * 2 > entries.length) {
      entries.splice(0, this.evicted);
      this.counted -= this.evicted;
      this.evicted = 0;
    }
  }

  /** Entries in the states now. */
  get size(): number {
    return this.counted - this.evicted;
  }

  /** Nothing in the states and nothing waiting: the group can be released. */
  get idle(): boolean {
    return this.evicted === this.entries.length;
  }

  /** Time of the oldest entry still held (counted or waiting), if any. */
  get oldest(): number | undefined {
    return this.evicted < this.entries.length ? this.entries[this.evicted]!.t : undefined;
  }

  /** The newest counted entry's point (templates render with it). */
  get lastPoint(): Point | undefined {
    return this.counted > this.evicted ? this.entries[this.counted - 1]!.p : undefined;
  }

  private feed(states: ReducerState[], vals: readonly unknown[]): void {
    if (this.spec.merge) {
      for (let i = 0; i < vals.length; i++) if (vals[i] !== undefined && vals[i] !== null) states[i]!.merge(vals[i]);
    } else for (let i = 0; i < vals.length; i++) if (vals[i] !== NOT_FED) states[i]!.add(vals[i]);
  }
}

/** A run of empty windows: one result per window start `at`, `at < before`. */
export interface EmptyRun {
  at: number;
  before: number;
  /** The next window start after `at`. */
  step: (at: number) => number;
  /** The result point of the empty window starting at `at`. */
  make: (at: number) => Point;
}

/** Runs shorter than this are written at once; longer ones a part of this size at a time. */
export const EMPTY_RUN_PART = 4096;

/**
 * Output held back so a long run of empty windows is produced lazily: once a
 * run is deferred, everything the processor outputs after it in the same
 * call is deferred too (order is kept), and the node drains it with
 * {@link EmptyRuns.more} a part at a time, letting the event loop run in
 * between (so signals are seen and a slow sink slows the run down).
 *
 * A processor calls `begin(out)` first and `finish(out)` last in each of
 * push/mark/end, and `emit(run, out)` for each run of empty windows.
 */
export class EmptyRuns {
  private readonly queue: (EmptyRun | Point[])[] = [];
  /** Index in the current `out` from which output is deferred. */
  private deferFrom: number | undefined;

  constructor(private readonly stopped: AbortSignal) {}

  begin(out: Point[]): void {
    if (this.queue.length > 0) this.deferFrom = out.length;
  }

  emit(run: EmptyRun, out: Point[]): void {
    if (this.deferFrom === undefined) {
      let at = run.at;
      for (let n = 0; at < run.before && n < EMPTY_RUN_PART; n++, at = run.step(at)) out.push(run.make(at));
      if (at >= run.before) return;
      run = { ...run, at };
      this.deferFrom = out.length;
    } else this.deferPoints(out);
    this.queue.push(run);
  }

  finish(out: Point[]): void {
    if (this.deferFrom === undefined) return;
    this.deferPoints(out);
    this.deferFrom = undefined;
  }

  /**
   * Write the next part of the deferred output to `out`; true while more is
   * left. Once the run is stopped, empty windows not yet written are skipped
   * (they hold no data); deferred points still go out.
   */
  more(out: Point[]): boolean {
    const q = this.queue;
    while (q.length > 0 && out.length < EMPTY_RUN_PART) {
      const head = q[0]!;
      if (Array.isArray(head)) {
        for (const p of head) out.push(p);
        q.shift();
        continue;
      }
      if (this.stopped.aborted) {
        q.shift();
        continue;
      }
      while (head.at < head.before && out.length < EMPTY_RUN_PART) {
        out.push(head.make(head.at));
        head.at = head.step(head.at);
      }
      if (head.at >= head.before) q.shift();
    }
    return q.length > 0;
  }

  private deferPoints(out: Point[]): void {
    const from = this.deferFrom!;
    if (out.length > from) this.queue.push(out.splice(from));
  }
}

/** Default `limit` of per-group state. */
export const GROUP_LIMIT = 1_000_000;

/** The `limit` option every processor with per-group state declares. */
export const groupLimitOption = {
  type: 'integer',
  default: GROUP_LIMIT,
  doc: 'most groups held at once; one more is an error (never a silent drop)',
} as const;

/** Per-group state over its `limit` is a runtime error naming the limit and the option (as sort's). */
export class GroupLimit {
  constructor(
    private readonly stage: string,
    readonly limit: number,
    private readonly what = 'groups',
  ) {
    if (!(limit > 0)) throw compileError('bad-option', `${stage}: \`limit\` must be at least 1, got ${limit}`, undefined, [`${stage}(..., limit=${GROUP_LIMIT})`]);
  }

  /** Call when a map of groups is about to grow past `size`. */
  check(size: number): void {
    if (size >= this.limit) throw this.over();
  }

  over(): Error {
    return runtimeError('group-limit', `${this.stage} holds more than ${this.limit} ${this.what} (limit=${this.limit})`, [
      `raise it with ${this.stage}(..., limit=N) if memory allows (see README: bytes per group), or group on fewer distinct values`,
    ]);
  }
}
