/**
 * uniq: drop a point equal to the previous one (per group), like uniq(1).
 */
import { valuesEqual } from '../lang/expr.js';
import { defineProc } from '../runtime/defs.js';
import { getPath, splitPath, type Batch, type Point } from '../runtime/point.js';
import type { ProcInstance } from '../runtime/component.js';
import { groupKeyFn } from './aggregate.js';
import { GroupLimit, groupLimitOption } from './window.js';

export const uniq = defineProc({
  name: 'uniq',
  summary: 'drop a point equal to the previous one (per group)',
  description:
    'Points are compared on the named fields, or on all fields but `time` when none are named; nested objects and lists ' +
    'compare by value. A missing field equals `null`. Only consecutive duplicates are dropped (as `uniq` in a shell); ' +
    'with `by`, "previous" means the previous point of the same group.',
  options: {
    fields: { type: 'fields', default: [], doc: 'compare only these fields (default: all but `time`)' },
    by: { type: 'fields', default: [], doc: 'compare each point with the previous point of its group' },
    limit: groupLimitOption,
  },
  rest: 'fields',
  examples: [
    {
      title: 'collapse repeated states',
      program: "emit(points=[{s:'up'},{s:'up'},{s:'down'},{s:'up'}]) | uniq",
      output: '{"s":"up"}\n{"s":"down"}\n{"s":"up"}',
    },
    {
      title: 'compare one field, per host',
      program: "emit(points=[{h:'a', s:1, n:1},{h:'b', s:1, n:2},{h:'a', s:1, n:3},{h:'a', s:2, n:4}]) | uniq(s, by=[h])",
      output: '{"h":"a","s":1,"n":1}\n{"h":"b","s":1,"n":2}\n{"h":"a","s":2,"n":4}',
    },
  ],
  create(opts) {
    const keyOf = groupKeyFn(opts.by);
    const cmp = comparer(opts.fields.map(splitPath));
    return keyOf ? new GroupedUniq(cmp, keyOf, new GroupLimit('uniq', opts.limit)) : new Uniq(cmp);
  },
});

/**
 * What is remembered of the previous point. Not the point itself: once
 * emitted, a later stage may change it in place (put does, when not shared).
 */
interface Comparer {
  snapshot(p: Point): unknown;
  same(snapshot: unknown, p: Point): boolean;
}

function comparer(paths: string[][]): Comparer {
  if (paths.length === 0) {
    // Nested objects are never changed in place (setPath and deletePath copy them), so a shallow copy is a true snapshot.
    return { snapshot: (p) => ({ ...p }), same: (s, p) => sameButTime(s as Point, p) };
  }
  if (paths.length === 1) {
    const path = paths[0]!;
    return { snapshot: (p) => getPath(p, path), same: (s, p) => eq(s, getPath(p, path)) };
  }
  return {
    snapshot: (p) => paths.map((path) => getPath(p, path)),
    same: (s, p) => {
      const vals = s as unknown[];
      for (let i = 0; i < paths.length; i++) if (!eq(vals[i], getPath(p, paths[i]!))) return false;
      return true;
    },
  };
}

// A dropped point equals the remembered one on everything compared, so only emitted points update it.
class Uniq implements ProcInstance {
  private prev: unknown;
  private has = false;
  constructor(private readonly cmp: Comparer) {}
  push(batch: Batch, out: Point[]): void {
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      if (this.has && this.cmp.same(this.prev, p)) continue;
      this.prev = this.cmp.snapshot(p);
      this.has = true;
      out.push(p);
    }
  }
}

class GroupedUniq implements ProcInstance {
  private readonly prev = new Map<unknown, unknown>();
  constructor(
    private readonly cmp: Comparer,
    private readonly keyOf: (p: Point) => unknown,
    private readonly limit: GroupLimit,
  ) {}
  push(batch: Batch, out: Point[]): void {
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const k = this.keyOf(p);
      const had = this.prev.has(k);
      if (had && this.cmp.same(this.prev.get(k), p)) continue;
      if (!had) this.limit.check(this.prev.size);
      this.prev.set(k, this.cmp.snapshot(p));
      out.push(p);
    }
  }
}

function eq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Missing and null are the same here, as in grouping (§11.18).
  if (a === undefined || a === null) return b === undefined || b === null;
  if (b === undefined || b === null) return false;
  return valuesEqual(a, b);
}

function sameButTime(a: Point, b: Point): boolean {
  for (const k in a) if (k !== 'time' && !eq(a[k], b[k])) return false;
  // Fields only `b` has must be null to match (a missing field equals null).
  for (const k in b) if (k !== 'time' && !(k in a) && b[k] !== null && b[k] !== undefined) return false;
  return true;
}
