/**
 * Time is injected: every source and processor that waits reads this clock,
 * so tests run live pipelines on a virtual clock, instantly.
 */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /** Resolve at (or after) `t`; resolves early, with false, when `signal` aborts. */
  sleepUntil(t: number, signal?: AbortSignal): Promise<boolean>;
}

export class SystemClock implements Clock {
  /** `offset` makes `--now` work: the clock starts at a fixed moment and advances in real time. */
  constructor(private readonly offset = 0) {}

  static startingAt(ms: number): SystemClock {
    return new SystemClock(ms - Date.now());
  }

  now(): number {
    return Date.now() + this.offset;
  }

  sleepUntil(t: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (t - this.now() <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      // Node fires a longer timeout at once (with a TimeoutOverflowWarning): wait in steps, re-reading the clock.
      const wait = (): void => {
        const delay = t - this.now();
        if (delay <= 0) {
          signal?.removeEventListener('abort', onAbort);
          resolve(true);
          return;
        }
        timer = setTimeout(wait, Math.min(delay, MAX_TIMEOUT_MS));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      wait();
    });
  }
}

/** The longest delay setTimeout honours (2^31-1 ms, about 24.8 days). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

interface Sleeper {
  t: number;
  seq: number;
  resolve: (ok: boolean) => void;
}

/**
 * A clock that jumps: whenever something sleeps, the earliest sleeper is woken
 * (and the clock set to its time) once the event loop has run everything else
 * that was ready. Live pipelines therefore run in virtual time, in order,
 * with no real waiting.
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly sleepers: Sleeper[] = [];
  private seq = 0;
  private scheduled = false;

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Move the clock forward by hand (tests), waking sleepers that are due. */
  advance(ms: number): void {
    this.current += ms;
    this.wakeDue();
  }

  sleepUntil(t: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (t <= this.current) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        const i = this.sleepers.indexOf(sleeper);
        if (i >= 0) this.sleepers.splice(i, 1);
        resolve(false);
      };
      const sleeper: Sleeper = {
        t,
        seq: this.seq++,
        resolve: (ok) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(ok);
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Several turns of the loop let I/O and promise chains settle before time jumps.
    let turns = 3;
    const tick = (): void => {
      if (--turns > 0) {
        setImmediate(tick);
        return;
      }
      this.scheduled = false;
      this.wakeEarliest();
    };
    setImmediate(tick);
  }

  private wakeEarliest(): void {
    if (this.sleepers.length === 0) return;
    this.sleepers.sort((a, b) => a.t - b.t || a.seq - b.seq);
    const first = this.sleepers[0]!;
    if (first.t > this.current) this.current = first.t;
    this.wakeDue();
  }

  private wakeDue(): void {
    this.sleepers.sort((a, b) => a.t - b.t || a.seq - b.seq);
    while (this.sleepers.length > 0 && this.sleepers[0]!.t <= this.current) {
      this.sleepers.shift()!.resolve(true);
    }
    if (this.sleepers.length > 0) this.schedule();
  }
}
