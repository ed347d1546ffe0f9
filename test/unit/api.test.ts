/**
 * The module API (SPEC §9) as a library user sees it: `flume(text)` with
 * collect / async iteration / run / stop, compile errors, the builders, and
 * extension with defineReducer / defineProc on a Registry. Every expected
 * value is worked out by hand in the comments.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import {
  avg,
  count,
  defineProc,
  defineReducer,
  emit,
  expr,
  filter,
  flume,
  FlumeError,
  head,
  keep,
  parallel,
  put,
  read,
  reduce,
  reducer,
  Registry,
  seq,
  stage,
  sum,
  VirtualClock,
  write,
  type Point,
  type ReducerState,
} from '../../src/index.js';

const T2016 = Date.UTC(2016, 0, 1);
const T0 = Date.UTC(2020, 0, 1);
const S = 1000;
const quiet = (): void => undefined;

/** Injected standard streams; `text()` is everything written to stdout so far. */
function streams(): { io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream }; text: () => string } {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  return { io: { stdin: Readable.from([]), stdout }, text: () => Buffer.concat(chunks).toString('utf8') };
}

const dir = mkdtempSync(joinPath(tmpdir(), 'flume-api-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** time,k,v rows: a@0s v=1, b@1s v=2, a@2s v=4 (2016-01-01). */
const csvFile = joinPath(dir, 'points.csv');
writeFileSync(csvFile, 'time,k,v\n2016-01-01T00:00:00Z,a,1\n2016-01-01T00:00:01Z,b,2\n2016-01-01T00:00:02Z,a,4\n');

describe('flume(text)', () => {
  test('collect() gives points with epoch-ms numeric times', async () => {
    const points = await flume("emit(limit=3, start='2016-01-01') | put(n=count())").collect();
    assert.deepEqual(points, [
      { time: T2016, n: 1 },
      { time: T2016 + S, n: 2 },
      { time: T2016 + 2 * S, n: 3 },
    ]);
    for (const p of points) assert.equal(typeof p.time, 'number');
  });

  test('collect() on given points, grouped reduce', async () => {
    // a: 1, 3 → avg 2, n 2; b: 4 → avg 4, n 1; first-seen group order.
    const points = await flume("emit(points=[{host:'a', v:1}, {host:'b', v:4}, {host:'a', v:3}]) | reduce(avg=avg(v), n=count(), by=[host])").collect();
    assert.deepEqual(points, [
      { host: 'a', avg: 2, n: 2 },
      { host: 'b', avg: 4, n: 1 },
    ]);
  });

  test('a flow can be collected more than once (each run is fresh)', async () => {
    const flow = flume('emit(limit=2, start=0) | put(n=count())');
    const first = await flow.collect();
    const second = await flow.collect();
    assert.deepEqual(first, [
      { time: 0, n: 1 },
      { time: S, n: 2 },
    ]);
    assert.deepEqual(second, first);
  });

  test('for await streams the points', async () => {
    const seen: Point[] = [];
    for await (const p of flume("emit(limit=3, start='2016-01-01', every='1m') | put(i=count() * 10)")) seen.push(p);
    assert.deepEqual(seen, [
      { time: T2016, i: 10 },
      { time: T2016 + 60 * S, i: 20 },
      { time: T2016 + 120 * S, i: 30 },
    ]);
  });

  test('breaking out of for await stops a live (endless) flow', async () => {
    const clock = new VirtualClock(T0);
    const seen: number[] = [];
    for await (const p of flume('emit()', { clock, log: quiet })) {
      seen.push(p.time!);
      if (seen.length === 3) break;
    }
    assert.deepEqual(seen, [T0, T0 + S, T0 + 2 * S]);
    // The loop ended: the flow was stopped, the clock no longer runs on.
    const at = clock.now();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(clock.now(), at);
  });

  test('a runtime error reaches the for await loop', async () => {
    const flow = flume("read('stdio', file='" + joinPath(dir, 'missing.jsonl') + "')");
    await assert.rejects(
      (async () => {
        for await (const _ of flow) void _;
      })(),
      (e: unknown) => e instanceof Error && /no such file/.test(e.message),
    );
  });

  test('run() writes JSON lines to the injected stdout and returns the summary', async () => {
    const { io, text } = streams();
    const summary = await flume('emit(limit=2, start=0) | put(v=count())', { io, log: quiet }).run();
    await new Promise((r) => setImmediate(r));
    assert.equal(text(), '{"time":"1970-01-01T00:00:00.000Z","v":1}\n{"time":"1970-01-01T00:00:01.000Z","v":2}\n');
    assert.deepEqual(
      summary.nodes.map((n) => [n.name, n.in, n.out]),
      [
        ['emit', 0, 2],
        ['put', 2, 2],
        ['write', 2, 0],
      ],
    );
    assert.equal(summary.dropped, 0);
  });

  test('run() with an implicitSink option and with an explicit sink', async () => {
    const a = streams();
    await flume("emit(points=[{a:1, b:'x'}, {a:2, b:'y'}])", { io: a.io, log: quiet, implicitSink: "write('stdio', format='csv')" }).run();
    await new Promise((r) => setImmediate(r));
    assert.equal(a.text(), 'a,b\n1,x\n2,y\n');

    const b = streams();
    await flume("emit(points=[{a:1}]) | write('stdio', format='jsonl')", { io: b.io, log: quiet }).run();
    await new Promise((r) => setImmediate(r));
    assert.equal(b.text(), '{"a":1}\n');
  });

  test('stop() on a live flow drains: a reduce without every still reports', async () => {
    const clock = new VirtualClock(T0);
    const flow = flume('emit() | reduce(n=count())', { clock, log: quiet });
    const collecting = flow.collect();
    for (let i = 0; i < 100000 && clock.now() < T0 + 3 * S; i++) await new Promise((r) => setImmediate(r));
    assert.equal(clock.now(), T0 + 3 * S);
    flow.stop();
    // Points at 0, 1, 2 and 3 s passed before the stop; the result is stamped with the first.
    assert.deepEqual(await collecting, [{ time: T0, n: 4 }]);
  });

  test('stop() before any point is due: an empty ungrouped reduce gives its empty value', async () => {
    const clock = new VirtualClock(T0);
    const flow = flume("emit(start='2020-01-02') | reduce(n=count(), s=sum(v))", { clock, log: quiet });
    const collecting = flow.collect();
    flow.stop();
    assert.deepEqual(await collecting, [{ n: 0, s: 0 }]);
  });
});

describe('compile errors', () => {
  function thrown(f: () => unknown): FlumeError {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof FlumeError, `expected a FlumeError, got ${String(e)}`);
      return e;
    }
    assert.fail('no error thrown');
  }

  test('flume() throws synchronously, before anything runs', () => {
    const e = thrown(() => flume('emti(limit=3)'));
    assert.equal(e.diagnostic.code, 'unknown-processor');
    assert.deepEqual(e.diagnostic.span, { start: 0, end: 4 });
    assert.ok(e.diagnostic.hints.some((h) => h.includes('`emit`')), e.diagnostic.hints.join('; '));
    assert.equal(e.exitCode, 2);
  });

  test('unknown option: span on the option name, with the valid ones', () => {
    const e = thrown(() => flume('emit(limt=3)'));
    assert.equal(e.diagnostic.code, 'unknown-option');
    // `limt` is at offsets 5..9 of `emit(limt=3)`.
    assert.deepEqual(e.diagnostic.span, { start: 5, end: 9 });
    assert.ok(e.diagnostic.hints.some((h) => h.includes('limit')));
  });

  test('bad option value: span on the value', () => {
    const e = thrown(() => flume("emit(limit='x')"));
    assert.equal(e.diagnostic.code, 'bad-option');
    // `'x'` is at offsets 11..14.
    assert.deepEqual(e.diagnostic.span, { start: 11, end: 14 });
  });

  test('syntax error at end of input', () => {
    const program = 'emit(limit=3) | ';
    const e = thrown(() => flume(program));
    assert.equal(e.diagnostic.code, 'syntax');
    assert.ok(e.diagnostic.span!.start >= program.trimEnd().length, JSON.stringify(e.diagnostic.span));
  });

  test('a windowed processor after sort(field)', () => {
    const e = thrown(() => flume("emit(limit=3) | sort(v) | reduce(n=count(), every='1s')"));
    assert.equal(e.diagnostic.code, 'window-after-sort');
  });

  test('a builder with a bad option fails at compile time too', () => {
    const e = thrown(() => emit({ limt: 3 }).flow());
    assert.equal(e.diagnostic.code, 'unknown-option');
  });

  test('a reducer unknown to the registry in use', () => {
    const e = thrown(() => flume('emit(points=[{v:2}]) | reduce(p=product(v))'));
    assert.equal(e.diagnostic.code, 'unknown-function');
  });
});

describe('builders', () => {
  test('emit({limit: 3, start: 0}).pipe(put({n: count()})).collect()', async () => {
    // start=0 is the epoch; one point a second; count() numbers them.
    assert.deepEqual(await emit({ limit: 3, start: 0 }).pipe(put({ n: count() })).collect(), [
      { time: 0, n: 1 },
      { time: 1000, n: 2 },
      { time: 2000, n: 3 },
    ]);
  });

  test('pipe() with several stages, ending in write', async () => {
    const { io, text } = streams();
    await emit({ limit: 2, start: 0 })
      .pipe(put({ v: count() }), write('stdio', { format: 'csv' }))
      .run({ io, log: quiet });
    await new Promise((r) => setImmediate(r));
    assert.equal(text(), 'time,v\n1970-01-01T00:00:00.000Z,1\n1970-01-01T00:00:01.000Z,2\n');
  });

  test("read('stdio', {file, format: 'csv'}) on a temp file", async () => {
    assert.deepEqual(await read('stdio', { file: csvFile, format: 'csv' }).collect(), [
      { time: T2016, k: 'a', v: 1 },
      { time: T2016 + S, k: 'b', v: 2 },
      { time: T2016 + 2 * S, k: 'a', v: 4 },
    ]);
  });

  test("reduce({a: avg('v'), by: ['k']})", async () => {
    // a: (1 + 4) / 2 = 2.5; b: 2. Stamped with the stream's earliest time.
    assert.deepEqual(await read('stdio', { file: csvFile, format: 'csv' }).pipe(reduce({ a: avg('v'), by: ['k'] })).collect(), [
      { time: T2016, k: 'a', a: 2.5 },
      { time: T2016, k: 'b', a: 2 },
    ]);
  });

  test("filter('v > 1') then put({x: expr('v * 2')})", async () => {
    assert.deepEqual(await read('stdio', { file: csvFile, format: 'csv' }).pipe(filter('v > 1'), put({ x: expr('v * 2') })).collect(), [
      { time: T2016 + S, k: 'b', v: 2, x: 4 },
      { time: T2016 + 2 * S, k: 'a', v: 4, x: 8 },
    ]);
  });

  test('filter with an expr() node and put with a template', async () => {
    const points = await emit({ points: [{ name: 'x', v: 1 }, { name: 'y', v: 5 }] })
      .pipe(filter(expr('v >= 5')), put({ msg: '{name}={v}' }))
      .collect();
    assert.deepEqual(points, [{ name: 'y', v: 5, msg: 'y=5' }]);
  });

  test('parallel(a, b) of two sources merges them in time order (ties to a)', async () => {
    const points = await parallel(emit({ limit: 2, start: 0 }).pipe(put({ s: 'a' })), emit({ limit: 2, start: 0, every: '500ms' }).pipe(put({ s: 'b' }))).collect();
    // a: 0, 1000; b: 0, 500 → 0a 0b 500b 1000a
    assert.deepEqual(points, [
      { time: 0, s: 'a' },
      { time: 0, s: 'b' },
      { time: 500, s: 'b' },
      { time: 1000, s: 'a' },
    ]);
  });

  test('src.pipe(parallel(a, b), c): fan-out, fan-in', async () => {
    const points = await emit({ limit: 3, start: 0 })
      .pipe(put({ i: count() }), parallel(put({ s: 'a' }), filter('i != 2').pipe(put({ s: 'b' }))), put({ n: count() }), keep('i', 's', 'n'))
      .collect();
    // a sees i=1,2,3; b sees i=1,3; merged by time, ties to a.
    assert.deepEqual(points, [
      { time: 0, i: 1, s: 'a', n: 1 },
      { time: 0, i: 1, s: 'b', n: 2 },
      { time: 1000, i: 2, s: 'a', n: 3 },
      { time: 2000, i: 3, s: 'a', n: 4 },
      { time: 2000, i: 3, s: 'b', n: 5 },
    ]);
  });

  test('seq(a, b) runs one source after the other', async () => {
    const points = await seq(emit({ limit: 2, start: 0 }).pipe(put({ s: 'a' })), emit({ limit: 2, start: 10 }).pipe(put({ s: 'b' })))
      .pipe(put({ n: count() }))
      .collect();
    assert.deepEqual(points, [
      { time: 0, s: 'a', n: 1 },
      { time: 1000, s: 'a', n: 2 },
      { time: 10000, s: 'b', n: 3 },
      { time: 11000, s: 'b', n: 4 },
    ]);
  });

  test('windowed reduce and head through builders', async () => {
    // 5 points 30 s apart from 2016-01-01: windows of 1 m hold 2, 2, 1.
    const points = await emit({ limit: 5, every: '30s', start: '2016-01-01' })
      .pipe(reduce({ n: count(), every: '1m' }), head(2))
      .collect();
    assert.deepEqual(points, [
      { time: T2016, n: 2 },
      { time: T2016 + 60 * S, n: 2 },
    ]);
  });

  test('a builder flow can be iterated and stopped', async () => {
    const clock = new VirtualClock(T0);
    const flow = emit().pipe(put({ n: count() })).flow({ clock, log: quiet });
    const seen: Point[] = [];
    for await (const p of flow) {
      seen.push(p);
      if (seen.length === 2) flow.stop();
    }
    assert.deepEqual(seen, [
      { time: T0, n: 1 },
      { time: T0 + S, n: 2 },
    ]);
  });
});

describe('extending', () => {
  /** product(f): multiplies numbers; empty value 1. */
  const product = defineReducer({
    name: 'product',
    summary: 'product of a numeric field',
    params: [{ name: 'f', type: 'value', doc: 'the field' }],
    empty: 1,
    retractable: false,
    examples: [],
    create: () => (): ReducerState => {
      let x = 1;
      return {
        add(v) {
          if (typeof v === 'number') x *= v;
        },
        result: () => x,
        partial: () => x,
        merge(p) {
          if (typeof p === 'number') x *= p;
        },
      };
    },
  });

  /** scale(field, factor=2): multiplies one field. */
  const scale = defineProc({
    name: 'scale',
    summary: 'multiply a numeric field',
    options: {
      field: { type: 'field', required: true, doc: 'the field to scale' },
      factor: { type: 'number', default: 2, doc: 'the multiplier' },
    },
    positional: ['field'],
    examples: [],
    create(opts, ctx) {
      const field = opts['field'] as string;
      const factor = opts['factor'] as number;
      return {
        push(batch, out) {
          for (const p of batch) {
            const q = ctx.sharedInput ? { ...p } : p;
            if (typeof q[field] === 'number') q[field] = (q[field] as number) * factor;
            out.push(q);
          }
        },
      };
    },
  });

  function registry(): Registry {
    const reg = Registry.builtin();
    reg.addReducer(product);
    reg.addStage(scale);
    return reg;
  }

  test('a defineReducer reducer on a Registry passed as `registry`', async () => {
    // 2 * 3 * 4 = 24; sum 9.
    assert.deepEqual(await flume('emit(points=[{v:2},{v:3},{v:4}]) | reduce(p=product(v), s=sum(v))', { registry: registry() }).collect(), [{ p: 24, s: 9 }]);
  });

  test('the custom reducer per window, by group, and in put (running value)', async () => {
    const reg = registry();
    const pts = "emit(points=[{time:'2016-01-01T00:00:00Z', k:'a', v:2}, {time:'2016-01-01T00:00:30Z', k:'b', v:5}, {time:'2016-01-01T00:00:40Z', k:'a', v:3}, {time:'2016-01-01T00:01:10Z', k:'a', v:7}])";
    // Window 0: a 2*3=6, b 5; window 1m: a 7.
    assert.deepEqual(await flume(`${pts} | reduce(p=product(v), every='1m', by=[k])`, { registry: reg }).collect(), [
      { time: T2016, k: 'a', p: 6 },
      { time: T2016, k: 'b', p: 5 },
      { time: T2016 + 60 * S, k: 'a', p: 7 },
    ]);
    // Running per group: a 2, b 5, a 6, a 42.
    assert.deepEqual(
      (await flume(`${pts} | put(p=product(v), by=[k])`, { registry: reg }).collect()).map((p) => p.p),
      [2, 5, 6, 42],
    );
    // An empty stream gives the empty value.
    assert.deepEqual(await flume('emit(points=[]) | reduce(p=product(v))', { registry: reg }).collect(), [{ p: 1 }]);
  });

  test("the custom reducer through the builders: reducer('product', 'v')", async () => {
    assert.deepEqual(
      await emit({ points: [{ v: 2 }, { v: 3 }, { v: 4 }] })
        .pipe(reduce({ p: reducer('product', 'v'), n: count(), s: sum('v') }))
        .collect({ registry: registry() }),
      [{ p: 24, n: 3, s: 9 }],
    );
  });

  test('a defineProc processor: positional and keyword options, and option validation', async () => {
    const reg = registry();
    assert.deepEqual(await flume('emit(points=[{v:2},{v:3},{w:1}]) | scale(v, factor=10)', { registry: reg }).collect(), [{ v: 20 }, { v: 30 }, { w: 1 }]);
    assert.deepEqual(await flume("emit(points=[{v:2}]) | scale('v')", { registry: reg }).collect(), [{ v: 4 }]);
    assert.throws(
      () => flume('emit(points=[{v:2}]) | scale(v, factr=3)', { registry: reg }),
      (e: unknown) => e instanceof FlumeError && e.diagnostic.code === 'unknown-option',
    );
    assert.throws(
      () => flume("emit(points=[{v:2}]) | scale(v, factor='big')", { registry: reg }),
      (e: unknown) => e instanceof FlumeError && e.diagnostic.code === 'bad-option',
    );
    // Unknown to the default registry.
    assert.throws(
      () => flume('emit(points=[{v:2}]) | scale(v)'),
      (e: unknown) => e instanceof FlumeError && e.diagnostic.code === 'unknown-processor',
    );
  });

  test("the custom processor through the builders: stage('scale', 'v', {factor: 3})", async () => {
    // 1*3=3, 2*3=6 → product 18.
    assert.deepEqual(
      await emit({ points: [{ v: 1 }, { v: 2 }] })
        .pipe(stage('scale', 'v', { factor: 3 }), reduce({ p: reducer('product', 'v') }))
        .collect({ registry: registry() }),
      [{ p: 18 }],
    );
  });

  test('the custom processor in a branch does not change the other branch (copy-on-write)', async () => {
    const points = await flume("emit(points=[{time:'2016-01-01', v:2}]) | (scale(v), put(b=1)) | keep(v, b)", { registry: registry() }).collect();
    assert.deepEqual(points, [
      { time: T2016, v: 4 },
      { time: T2016, v: 2, b: 1 },
    ]);
  });
});
