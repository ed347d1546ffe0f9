/**
 * Retry with exponential backoff and full jitter, for sinks talking to
 * services that shed load (429) or restart (5xx, refused connections).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  /** First delay, milliseconds; doubles every attempt. */
  baseMs: number;
  /** Longest delay, milliseconds. */
  maxMs: number;
  /** Give up once the next wait would end more than this many milliseconds after the first attempt. */
  forMs?: number;
}

export type BackoffPolicy = Pick<RetryPolicy, 'baseMs' | 'maxMs'>;

/** The delay before retry number `attempt` (0-based): a random share of min(max, base·2^attempt), so many writers do not retry in step. */
export function backoffMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/**
 * Run `fn` until it succeeds, `retryable(error)` says no, or the retries (or
 * `forMs`) are used up; then the last error is thrown. `onRetry` hears about each retry.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  retryable: (e: unknown) => boolean,
  onRetry?: (e: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  const deadline = policy.forMs === undefined ? Infinity : Date.now() + policy.forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= policy.retries || !retryable(e)) throw e;
      const delay = backoffMs(policy, attempt);
      if (Date.now() + delay > deadline) throw e;
      onRetry?.(e, attempt + 1, delay);
      await sleep(delay);
    }
  }
}

/** Successive delays of a policy, for loops that reconnect by themselves (streams that end when a service goes away). */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  reset(): void {
    this.attempt = 0;
  }

  delay(): number {
    return backoffMs(this.policy, this.attempt++, this.random);
  }
}
