/** Backoff and retry (src/runtime/retry.ts), shared by the elastic and kafka sinks and the docker sources. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, backoffMs, withRetry } from '../../src/runtime/retry.js';

describe('retry', () => {
  it('backs off exponentially up to the cap, with jitter in the upper half', () => {
    const policy = { retries: 5, baseMs: 100, maxMs: 1000 };
    assert.equal(backoffMs(policy, 0, () => 0), 50);
    assert.equal(backoffMs(policy, 0, () => 1), 100);
    assert.equal(backoffMs(policy, 2, () => 1), 400);
    assert.equal(backoffMs(policy, 10, () => 1), 1000);
  });

  it('Backoff gives the successive delays of a policy and starts over on reset', () => {
    const b = new Backoff({ baseMs: 250, maxMs: 5000 }, () => 1);
    assert.deepEqual([b.delay(), b.delay(), b.delay(), b.delay(), b.delay(), b.delay()], [250, 500, 1000, 2000, 4000, 5000]);
    b.reset();
    assert.equal(b.delay(), 250);
  });

  it('withRetry retries until success, and reports each retry', async () => {
    const seen: number[] = [];
    let calls = 0;
    const r = await withRetry(
      async () => {
        if (++calls < 3) throw new Error(`fail ${calls}`);
        return 'ok';
      },
      { retries: 5, baseMs: 1, maxMs: 2 },
      () => true,
      (_e, attempt) => seen.push(attempt),
    );
    assert.equal(r, 'ok');
    assert.deepEqual(seen, [1, 2]);
  });

  it('withRetry gives up with the last error when forMs would be passed, whatever the retries left', async () => {
    let calls = 0;
    const started = Date.now();
    await assert.rejects(
      withRetry(
        async () => {
          throw new Error(`fail ${++calls}`);
        },
        { retries: Infinity, baseMs: 20, maxMs: 20, forMs: 50 },
        () => true,
      ),
      (e: Error) => e.message === `fail ${calls}`,
    );
    // Waits of 10 to 20 ms (jitter) within 50 ms: between 3 and 6 attempts, never an endless loop.
    assert.ok(calls >= 3 && calls <= 6, `${calls} calls`);
    assert.ok(Date.now() - started < 1000);
  });

  it('withRetry does not retry what retryable refuses', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          throw new Error(`fail ${++calls}`);
        },
        { retries: 5, baseMs: 1, maxMs: 1 },
        () => false,
      ),
      /fail 1/,
    );
  });
});
