/**
 * put and reduce specialise their per-point code at create time (issue 7):
 * put without `over` takes a fast path per shape (no reducers, one group,
 * `by`), reduce feeds states through a specialised adder. These check the
 * fast paths against the general ones as oracles: put with an `over` longer
 * than the data never evicts, so it must print exactly what put without
 * `over` prints; reduce over the whole stream must equal a put's last
 * running values.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runProgram } from '../helpers.js';
import { count, emit, expr, put, sum } from '../../src/index.js';

async function out(program: string): Promise<string> {
  const r = await runProgram(program);
  assert.equal(r.error, undefined, `unexpected error:\n${r.error}`);
  return r.stdout.trim();
}

/** The fast path (no `over`) and the general path (an `over` nothing falls out of) print the same. */
async function samePaths(source: string, args: string): Promise<string> {
  const fast = await out(`${source} | put(${args})`);
  const general = await out(`${source} | put(${args}, over='100000d')`);
  assert.equal(fast, general);
  return fast;
}

const TIMED =
  "emit(points=[{time:'2016-01-01T00:00:00Z', k:'x', v:1}, {time:'2016-01-01T00:00:10Z', k:'y', v:4}, " +
  "{time:'2016-01-01T00:00:20Z', k:'x', v:'a'}, {time:'2016-01-01T00:00:30Z', k:'x', v:3}, {time:'2016-01-01T00:00:40Z', v:5}])";

describe('put fast paths equal the general path', () => {
  it('no reducers: later fields see earlier ones', async () => {
    const r = await samePaths(TIMED, "w=v, b=k + '!', n=1");
    assert.equal(r.split('\n')[0], '{"time":"2016-01-01T00:00:00.000Z","k":"x","v":1,"w":1,"b":"x!","n":1}');
  });

  it('one group: several reducers in one field, reducers in several fields, an expression between', async () => {
    const r = await samePaths(TIMED, 'n=count(), s=sum(v) + count(v), m=max(v) - min(v), a=avg(v), y=n * 10');
    assert.equal(r.split('\n')[2], '{"time":"2016-01-01T00:00:20.000Z","k":"x","v":"a","n":3,"s":8,"m":3,"a":2.5,"y":30}');
  });

  it('by: separate running values per group, a missing key is its own group', async () => {
    const r = await samePaths(TIMED, "n=count(), s=sum(v), c=iterate(['p', 'q']), by=[k]");
    assert.deepEqual(
      r.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).map((p) => [p['k'], p['n'], p['s'], p['c']]),
      [
        ['x', 1, 1, 'p'],
        ['y', 1, 4, 'p'],
        ['x', 2, 1, 'q'],
        ['x', 3, 4, 'p'],
        [undefined, 1, 5, 'p'],
      ],
    );
  });

  it('nested paths: set without and with reducers, grouped by a nested field, input objects not modified', async () => {
    const points = [
      { time: 0, o: { k: 'a', v: 1 } },
      { time: 1, o: { k: 'b', v: 2 } },
      { time: 2, o: { k: 'a', v: 3 } },
    ];
    const run = (over: Record<string, unknown>) =>
      emit({ points })
        .pipe(put({ 'o.a': expr("o.k + '!'"), 'o.n': count(), 'x.s': sum('o.v'), 'x.t': expr('x.s * 2'), by: ['o.k'], ...over }))
        .collect();
    const fast = await run({});
    assert.deepEqual(fast, await run({ over: '100000d' }));
    assert.deepEqual(fast[2], { time: 2000, o: { k: 'a', v: 3, a: 'a!', n: 2 }, x: { s: 4, t: 8 } });
    assert.deepEqual(points[0], { time: 0, o: { k: 'a', v: 1 } });
  });

  it('rate gets the time the point had before any field was set', async () => {
    const r = await samePaths(TIMED, 'time=time + 1000, r=rate(v), t2=time');
    assert.match(r, /"r":/);
  });

  it('timeless points', async () => {
    await samePaths('emit(points=[{v:1}, {v:2}, {k:1, v:3}])', 'n=count(), s=sum(v), by=[k]');
  });

  it('points shared with another branch are copied, on both paths', async () => {
    const src = 'emit(points=[{time:0, v:1}, {time:1, v:2}])';
    const fast = await out(`${src} | (put(n=count(), v=v * 10) | keep(n, v), put(w=v) | keep(v, w, n))`);
    const general = await out(`${src} | (put(n=count(), v=v * 10, over='100000d') | keep(n, v), put(w=v) | keep(v, w, n))`);
    assert.equal(fast, general);
    assert.equal(fast.split('\n').filter((l) => l.endsWith('"v":1,"w":1}') || l.endsWith('"v":2,"w":2}')).length, 2);
  });
});

describe('reduce feeds equal put running values', () => {
  for (const [name, args] of [
    ['one reducer', 'n=count()'],
    ['two reducers', 'n=count(), a=avg(v)'],
    ['three or more, with rate and expressions of reducers', 'n=count(v), a=avg(v), r=max(v) - min(v), rt=rate(v)'],
  ] as const) {
    it(name, async () => {
      const reduced = (await out(`${TIMED} | reduce(${args}, by=[k])`)).split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const running = (await out(`${TIMED} | put(${args}, by=[k]) | tail(1, by=[k])`)).split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const g of reduced) {
        const last = running.find((p) => (p['k'] ?? null) === g['k'])!;
        for (const f of Object.keys(g)) if (f !== 'time' && f !== 'k' && f !== 'rt') assert.deepEqual(g[f], last[f], `${String(g['k'])}.${f}`);
      }
      assert.equal(reduced.length, 3);
    });
  }
});
