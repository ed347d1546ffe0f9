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
import { EmptyRuns, SlidingWindow, slidingSpec, type EmptyRun } from '../../src/procs/window.js';
import type { Slot } from '../../src/procs/aggregate.js';
import { count } from '../../src/procs/reducers/count.js';
import { max } from '../../src/procs/reducers/max.js';
import type { ReducerDef } from '../../src/procs/reducers/types.js';

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

function slotOf(def: ReducerDef, args: unknown[]): Slot {
  return { def, needsTime: false, make: def.create(args, { mismatch: () => undefined }), field: def.name, lazy: false };
}

describe('SlidingWindow (items 4, 6: the helper reduce and put share)', () => {
  test('retractable reducers: entries counted up to `until`, evicted before `from`; idle once all have left', () => {
    const w = new SlidingWindow(slidingSpec([slotOf(count as ReducerDef, [])]));
    for (const t of [1, 2, 3, 10]) w.insert({ t, vals: [undefined] });
    w.advance(4, 0, true);
    assert.equal(w.states[0]!.result(), 3);
    assert.equal(w.size, 3);
    w.advance(11, 2, true);
    assert.equal(w.states[0]!.result(), 3, '2, 3 and 10 are in [2, 11)');
    w.advance(12, 10, true);
    assert.equal(w.states[0]!.result(), 1);
    assert.equal(w.idle, false);
    w.advance(20, 15, true);
    assert.equal(w.size, 0);
    assert.equal(w.idle, true);
  });

  test('other reducers are recomputed from what is left; put evicts `t <= from` (window (t-over, t])', () => {
    const w = new SlidingWindow(slidingSpec([slotOf(max as ReducerDef, [])]));
    for (const [t, v] of [[1, 9], [2, 4], [3, 5]] as const) {
      w.advance(-Infinity, t - 2, false);
      w.states[0]!.add(v);
      w.appendCounted({ t, vals: [v] });
    }
    assert.equal(w.states[0]!.result(), 5, 'the 9 at t=1 left the window (1, 3]');
    assert.equal(w.oldest, 2);
  });
});

describe('EmptyRuns (item 4)', () => {
  const run = (at: number, before: number): EmptyRun => ({ at, before, step: (t) => t + 1, make: (t) => ({ time: t }) });

  test('a short run is written at once; a long one a part at a time, with later output kept after it', () => {
    const stopped = new AbortController();
    const runs = new EmptyRuns(stopped.signal);
    const out: Point[] = [];
    runs.begin(out);
    runs.emit(run(0, 3), out);
    assert.equal(out.length, 3);
    runs.emit(run(3, 10_003), out);
    out.push({ time: 20_000, real: true });
    runs.finish(out);
    assert.equal(out.length, 3 + 4096, 'the first part of the long run only');
    const all = [...out];
    for (let part: Point[] = []; ; part = []) {
      const again = runs.more(part);
      assert.ok(part.length <= 4096);
      all.push(...part);
      if (!again) break;
    }
    assert.equal(all.length, 10_004);
    assert.deepEqual(all.slice(-2), [{ time: 10_002 }, { time: 20_000, real: true }]);
  });

  test('once stopped, the empty windows left are skipped and the real points still come', () => {
    const stopped = new AbortController();
    const runs = new EmptyRuns(stopped.signal);
    const out: Point[] = [];
    runs.begin(out);
    runs.emit(run(0, 1e12), out);
    out.push({ time: 2e12, real: true });
    runs.finish(out);
    stopped.abort();
    const part: Point[] = [];
    assert.equal(runs.more(part), false);
    assert.deepEqual(part, [{ time: 2e12, real: true }]);
  });
});
