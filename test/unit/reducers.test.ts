import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../helpers.js';
import { TimeValue } from '../../src/runtime/point.js';
import type { ReducerDef, ReducerState } from '../../src/procs/reducers/types.js';
import { reducers } from '../../src/procs/reducers/index.js';
import { count } from '../../src/procs/reducers/count.js';
import { sum } from '../../src/procs/reducers/sum.js';
import { avg } from '../../src/procs/reducers/avg.js';
import { min } from '../../src/procs/reducers/min.js';
import { max } from '../../src/procs/reducers/max.js';
import { first } from '../../src/procs/reducers/first.js';
import { last } from '../../src/procs/reducers/last.js';
import { stddev } from '../../src/procs/reducers/stddev.js';
import { variance } from '../../src/procs/reducers/variance.js';
import { percentile } from '../../src/procs/reducers/percentile.js';
import { median } from '../../src/procs/reducers/median.js';
import { count_unique } from '../../src/procs/reducers/count_unique.js';
import { values } from '../../src/procs/reducers/values.js';
import { rate } from '../../src/procs/reducers/rate.js';
import { iterate } from '../../src/procs/reducers/iterate.js';
import { top } from '../../src/procs/reducers/top.js';

// ---------------------------------------------------------------------------
// helpers

interface Made {
  state: ReducerState;
  mismatches: unknown[];
}

/** `consts` as the reduce processor passes them: value params as undefined. */
function make(def: ReducerDef, consts: readonly unknown[] = [undefined]): Made {
  const mismatches: unknown[] = [];
  const state = def.create(consts, { mismatch: (v) => mismatches.push(v) })();
  return { state, mismatches };
}

function run(def: ReducerDef, xs: readonly unknown[], consts?: readonly unknown[]): Made {
  const m = make(def, consts);
  for (const x of xs) m.state.add(x);
  return m;
}

function result(def: ReducerDef, xs: readonly unknown[], consts?: readonly unknown[]): unknown {
  return run(def, xs, consts).state.result();
}

/** Seeded generator so the large-data tests are reproducible. */
const rng = seededRandom;

function shuffled<T>(xs: T[], seed: number): T[] {
  const r = rng(seed);
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Fraction of `sorted` at or below q: the rank an estimate actually hit. */
function rankOf(sorted: readonly number[], q: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= q) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}

const roundTrip = (p: unknown): unknown => JSON.parse(JSON.stringify(p));

const t = (iso: string) => new TimeValue(Date.parse(iso));

// ---------------------------------------------------------------------------

describe('reducer registry', () => {
  it('lists every reducer of SPEC §4.2 once, names and aliases unique', () => {
    const names = reducers.flatMap((r) => [r.name, ...(r.aliases ?? [])]);
    assert.deepEqual(new Set(names).size, names.length);
    for (const n of ['count', 'sum', 'avg', 'mean', 'min', 'minimum', 'max', 'maximum', 'first', 'last', 'stddev', 'stdev', 'variance', 'percentile', 'median', 'count_unique', 'values', 'rate', 'iterate']) {
      assert.ok(names.includes(n), n);
    }
  });

  it('every def documents itself and has an example with output', () => {
    for (const r of reducers) {
      assert.ok(r.summary.length > 10, r.name);
      for (const p of r.params) assert.ok(p.doc.length > 5, `${r.name}.${p.name}`);
      assert.ok(r.examples.length >= 1, r.name);
      for (const e of r.examples) {
        assert.ok(e.title && e.program.includes(r.name), r.name);
        assert.equal(typeof e.output, 'string', r.name);
        for (const line of e.output!.split('\n')) JSON.parse(line);
      }
    }
  });

  it('retractable exactly for count, sum, avg, stddev, variance, and they implement remove', () => {
    const retractable = reducers.filter((r) => r.retractable).map((r) => r.name).sort();
    assert.deepEqual(retractable, ['avg', 'count', 'stddev', 'sum', 'variance']);
    for (const r of reducers) {
      const consts = r.name === 'iterate' ? [[1]] : r.name === 'percentile' ? [undefined, 0.5] : [undefined];
      assert.equal(typeof make(r, consts).state.remove === 'function', r.retractable, r.name);
    }
  });

  it('empty values: count 0, sum 0, count_unique 0, values [], top [], others null', () => {
    const expected: Record<string, unknown> = { count: 0, sum: 0, count_unique: 0, values: [], top: [] };
    for (const r of reducers) {
      const want = r.name in expected ? expected[r.name] : null;
      assert.deepEqual(r.empty, want, r.name);
      const consts = r.name === 'iterate' ? [[1]] : r.name === 'percentile' ? [undefined, 0.5] : [undefined];
      assert.deepEqual(make(r, consts).state.result(), want, `${r.name} fresh state`);
    }
    assert.equal(make(count, []).state.result(), 0);
  });

  it('rate asks the reduce processor for [value, time]', () => {
    assert.equal((rate as { needsTime?: boolean }).needsTime, true);
    for (const r of reducers) if (r !== rate) assert.notEqual((r as { needsTime?: boolean }).needsTime, true, r.name);
  });
});

describe('count', () => {
  it('count() counts every add, undefined and null included', () => {
    assert.equal(result(count, [undefined, null, 1, 'x', undefined], []), 5);
  });
  it('count(f) counts present non-null values; 0, false and "" count', () => {
    assert.equal(result(count, [undefined, null, 0, false, '', 7]), 4);
  });
  it('remove undoes add under the same rule', () => {
    const { state } = run(count, [1, null, 2]);
    state.remove!(null);
    state.remove!(1);
    assert.equal(state.result(), 1);
    const all = run(count, [1, null, 2], []).state;
    all.remove!(null);
    assert.equal(all.result(), 2);
  });
});

describe('sum', () => {
  it('skips missing, null and non-numbers; numeric strings are not numbers', () => {
    const { state, mismatches } = run(sum, [1, undefined, null, '3', true, 2.5, [1], NaN]);
    assert.equal(state.result(), 3.5);
    assert.deepEqual(mismatches, ['3', true, [1], NaN]);
  });
  it('is 0 with no values, and exactly 0 after a window empties', () => {
    assert.equal(result(sum, []), 0);
    const { state } = run(sum, [0.1, 0.2, 0.3, 0.7]);
    for (const x of [0.1, 0.2, 0.3, 0.7]) state.remove!(x);
    assert.equal(state.result(), 0);
  });
  it('compensated summation: 0.1 + 0.2 + 0.3 is 0.6', () => {
    assert.equal(result(sum, [0.1, 0.2, 0.3]), 0.6);
  });
  it('a long slide does not drift', () => {
    const { state } = make(sum);
    const xs: number[] = [];
    const r = rng(1);
    for (let i = 0; i < 100_000; i++) {
      const x = Math.round(r() * 1000) / 10;
      xs.push(x);
      state.add(x);
      if (xs.length > 10) state.remove!(xs[xs.length - 11]);
    }
    const window = xs.slice(-10);
    assert.equal(state.result(), result(sum, window));
  });
});

describe('avg', () => {
  it('mean of numbers, skipping the rest', () => {
    const { state, mismatches } = run(avg, [1, 2, null, '4', 6]);
    assert.equal(state.result(), 3);
    assert.deepEqual(mismatches, ['4']);
  });
  it('null with no values', () => {
    assert.equal(result(avg, [null, undefined]), null);
  });
  it('alias mean', () => {
    assert.deepEqual(avg.aliases, ['mean']);
  });
});

describe('min and max', () => {
  it('0 is a value', () => {
    assert.equal(result(min, [3, 0, 7]), 0);
    assert.equal(result(max, [-3, 0, -7]), 0);
  });
  it('strings', () => {
    assert.equal(result(min, ['pear', 'apple', 'fig']), 'apple');
    assert.equal(result(max, ['pear', 'apple', 'fig']), 'pear');
    assert.equal(result(min, ['', 'a']), '');
  });
  it('times give time values', () => {
    const a = t('2016-01-01T00:00:05Z');
    const b = t('2016-01-01T00:00:40Z');
    const c = t('2016-01-01T00:00:01Z');
    const lo = result(min, [a, b, c]);
    const hi = result(max, [a, b, c]);
    assert.ok(lo instanceof TimeValue && hi instanceof TimeValue);
    assert.equal(lo.ms, c.ms);
    assert.equal(hi.ms, b.ms);
    assert.equal(JSON.stringify(hi), '"2016-01-01T00:00:40.000Z"');
  });
  it('values of another kind than the first are skipped and reported', () => {
    const { state, mismatches } = run(min, [null, 5, 'a', 2, t('2016-01-01T00:00:00Z'), true, NaN, 9]);
    assert.equal(state.result(), 2);
    assert.equal(mismatches.length, 4);
    const s = run(max, ['b', 10, 'c']);
    assert.equal(s.state.result(), 'c');
    assert.deepEqual(s.mismatches, [10]);
  });
  it('booleans first do not fix the kind', () => {
    const { state, mismatches } = run(max, [true, 1, 4]);
    assert.equal(state.result(), 4);
    assert.deepEqual(mismatches, [true]);
  });
  it('aliases minimum and maximum', () => {
    assert.deepEqual(min.aliases, ['minimum']);
    assert.deepEqual(max.aliases, ['maximum']);
  });
});

describe('first and last', () => {
  it('skip missing and null, keep any kind of value', () => {
    assert.equal(result(first, [undefined, null, 0, 1]), 0);
    assert.equal(result(last, [1, 0, null, undefined]), 0);
    assert.deepEqual(result(first, [null, { a: [1] }, 'x']), { a: [1] });
    assert.deepEqual(result(last, ['x', [1, 2], null]), [1, 2]);
  });
});

describe('stddev and variance', () => {
  const data = [2, 4, 4, 4, 5, 5, 7, 9];
  it('population statistics', () => {
    assert.equal(result(stddev, data), 2);
    assert.equal(result(variance, data), 4);
  });
  it('one value gives 0, none gives null', () => {
    assert.equal(result(stddev, [5]), 0);
    assert.equal(result(variance, []), null);
  });
  it('skips non-numbers', () => {
    const { state, mismatches } = run(variance, [1, '2', 3, null]);
    assert.equal(state.result(), 1);
    assert.deepEqual(mismatches, ['2']);
  });
  it('exact on large values with small spread', () => {
    const base = 1.5e12;
    assert.equal(result(variance, [base + 1, base + 2, base + 3, base + 4]), 1.25);
    assert.equal(result(variance, [1e15 + 0.25, 1e15 + 0.75]), 0.0625);
  });
  it('the same values in any order give the same bits', () => {
    const xs = Array.from({ length: 500 }, (_, i) => Math.sin(i) * 1e6 + 0.1 * i);
    const ys = shuffled(xs, 4);
    for (const d of [sum, avg, stddev, variance]) assert.equal(result(d, xs), result(d, ys), d.name);
  });
  it('alias stdev', () => {
    assert.deepEqual(stddev.aliases, ['stdev']);
  });
});

describe('retraction', () => {
  it('add 1,2,3 remove 1', () => {
    const states = [count, sum, avg, stddev, variance].map((d) => run(d, [1, 2, 3]).state);
    for (const s of states) s.remove!(1);
    assert.deepEqual(
      states.map((s) => s.result()),
      [2, 5, 2.5, 0.5, 0.25],
    );
  });
  it('removing everything gives the empty values back', () => {
    const states = [count, sum, avg, stddev, variance].map((d) => run(d, [1.5, 2.25, 3]).state);
    for (const s of states) for (const x of [2.25, 1.5, 3]) s.remove!(x);
    assert.deepEqual(
      states.map((s) => s.result()),
      [0, 0, null, null, null],
    );
  });
  it('removing a skipped value changes nothing', () => {
    const states = [sum, avg, stddev].map((d) => run(d, [1, 'x', 3]).state);
    for (const s of states) s.remove!('x');
    assert.deepEqual(
      states.map((s) => s.result()),
      [4, 2, 1],
    );
  });
  it('sliding variance equals a fresh computation exactly', () => {
    const { state } = make(variance);
    const r = rng(7);
    const xs: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const x = 1000 + r() * 10;
      xs.push(x);
      state.add(x);
      if (xs.length > 50) state.remove!(xs[xs.length - 51]);
    }
    assert.equal(state.result(), result(variance, xs.slice(-50)));
  });
});

describe('percentile and median', () => {
  const oneToTen = [3, 1, 4, 10, 5, 9, 2, 6, 8, 7];
  const pct = (xs: readonly unknown[], p: number) => result(percentile, xs, [undefined, p]);

  it('linear interpolation between closest ranks, as numpy (1..10 at 0.95 → 9.55)', () => {
    // numpy.percentile(range(1, 11), 95) prints 9.549999999999999: the same double.
    assert.equal(pct(oneToTen, 0.95), 9.549999999999999);
    assert.ok(Math.abs((pct(oneToTen, 0.95) as number) - 9.55) < 1e-12);
    assert.equal(pct(oneToTen, 0.5), 5.5);
    assert.equal(pct(oneToTen, 0.25), 3.25);
    assert.equal(pct([10, 50, 20, 40, 30], 0.9), 46);
  });
  it('percentile(f, 0) is the minimum, percentile(f, 1) the maximum', () => {
    assert.equal(pct(oneToTen, 0), 1);
    assert.equal(pct(oneToTen, 1), 10);
    assert.equal(pct([42], 0.3), 42);
  });
  it('median of an even count is the mean of the middle two', () => {
    assert.equal(result(median, [5, 1, 4, 2]), 3);
    assert.equal(result(median, [5, 1, 4]), 4);
  });
  it('skips non-numbers, null with no values', () => {
    const { state, mismatches } = run(median, [null, '7', 1, 3]);
    assert.equal(state.result(), 2);
    assert.deepEqual(mismatches, ['7']);
    assert.equal(result(median, []), null);
  });
  it('rejects p outside [0, 1] when the reducer is created', () => {
    for (const p of [-0.1, 1.5, 95, 'x', undefined, NaN]) {
      assert.throws(() => percentile.create([undefined, p], { mismatch() {} }), /p must be/, String(p));
    }
    assert.throws(() => percentile.create([undefined, 95], { mismatch() {} }), /write 0\.95/);
  });
  it('result() does not disturb the state', () => {
    const { state } = make(percentile, [undefined, 0.5]);
    state.add(5);
    state.add(1);
    assert.equal(state.result(), 3);
    state.add(3);
    state.add(2);
    assert.equal(state.result(), 2.5);
    assert.equal(state.result(), 2.5);
  });

  it('t-digest mode on 100,000 values: p50 and p99 within 1% of the exact rank, min and max exact', () => {
    const r = rng(42);
    const xs: number[] = [];
    for (let i = 0; i < 100_000; i++) xs.push(Math.exp(r() * 5) * 10); // skewed, like latencies
    const sorted = xs.slice().sort((a, b) => a - b);
    for (const p of [0.5, 0.99]) {
      const q = pct(xs, p) as number;
      assert.ok(Math.abs(rankOf(sorted, q) - p) <= 0.01, `p=${p}: q=${q} rank=${rankOf(sorted, q)}`);
    }
    assert.equal(pct(xs, 0), sorted[0]);
    assert.equal(pct(xs, 1), sorted[sorted.length - 1]);
  });
  it('t-digest mode is deterministic', () => {
    const xs = Array.from({ length: 30_000 }, (_, i) => i);
    const a = pct(shuffled(xs, 3), 0.9);
    const b = pct(shuffled(xs, 3), 0.9);
    assert.equal(a, b);
  });
  it('exact up to 10,000 values', () => {
    const xs = shuffled(Array.from({ length: 10_000 }, (_, i) => i + 1), 9);
    assert.equal(pct(xs, 0.5), 5000.5);
    assert.deepEqual((run(median, xs).state.partial() as { values: number[] }).values.length, 10_000);
    const more = run(median, [...xs, 10_001]).state.partial() as Record<string, unknown>;
    assert.ok(Array.isArray(more.centroids));
  });
});

describe('count_unique', () => {
  it('exact: type matters, null skipped, objects by canonical JSON', () => {
    assert.equal(result(count_unique, ['a', 'b', 'a', null, undefined, 1, '1', true, 0, -0]), 6);
    assert.equal(result(count_unique, [{ x: 1, y: { b: 2, a: 1 } }, { y: { a: 1, b: 2 }, x: 1 }, [1, 2], [2, 1], [1, 2]]), 3);
    assert.equal(result(count_unique, [t('2016-01-01T00:00:00Z'), t('2016-01-01T00:00:00Z'), '2016-01-01T00:00:00.000Z']), 2);
  });
  it('exact at 10,000 distinct values', () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => `v${i}`);
    assert.equal(result(count_unique, [...xs, ...xs]), 10_000);
  });
  it('HyperLogLog mode: 200,000 distinct values within 2%', () => {
    const xs: unknown[] = [];
    for (let i = 0; i < 100_000; i++) xs.push(i, `host-${i}`);
    const n = result(count_unique, xs) as number;
    assert.ok(Math.abs(n - 200_000) / 200_000 < 0.02, String(n));
  });
  it('HyperLogLog mode: repeats do not count', () => {
    const { state } = make(count_unique);
    for (let rep = 0; rep < 3; rep++) for (let i = 0; i < 50_000; i++) state.add(i * 7);
    const n = state.result() as number;
    assert.ok(Math.abs(n - 50_000) / 50_000 < 0.02, String(n));
  });
  it('HyperLogLog accuracy across sizes', () => {
    for (const size of [10_001, 20_000, 40_000, 80_000, 1_000_000]) {
      const { state } = make(count_unique);
      for (let i = 0; i < size; i++) state.add(`k${i}`);
      const n = state.result() as number;
      assert.ok(Math.abs(n - size) / size < 0.025, `${size}: ${n}`);
    }
  });
});

describe('values', () => {
  it('distinct values in first-seen order', () => {
    assert.deepEqual(result(values, ['b', 'a', null, 'b', undefined, 1, '1', { a: 1, b: 2 }, { b: 2, a: 1 }]), ['b', 'a', 1, '1', { a: 1, b: 2 }]);
  });
  it('at most 1,000', () => {
    const xs = Array.from({ length: 1500 }, (_, i) => i);
    const r = result(values, xs) as number[];
    assert.equal(r.length, 1000);
    assert.equal(r[999], 999);
  });
  it('the result is a snapshot', () => {
    const { state } = run(values, ['a']);
    const r = state.result();
    state.add('b');
    assert.deepEqual(r, ['a']);
    assert.deepEqual(state.result(), ['a', 'b']);
  });
});

describe('rate', () => {
  const at = (s: number) => Date.parse('2016-01-01T00:00:00Z') + s * 1000;
  it('per-second increase, a counter reset adds back the new value', () => {
    // 100 → 150 (+50), reset to 20 (+20), → 50 (+30): 100 over 40 s.
    assert.equal(result(rate, [[100, at(0)], [150, at(10)], [20, at(20)], [50, at(40)]]), 2.5);
  });
  it('null without two timed values at different times', () => {
    assert.equal(result(rate, []), null);
    assert.equal(result(rate, [[5, at(0)]]), null);
    assert.equal(result(rate, [[5, at(0)], [6, at(0)]]), null);
  });
  it('skips null values, timeless points and non-numbers', () => {
    const { state, mismatches } = run(rate, [[0, at(0)], [null, at(5)], [7, undefined], ['9', at(8)], [10, at(10)]]);
    assert.equal(state.result(), 1);
    assert.deepEqual(mismatches, ['9']);
  });
  it('accepts time values as times', () => {
    assert.equal(result(rate, [[0, new TimeValue(at(0))], [30, new TimeValue(at(10))]]), 3);
  });
});

describe('iterate', () => {
  it('cycles: first add gives list[0]', () => {
    const { state } = make(iterate, [['red', 'green', 'blue']]);
    assert.equal(state.result(), null);
    const seen: unknown[] = [];
    for (let i = 0; i < 7; i++) {
      state.add(undefined);
      seen.push(state.result());
    }
    assert.deepEqual(seen, ['red', 'green', 'blue', 'red', 'green', 'blue', 'red']);
  });
  it('rejects a missing or empty list', () => {
    assert.throws(() => iterate.create([[]], { mismatch() {} }), /non-empty list/);
    assert.throws(() => iterate.create(['x'], { mismatch() {} }), /non-empty list/);
  });
});

// ---------------------------------------------------------------------------

describe('partial and merge', () => {
  const r = rng(11);
  const nums = Array.from({ length: 200 }, () => Math.round(r() * 2000) - 1000);
  const mixed: unknown[] = nums.map((x, i) => (i % 17 === 0 ? null : i % 23 === 0 ? 'junk' : x));
  const times = nums.map((x) => new TimeValue(1_451_606_400_000 + x * 1000));
  const labels = nums.map((x) => (x % 7 === 0 ? null : { k: `v${Math.abs(x) % 40}`, n: [Math.abs(x) % 3] }));
  const counter: unknown[] = [];
  let c = 0;
  for (let i = 0; i < 200; i++) {
    c = i % 60 === 59 ? 3 : c + Math.round(r() * 10);
    counter.push([c, 1_451_606_400_000 + i * 1000]);
  }

  const cases: { name: string; def: ReducerDef; consts?: unknown[]; data: readonly unknown[] }[] = [
    { name: 'count()', def: count, consts: [], data: mixed },
    { name: 'count(f)', def: count, data: mixed },
    { name: 'sum', def: sum, data: mixed },
    { name: 'sum of decimals', def: sum, data: nums.map((x) => x / 10) },
    { name: 'avg', def: avg, data: mixed },
    { name: 'min', def: min, data: mixed },
    { name: 'max', def: max, data: mixed },
    { name: 'min of times', def: min, data: times },
    { name: 'max of strings', def: max, data: labels.map((l) => l && l.k) },
    { name: 'first', def: first, data: [null, ...labels] },
    { name: 'last', def: last, data: [...times, null] },
    { name: 'stddev', def: stddev, data: mixed },
    { name: 'variance', def: variance, data: mixed },
    { name: 'variance of decimals', def: variance, data: nums.map((x) => x / 7) },
    { name: 'stddev of large values', def: stddev, data: nums.map((x) => 1.4e12 + x / 3) },
    { name: 'avg of decimals', def: avg, data: nums.map((x) => x / 10) },
    { name: 'percentile', def: percentile, consts: [undefined, 0.9], data: mixed },
    { name: 'median', def: median, data: mixed },
    { name: 'count_unique', def: count_unique, data: labels },
    { name: 'values', def: values, data: [...labels, ...times] },
    { name: 'rate', def: rate, data: counter },
    { name: 'iterate', def: iterate, consts: [['a', 'b', 'c']], data: mixed },
  ];

  for (const k of cases) {
    it(`${k.name}: merge(partial of B) into A equals one state`, () => {
      for (const cut of [0, 1, 73, k.data.length]) {
        const whole = run(k.def, k.data, k.consts).state.result();
        const a = run(k.def, k.data.slice(0, cut), k.consts).state;
        const b = run(k.def, k.data.slice(cut), k.consts).state;
        a.merge(roundTrip(b.partial()));
        assert.deepEqual(a.result(), whole, `cut ${cut}`);
      }
    });
  }

  it('merging an empty partial changes nothing, merging into an empty state copies', () => {
    for (const k of cases) {
      const full = run(k.def, k.data, k.consts).state;
      const before = full.result();
      full.merge(roundTrip(make(k.def, k.consts ?? [undefined]).state.partial()));
      assert.deepEqual(full.result(), before, k.name);
      const empty = make(k.def, k.consts ?? [undefined]).state;
      empty.merge(roundTrip(full.partial()));
      assert.deepEqual(empty.result(), before, k.name);
    }
  });

  it('partials are JSON: time values survive as {"$time": ms}', () => {
    const p = run(first, [t('2016-01-01T00:00:00Z')]).state.partial();
    assert.deepEqual(roundTrip(p), { v: { $time: 1_451_606_400_000 } });
    const tricky = { $time: 5 };
    const s = make(first).state;
    s.merge(roundTrip(run(first, [tricky]).state.partial()));
    assert.deepEqual(s.result(), { $time: 5 });
  });

  it('malformed partials are skipped and reported', () => {
    for (const k of cases) {
      const m = run(k.def, k.data, k.consts);
      const before = m.state.result();
      m.mismatches.length = 0;
      m.state.merge('garbage');
      assert.deepEqual(m.state.result(), before, k.name);
      assert.equal(m.mismatches.length, 1, k.name);
    }
  });

  it('percentile: exact partials merge to exact while the total stays ≤ 10,000', () => {
    const xs = shuffled(Array.from({ length: 10_000 }, (_, i) => i + 1), 5);
    const a = run(median, xs.slice(0, 6000)).state;
    a.merge(roundTrip(run(median, xs.slice(6000)).state.partial()));
    assert.equal(a.result(), 5000.5);
    assert.ok(Array.isArray((a.partial() as { values?: unknown }).values));
  });

  it('percentile: large merges go through the digest and stay within 1% rank', () => {
    const r2 = rng(99);
    const xs = Array.from({ length: 60_000 }, () => r2() * r2() * 1000);
    const sorted = xs.slice().sort((x, y) => x - y);
    for (const p of [0.5, 0.99]) {
      const parts = [xs.slice(0, 8000), xs.slice(8000, 15_000), xs.slice(15_000)];
      const a = run(percentile, parts[0]!, [undefined, p]).state;
      for (const part of parts.slice(1)) a.merge(roundTrip(run(percentile, part, [undefined, p]).state.partial()));
      const q = a.result() as number;
      assert.ok(Math.abs(rankOf(sorted, q) - p) <= 0.01, `p=${p} rank ${rankOf(sorted, q)}`);
    }
  });

  it('count_unique: HyperLogLog partials merge within 2% (overlapping sets)', () => {
    const a = make(count_unique).state;
    const b = make(count_unique).state;
    for (let i = 0; i < 120_000; i++) a.add(`u${i}`);
    for (let i = 60_000; i < 200_000; i++) b.add(`u${i}`);
    const p = roundTrip(b.partial()) as { hll: string };
    assert.equal(typeof p.hll, 'string');
    a.merge(p);
    const n = a.result() as number;
    assert.ok(Math.abs(n - 200_000) / 200_000 < 0.02, String(n));
    // An exact state merged with a sketch gives the same answer as adding its values.
    const small = run(count_unique, ['u1', 'zzz']).state;
    small.merge(p);
    const direct = make(count_unique).state;
    direct.add('u1');
    direct.add('zzz');
    for (let i = 60_000; i < 200_000; i++) direct.add(`u${i}`);
    assert.equal(small.result(), direct.result());
  });

  it('count_unique: exact partials whose union passes 10,000 switch to the sketch', () => {
    const a = run(count_unique, Array.from({ length: 8000 }, (_, i) => i)).state;
    a.merge(roundTrip(run(count_unique, Array.from({ length: 8000 }, (_, i) => i + 4000)).state.partial()));
    const n = a.result() as number;
    assert.ok(Math.abs(n - 12_000) / 12_000 < 0.02, String(n));
  });

  it('first and last merge in argument order (A earlier than B)', () => {
    const a = run(first, ['a1', 'a2']).state;
    a.merge(roundTrip(run(first, ['b1']).state.partial()));
    assert.equal(a.result(), 'a1');
    const l = run(last, ['a1', 'a2']).state;
    l.merge(roundTrip(run(last, ['b1', null]).state.partial()));
    assert.equal(l.result(), 'b1');
  });

  it('rate: a reset at the seam is handled', () => {
    const a = run(rate, [[100, 0], [150, 10_000]]).state;
    a.merge(roundTrip(run(rate, [[20, 20_000], [50, 40_000]]).state.partial()));
    assert.equal(a.result(), 2.5);
  });

  it('min and max: a partial of another kind is skipped and reported', () => {
    const m = run(max, [1, 2]);
    m.state.merge(roundTrip(run(max, ['z']).state.partial()));
    assert.equal(m.state.result(), 2);
    assert.deepEqual(m.mismatches, ['z']);
  });

  it('result() never disturbs the state (reset=false reads every window)', () => {
    for (const k of cases) {
      const stepwise = make(k.def, k.consts ?? [undefined]).state;
      for (const x of k.data) {
        stepwise.add(x);
        stepwise.result();
        stepwise.partial();
      }
      assert.deepEqual(stepwise.result(), run(k.def, k.data, k.consts).state.result(), k.name);
    }
  });
});

describe('top', () => {
  const topOf = (xs: readonly unknown[], k?: number) => result(top, xs, [undefined, k]);
  it('counts values, highest first, ties to the value seen first', () => {
    // counted by hand: b 3, a 2, c 2 (a seen before c), d 1
    assert.deepEqual(topOf(['a', 'b', 'c', 'b', 'a', 'b', 'c', 'd', null, undefined], 3), [
      { value: 'b', count: 3 },
      { value: 'a', count: 2 },
      { value: 'c', count: 2 },
    ]);
  });
  it('keeps 10 by default and values by type (1 and "1" differ)', () => {
    const xs = Array.from({ length: 12 }, (_, i) => i);
    assert.equal((topOf(xs) as unknown[]).length, 10);
    assert.deepEqual(topOf([1, '1', 1]), [
      { value: 1, count: 2 },
      { value: '1', count: 1 },
    ]);
  });
  it('rejects k below 1 at compile time', () => {
    assert.throws(() => top.create([undefined, 0], { mismatch() {} }), /at least 1/);
  });
  it('merged partials equal one state below the exact limit, tie order kept', () => {
    const r = rng(7);
    const xs = Array.from({ length: 5000 }, (_, i) => `v${Math.floor(r() * 300)}-${i % 3}`);
    const whole = topOf(xs, 20);
    const parts = [xs.slice(0, 1700), xs.slice(1700, 3100), xs.slice(3100)].map((p) => JSON.parse(JSON.stringify(run(top, p, [undefined, 20]).state.partial())));
    const merged = make(top, [undefined, 20]).state;
    for (const p of parts) merged.merge(p);
    assert.deepEqual(merged.result(), whole);
  });
  it('past 10,000 distinct values keeps the heavy hitters with upper-bound counts and says so', () => {
    const notes: string[] = [];
    const state = top.create([undefined, 3], { mismatch() {}, approximate: (m) => notes.push(m) })();
    const r = rng(11);
    const truth = new Map<string, number>();
    for (let i = 0; i < 60_000; i++) {
      // heavy hitters h0 (10%), h1 (5%), h2 (2.5%); the rest 50,000 singletons
      const x = r();
      const v = x < 0.1 ? 'h0' : x < 0.15 ? 'h1' : x < 0.175 ? 'h2' : `u${i}`;
      truth.set(v, (truth.get(v) ?? 0) + 1);
      state.add(v);
    }
    const got = state.result() as { value: string; count: number }[];
    assert.deepEqual(got.map((e) => e.value), ['h0', 'h1', 'h2']);
    for (const e of got) assert.ok(e.count >= truth.get(e.value)!, `${e.value}: ${e.count} < ${truth.get(e.value)}`);
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /upper bounds/);
  });
  it('a malformed partial is a mismatch', () => {
    const m = make(top);
    m.state.merge({ entries: 'no' });
    assert.equal(m.mismatches.length, 1);
  });
});
