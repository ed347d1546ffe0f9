/**
 * Several files as one time-ordered stream (SPEC §12.4): each file is read by
 * its own reader into a queue of at most one waiting batch (the reader waits
 * until the merge takes it), and a k-way merge on a heap of the files' head
 * times releases points in time order. Each file is assumed to be in time
 * order, as log files are; memory is bounded by one batch (plus the reader's
 * buffer) per file, whatever the files' lengths.
 */
import type { SourceOutput } from '../runtime/component.js';
import type { Point } from '../runtime/point.js';
import { MinHeap } from '../runtime/heap.js';

/** Points the merge gathers before pushing them downstream as one batch. */
const OUT_BATCH = 4096;

/** Reads one file to its end, pushing batches into `out` and awaiting each push. */
export type ReadOne = (file: string, out: SourceOutput) => Promise<void>;

class FileQueue {
  /** The batch being merged and the next point in it. */
  current: Point[] = [];
  pos = 0;
  /** A batch the reader handed over, waiting for `current` to be used up. */
  private waiting: Point[] | undefined;
  private release: (() => void) | undefined;
  private wake: (() => void) | undefined;
  ended = false;
  error: unknown;

  constructor(readonly index: number) {}

  /** The reader's push: hand the batch over and wait until the merge takes it. */
  offer(batch: Point[], stopped: () => boolean): void | Promise<void> {
    if (batch.length === 0 || stopped()) return;
    this.waiting = batch;
    this.wake?.();
    return new Promise<void>((resolve) => (this.release = resolve));
  }

  finish(error?: unknown): void {
    this.ended = true;
    this.error = error;
    this.wake?.();
  }

  /** Resolve a reader waiting on a push (the merge stopped early). */
  unblock(): void {
    const r = this.release;
    this.release = undefined;
    r?.();
  }

  /** Make the next batch current; false when the file has ended. */
  async next(): Promise<boolean> {
    for (;;) {
      if (this.waiting !== undefined) {
        this.current = this.waiting;
        this.pos = 0;
        this.waiting = undefined;
        this.unblock();
        return true;
      }
      if (this.error !== undefined) throw this.error;
      if (this.ended) return false;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /** Time of the next point; timeless points come first. */
  headTime(): number {
    const t = this.current[this.pos]!.time;
    return typeof t === 'number' ? t : -Infinity;
  }
}

/** True when `q`'s head goes before `other`'s (ties to the file listed first). */
function before(q: FileQueue, other: FileQueue | undefined): boolean {
  if (other === undefined) return true;
  const a = q.headTime();
  const b = other.headTime();
  return a < b || (a === b && q.index < other.index);
}

/** Read `files` at once and push their points to `out` merged by time. */
export async function mergeFilesByTime(files: readonly string[], readOne: ReadOne, out: SourceOutput, signal: AbortSignal): Promise<void> {
  const queues = files.map((_, i) => new FileQueue(i));
  let stopped = false;
  const isStopped = (): boolean => stopped || out.done || signal.aborted;
  const readers = files.map((file, i) => {
    const q = queues[i]!;
    const fileOut: SourceOutput = {
      push: (batch) => q.offer(batch as Point[], isStopped),
      mark: () => undefined,
      get done() {
        return isStopped();
      },
      flushed: () => out.flushed(),
    };
    return readOne(file, fileOut).then(
      () => q.finish(),
      (e: unknown) => q.finish(e ?? new Error('read failed')),
    );
  });
  const stopAll = (): void => {
    stopped = true;
    for (const q of queues) q.unblock();
  };
  signal.addEventListener('abort', stopAll, { once: true });
  try {
    // Files by head time; ties go to the file listed first.
    const heap = new MinHeap<FileQueue>((a, b) => before(a, b));
    for (const q of queues) if (await q.next()) heap.push(q);
    let batch: Point[] = [];
    while (heap.size > 0 && !isStopped()) {
      const q = heap.pop()!;
      const other = heap.peek();
      // A run: every point of this file that still goes before the next file's head.
      do {
        batch.push(q.current[q.pos++]!);
        if (batch.length >= OUT_BATCH) {
          const r = out.push(batch);
          batch = [];
          if (r !== undefined) await r;
          if (isStopped()) break;
        }
      } while (q.pos < q.current.length && before(q, other));
      if (isStopped()) break;
      if (q.pos < q.current.length || (await q.next())) heap.push(q);
    }
    if (batch.length > 0 && !isStopped()) {
      const r = out.push(batch);
      if (r !== undefined) await r;
    }
  } finally {
    signal.removeEventListener('abort', stopAll);
    stopAll();
    await Promise.all(readers);
  }
  for (const q of queues) if (q.error !== undefined) throw q.error;
}
