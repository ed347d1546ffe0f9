/**
 * Unit tests of the row processors, driven directly through push/mark/end
 * (no parser, no graph): filter keep remove rename head tail skip uniq sort
 * split join union intersect diff pace reorder merge.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../src/runtime/clock.js';
import type { CompiledExpr, Duration, ProcInstance } from '../../src/runtime/component.js';
import type { CreateContext, NamedArg, ProcDef } from '../../src/runtime/defs.js';
import { newStats } from '../../src/runtime/graph.js';
import { TimeValue, type Point } from '../../src/runtime/point.js';
import { FlumeError } from '../../src/lang/diagnostics.js';
import type { Expr } from '../../src/lang/ast.js';
import { filter } from '../../src/procs/filter.js';
import { keep } from '../../src/procs/keep.js';
import { remove } from '../../src/procs/remove.js';
import { rename } from '../../src/procs/rename.js';
import { head } from '../../src/procs/head.js';
import { tail } from '../../src/procs/tail.js';
import { skip } from '../../src/procs/skip.js';
import { uniq } from '../../src/procs/uniq.js';
import { sort, compareCodePoints } from '../../src/procs/sort.js';
import { split } from '../../src/procs/split.js';
import { join } from '../../src/procs/join.js';
import { union } from '../../src/procs/union.js';
import { intersect } from '../../src/procs/intersect.js';
import { diff } from '../../src/procs/diff.js';
import { pace } from '../../src/procs/pace.js';
import { reorder } from '../../src/procs/reorder.js';
import { merge } from '../../src/procs/merge.js';

const T0 = Date.UTC(2016, 0, 1);
const S = 1000;

interface Stub {
  ctx: CreateContext & { inputs: number };
  drops: Record<string, number>;
  examples: Record<string, string>;
  clock: VirtualClock;
  abort: AbortController;
}

function stub(o: { sharedInput?: boolean; inputs?: number; clock?: VirtualClock } = {}): Stub {
  const drops: Record<string, number> = {};
  const examples: Record<string, string> = {};
  const clock = o.clock ?? new VirtualClock(T0);
  const abort = new AbortController();
  const ctx: CreateContext & { inputs: number } = {
    clock,
    now: clock.now(),
    signal: abort.signal,
    drop(reason, example, n = 1) {
      drops[reason] = (drops[reason] ?? 0) + n;
      if (example !== undefined && examples[reason] === undefined) examples[reason] = example;
    },
    warn() {},
    stats: newStats('test', '1:1'),
    sharedInput: o.sharedInput ?? false,
    log() {},
    io: { stdin: process.stdin, stdout: process.stdout },
    env: {},
    inputs: o.inputs ?? 1,
    services: {
      reducer: () => undefined,
      reducerNames: () => [],
      format: () => undefined,
      formatNames: () => [],
      compileExpr: () => {
        throw new Error('not in unit tests');
      },
      adapter: () => undefined,
      adapterNames: () => [],
      env: {},
    },
  };
  return { ctx, drops, examples, clock, abort };
}

const dur = (ms: number): Duration => ({ months: 0, ms });

/** Options as the resolver hands them over: defaults applied (duration defaults here are all seconds). */
function withDefaults(def: ProcDef, given: Record<string, unknown>): Record<string, unknown> {
  const opts: Record<string, unknown> = { ...given };
  for (const [name, spec] of Object.entries(def.options)) {
    if (opts[name] !== undefined || spec.default === undefined) continue;
    if (spec.type === 'duration' && typeof spec.default === 'string') {
      const m = /^(\d+)s$/.exec(spec.default);
      assert.ok(m, `test helper cannot convert default ${spec.default}`);
      opts[name] = dur(Number(m[1]) * S);
    } else opts[name] = spec.default;
  }
  if (def.named && opts['$named'] === undefined) opts['$named'] = [];
  return opts;
}

function make(def: ProcDef, given: Record<string, unknown> = {}, s: Stub = stub()): ProcInstance {
  return def.create(withDefaults(def, given), s.ctx);
}

function push(p: ProcInstance, batch: Point[]): Point[] {
  const out: Point[] = [];
  p.push(batch, out);
  return out;
}
function pushFrom(p: ProcInstance, input: number, batch: Point[]): Point[] {
  const out: Point[] = [];
  p.pushFrom!(input, batch, out);
  return out;
}
function endFrom(p: ProcInstance, input: number): Point[] {
  const out: Point[] = [];
  p.endFrom!(input, out);
  return out;
}
function mark(p: ProcInstance, w: number): { out: Point[]; w: number } {
  const out: Point[] = [];
  const r = p.mark ? p.mark(w, out) : undefined;
  return { out, w: typeof r === 'number' ? r : w };
}
function end(p: ProcInstance): Point[] {
  const out: Point[] = [];
  p.end?.(out);
  return out;
}
/** Push the batches one after another, then end: everything that came out. */
function run(p: ProcInstance, ...batches: Point[][]): Point[] {
  const out: Point[] = [];
  for (const b of batches) p.push(b, out);
  p.end?.(out);
  return out;
}

const at = (sec: number, fields: Record<string, unknown> = {}): Point => ({ time: T0 + sec * S, ...fields });
const expr = (f: (p: Point) => unknown): CompiledExpr => f as CompiledExpr;
const span = { start: 0, end: 0 };
const toField = (name: string, path: string[]): NamedArg<Expr> => ({ name, value: { kind: 'field', path, span }, span });
const toString = (name: string, value: string): NamedArg<Expr> => ({ name, value: { kind: 'literal', value, span }, span });

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

// ---------------------------------------------------------------------------

describe('definitions', () => {
  const defs: ProcDef[] = [filter, keep, remove, rename, head, tail, skip, uniq, sort, split, join, union, intersect, diff, pace, reorder, merge];
  test('every processor has a summary, documented options and at least one example', () => {
    for (const d of defs) {
      assert.equal(d.kind, 'proc');
      assert.ok(d.summary.length > 0, d.name);
      assert.ok(d.examples.length >= 1, `${d.name} has no example`);
      for (const e of d.examples) assert.ok(e.program.includes(d.name) || d.name === 'merge', `${d.name}: ${e.program}`);
      for (const [name, spec] of Object.entries(d.options)) assert.ok(spec.doc.length > 0, `${d.name}.${name} has no doc`);
      if (d.rest !== undefined) assert.ok(d.options[d.rest], `${d.name}: rest option ${d.rest} is declared`);
      for (const name of d.positional ?? []) assert.ok(d.options[name], `${d.name}: positional ${name} is declared`);
    }
  });
  test('flags: windowed, multiInput, dropsTime', () => {
    for (const d of [reorder, pace, join]) assert.equal(d.windowed, true, d.name);
    for (const d of [join, union, intersect, diff]) assert.equal(d.multiInput, true, d.name);
    assert.equal(sort.dropsTime!({ fields: ['v'] }), true);
    assert.equal(sort.dropsTime!({ fields: ['-v', 'time'] }), false);
    assert.equal(sort.dropsTime!({ fields: [] }), false);
    assert.equal(sort.dropsTime!({}), false);
  });
});

describe('filter', () => {
  test('keeps truthy points only', () => {
    const f = make(filter, { expr: expr((p) => p['v']) });
    const pts = [{ v: 0 }, { v: '' }, { v: null }, {}, { v: false }, { v: Number.NaN }, { v: 1 }, { v: [] }, { v: {} }, { v: 'x' }];
    assert.deepEqual(push(f, pts), [{ v: 1 }, { v: [] }, { v: {} }, { v: 'x' }]);
  });
  test('passes the same objects on (no copy)', () => {
    const p = { a: 2 };
    assert.equal(push(make(filter, { expr: expr((q) => (q['a'] as number) > 1) }), [p, { a: 1 }])[0], p);
  });
});

describe('keep', () => {
  test('keeps the named fields in argument order, after time', () => {
    assert.deepEqual(push(make(keep, { fields: ['c', 'a'] }), [at(0, { a: 1, b: 2, c: 3 })]), [at(0, { c: 3, a: 1 })]);
    assert.deepEqual(Object.keys(push(make(keep, { fields: ['c', 'a'] }), [at(0, { a: 1, b: 2, c: 3 })])[0]!), ['time', 'c', 'a']);
  });
  test('keeps null-valued fields, does not add missing ones (§11.9)', () => {
    assert.deepEqual(push(make(keep, { fields: ['n', 'missing'] }), [{ n: null, x: 1 }]), [{ n: null }]);
  });
  test('nested paths', () => {
    const out = push(make(keep, { fields: ['o.y', 'o.z', 'q.r', 'w'] }), [{ o: { x: 1, y: 2, z: { d: 1 } }, q: 5, w: 0 }]);
    assert.deepEqual(out, [{ o: { y: 2, z: { d: 1 } }, w: 0 }]);
  });
  test('keep_time=false', () => {
    assert.deepEqual(push(make(keep, { fields: ['a'], keep_time: false }), [at(0, { a: 1 })]), [{ a: 1 }]);
    assert.deepEqual(push(make(keep, { fields: ['a', 'time'], keep_time: false }), [at(0, { a: 1 })]), [at(0, { a: 1 })]);
  });
  test('never changes its input, even with overlapping paths', () => {
    const p = deepFreeze({ o: { x: 1, y: 2 }, a: 1 });
    assert.deepEqual(push(make(keep, { fields: ['o', 'o.x'] }), [p]), [{ o: { x: 1, y: 2 } }]);
  });
  test('needs a field', () => {
    assert.throws(() => make(keep, { fields: [] }), FlumeError);
  });
});

describe('remove', () => {
  test('deletes fields, null-valued ones too', () => {
    assert.deepEqual(push(make(remove, { fields: ['b', 'c', 'zz'] }), [at(0, { a: 1, b: 2, c: null })]), [at(0, { a: 1 })]);
  });
  test("remove('o.v') leaves o: {} (§11.9)", () => {
    assert.deepEqual(push(make(remove, { fields: ['o.v'] }), [{ o: { v: 1 }, w: 2 }]), [{ o: {}, w: 2 }]);
    assert.deepEqual(push(make(remove, { fields: ['o.v.deep', 'x.y'] }), [{ o: { v: 3 }, x: 1 }]), [{ o: { v: 3 }, x: 1 }]);
  });
  test('remove(time) makes points timeless', () => {
    assert.deepEqual(push(make(remove, { fields: ['time'] }), [at(0, { a: 1 })]), [{ a: 1 }]);
  });
  test('copy-on-write: a shared input point is unchanged', () => {
    const p = deepFreeze({ a: 1, b: 2, o: { v: 1, w: 2 } });
    const out = push(make(remove, { fields: ['a', 'o.v'] }, stub({ sharedInput: true })), [p]);
    assert.deepEqual(out, [{ b: 2, o: { w: 2 } }]);
    assert.deepEqual(p, { a: 1, b: 2, o: { v: 1, w: 2 } });
  });
  test('without sharing, points are changed in place (no copy)', () => {
    const p: Point = { a: 1, b: 2 };
    assert.equal(push(make(remove, { fields: ['a'] }), [p])[0], p);
  });
});

describe('rename', () => {
  const mk = (args: NamedArg<Expr>[], s?: Stub): ProcInstance => make(rename, { $named: args }, s);
  test('renames in place, keeping field order', () => {
    const out = push(mk([toString('a', 'x')]), [at(0, { a: 1, b: 2 })]);
    assert.deepEqual(out, [at(0, { x: 1, b: 2 })]);
    assert.deepEqual(Object.keys(out[0]!), ['time', 'x', 'b']);
  });
  test('the new name may be a bare field name', () => {
    assert.deepEqual(push(mk([toField('a', ['x'])]), [{ a: 1 }]), [{ x: 1 }]);
  });
  test('renames happen at once: swaps work', () => {
    const out = push(mk([toField('a', ['b']), toField('b', ['a'])]), [{ a: 1, b: 2, c: 3 }]);
    assert.deepEqual(out, [{ b: 1, a: 2, c: 3 }]);
    assert.deepEqual(Object.keys(out[0]!), ['b', 'a', 'c']);
  });
  test('replaces a field already holding the new name, wherever it is', () => {
    assert.deepEqual(push(mk([toString('a', 'b')]), [{ b: 9, a: 1, c: 3 }]), [{ b: 1, c: 3 }]);
    assert.deepEqual(push(mk([toString('a', 'b')]), [{ a: 1, c: 3, b: 9 }]), [{ b: 1, c: 3 }]);
  });
  test('a missing field is left alone (the point passes unchanged)', () => {
    const p = { b: 2 };
    assert.equal(push(mk([toString('a', 'b')]), [p])[0], p);
  });
  test('nested new and old names', () => {
    assert.deepEqual(push(mk([toField('host', ['meta', 'host'])]), [{ host: 'db1', v: 1 }]), [{ v: 1, meta: { host: 'db1' } }]);
    assert.deepEqual(push(mk([toString('o.v', 'w')]), [{ o: { v: 1, u: 2 } }]), [{ o: { u: 2 }, w: 1 }]);
    assert.deepEqual(push(mk([toString('a', 'o.b')]), [{ a: 1, o: { c: 2 } }]), [{ o: { c: 2, b: 1 } }]);
  });
  test('copy-on-write: a shared input point is unchanged (flat and nested)', () => {
    const p = deepFreeze({ a: 1, o: { v: 2 } });
    assert.deepEqual(push(mk([toString('a', 'x')], stub({ sharedInput: true })), [p]), [{ x: 1, o: { v: 2 } }]);
    assert.deepEqual(push(mk([toString('o.v', 'o.w')], stub({ sharedInput: true })), [p]), [{ a: 1, o: { w: 2 } }]);
    assert.deepEqual(p, { a: 1, o: { v: 2 } });
  });
  test('time renamed away becomes a time value; a time value renamed to time becomes the timestamp', () => {
    const out = push(mk([toString('time', 't')]), [at(1, { a: 1 })]);
    assert.ok(out[0]!['t'] instanceof TimeValue);
    assert.equal((out[0]!['t'] as TimeValue).ms, T0 + S);
    assert.equal(out[0]!.time, undefined);
    assert.deepEqual(push(mk([toString('t', 'time')]), [{ t: new TimeValue(T0) }]), [{ time: T0 }]);
  });
  test('needs at least one rename; the new name must be a name', () => {
    assert.throws(() => mk([]), FlumeError);
    assert.throws(() => mk([{ name: 'a', value: { kind: 'literal', value: 3, span }, span }]), FlumeError);
  });
});

describe('head', () => {
  test('first n, across batches; done once it has them', () => {
    const h = make(head, { n: 3 });
    assert.equal(h.done, false);
    assert.deepEqual(push(h, [{ a: 1 }, { a: 2 }]), [{ a: 1 }, { a: 2 }]);
    assert.equal(h.done, false);
    assert.deepEqual(push(h, [{ a: 3 }, { a: 4 }]), [{ a: 3 }]);
    assert.equal(h.done, true);
    assert.deepEqual(push(h, [{ a: 5 }]), []);
  });
  test('default n is 10', () => {
    const pts = Array.from({ length: 15 }, (_, i) => ({ i }));
    assert.equal(run(make(head), pts).length, 10);
  });
  test('head(0) is done at once', () => {
    const h = make(head, { n: 0 });
    assert.equal(h.done, true);
    assert.deepEqual(push(h, [{ a: 1 }]), []);
  });
  test('grouped: first n per group, never done; a missing field groups as null (§11.18)', () => {
    const h = make(head, { n: 1, by: ['k'] });
    const out = push(h, [{ k: 'x', v: 1 }, { k: 'y', v: 2 }, { k: 'x', v: 3 }, { v: 4 }, { k: null, v: 5 }, { k: 'y', v: 6 }]);
    assert.deepEqual(out, [{ k: 'x', v: 1 }, { k: 'y', v: 2 }, { v: 4 }]);
    assert.notEqual(h.done, true);
  });
  test('grouped on several and nested fields', () => {
    const h = make(head, { n: 1, by: ['a', 'o.b'] });
    const out = push(h, [{ a: 1, o: { b: 1 } }, { a: 1, o: { b: 2 } }, { a: 1, o: { b: 1 }, x: 1 }, { a: 2, o: { b: 1 } }]);
    assert.deepEqual(out, [{ a: 1, o: { b: 1 } }, { a: 1, o: { b: 2 } }, { a: 2, o: { b: 1 } }]);
  });
});

describe('tail', () => {
  test('last n at end, across batches', () => {
    const t = make(tail, { n: 2 });
    assert.deepEqual(push(t, [{ a: 1 }, { a: 2 }, { a: 3 }]), []);
    assert.deepEqual(push(t, [{ a: 4 }]), []);
    assert.deepEqual(end(t), [{ a: 3 }, { a: 4 }]);
  });
  test('fewer than n points', () => {
    assert.deepEqual(run(make(tail, { n: 5 }), [{ a: 1 }], [{ a: 2 }]), [{ a: 1 }, { a: 2 }]);
  });
  test('tail(0) gives nothing', () => {
    assert.deepEqual(run(make(tail, { n: 0 }), [{ a: 1 }, { a: 2 }]), []);
    assert.deepEqual(run(make(tail, { n: 0, by: ['a'] }), [{ a: 1 }, { a: 2 }]), []);
  });
  test('output watermark is -Infinity until end', () => {
    const t = make(tail, { n: 2 });
    push(t, [at(0), at(1)]);
    assert.equal(mark(t, T0 + S).w, -Infinity);
    assert.equal(mark(make(tail, { n: 1, by: ['k'] }), T0).w, -Infinity);
  });
  test('grouped: last n per group, in time order across groups (§11.17)', () => {
    const t = make(tail, { n: 2, by: ['k'] });
    const pts = [at(0, { k: 'x' }), at(1, { k: 'y' }), at(2, { k: 'x' }), at(3, { k: 'x' }), at(4, { k: 'z' }), at(5, { k: 'y' })];
    assert.deepEqual(run(t, pts.slice(0, 3), pts.slice(3)), [at(1, { k: 'y' }), at(2, { k: 'x' }), at(3, { k: 'x' }), at(4, { k: 'z' }), at(5, { k: 'y' })]);
  });
  test('grouped: out-of-order input comes out in time order, ties in arrival order', () => {
    const t = make(tail, { n: 1, by: ['k'] });
    assert.deepEqual(run(t, [at(5, { k: 'a' }), at(1, { k: 'b' }), at(1, { k: 'c' })]), [at(1, { k: 'b' }), at(1, { k: 'c' }), at(5, { k: 'a' })]);
  });
  test('grouped timeless points come out in arrival order', () => {
    assert.deepEqual(run(make(tail, { n: 1, by: ['k'] }), [{ k: 2 }, { k: 1 }, { k: 2, v: 1 }]), [{ k: 1 }, { k: 2, v: 1 }]);
  });
});

describe('skip', () => {
  test('drops the first n across batches', () => {
    const s = make(skip, { n: 3 });
    assert.deepEqual(push(s, [{ a: 1 }, { a: 2 }]), []);
    assert.deepEqual(push(s, [{ a: 3 }, { a: 4 }, { a: 5 }]), [{ a: 4 }, { a: 5 }]);
    assert.deepEqual(push(s, [{ a: 6 }]), [{ a: 6 }]);
  });
  test('skip(0) passes everything', () => {
    assert.deepEqual(push(make(skip, { n: 0 }), [{ a: 1 }]), [{ a: 1 }]);
  });
  test('grouped', () => {
    const out = push(make(skip, { n: 1, by: ['k'] }), [{ k: 'x', v: 1 }, { k: 'y', v: 2 }, { k: 'x', v: 3 }, { v: 4 }, { k: null, v: 5 }]);
    assert.deepEqual(out, [{ k: 'x', v: 3 }, { k: null, v: 5 }]);
  });
});

describe('uniq', () => {
  test('drops consecutive duplicates on all fields but time', () => {
    const out = push(make(uniq), [at(0, { s: 'up' }), at(1, { s: 'up' }), at(2, { s: 'down' }), at(3, { s: 'up' }), at(4, { s: 'up', x: 1 })]);
    assert.deepEqual(out, [at(0, { s: 'up' }), at(2, { s: 'down' }), at(3, { s: 'up' }), at(4, { s: 'up', x: 1 })]);
  });
  test('nested values compare by value; missing equals null', () => {
    const out = push(make(uniq), [{ o: { a: [1, 2] } }, { o: { a: [1, 2] } }, { o: { a: [1, 3] } }, { o: { a: [1, 3] }, n: null }]);
    assert.deepEqual(out, [{ o: { a: [1, 2] } }, { o: { a: [1, 3] } }]);
  });
  test('on given fields', () => {
    const out = push(make(uniq, { fields: ['s', 'o.x'] }), [{ s: 1, o: { x: 1 }, n: 1 }, { s: 1, o: { x: 1 }, n: 2 }, { s: 1, o: { x: 2 }, n: 3 }, { s: 1, o: { x: 2 }, n: 4 }]);
    assert.deepEqual(out, [{ s: 1, o: { x: 1 }, n: 1 }, { s: 1, o: { x: 2 }, n: 3 }]);
  });
  test('per group', () => {
    const out = push(make(uniq, { fields: ['s'], by: ['h'] }), [{ h: 'a', s: 1 }, { h: 'b', s: 1 }, { h: 'a', s: 1 }, { h: 'a', s: 2 }, { h: 'b', s: 1 }]);
    assert.deepEqual(out, [{ h: 'a', s: 1 }, { h: 'b', s: 1 }, { h: 'a', s: 2 }]);
  });
  test('a later stage changing an emitted point in place does not change what it is compared with', () => {
    const u = make(uniq);
    const first = push(u, [{ s: 1 }]);
    first[0]!['n'] = 1; // as a downstream put(n=...) does on unshared points
    assert.deepEqual(push(u, [{ s: 1 }]), []);
    const v = make(uniq, { fields: ['s'] });
    push(v, [{ s: 1 }])[0]!['s'] = 2;
    assert.deepEqual(push(v, [{ s: 1 }]), []);
  });
  test('across batches', () => {
    const u = make(uniq);
    assert.deepEqual(push(u, [{ a: 1 }]), [{ a: 1 }]);
    assert.deepEqual(push(u, [{ a: 1 }, { a: 2 }]), [{ a: 2 }]);
  });
});

describe('sort', () => {
  const pts = [at(0, { n: 'a', v: 2 }), at(1, { n: 'b', v: 9 }), at(2, { n: 'c' }), at(3, { n: 'd', v: 5 }), at(4, { n: 'e', v: null }), at(5, { n: 'f', v: 2 })];
  test('ascending, stable, missing and null last, time removed', () => {
    assert.deepEqual(run(make(sort, { fields: ['v'] }), pts), [
      { n: 'a', v: 2 },
      { n: 'f', v: 2 },
      { n: 'd', v: 5 },
      { n: 'b', v: 9 },
      { n: 'c' },
      { n: 'e', v: null },
    ]);
  });
  test("descending with '-field': missing and null still last, ties stable", () => {
    assert.deepEqual(run(make(sort, { fields: ['-v'] }), pts), [
      { n: 'b', v: 9 },
      { n: 'd', v: 5 },
      { n: 'a', v: 2 },
      { n: 'f', v: 2 },
      { n: 'c' },
      { n: 'e', v: null },
    ]);
  });
  test("order='desc' applies to unprefixed fields; '-' is always descending", () => {
    const out = run(make(sort, { fields: ['v'], order: 'desc' }), pts).map((p) => p['n']);
    assert.deepEqual(out, ['b', 'd', 'a', 'f', 'c', 'e']);
    const two = run(make(sort, { fields: ['h', '-v'], order: 'desc' }), [{ h: 'a', v: 1 }, { h: 'b', v: 1 }, { h: 'a', v: 2 }]);
    assert.deepEqual(two, [{ h: 'b', v: 1 }, { h: 'a', v: 2 }, { h: 'a', v: 1 }]);
  });
  test('several keys, nested key', () => {
    const out = run(make(sort, { fields: ['h', 'o.v'] }), [{ h: 'b', o: { v: 1 } }, { h: 'a', o: { v: 2 } }, { h: 'b', o: { v: 0 } }, { h: 'a', o: {} }]);
    assert.deepEqual(out, [{ h: 'a', o: { v: 2 } }, { h: 'a', o: {} }, { h: 'b', o: { v: 0 } }, { h: 'b', o: { v: 1 } }]);
  });
  test('numbers numerically, strings by code point, mixed kinds numbers first (reversed descending)', () => {
    const vals = ['b', 10, '\u{1F600}', 9, 'a', '\uFFFD', true, false, null, 'B', new TimeValue(5), [1]];
    const asc = run(make(sort, { fields: ['v'] }), vals.map((v) => ({ v }))).map((p) => p['v']);
    assert.deepEqual(asc, [9, 10, new TimeValue(5), 'B', 'a', 'b', '\uFFFD', '\u{1F600}', false, true, [1], null]);
    const desc = run(make(sort, { fields: ['-v'] }), vals.map((v) => ({ v }))).map((p) => p['v']);
    assert.deepEqual(desc, [[1], true, false, '\u{1F600}', '\uFFFD', 'b', 'a', 'B', new TimeValue(5), 10, 9, null]);
  });
  test('code point order helper', () => {
    assert.ok(compareCodePoints('\uFFFD', '\u{1F600}') < 0); // '<' on UTF-16 units says the opposite
    assert.ok(compareCodePoints('a', 'ab') < 0);
    assert.equal(compareCodePoints('x', 'x'), 0);
    assert.ok(compareCodePoints('Z', 'a') < 0);
  });
  test('sort() sorts by time and keeps it (§11.4); so does sorting by time', () => {
    const shuffled = [at(2, { a: 1 }), at(0, { a: 2 }), at(1, { a: 3 })];
    assert.deepEqual(run(make(sort), shuffled), [at(0, { a: 2 }), at(1, { a: 3 }), at(2, { a: 1 })]);
    assert.deepEqual(run(make(sort, { fields: ['-time'] }), shuffled), [at(2, { a: 1 }), at(1, { a: 3 }), at(0, { a: 2 })]);
    assert.deepEqual(run(make(sort, { fields: ['a', 'time'] }), shuffled), [at(2, { a: 1 }), at(0, { a: 2 }), at(1, { a: 3 })]);
  });
  test('removing time never changes a shared input point', () => {
    const p = deepFreeze(at(0, { v: 1 }));
    assert.deepEqual(run(make(sort, { fields: ['v'] }, stub({ sharedInput: true })), [p]), [{ v: 1 }]);
    assert.equal(p.time, T0);
  });
  test('nothing before end; output watermark -Infinity', () => {
    const s = make(sort, { fields: ['v'] });
    assert.deepEqual(push(s, [{ v: 2 }, { v: 1 }]), []);
    const m = mark(s, T0);
    assert.deepEqual(m, { out: [], w: -Infinity });
    assert.deepEqual(end(s), [{ v: 1 }, { v: 2 }]);
  });
  test('over the limit: a runtime error naming the limit (§11.4)', () => {
    const s = make(sort, { fields: ['v'], limit: 3 });
    push(s, [{ v: 1 }, { v: 2 }]);
    push(s, [{ v: 3 }]);
    assert.throws(
      () => push(s, [{ v: 4 }]),
      (e: unknown) => e instanceof FlumeError && e.exitCode === 1 && e.diagnostic.code === 'sort-limit' && /limit=3/.test(e.message),
    );
    const d = make(sort, {});
    assert.throws(() => push(d, Array.from({ length: 100001 }, () => ({}))), /limit=100000/);
  });
  test('every: each window sorted and emitted when it closes', () => {
    const s = stub();
    const w = make(sort, { fields: ['v'], every: dur(10 * S) }, s);
    assert.deepEqual(push(w, [at(1, { v: 3 }), at(2, { v: 1 }), at(9, { v: 2 })]), []);
    assert.equal(mark(w, T0 + 9 * S).w, T0);
    assert.deepEqual(push(w, [at(10, { v: 9 }), at(11, { v: 8 })]), [{ v: 1 }, { v: 2 }, { v: 3 }]);
    const m = mark(w, T0 + 20 * S);
    assert.deepEqual(m.out, [{ v: 8 }, { v: 9 }]);
    assert.equal(m.w, T0 + 20 * S);
    assert.deepEqual(push(w, [at(25, { v: 1 }), at(5, { v: 0 }), {}]), []);
    assert.deepEqual(s.drops, { late: 1, timeless: 1 });
    assert.deepEqual(end(w), [{ v: 1 }]);
  });
  test('every: the limit applies per window', () => {
    const w = make(sort, { fields: ['v'], every: dur(10 * S), limit: 2 });
    push(w, [at(1, { v: 1 }), at(2, { v: 1 })]);
    assert.equal(push(w, [at(10, { v: 1 }), at(11, { v: 1 })]).length, 2);
    assert.throws(() => push(w, [at(12, {})]), FlumeError);
  });
});

describe('split', () => {
  test('one point per field, then the other fields', () => {
    const out = push(make(split, { fields: ['cpu', 'mem'] }), [at(0, { host: 'a', cpu: 10, mem: 20, disk: 1 })]);
    assert.deepEqual(out, [at(0, { name: 'cpu', value: 10, host: 'a', disk: 1 }), at(0, { name: 'mem', value: 20, host: 'a', disk: 1 })]);
    assert.deepEqual(Object.keys(out[0]!), ['time', 'name', 'value', 'host', 'disk']);
  });
  test('a missing field gives no point, a null one does', () => {
    assert.deepEqual(push(make(split, { fields: ['a', 'b'] }), [{ b: null, c: 1 }]), [{ name: 'b', value: null, c: 1 }]);
  });
  test("the point's own name and value fields are replaced", () => {
    assert.deepEqual(push(make(split, { fields: ['a'] }), [{ name: 'n', a: 1, value: 'v' }]), [{ name: 'a', value: 1 }]);
  });
  test('nested fields, input unchanged', () => {
    const p = deepFreeze({ o: { x: 1, y: 2 }, k: 'a' });
    assert.deepEqual(push(make(split, { fields: ['o.x'] }), [p]), [{ name: 'o.x', value: 1, o: { y: 2 }, k: 'a' }]);
  });
});

describe('join', () => {
  const mk = (opts: Record<string, unknown>, inputs = 2): ProcInstance => make(join, opts, stub({ inputs }));
  test('inner: same key and time from every branch merge; later branch wins', () => {
    const j = mk({ by: ['host'] });
    assert.deepEqual(pushFrom(j, 0, [at(0, { host: 'a', cpu: 10, x: 0 }), at(0, { host: 'b', cpu: 20 })]), []);
    assert.deepEqual(pushFrom(j, 1, [at(0, { host: 'a', mem: 1, x: 1 })]), [at(0, { host: 'a', cpu: 10, x: 1, mem: 1 })]);
    assert.deepEqual(end(j), []);
  });
  test('outer emits incomplete matches too, in the order they started', () => {
    const j = mk({ by: ['host'], outer: true });
    pushFrom(j, 0, [at(0, { host: 'a', cpu: 10 }), at(0, { host: 'b', cpu: 20 })]);
    assert.deepEqual(pushFrom(j, 1, [at(0, { host: 'b', mem: 2 })]), []); // waits behind the older open match
    assert.deepEqual(end(j), [at(0, { host: 'a', cpu: 10 }), at(0, { host: 'b', cpu: 20, mem: 2 })]);
  });
  test('different times do not match without within; within widens it', () => {
    const j = mk({ by: ['h'] });
    pushFrom(j, 0, [at(0, { h: 1, a: 1 })]);
    assert.deepEqual(pushFrom(j, 1, [at(1, { h: 1, b: 1 })]), []);
    assert.deepEqual(end(j), []);
    const w = mk({ by: ['h'], within: dur(2 * S) });
    pushFrom(w, 0, [at(0, { h: 1, a: 1 })]);
    assert.deepEqual(pushFrom(w, 1, [at(2, { h: 1, b: 1 })]), [at(0, { h: 1, a: 1, b: 1 })]);
  });
  test('the watermark closes matches: emitted or (inner) discarded; output watermark held at the oldest open match', () => {
    const s = stub({ inputs: 2 });
    const j = make(join, { by: ['h'], within: dur(S), outer: true }, s);
    pushFrom(j, 0, [at(0, { h: 1, a: 1 }), at(5, { h: 2, a: 2 })]);
    let m = mark(j, T0 + S);
    assert.deepEqual(m.out, []); // a point at exactly t0+within could still join
    assert.equal(m.w, T0);
    m = mark(j, T0 + 2 * S);
    assert.deepEqual(m.out, [at(0, { h: 1, a: 1 })]);
    assert.equal(m.w, T0 + 2 * S);
    // too old to join anything still open: late, dropped and counted
    assert.deepEqual(pushFrom(j, 1, [at(0.5, { h: 1, b: 1 })]), []);
    assert.deepEqual(s.drops, { late: 1 });
    assert.deepEqual(pushFrom(j, 1, [at(5, { h: 2, b: 2 })]), [at(5, { h: 2, a: 2, b: 2 })]);
    assert.deepEqual(mark(j, T0 + 6 * S), { out: [], w: T0 + 6 * S });
    assert.deepEqual(end(j), []);
  });
  test('a branch contributes once per match; its next point starts a new match', () => {
    const j = mk({});
    pushFrom(j, 0, [at(0, { a: 1 }), at(0, { a: 2 })]);
    assert.deepEqual(pushFrom(j, 1, [at(0, { b: 1 }), at(0, { b: 2 })]), [at(0, { a: 1, b: 1 }), at(0, { a: 2, b: 2 })]);
  });
  test('three branches; a missing by field matches null (§11.18)', () => {
    const j = mk({ by: ['k'] }, 3);
    pushFrom(j, 0, [at(0, { a: 1 })]);
    pushFrom(j, 1, [at(0, { k: null, b: 1 })]);
    assert.deepEqual(pushFrom(j, 2, [at(0, { c: 1 })]), [at(0, { a: 1, k: null, b: 1, c: 1 })]);
  });
  test('when every branch is timeless, timeless points match one another (at end: any branch could still turn out a stream)', () => {
    const j = mk({ by: ['k'] });
    assert.deepEqual(pushFrom(j, 0, [{ k: 1, a: 1 }]), []);
    assert.deepEqual(pushFrom(j, 1, [{ k: 1, b: 1 }, { k: 1, b: 2 }]), []);
    assert.deepEqual(end(j), [{ k: 1, a: 1, b: 1 }]);
  });

  test('a branch of timeless points is a table: every timed point of the other is looked up (§13.4)', () => {
    const j = mk({ by: ['k'] });
    assert.deepEqual(pushFrom(j, 1, [{ k: 1, name: 'one' }, { k: 2, name: 'two' }]), []);
    assert.deepEqual(endFrom(j, 1), []);
    assert.deepEqual(pushFrom(j, 0, [at(0, { k: 1, v: 1 }), at(1, { k: 3, v: 2 }), at(2, { k: 1, v: 3, name: 'own' })]), [
      at(0, { k: 1, v: 1, name: 'one' }),
      at(2, { k: 1, v: 3, name: 'own' }),
    ]);
    assert.deepEqual(end(j), []);
  });

  test('a branch mixing timeless and timed points is a stream: its timeless points are looked up too', () => {
    const j = mk({ by: ['k'] });
    pushFrom(j, 0, [{ k: 1, a: 1 }]);
    assert.deepEqual(pushFrom(j, 1, [{ k: 1, b: 1 }, at(0, { k: 1, b: 2 })]), []);
    assert.deepEqual(end(j), [at(0, { k: 1, b: 2, a: 1 }), { k: 1, b: 1, a: 1 }]);
  });
});

describe('union, intersect, diff', () => {
  const mk = (def: ProcDef, fields: string[] = [], inputs = 2): ProcInstance => make(def, { fields }, stub({ inputs }));
  const feed = (p: ProcInstance): Point[] => {
    const out: Point[] = [];
    out.push(...pushFrom(p, 0, [at(0, { a: 1, x: 0 }), at(1, { a: 2 })]));
    out.push(...pushFrom(p, 1, [at(0, { b: 3, x: 1 }), at(2, { b: 4 })]));
    assert.equal(mark(p, T0 + 10 * S).w, -Infinity);
    out.push(...end(p));
    return out;
  };
  test('union on time: one merged point per key, first-seen order, later branch wins', () => {
    assert.deepEqual(feed(mk(union)), [at(0, { a: 1, x: 1, b: 3 }), at(1, { a: 2 }), at(2, { b: 4 })]);
  });
  test('intersect on time: keys every branch had', () => {
    assert.deepEqual(feed(mk(intersect)), [at(0, { a: 1, x: 1, b: 3 })]);
  });
  test('diff on time: keys some branch lacked', () => {
    assert.deepEqual(feed(mk(diff)), [at(1, { a: 2 }), at(2, { b: 4 })]);
  });
  test('keyed on fields; branch order decides conflicts, not arrival order', () => {
    const u = mk(union, ['h']);
    pushFrom(u, 1, [{ h: 'x', v: 10, w: 1 }]);
    pushFrom(u, 0, [{ h: 'x', v: 1 }, { h: 'y', v: 2 }, { h: 'x', u: 5 }]);
    assert.deepEqual(end(u), [{ h: 'x', v: 10, u: 5, w: 1 }, { h: 'y', v: 2 }]);
  });
  test('three branches', () => {
    const pts = (p: ProcInstance): Point[] => {
      pushFrom(p, 0, [{ k: 1 }, { k: 2 }]);
      pushFrom(p, 1, [{ k: 1 }, { k: 3 }]);
      pushFrom(p, 2, [{ k: 1 }, { k: 2 }]);
      return end(p);
    };
    assert.deepEqual(pts(mk(intersect, ['k'], 3)), [{ k: 1 }]);
    assert.deepEqual(pts(mk(diff, ['k'], 3)), [{ k: 2 }, { k: 3 }]);
    assert.deepEqual(pts(mk(union, ['k'], 3)), [{ k: 1 }, { k: 2 }, { k: 3 }]);
  });
  test('inputs are never changed', () => {
    const a = deepFreeze({ h: 1, v: 1 });
    const b = deepFreeze({ h: 1, w: 1 });
    const u = mk(union, ['h']);
    pushFrom(u, 0, [a, b]);
    assert.deepEqual(end(u), [{ h: 1, v: 1, w: 1 }]);
  });
});

describe('reorder', () => {
  test('releases in time order once lateness has passed; rest at end', () => {
    const r = make(reorder, { lateness: dur(5 * S) });
    assert.deepEqual(push(r, [at(2, { a: 2 }), at(1, { a: 1 }), at(3, { a: 3 })]), []);
    assert.deepEqual(push(r, [at(7, { a: 7 })]), [at(1, { a: 1 })]);
    assert.deepEqual(push(r, [at(6, { a: 6 }), at(9, { a: 9 })]), [at(2, { a: 2 }), at(3, { a: 3 })]);
    assert.deepEqual(end(r), [at(6, { a: 6 }), at(7, { a: 7 }), at(9, { a: 9 })]);
  });
  test('late points are dropped and counted, with an example', () => {
    const s = stub();
    const r = make(reorder, { lateness: dur(2 * S) }, s);
    const out = run(r, [at(0, { a: 0 }), at(10, { a: 10 }), at(20, { a: 20 }), at(5, { a: 5 }), at(15, { a: 15 }), at(4)]);
    assert.deepEqual(out, [at(0, { a: 0 }), at(10, { a: 10 }), at(15, { a: 15 }), at(20, { a: 20 })]);
    assert.deepEqual(s.drops, { late: 2 });
    assert.equal(s.examples['late'], '{"time":"2016-01-01T00:00:05.000Z","a":5}');
  });
  test('lateness 0: equal times are held, order of ties kept', () => {
    const r = make(reorder, { lateness: dur(0) });
    assert.deepEqual(push(r, [at(1, { a: 1 }), at(1, { a: 2 })]), []);
    assert.deepEqual(push(r, [at(2)]), [at(1, { a: 1 }), at(1, { a: 2 })]);
  });
  test('the watermark releases too; output watermark covers what is held', () => {
    const r = make(reorder, { lateness: dur(5 * S) });
    push(r, [at(3, { a: 3 }), at(1, { a: 1 })]);
    let m = mark(r, T0 + 3 * S);
    assert.deepEqual(m.out, []);
    assert.equal(m.w, T0 + S);
    m = mark(r, T0 + 7 * S);
    assert.deepEqual(m.out, [at(1, { a: 1 })]);
    assert.equal(m.w, T0 + 3 * S);
    m = mark(r, T0 + 20 * S);
    assert.deepEqual(m.out, [at(3, { a: 3 })]);
    assert.equal(m.w, T0 + 20 * S);
  });
  test('timeless points pass straight through', () => {
    const r = make(reorder);
    assert.deepEqual(push(r, [at(1), { a: 1 }]), [{ a: 1 }]);
  });
  test('many points: a full sort', () => {
    const times = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 2000);
    const out = run(make(reorder, { lateness: dur(10000 * S) }), times.map((t) => at(t)));
    assert.deepEqual(out.map((p) => (p.time! - T0) / S), [...times].sort((a, b) => a - b));
  });
});

describe('pace', () => {
  async function paced(opts: Record<string, unknown>, batches: Point[][], s = stub()): Promise<{ t: number; p: Point }[]> {
    const p = make(pace, opts, s);
    const seen: { t: number; p: Point }[] = [];
    const emit = (pts: Point[]): void => {
      for (const q of pts) seen.push({ t: s.clock.now() - T0, p: q });
    };
    for (const b of batches) await p.pushAsync!(b, emit);
    return seen;
  }
  const data = [at(100), at(101), at(101.5), { a: 1 }, at(104)];
  test('real time relative to the first point (virtual clock)', async () => {
    const seen = await paced({}, [data.slice(0, 2), data.slice(2)]);
    assert.deepEqual(
      seen.map((x) => x.t),
      [0, 1000, 1500, 1500, 4000],
    );
    assert.deepEqual(
      seen.map((x) => x.p),
      data,
    );
  });
  test('speed', async () => {
    const seen = await paced({ speed: 2 }, [data]);
    assert.deepEqual(
      seen.map((x) => x.t),
      [0, 500, 750, 750, 2000],
    );
  });
  test('every: bunches spaced every apart, nothing early', async () => {
    const seen = await paced({ every: dur(2 * S) }, [data]);
    assert.deepEqual(
      seen.map((x) => x.t),
      [0, 2000, 2000, 2000, 4000],
    );
  });
  test('a stop releases what is held at once', async () => {
    const s = stub();
    const p = make(pace, {}, s);
    const seen: number[] = [];
    const done = p.pushAsync!([at(0), at(100), at(200)], (pts) => {
      for (const _ of pts) seen.push(s.clock.now() - T0);
      if (seen.length === 1) s.abort.abort();
    });
    await done;
    assert.deepEqual(seen, [0, 0, 0]);
  });
});

describe('merge', () => {
  test('passes batches on unchanged', () => {
    const pts = [at(0), { a: 1 }];
    const out = push(make(merge), pts);
    assert.deepEqual(out, pts);
    assert.equal(out[1], pts[1]);
  });
});
