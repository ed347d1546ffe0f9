/**
 * The runtime (SPEC §2, §3 emit, §11.5, §11.16, §11.23) on a VirtualClock:
 * live sources, live windows, merges, fan-out/fan-in, backpressure, early
 * stop, drain on stop(), counters, and MergeNode driven by hand. Virtual
 * time jumps, so hours of live data run in milliseconds.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { compile, type CompileOptions, type RunSummary } from '../../src/compile.js';
import { Registry } from '../../src/registry.js';
import { SystemClock, VirtualClock, type Clock } from '../../src/runtime/clock.js';
import { defineProc, defineSink, defineSource, type SinkDef } from '../../src/runtime/defs.js';
import { MergeNode, newStats, ProcNode, type Maybe, type Node } from '../../src/runtime/graph.js';
import type { Batch, Point } from '../../src/runtime/point.js';
import { flume } from '../../src/index.js';

/** 2020-01-01T00:00:00Z: aligned to every 10 s, 1 m and 1 h boundary. */
const T0 = Date.UTC(2020, 0, 1);
const S = 1000;
const H = 3600 * S;
const iso = (ms: number): string => new Date(ms).toISOString();
const quiet = (): void => undefined;

interface Arrival {
  p: Point;
  /** The clock's now() when the point reached the sink. */
  at: number;
}

/** A sink that records every point with the clock's time of arrival. */
function recorder(clock: Clock, into: Arrival[]): SinkDef {
  return defineSink({
    name: 'record',
    summary: 'records points and arrival times (tests)',
    options: {},
    examples: [],
    create: () => ({
      write(batch) {
        for (const p of batch) into.push({ p, at: clock.now() });
      },
      end() {},
    }),
  });
}

interface LiveResult {
  arrivals: Arrival[];
  points: Point[];
  summary: RunSummary;
  clock: VirtualClock;
  realMs: number;
}

/** Compile and run on a VirtualClock starting at `start`; what reaches the implicit sink is recorded. */
async function live(program: string, opts: { start?: number; registry?: Registry; now?: number } = {}): Promise<LiveResult> {
  const clock = new VirtualClock(opts.start ?? T0);
  const arrivals: Arrival[] = [];
  const options: CompileOptions = { clock, log: quiet, env: {}, implicitSinkDef: recorder(clock, arrivals) };
  if (opts.now !== undefined) options.now = opts.now;
  const t = Date.now();
  const summary = await compile(program, opts.registry ?? Registry.builtin(), options).run();
  return { arrivals, points: arrivals.map((a) => a.p), summary, clock, realMs: Date.now() - t };
}

/** Seconds after T0 (keeps expectations readable). */
const sec = (ms: number | undefined): number => ((ms ?? NaN) - T0) / S;

/** Fail instead of hanging when a run deadlocks. */
async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: did not finish within ${ms} ms (deadlock?)`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Let the event loop run until `cond` holds (the virtual clock jumps on its own). */
async function until(cond: () => boolean, maxTurns = 100000): Promise<void> {
  for (let i = 0; i < maxTurns && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition never became true');
}

// ---------------------------------------------------------------------------

describe('(a) live emit on a virtual clock', () => {
  test('emit(limit=5) with no start delivers at now, now+1s, ... each at its own time', async () => {
    const r = await live('emit(limit=5)');
    assert.deepEqual(
      r.points.map((p) => p.time),
      [0, 1, 2, 3, 4].map((i) => T0 + i * S),
    );
    // Only `time`: nothing else in the points.
    for (const p of r.points) assert.deepEqual(Object.keys(p), ['time']);
    // Each point reached the sink exactly when the clock reached its time: not before, not later.
    for (const a of r.arrivals) assert.equal(a.at, a.p.time);
    assert.equal(r.clock.now(), T0 + 4 * S);
    assert.ok(r.realMs < 5000, `virtual run took ${r.realMs} ms of real time`);
  });

  test('hours of live points take no real time', async () => {
    const r = await live("emit(limit=5, every='1h')");
    assert.deepEqual(
      r.points.map((p) => p.time),
      [0, 1, 2, 3, 4].map((i) => T0 + i * H),
    );
    for (const a of r.arrivals) assert.equal(a.at, a.p.time);
    assert.equal(r.clock.now(), T0 + 4 * H);
    assert.ok(r.realMs < 5000, `virtual run took ${r.realMs} ms of real time`);
  });

  test('points up to now come at once, later ones in (virtual) real time', async () => {
    const r = await live(`emit(limit=5, start='${iso(T0 - 2 * S)}')`);
    assert.deepEqual(r.points.map((p) => sec(p.time)), [-2, -1, 0, 1, 2]);
    // The three historical points (≤ now) arrive at the start; the others at their time.
    assert.deepEqual(r.arrivals.map((a) => sec(a.at)), [0, 0, 0, 1, 2]);
  });

  test('end is exclusive and stops a live emit', async () => {
    const r = await live(`emit(every='1s', end='${iso(T0 + 3 * S)}')`);
    assert.deepEqual(r.points.map((p) => sec(p.time)), [0, 1, 2]);
    assert.ok(r.clock.now() <= T0 + 3 * S);
  });

  test('a SystemClock starting at a fixed moment (--now) paces live points in real time', async () => {
    // §11.13: live points are paced by a clock that starts at --now and advances in real time.
    const now = Date.parse('2016-01-01T00:00:00Z');
    const clock = SystemClock.startingAt(now);
    const arrivals: Arrival[] = [];
    const t = Date.now();
    await compile("emit(limit=3, every='100ms')", Registry.builtin(), { clock, now, log: quiet, env: {}, implicitSinkDef: recorder(clock, arrivals) }).run();
    const real = Date.now() - t;
    assert.deepEqual(
      arrivals.map((a) => a.p.time),
      [now, now + 100, now + 200],
    );
    for (const a of arrivals) assert.ok(a.at >= a.p.time!, `point ${iso(a.p.time!)} arrived early at ${iso(a.at)}`);
    assert.ok(real >= 150, `three points 100 ms apart took only ${real} ms`);
  });
});

describe('(b) live windows close on time', () => {
  test("emit(limit=30, every='1s') | reduce(n=count(), every='10s') gives 10, 10, 10 stamped with window starts", async () => {
    const r = await live("emit(limit=30, every='1s') | reduce(n=count(), every='10s')");
    assert.deepEqual(r.points, [
      { time: T0, n: 10 },
      { time: T0 + 10 * S, n: 10 },
      { time: T0 + 20 * S, n: 10 },
    ]);
    // Each window is emitted once its last point is in, and no later than its end.
    for (const a of r.arrivals) {
      const start = a.p.time!;
      assert.ok(a.at >= start + 9 * S && a.at <= start + 10 * S, `window ${iso(start)} emitted at ${iso(a.at)}`);
    }
  });

  test('with lateness the window waits for end + lateness (§11.5, §11.23)', async () => {
    const r = await live("emit(limit=30, every='1s') | reduce(n=count(), every='10s', lateness='2s')");
    assert.deepEqual(
      r.points.map((p) => [sec(p.time), p.n]),
      [
        [0, 10],
        [10, 10],
        [20, 10],
      ],
    );
    // Windows 0 and 10 close from the watermark, after their end and within end + lateness.
    for (const a of r.arrivals.slice(0, 2)) {
      const end = a.p.time! + 10 * S;
      assert.ok(a.at >= end && a.at <= end + 2 * S, `window ${iso(a.p.time!)} emitted at ${iso(a.at)}`);
    }
  });

  test('windows with no data close on time, with empty values (ungrouped)', async () => {
    const r = await live("emit(limit=2, every='1m') | reduce(n=count(), every='10s')");
    assert.deepEqual(
      r.points.map((p) => [sec(p.time), p.n]),
      [
        [0, 1],
        [10, 0],
        [20, 0],
        [30, 0],
        [40, 0],
        [50, 0],
        [60, 1],
      ],
    );
    for (const a of r.arrivals) assert.ok(a.at <= a.p.time! + 10 * S, `window ${iso(a.p.time!)} emitted late, at ${iso(a.at)}`);
  });
});

describe('(c) future points wait for their time', () => {
  test('emit(start=<1 h ahead>) via async iteration: the clock is at or past each point when it arrives', async () => {
    const clock = new VirtualClock(T0);
    const start = T0 + H;
    const seen: { time: number; now: number }[] = [];
    const t = Date.now();
    for await (const p of flume(`emit(limit=3, start='${iso(start)}')`, { clock, log: quiet, env: {} })) {
      seen.push({ time: p.time!, now: clock.now() });
    }
    assert.deepEqual(
      seen.map((s) => s.time),
      [start, start + S, start + 2 * S],
    );
    for (const s of seen) assert.ok(s.now >= s.time, `point ${iso(s.time)} delivered at ${iso(s.now)}`);
    assert.ok(seen[0]!.now >= start);
    assert.ok(Date.now() - t < 5000);
  });
});

describe('(d) merging live sources', () => {
  test('two live sources at different rates merge in time order, ties to the earlier branch', async () => {
    const r = await live("(emit(every='2s', limit=5) | put(src='a'), emit(every='3s', limit=4) | put(src='b'))");
    assert.deepEqual(
      r.points.map((p) => `${sec(p.time)}${String(p.src)}`),
      ['0a', '0b', '2a', '3b', '4a', '6a', '6b', '8a', '9b'],
    );
    // Live: each point leaves the merge when its time comes, not later.
    for (const a of r.arrivals) assert.equal(a.at, a.p.time, `${iso(a.p.time!)} ${String(a.p.src)} arrived at ${iso(a.at)}`);
  });

  test('three live sources', async () => {
    const r = await live("(emit(every='3s', limit=3) | put(s=3), emit(every='2s', limit=4) | put(s=2), emit(every='1s', limit=6) | put(s=1))");
    assert.deepEqual(
      r.points.map((p) => [sec(p.time), p.s]),
      [
        [0, 3],
        [0, 2],
        [0, 1],
        [1, 1],
        [2, 2],
        [2, 1],
        [3, 3],
        [3, 1],
        [4, 2],
        [4, 1],
        [5, 1],
        [6, 3],
        [6, 2],
      ],
    );
  });
});

describe('(e) fan-out then fan-in', () => {
  test('src | (a, b) | c keeps time order, ties go to branch a, branches do not see each other', async () => {
    const r = await live("emit(limit=4, every='1s') | (put(b='a', only_a=1), put(b='b')) | put(n=count())");
    assert.deepEqual(r.points, [
      { time: T0, b: 'a', only_a: 1, n: 1 },
      { time: T0, b: 'b', n: 2 },
      { time: T0 + S, b: 'a', only_a: 1, n: 3 },
      { time: T0 + S, b: 'b', n: 4 },
      { time: T0 + 2 * S, b: 'a', only_a: 1, n: 5 },
      { time: T0 + 2 * S, b: 'b', n: 6 },
      { time: T0 + 3 * S, b: 'a', only_a: 1, n: 7 },
      { time: T0 + 3 * S, b: 'b', n: 8 },
    ]);
    for (const a of r.arrivals) assert.equal(a.at, a.p.time);
  });

  test('branches with different rates (one filters) still merge in order', async () => {
    const r = await live("emit(limit=6, every='1s') | put(i=count()) | (put(b='a'), filter(i % 2 == 0) | put(b='b')) | keep(i, b)");
    assert.deepEqual(
      r.points.map((p) => `${String(p.i)}${String(p.b)}`),
      ['1a', '2a', '2b', '3a', '4a', '4b', '5a', '6a', '6b'],
    );
    for (const a of r.arrivals) assert.equal(a.at, a.p.time);
  });

  test('a windowed branch merges with the raw branch in time order (windows stamped with their start)', async () => {
    const r = await live("emit(limit=4, every='1s') | (put(k='raw'), reduce(n=count(), every='2s') | put(k='win')) | keep(k, n)");
    assert.deepEqual(
      r.points.map((p) => [sec(p.time), p.k, p.n]),
      [
        [0, 'raw', undefined],
        [0, 'win', 2],
        [1, 'raw', undefined],
        [2, 'raw', undefined],
        [2, 'win', 2],
        [3, 'raw', undefined],
      ],
    );
  });

  // A merge after a fan-out from one source: a branch that holds its
  // watermark back (reduce without every, a long window, tail) must make the
  // merge buffer, not block the shared source (which would also starve that
  // very branch).
  for (const [what, branch] of [
    ['reduce without every', 'reduce(n=count())'],
    ["reduce(every='1h')", "reduce(n=count(), every='1h')"],
    ['tail(1)', 'tail(1)'],
  ] as const) {
    test(`src | (put, ${what}) | c does not deadlock on a long stream`, async () => {
      const program = `emit(limit=20000, every='1ms', start='${iso(T0 - H)}') | (put(x=1), ${branch}) | reduce(c=count())`;
      const r = await within(2000, live(program), program);
      assert.deepEqual(r.points, [{ time: T0 - H, c: 20001 }]);
    });
  }
});

describe('(e2) flushed(): the moment a source may commit', () => {
  test('resolves after every sink on every branch has flushed what it was given', async () => {
    const log: string[] = [];
    const reg = Registry.builtin();
    reg.addStage(
      defineSource({
        name: 'committer',
        summary: 'pushes two batches, then waits for flushed() (tests)',
        options: {},
        examples: [],
        create: () => ({
          async run(out) {
            await out.push([{ time: T0, n: 1 }]);
            await out.push([{ time: T0 + S, n: 2 }]);
            await out.flushed();
            log.push('committed');
            await out.push([{ time: T0 + 2 * S, n: 3 }]);
          },
        }),
      }),
    );
    const flushing = (name: string): SinkDef =>
      defineSink({
        name,
        summary: 'records writes and slow flushes (tests)',
        options: {},
        examples: [],
        create: () => {
          let written = 0;
          return {
            write(batch) {
              written += batch.length;
            },
            async flush() {
              await new Promise((r) => setTimeout(r, 5));
              log.push(`${name} flushed ${written}`);
            },
            end() {
              log.push(`${name} ended ${written}`);
            },
          };
        },
      });
    reg.addStage(flushing('left'));
    reg.addStage(flushing('right'));
    await live('committer() | (left(), filter(n > 1) | right())', { registry: reg });
    assert.deepEqual(log.slice(0, 3).sort(), ['committed', 'left flushed 2', 'right flushed 1'].sort());
    assert.equal(log[2], 'committed', log.join(', '));
    assert.deepEqual(log.slice(3).sort(), ['left ended 3', 'right ended 2']);
  });
});

describe('(f) backpressure', () => {
  /** A probe counting batches as they leave the source, and a sink whose writes complete later. */
  function slowRegistry(delay: (resolve: () => void) => void) {
    const state = { pushed: 0, completed: 0, maxAhead: 0, inflight: 0, maxInflight: 0, points: [] as Point[] };
    const reg = Registry.builtin();
    reg.addStage(
      defineProc({
        name: 'probe',
        summary: 'counts batches (tests)',
        options: {},
        examples: [],
        create: () => ({
          push(batch, out) {
            state.pushed++;
            state.maxAhead = Math.max(state.maxAhead, state.pushed - state.completed);
            for (const p of batch) out.push(p);
          },
        }),
      }),
    );
    reg.addStage(
      defineSink({
        name: 'slow',
        summary: 'a slow sink (tests)',
        options: {},
        examples: [],
        create: () => ({
          write(batch) {
            for (const p of batch) state.points.push(p);
            state.inflight++;
            state.maxInflight = Math.max(state.maxInflight, state.inflight);
            return new Promise<void>((resolve) =>
              delay(() => {
                state.completed++;
                state.inflight--;
                resolve();
              }),
            );
          },
          end() {},
        }),
      }),
    );
    return { reg, state };
  }

  test('a slow sink holds a historical source to one batch ahead', async () => {
    const { reg, state } = slowRegistry((done) => setTimeout(done, 2));
    const r = await live(`emit(limit=50000, start='${iso(T0 - 24 * H)}') | probe() | slow()`, { registry: reg });
    assert.equal(state.points.length, 50000);
    assert.ok(state.pushed >= 10, `only ${state.pushed} batches`);
    assert.ok(state.maxAhead <= 1, `source ran ${state.maxAhead} batches ahead of the sink`);
    assert.equal(state.maxInflight, 1);
    assert.equal(state.completed, state.pushed);
    assert.equal(r.summary.nodes.find((n) => n.name === 'slow')!.in, 50000);
    // Order kept.
    for (let i = 1; i < state.points.length; i++) assert.ok(state.points[i]!.time! > state.points[i - 1]!.time!);
  });

  test('backpressure passes through fan-out and merge', async () => {
    const { reg, state } = slowRegistry((done) => setTimeout(done, 2));
    await live(`emit(limit=30000, start='${iso(T0 - 24 * H)}') | probe() | (put(a=1), put(b=1)) | slow()`, { registry: reg });
    assert.equal(state.points.length, 60000);
    assert.ok(state.maxAhead <= 2, `source ran ${state.maxAhead} batches ahead of the sink`);
    assert.ok(state.maxInflight <= 2, `${state.maxInflight} writes in flight`);
  });

  test('a sink slower than a live source makes the source wait (virtual time)', async () => {
    let clock!: VirtualClock;
    const { reg, state } = slowRegistry((done) => void clock.sleepUntil(clock.now() + 5 * S).then(done));
    const arrivals: Arrival[] = [];
    clock = new VirtualClock(T0);
    await compile("emit(limit=20, every='1s') | probe() | slow()", reg, { clock, log: quiet, env: {}, implicitSinkDef: recorder(clock, arrivals) }).run();
    assert.equal(state.points.length, 20);
    assert.deepEqual(
      state.points.map((p) => sec(p.time)),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.ok(state.maxAhead <= 1, `source ran ${state.maxAhead} batches ahead of the sink`);
    assert.equal(state.maxInflight, 1);
    // The source caught up in batches rather than one write per point.
    assert.ok(state.pushed < 20, `${state.pushed} batches for 20 points`);
  });
});

describe('(g) head ends an unbounded live source', () => {
  test('emit() | head(3) ends the run', async () => {
    const r = await within(5000, live('emit() | head(3)'), 'emit() | head(3)');
    assert.deepEqual(r.points.map((p) => sec(p.time)), [0, 1, 2]);
    assert.ok(r.clock.now() <= T0 + 3 * S, `clock ran on to ${iso(r.clock.now())}`);
  });

  test('(emit(), emit()) | head(3) ends both sources', async () => {
    const r = await within(5000, live("(emit() | put(s='a'), emit(every='2s') | put(s='b')) | head(3)"), 'merged head');
    assert.deepEqual(
      r.points.map((p) => `${sec(p.time)}${String(p.s)}`),
      ['0a', '0b', '1a'],
    );
  });
});

describe('(h) stop() drains', () => {
  test('a live reduce without every emits its result and run() resolves', async () => {
    const clock = new VirtualClock(T0);
    const arrivals: Arrival[] = [];
    const pipeline = compile('emit() | reduce(n=count())', Registry.builtin(), { clock, log: quiet, env: {}, implicitSinkDef: recorder(clock, arrivals) });
    const running = pipeline.run();
    await until(() => clock.now() >= T0 + 5 * S);
    pipeline.stop();
    const summary = await within(5000, running, 'run() after stop()');
    const emitted = summary.nodes.find((n) => n.name === 'emit')!.out;
    // Points at 0..5 s passed before the stop.
    assert.equal(emitted, 6);
    assert.deepEqual(arrivals.map((a) => a.p), [{ time: T0, n: 6 }]);
  });

  test('a live windowed reduce flushes its partial window', async () => {
    const clock = new VirtualClock(T0);
    const arrivals: Arrival[] = [];
    const pipeline = compile("emit() | reduce(n=count(), every='10s')", Registry.builtin(), { clock, log: quiet, env: {}, implicitSinkDef: recorder(clock, arrivals) });
    const running = pipeline.run();
    await until(() => clock.now() >= T0 + 25 * S);
    pipeline.stop();
    await within(5000, running, 'run() after stop()');
    assert.deepEqual(
      arrivals.map((a) => [sec(a.p.time), a.p.n]),
      [
        [0, 10],
        [10, 10],
        [20, 6],
      ],
    );
  });

  test('stop() while a source sleeps until a future start ends at once', async () => {
    const clock = new VirtualClock(T0);
    const arrivals: Arrival[] = [];
    const pipeline = compile(`emit(start='${iso(T0 + 24 * H)}') | reduce(n=count())`, Registry.builtin(), { clock, log: quiet, env: {}, implicitSinkDef: recorder(clock, arrivals) });
    const running = pipeline.run();
    await new Promise((r) => setImmediate(r));
    pipeline.stop();
    await within(5000, running, 'run() after stop()');
    assert.deepEqual(arrivals.map((a) => a.p), [{ n: 0 }]);
    assert.ok(clock.now() < T0 + 24 * H);
  });

  test('stop() of several live pipelines and a merge', async () => {
    const clock = new VirtualClock(T0);
    const arrivals: Arrival[] = [];
    const pipeline = compile("(emit() | put(s='a'), emit(every='2s') | put(s='b')) | reduce(n=count(), by=[s]); emit(every='5s') | reduce(m=count())", Registry.builtin(), {
      clock,
      log: quiet,
      env: {},
      implicitSinkDef: recorder(clock, arrivals),
    });
    const running = pipeline.run();
    await until(() => clock.now() >= T0 + 10 * S);
    pipeline.stop();
    await within(5000, running, 'run() after stop()');
    const byKey = Object.fromEntries(arrivals.map((a) => [String(a.p.s ?? 'm'), a.p.n ?? a.p.m]));
    assert.deepEqual(byKey, { a: 11, b: 6, m: 3 });
  });
});

describe('(i) an idle merge branch does not stall the merge', () => {
  test('a finished historical source merged with a live one: live points keep flowing on time', async () => {
    const r = await live(`(emit(limit=3, start='${iso(T0 - 10 * S)}') | put(s='h'), emit(every='1s', limit=5) | put(s='l'))`);
    assert.deepEqual(
      r.points.map((p) => `${sec(p.time)}${String(p.s)}`),
      ['-10h', '-9h', '-8h', '0l', '1l', '2l', '3l', '4l'],
    );
    for (const a of r.arrivals) if (a.p.s === 'l') assert.equal(a.at, a.p.time);
  });

  test('a sparse live source merged with a dense one: the dense one is not held back', async () => {
    const r = await live(`(emit(every='10s', limit=3) | put(s='sparse'), emit(every='1s', limit=25) | put(s='dense'))`);
    assert.equal(r.points.length, 28);
    for (const a of r.arrivals) assert.equal(a.at, a.p.time, `${iso(a.p.time!)} ${String(a.p.s)} arrived at ${iso(a.at)}`);
  });

  test('a branch whose first point is an hour ahead does not hold the other branch for an hour', async () => {
    // §2: "An idle live branch advances its watermark with the clock, so a merge never stalls".
    // emit knows it will produce nothing before `start`; until it says so the merge waits for it.
    const r = await live(`(emit(every='1s', limit=5) | put(s='now'), emit(start='${iso(T0 + H)}', limit=1) | put(s='later'))`);
    assert.deepEqual(
      r.points.map((p) => [sec(p.time), p.s]),
      [
        [0, 'now'],
        [1, 'now'],
        [2, 'now'],
        [3, 'now'],
        [4, 'now'],
        [3600, 'later'],
      ],
    );
    for (const a of r.arrivals) {
      assert.ok(a.at - a.p.time! <= S, `${iso(a.p.time!)} ${String(a.p.s)} held until ${iso(a.at)}`);
    }
  });
});

describe('(j) per-node counters', () => {
  test('in/out per node in program order; a late point is dropped and counted as `late`', async () => {
    const program = `emit(points=[{time: '${iso(T0 + 10 * S)}'}, {time: '${iso(T0 + 20 * S)}'}, {time: '${iso(T0 + 5 * S)}'}]) | reduce(n=count(), every='10s')`;
    const r = await live(program);
    assert.deepEqual(r.points, [
      { time: T0 + 10 * S, n: 1 },
      { time: T0 + 20 * S, n: 1 },
    ]);
    const nodes = r.summary.nodes;
    assert.deepEqual(
      nodes.map((n) => [n.name, n.in, n.out]),
      [
        ['emit', 0, 3],
        ['reduce', 3, 2],
        ['record', 2, 0],
      ],
    );
    assert.deepEqual(nodes[1]!.drops, { late: 1 });
    assert.equal(nodes[1]!.dropExamples['late'], `{"time":"${iso(T0 + 5 * S)}"}`);
    assert.equal(r.summary.dropped, 1);
    assert.deepEqual(nodes[0]!.drops, {});
    // Each node names its place in the program (line:column of the stage).
    assert.equal(nodes[0]!.where, '1:1');
    assert.equal(nodes[1]!.where, `1:${program.indexOf('reduce(') + 1}`);
  });

  test('with lateness the same point is accepted (§11.5)', async () => {
    // [0,10) would close when the watermark reaches 10 + 15 = 25: the point at 5 comes before that (at 20).
    const r = await live(`emit(points=[{time: '${iso(T0 + 10 * S)}'}, {time: '${iso(T0 + 20 * S)}'}, {time: '${iso(T0 + 5 * S)}'}]) | reduce(n=count(), every='10s', lateness='15s')`);
    assert.deepEqual(r.points, [
      { time: T0, n: 1 },
      { time: T0 + 10 * S, n: 1 },
      { time: T0 + 20 * S, n: 1 },
    ]);
    assert.equal(r.summary.dropped, 0);
  });

  test('counters through filter, fan-out and head; timeless points in a window are counted', async () => {
    const r = await live("emit(limit=10, every='1s') | put(i=count()) | filter(i > 3) | (head(2), put(j=1) | reduce(n=count())) | keep(i, n)");
    const byName = (name: string) => r.summary.nodes.filter((n) => n.name === name).map((n) => [n.in, n.out]);
    assert.deepEqual(byName('emit'), [[0, 10]]);
    assert.deepEqual(byName('filter'), [[10, 7]]);
    // head is done after two points: the fan-out stops sending it any.
    assert.deepEqual(byName('head'), [[2, 2]]);
    assert.deepEqual(byName('reduce'), [[7, 1]]);
    // The merge is not a node of the summary.
    assert.ok(!r.summary.nodes.some((n) => n.name === 'merge'));
    assert.deepEqual(
      r.points.map((p) => [sec(p.time), p.i, p.n]),
      [
        [3, 4, undefined],
        [3, undefined, 7],
        [4, 5, undefined],
      ],
    );

    const t = await live("emit(points=[{a: 1}, {time: '2020-01-01T00:00:01Z'}]) | reduce(n=count(), every='10s')");
    assert.deepEqual(t.points, [{ time: T0, n: 1 }]);
    assert.deepEqual(t.summary.nodes[1]!.drops, { timeless: 1 });
    assert.equal(t.summary.dropped, 1);
  });

  test('emit(points=...) out of time order: the windowed processor counts the late ones (§11.16)', async () => {
    const pts = [12, 3, 25, 14, 31, 2].map((s) => `{time: '${iso(T0 + s * S)}', s: ${s}}`).join(', ');
    const r = await live(`emit(points=[${pts}]) | reduce(n=count(), every='10s')`);
    // 12 opens [10,20); 3 is late: its window [0,10) ended before the watermark 12, though it never
    // opened (SPEC §12.6); 25 closes [10,20); 14 is then late; 31 closes [20,30); 2 is late.
    assert.deepEqual(
      r.points.map((p) => [sec(p.time), p.n]),
      [
        [10, 1],
        [20, 1],
        [30, 1],
      ],
    );
    assert.deepEqual(r.summary.nodes[1]!.drops, { late: 3 });
  });
});

describe('(k) MergeNode by hand', () => {
  type Call = ['push', Point[]] | ['mark', number] | ['end'];
  function stub(): Node & { calls: Call[] } {
    const calls: Call[] = [];
    return {
      calls,
      done: false,
      push(batch: Batch): Maybe {
        calls.push(['push', batch.slice()]);
      },
      mark(w: number): Maybe {
        calls.push(['mark', w]);
      },
      flush(): Maybe {},
      end(): Maybe {
        calls.push(['end']);
      },
    };
  }
  const pt = (t: number, from: string): Point => ({ time: t, from });
  const pushed = (calls: Call[]): string[] => calls.filter((c) => c[0] === 'push').flatMap((c) => (c[1] as Point[]).map((p) => `${p.time ?? '-'}${String(p.from)}`));
  const marks = (calls: Call[]): number[] => calls.filter((c) => c[0] === 'mark').map((c) => c[1] as number);

  test('releases in time order up to the minimum watermark; forwards that watermark', () => {
    const next = stub();
    const m = new MergeNode(2, next);
    const a = m.input(0);
    const b = m.input(1);
    a.push([pt(1, 'a'), pt(3, 'a')]);
    a.mark(3);
    assert.deepEqual(next.calls, [], 'b has no watermark yet: nothing can be released');
    b.push([pt(2, 'b')]);
    b.mark(2);
    // Minimum watermark 2: only points before 2 (a point at 2 may still come from a).
    assert.deepEqual(pushed(next.calls), ['1a']);
    assert.deepEqual(marks(next.calls), [2]);
    b.mark(5);
    assert.deepEqual(pushed(next.calls), ['1a', '2b']);
    assert.deepEqual(marks(next.calls), [2, 3]);
    a.end();
    assert.deepEqual(pushed(next.calls), ['1a', '2b', '3a']);
    assert.deepEqual(marks(next.calls), [2, 3, 5]);
    assert.ok(!next.calls.some((c) => c[0] === 'end'), 'end only when every input has ended');
    b.push([pt(7, 'b')]);
    b.end();
    assert.deepEqual(pushed(next.calls), ['1a', '2b', '3a', '7b']);
    assert.deepEqual(next.calls[next.calls.length - 1], ['end']);
    assert.equal(next.calls.filter((c) => c[0] === 'end').length, 1);
    // An input ending twice does not end the next node twice.
    b.end();
    assert.equal(next.calls.filter((c) => c[0] === 'end').length, 1);
  });

  test('ties go to the earlier input; one batch per release', () => {
    const next = stub();
    const m = new MergeNode(3, next);
    const [a, b, c] = [m.input(0), m.input(1), m.input(2)];
    c.push([pt(5, 'c'), pt(6, 'c')]);
    b.push([pt(5, 'b')]);
    a.push([pt(5, 'a'), pt(6, 'a')]);
    c.mark(10);
    b.mark(10);
    assert.deepEqual(pushed(next.calls), []);
    a.mark(10);
    assert.deepEqual(pushed(next.calls), ['5a', '5b', '5c', '6a', '6c']);
    assert.equal(next.calls.filter((x) => x[0] === 'push').length, 1, 'released points go downstream as one batch');
    assert.deepEqual(marks(next.calls), [10]);
  });

  test('timeless points pass straight through', () => {
    const next = stub();
    const m = new MergeNode(2, next);
    m.input(1).push([{ from: 'b' }]);
    assert.deepEqual(pushed(next.calls), ['-b']);
    assert.deepEqual(marks(next.calls), []);
  });

  test('watermarks only move forward', () => {
    const next = stub();
    const m = new MergeNode(2, next);
    m.input(0).mark(10);
    m.input(1).mark(10);
    m.input(1).mark(4);
    m.input(0).mark(12);
    m.input(1).mark(11);
    assert.deepEqual(marks(next.calls), [10, 11]);
  });

  test('a tagged (multi-input) successor gets each run with its input index', () => {
    const seen: [number, string[]][] = [];
    const proc = new ProcNode(
      {
        push() {
          throw new Error('push must not be used for a multi-input processor');
        },
        pushFrom(input, batch, out) {
          seen.push([input, batch.map((p) => `${p.time}${String(p.from)}`)]);
          for (const p of batch) out.push(p);
        },
      },
      stub(),
      newStats('union', '1:1'),
    );
    const m = new MergeNode(2, proc, proc);
    m.input(0).push([pt(1, 'a'), pt(3, 'a')]);
    m.input(1).push([pt(2, 'b'), pt(4, 'b')]);
    m.input(0).end();
    m.input(1).end();
    assert.deepEqual(seen, [
      [0, ['1a']],
      [1, ['2b']],
      [0, ['3a']],
      [1, ['4b']],
    ]);
  });

  test('an input far ahead of the minimum watermark is made to wait, and released when the others catch up', async () => {
    const next = stub();
    const m = new MergeNode(2, next);
    const a = m.input(0);
    const b = m.input(1);
    b.mark(0);
    a.mark(1);
    const big = Array.from({ length: 20000 }, (_, i) => pt(10 + i, 'a'));
    const r = a.push(big);
    assert.ok(r instanceof Promise, 'the input running ahead gets a promise to wait on');
    let released = false;
    void r.then(() => (released = true));
    await new Promise((res) => setImmediate(res));
    assert.equal(released, false);
    // The lagging input is never blocked.
    assert.equal(b.push([pt(5, 'b')]), undefined);
    b.mark(100000);
    await new Promise((res) => setImmediate(res));
    assert.equal(released, true);
  });

  test('a slow successor: the push promise reaches the input', async () => {
    let resolveWrite!: () => void;
    const next: Node = {
      done: false,
      push: () => new Promise<void>((res) => (resolveWrite = res)),
      mark: () => undefined,
      end: () => undefined,
      flush: () => undefined,
    };
    const m = new MergeNode(1, next);
    const r = m.input(0).push([pt(1, 'a')]);
    // Nothing released yet (no watermark): no wait.
    assert.equal(r, undefined);
    const r2 = m.input(0).mark(2);
    assert.ok(r2 instanceof Promise);
    let done = false;
    void r2.then(() => (done = true));
    await new Promise((res) => setImmediate(res));
    assert.equal(done, false);
    resolveWrite();
    await r2;
    assert.equal(done, true);
  });
});

describe('VirtualClock', () => {
  test('sleepers wake in time order, the clock jumping to each', async () => {
    const clock = new VirtualClock(T0);
    const order: [string, number][] = [];
    await Promise.all([
      clock.sleepUntil(T0 + 3 * S).then(() => order.push(['c', clock.now()])),
      clock.sleepUntil(T0 + S).then(() => order.push(['a', clock.now()])),
      clock.sleepUntil(T0 + 2 * S).then(() => order.push(['b', clock.now()])),
    ]);
    assert.deepEqual(order, [
      ['a', T0 + S],
      ['b', T0 + 2 * S],
      ['c', T0 + 3 * S],
    ]);
  });

  test('abort wakes a sleeper with false and does not move the clock', async () => {
    const clock = new VirtualClock(T0);
    const ac = new AbortController();
    const p = clock.sleepUntil(T0 + H, ac.signal);
    ac.abort();
    assert.equal(await p, false);
    assert.equal(clock.now(), T0);
    assert.equal(await clock.sleepUntil(T0 + H, ac.signal), false);
  });

  test('a sleeper woken normally leaves no abort listener behind', async () => {
    // A long live run on one signal otherwise accumulates one listener per sleep
    // (MaxListenersExceededWarning after 10, and the closures are never freed).
    const clock = new VirtualClock(T0);
    const ac = new AbortController();
    for (let i = 1; i <= 20; i++) assert.equal(await clock.sleepUntil(T0 + i * S, ac.signal), true);
    assert.equal(clock.now(), T0 + 20 * S);
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
  });
});
