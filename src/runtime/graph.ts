/**
 * The running graph. Nodes pass batches synchronously; a node returns a
 * promise only when it needs the caller to wait (a slow sink, a merge whose
 * other inputs lag), which is how backpressure reaches the sources.
 */
import type { Batch, Point } from './point.js';
import type { NodeStats, ProcInstance, SinkInstance, SourceInstance, SourceOutput } from './component.js';
import type { NameWatch } from './names.js';

export type Maybe = void | Promise<void>;

export interface Node {
  push(batch: Batch): Maybe;
  mark(watermark: number): Maybe;
  end(): Maybe;
  /** Every sink downstream flushes what it was given (SourceOutput.flushed). */
  flush(): Maybe;
  /** Downstream wants no more points. */
  readonly done: boolean;
}

/** Run `next` after `r` (sync when `r` is not a promise). */
export function then(r: Maybe, next: () => Maybe): Maybe {
  return r instanceof Promise ? r.then(next) : next();
}

function all(results: Maybe[]): Maybe {
  let pending: Promise<void>[] | undefined;
  for (const r of results) if (r instanceof Promise) (pending ??= []).push(r);
  return pending ? Promise.all(pending).then(() => undefined) : undefined;
}

/**
 * Runtime errors name the stage and its place in the program. Errors are
 * tagged so an error passing through several nodes is named once, by the
 * node that raised it.
 */
const NAMED = Symbol('flume.named');

export function nameError(e: unknown, stats: NodeStats): unknown {
  if (e === null || typeof e !== 'object' || (e as { [NAMED]?: boolean })[NAMED]) return e;
  const err = e as Error & { [NAMED]?: boolean; diagnostic?: { message: string } };
  const prefix = `${stats.name} (${stats.where}): `;
  if (err.diagnostic) err.diagnostic.message = prefix + err.diagnostic.message;
  err.message = prefix + err.message;
  err[NAMED] = true;
  return err;
}

function guard<T>(stats: NodeStats, f: () => T): T {
  try {
    const r = f();
    if (r instanceof Promise) return r.catch((e: unknown) => Promise.reject(nameError(e, stats))) as T;
    return r;
  } catch (e) {
    throw nameError(e, stats);
  }
}

export function newStats(name: string, where: string): NodeStats {
  return { name, where, in: 0, out: 0, drops: {}, dropExamples: {}, warnings: {} };
}

/**
 * A pipeline that computes without waiting on I/O (emit into reduce) would
 * never give the event loop a turn, so Ctrl-C and SIGTERM would never be
 * seen. Sources yield one turn when this long has passed since the last:
 * a clock read per batch, a setImmediate a few times a second.
 */
const YIELD_EVERY_MS = 50;

/** One turn of the event loop (signal handlers, timers and I/O callbacks run). */
export function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A processor between two nodes. */
export class ProcNode implements Node {
  private lastMark = -Infinity;
  private readonly emit = (points: Point[]): Maybe => {
    if (points.length === 0) return;
    this.stats.out += points.length;
    return this.next.push(points);
  };

  constructor(
    private readonly proc: ProcInstance,
    private readonly next: Node,
    private readonly stats: NodeStats,
    /** The field names the stage expects, looked for in its input (SPEC §12.7). */
    private readonly names?: NameWatch,
  ) {}

  get done(): boolean {
    return this.proc.done === true || this.next.done;
  }

  push(batch: Batch): Maybe {
    this.stats.in += batch.length;
    this.names?.check(batch);
    if (this.proc.pushAsync) return guard(this.stats, () => this.proc.pushAsync!(batch, this.emit));
    const out: Point[] = [];
    guard(this.stats, () => this.proc.push(batch, out));
    return this.emitAll(out);
  }

  /** Points from branch `input` of a preceding group (multi-input processors). */
  pushFrom(input: number, batch: Batch): Maybe {
    this.stats.in += batch.length;
    this.names?.check(batch);
    const out: Point[] = [];
    guard(this.stats, () => (this.proc.pushFrom ? this.proc.pushFrom(input, batch, out) : this.proc.push(batch, out)));
    return this.emitAll(out);
  }

  /** `out`, then whatever the processor held back (ProcInstance.more), a part at a time. */
  private emitAll(out: Point[]): Maybe {
    const r = this.emit(out);
    return this.proc.more === undefined ? r : then(r, () => this.drainMore());
  }

  private drainMore(): Maybe {
    let lastYield = Date.now();
    const step = (): Maybe => {
      for (;;) {
        const part: Point[] = [];
        const again = guard(this.stats, () => this.proc.more!(part));
        const r = this.emit(part);
        if (!again) return r;
        if (r instanceof Promise) return r.then(step);
        if (Date.now() - lastYield >= YIELD_EVERY_MS) {
          lastYield = Date.now();
          return yieldTurn().then(step);
        }
      }
    };
    return step();
  }

  /** Branch `input` of a preceding group has ended. */
  endFrom(input: number): Maybe {
    if (!this.proc.endFrom) return;
    const out: Point[] = [];
    guard(this.stats, () => this.proc.endFrom!(input, out));
    return this.emit(out);
  }

  mark(watermark: number): Maybe {
    const out: Point[] = [];
    const r = this.proc.mark ? guard(this.stats, () => this.proc.mark!(watermark, out)) : undefined;
    const w = typeof r === 'number' ? r : watermark;
    return then(this.emitAll(out), () => this.forwardMark(w));
  }

  private forwardMark(w: number): Maybe {
    if (w <= this.lastMark) return;
    this.lastMark = w;
    return this.next.mark(w);
  }

  end(): Maybe {
    const out: Point[] = [];
    guard(this.stats, () => this.proc.end?.(out));
    return then(this.emitAll(out), () => this.next.end());
  }

  flush(): Maybe {
    return this.next.flush();
  }
}

/** Sends every batch to each branch. Copy-on-write is decided at compile time (sharedInput). */
export class FanoutNode implements Node {
  constructor(private readonly branches: Node[]) {}

  get done(): boolean {
    return this.branches.every((b) => b.done);
  }

  push(batch: Batch): Maybe {
    return all(this.branches.map((b) => (b.done ? undefined : b.push(batch))));
  }

  mark(watermark: number): Maybe {
    return all(this.branches.map((b) => b.mark(watermark)));
  }

  end(): Maybe {
    return all(this.branches.map((b) => b.end()));
  }

  flush(): Maybe {
    return all(this.branches.map((b) => b.flush()));
  }
}

export class SinkNode implements Node {
  constructor(
    private readonly sink: SinkInstance,
    private readonly stats: NodeStats,
  ) {}

  get done(): boolean {
    return this.sink.done === true;
  }

  push(batch: Batch): Maybe {
    this.stats.in += batch.length;
    return guard(this.stats, () => this.sink.write(batch));
  }

  mark(watermark: number): Maybe {
    return this.sink.mark?.(watermark);
  }

  end(): Maybe {
    return guard(this.stats, () => this.sink.end());
  }

  flush(): Maybe {
    return this.sink.flush ? guard(this.stats, () => this.sink.flush!()) : undefined;
  }
}

/** Discards everything (`--implicit-sink none`). */
export class NullNode implements Node {
  readonly done = false;
  push(): Maybe {}
  mark(): Maybe {}
  end(): Maybe {}
  flush(): Maybe {}
}

interface MergeInputState {
  queue: Point[];
  head: number;
  watermark: number;
  ended: boolean;
  /** The tagged processor was told this input ended (ProcInstance.endFrom). */
  told: boolean;
  waiters: (() => void)[];
}

/** Buffered points per input before a merge makes an input that runs ahead wait. */
const MERGE_HIGH_WATER = 16384;

/**
 * Fan-in: releases points in time order up to the minimum watermark of its
 * inputs; ties go to the earlier input. Timeless points pass straight
 * through. An input that runs ahead is made to wait (it never blocks the
 * input holding the minimum watermark, and never an input sharing a source
 * with another, so the merge cannot deadlock).
 */
export class MergeNode {
  private readonly states: MergeInputState[];
  private lastMark = -Infinity;
  private openInputs: number;

  constructor(
    inputs: number,
    private readonly next: Node,
    /** Set when `next` takes branches separately (join, union, ...). */
    private readonly tagged?: ProcNode,
    /**
     * False when inputs share an upstream source (after a fan-out): making one
     * branch wait would stall the source feeding the lagging branch too, so
     * such a merge buffers instead (the buffering SPEC §2 allows).
     */
    private readonly mayWait = true,
  ) {
    this.states = Array.from({ length: inputs }, () => ({ queue: [], head: 0, watermark: -Infinity, ended: false, told: false, waiters: [] }));
    this.openInputs = inputs;
  }

  input(i: number): Node {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const merge = this;
    return {
      get done() {
        return merge.next.done;
      },
      push: (batch) => this.pushInput(i, batch),
      mark: (w) => this.markInput(i, w),
      end: () => this.endInput(i),
      flush: () => this.next.flush(),
    };
  }

  private pushInput(i: number, batch: Batch): Maybe {
    const s = this.states[i]!;
    for (let k = 0; k < batch.length; k++) s.queue.push(batch[k]!);
    const r = this.release();
    if (this.mayWait && s.queue.length - s.head > MERGE_HIGH_WATER && s.watermark > this.minWatermark()) {
      return then(r, () => new Promise<void>((resolve) => s.waiters.push(resolve)));
    }
    return r;
  }

  private markInput(i: number, w: number): Maybe {
    const s = this.states[i]!;
    if (w > s.watermark) s.watermark = w;
    return this.release();
  }

  private endInput(i: number): Maybe {
    const s = this.states[i]!;
    if (s.ended) return;
    s.ended = true;
    s.watermark = Infinity;
    this.openInputs--;
    // A drained branch is told first, so the processor knows it is complete before the others' points it held back arrive.
    const told = this.tellEnded(i);
    const r = then(told, () => this.release());
    if (this.openInputs > 0) return r;
    return then(r, () => this.next.end());
  }

  /** Tell a tagged processor that input `i` ended, once it has ended and every point of it was passed on. */
  private tellEnded(i: number): Maybe {
    const s = this.states[i]!;
    if (!this.tagged || s.told || !s.ended || s.head < s.queue.length) return;
    s.told = true;
    return this.tagged.endFrom(i);
  }

  private minWatermark(): number {
    let m = Infinity;
    for (const s of this.states) if (s.watermark < m) m = s.watermark;
    return m;
  }

  private release(): Maybe {
    const limit = this.minWatermark();
    const runs: { input: number; points: Point[] }[] = [];
    let run: { input: number; points: Point[] } | undefined;
    for (;;) {
      // Smallest head time wins; strict `<` keeps ties with the earlier input.
      let best = -1;
      let bestT = Infinity;
      for (let i = 0; i < this.states.length; i++) {
        const s = this.states[i]!;
        if (s.head >= s.queue.length) continue;
        const t = s.queue[s.head]!.time;
        const tt = t === undefined ? -Infinity : t;
        if (best < 0 || tt < bestT) {
          best = i;
          bestT = tt;
        }
      }
      if (best < 0 || !(bestT < limit || bestT === -Infinity)) break;
      const s = this.states[best]!;
      const p = s.queue[s.head++]!;
      if (!run || run.input !== best) {
        run = { input: best, points: [] };
        runs.push(run);
      }
      run.points.push(p);
    }
    this.compact();
    const results: Maybe[] = [];
    if (this.tagged) {
      for (const r of runs) results.push(this.tagged.pushFrom(r.input, r.points));
      for (const r of runs) results.push(this.tellEnded(r.input));
    } else if (runs.length === 1) {
      results.push(this.next.push(runs[0]!.points));
    } else if (runs.length > 1) {
      const outAll: Point[] = [];
      for (const r of runs) for (const p of r.points) outAll.push(p);
      results.push(this.next.push(outAll));
    }
    const pushed = all(results);
    const mark = limit < Infinity && limit > this.lastMark ? limit : undefined;
    if (mark !== undefined) this.lastMark = mark;
    return then(pushed, () => (mark !== undefined ? this.next.mark(mark) : undefined));
  }

  private compact(): void {
    const min = this.minWatermark();
    for (const s of this.states) {
      if (s.head > 0 && (s.head >= 4096 || s.head === s.queue.length)) {
        s.queue = s.queue.slice(s.head);
        s.head = 0;
      }
      if (s.waiters.length > 0 && (s.queue.length <= MERGE_HIGH_WATER / 2 || s.watermark <= min)) {
        const w = s.waiters;
        s.waiters = [];
        for (const resolve of w) resolve();
      }
    }
  }
}

/** Drives one source into its first node. */
export class SourceRunner {
  private lastMark = -Infinity;
  private lastYield = Date.now();

  constructor(
    private readonly source: SourceInstance,
    private readonly next: Node,
    private readonly stats: NodeStats,
    private readonly signal: AbortSignal,
  ) {}

  readonly output: SourceOutput = {
    push: (batch, watermark) => this.push(batch, watermark),
    mark: (w) => this.mark(w),
    get done(): boolean {
      return false;
    },
    flushed: () => Promise.resolve(this.next.flush()),
  };

  private isDone(): boolean {
    return this.signal.aborted || this.next.done;
  }

  private push(batch: Batch, watermark?: number): Maybe {
    if (this.finished) return;
    if (batch.length === 0) return watermark === undefined ? undefined : this.mark(watermark);
    this.stats.out += batch.length;
    const r = this.next.push(batch);
    const w = watermark ?? batch[batch.length - 1]!.time;
    return then(w === undefined ? r : then(r, () => this.mark(w)), () => this.checkDone());
  }

  /** Downstream wants nothing more (head): stop waiting for a source that may block on input. */
  private checkDone(): Maybe {
    if (this.next.done) this.detach?.();
    return this.maybeYield();
  }

  private maybeYield(): Maybe {
    const now = Date.now();
    if (now - this.lastYield < YIELD_EVERY_MS) return;
    this.lastYield = now;
    return yieldTurn();
  }

  private finished = false;
  private detach?: () => void;

  private mark(w: number): Maybe {
    if (this.finished) return;
    // End of stream is end(), never an infinite watermark.
    if (w <= this.lastMark || !Number.isFinite(w)) return;
    this.lastMark = w;
    return this.next.mark(w);
  }

  async run(): Promise<void> {
    Object.defineProperty(this.output, 'done', { get: () => this.isDone() });
    const detached = new Promise<void>((resolve) => (this.detach = resolve));
    const running = this.source.run(this.output);
    try {
      await Promise.race([running, detached]);
    } catch (e) {
      throw nameError(e, this.stats);
    }
    this.finished = true;
    // A detached source may still be blocked reading; its later failure is of no interest.
    running.catch(() => undefined);
    await this.next.end();
  }
}
