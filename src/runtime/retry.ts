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
}

/** The delay before retry number `attempt` (0-based): a random share of min(max, base·2^attempt), so many writers do not retry in step. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/**
 * Run `fn` until it succeeds, `retryable(error)` says no, or the retries are
 * used up; then the last error is thrown. `onRetry` hears about each retry.
 * An aborted `signal` stops the waiting (the last error is thrown).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  retryable: (e: unknown) => boolean,
  onRetry?: (e: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= policy.retries || !retryable(e)) throw e;
      const delay = backoffMs(policy, attempt);
      onRetry?.(e, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
