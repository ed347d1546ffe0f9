/**
 * Issue 13 at the unit level: timers past setTimeout's limit, pace over long
 * gaps, lazy empty windows, released sliding-window groups, per-group limits
 * and put(time=...).
 */
import { describe, test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile.js';
import { Registry } from '../../src/registry.js';
import { MAX_TIMEOUT_MS, SystemClock } from '../../src/runtime/clock.js';
import type { Point } from '../../src/runtime/point.js';
import { flume } from '../../src/index.js';

const DAY = 86_400_000;
const quiet = (): void => undefined;

describe('SystemClock past setTimeout limit (item 5)', () => {
  test('a sleep 60 days ahead does not end early, and warns nothing', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    const clock = new SystemClock();
    const ac = new AbortController();
    let woke: boolean | undefined;
    const sleeping = clock.sleepUntil(clock.now() + 60 * DAY, ac.signal).then((ok) => (woke = ok));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(woke, undefined, 'woke long before its time');
    ac.abort();
    await sleeping;
    assert.equal(woke, false);
    process.off('warning', onWarning);
    assert.deepEqual(warnings, []);
  });

  test('a long sleep is a chain of timers each within the limit, ending at the right time', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    try {
      const clock = new SystemClock();
      let woke = false;
      const sleeping = clock.sleepUntil(60 * DAY).then(() => (woke = true));
      mock.timers.tick(MAX_TIMEOUT_MS);
      await Promise.resolve();
      assert.equal(woke, false);
      mock.timers.tick(MAX_TIMEOUT_MS);
      await Promise.resolve();
      assert.equal(woke, false);
      mock.timers.tick(60 * DAY - 2 * MAX_TIMEOUT_MS - 1);
      await Promise.resolve();
      assert.equal(woke, false, 'woke 1 ms early');
      mock.timers.tick(1);
      await sleeping;
      assert.equal(woke, true);
    } finally {
      mock.timers.reset();
    }
  });

  test('pace over two points 60 days apart holds the second (released when the run stops)', async () => {
    const got: Point[] = [];
    const pipeline = compile("emit(points=[{time:'2020-01-01', n:1}, {time:'2020-03-01', n:2}]) | pace()", Registry.builtin(), {
      clock: new SystemClock(),
      log: quiet,
      env: {},
      implicitSinkDef: {
        kind: 'sink',
        name: 'grab',
        summary: 'test sink',
        options: {},
        examples: [],
        create: () => ({
          write: (b: Point[]) => void got.push(...b),
          end: () => undefined,
        }),
      },
    });
    const running = pipeline.run();
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(got.map((p) => p['n']), [1], 'the second point went out 59 days early');
    pipeline.stop();
    await running;
    assert.deepEqual(got.map((p) => p['n']), [1, 2]);
  });
});
