/**
 * The shared machinery of union, intersect and diff (§11.22): Python flume's
 * set processors, used after a group.
 */
import type { OptionSchema, ProcInstance } from '../runtime/component.js';
import type { CreateContext } from '../runtime/defs.js';
import type { Batch, Point } from '../runtime/point.js';
import { groupKeyFn } from './aggregate.js';
import { GroupLimit, groupLimitOption } from './window.js';

export type SetMode = 'union' | 'intersect' | 'diff';

export const setOptions: OptionSchema = {
  fields: { type: 'fields', default: [], doc: 'key on these fields (default: on `time`)' },
  limit: { ...groupLimitOption, doc: 'most keys held (the whole stream is buffered); one more is a runtime error, never a silent drop' },
};

export const keyingDoc =
  'Without fields, points are keyed on `time` (timeless points share one key); with fields, on those fields (a missing one counts as null). ' +
  'The whole stream is buffered and the results come at end of stream, in the order keys were first seen. ' +
  "A key's output is all its points merged into one: `time` first, then the fields of each branch in branch order, " +
  "a field present in several branches (or several points of one branch) taking the later one's value.";

export function createSetOp(mode: SetMode, opts: Record<string, unknown>, ctx: CreateContext & { inputs: number }): ProcInstance {
  const fields = opts['fields'] as string[];
  const keyOf = groupKeyFn(fields) ?? timeKey;
  return new SetOp(mode, Math.max(1, ctx.inputs), keyOf, new GroupLimit(mode, opts['limit'] as number, 'keys'));
}

function timeKey(p: Point): unknown {
  return p.time ?? null;
}

class SetOp implements ProcInstance {
  /** Per key, per branch: the branch's points of that key merged. Map order is first-seen order. */
  private readonly keys = new Map<unknown, (Point | undefined)[]>();

  constructor(
    private readonly mode: SetMode,
    private readonly inputs: number,
    private readonly keyOf: (p: Point) => unknown,
    private readonly limit: GroupLimit,
  ) {}

  push(batch: Batch): void {
    this.pushFrom(0, batch);
  }

  pushFrom(input: number, batch: Batch): void {
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const k = this.keyOf(p);
      let parts = this.keys.get(k);
      if (!parts) {
        this.limit.check(this.keys.size);
        this.keys.set(k, (parts = new Array<Point | undefined>(this.inputs)));
      }
      const prev = parts[input];
      // Held by reference (never changed here); a copy only when a second point of the branch must be merged in.
      parts[input] = prev === undefined ? p : { ...prev, ...p };
    }
  }

  // Results come only at the end, in key order rather than time order.
  mark(): number {
    return -Infinity;
  }

  end(out: Point[]): void {
    for (const parts of this.keys.values()) {
      let present = 0;
      for (let b = 0; b < this.inputs; b++) if (parts[b] !== undefined) present++;
      const all = present === this.inputs;
      if ((this.mode === 'intersect' && !all) || (this.mode === 'diff' && all)) continue;
      out.push(mergeParts(parts));
    }
    this.keys.clear();
  }
}

function mergeParts(parts: readonly (Point | undefined)[]): Point {
  const q: Point = {};
  let t: number | undefined;
  for (const part of parts) if (part !== undefined && part.time !== undefined) t = part.time;
  if (t !== undefined) q.time = t;
  for (const part of parts) {
    if (part === undefined) continue;
    for (const k in part) if (k !== 'time') q[k] = part[k];
  }
  return q;
}
