/**
 * sort: buffer the stream (or each `every` window) and emit it sorted (§4, §11.4).
 */
import { runtimeError } from '../lang/diagnostics.js';
import type { Duration, ProcInstance, RunContext } from '../runtime/component.js';
import { defineProc } from '../runtime/defs.js';
import { getPath, pointToJson, splitPath, TimeValue, type Batch, type Point } from '../runtime/point.js';
import { windowEnd, windowStart, type Align } from '../runtime/time.js';

export const sort = defineProc({
  name: 'sort',
  summary: 'sort the stream (or each `every` window) by fields',
  description:
    "Buffers the whole stream, or each `every` window (aligned to the Unix epoch, emitted when the window closes), and sorts it stably. " +
    "A field written `'-name'` sorts descending; `order='desc'` makes every other field descending. " +
    'Missing and `null` values sort last in both orders. Numbers compare numerically, strings by Unicode code point, ' +
    'time values by time, `false` before `true`; when a field holds values of different kinds, ascending order puts ' +
    'numbers first, then time values, strings, booleans, and lists/objects (compared by their JSON), and descending order is the exact reverse ' +
    '(missing and null still last). ' +
    'Sorting by other fields removes `time` from the output, as the stream is no longer in time order (so a windowed processor after it is ' +
    'a compile error); `sort()` with no fields sorts by `time` and keeps it, as does any sort naming `time`. ' +
    'Buffering more than `limit` points (per window with `every`) is an error, never a silent truncation. With `every`, a timeless point is ' +
    'dropped and counted (`timeless`), and so is a point for a window already emitted (`late`).',
  options: {
    fields: { type: 'fields', default: [], doc: "sort keys in priority order; prefix a name with '-' (quoted) to sort it descending" },
    order: { type: 'string', default: 'asc', choices: ['asc', 'desc'], doc: "direction of the fields not prefixed with '-'" },
    limit: { type: 'integer', min: 1, default: 100000, doc: 'most points buffered (per window); more is an error' },
    every: { type: 'duration', nullable: true, default: null, doc: "sort each window of this length separately ('1m', '1h')" },
  },
  rest: 'fields',
  dropsTime: (opts) => !keepsTime((opts['fields'] as string[] | undefined) ?? []),
  examples: [
    {
      title: 'largest first',
      program: "emit(points=[{time:'2016-01-01', n:'a', v:2},{time:'2016-01-02', n:'b', v:9},{time:'2016-01-03', n:'c'},{time:'2016-01-04', n:'d', v:5}]) | sort('-v')",
      output: '{"n":"b","v":9}\n{"n":"d","v":5}\n{"n":"a","v":2}\n{"n":"c"}',
    },
    {
      title: 'two keys',
      program: "emit(points=[{h:'b', v:1},{h:'a', v:2},{h:'b', v:0},{h:'a', v:1}]) | sort(h, v)",
      output: '{"h":"a","v":1}\n{"h":"a","v":2}\n{"h":"b","v":0}\n{"h":"b","v":1}',
    },
    {
      title: 'by time (kept)',
      program: "emit(points=[{time:'2016-01-02', a:1},{time:'2016-01-01', a:2}]) | sort()",
      output: '{"time":"2016-01-01T00:00:00.000Z","a":2}\n{"time":"2016-01-02T00:00:00.000Z","a":1}',
    },
  ],
  create(opts, ctx) {
    const fields = opts['fields'] as string[];
    const order = opts['order'] as string;
    const limit = opts['limit'] as number;
    const every = (opts['every'] as Duration | null | undefined) ?? null;
    const keys: Key[] =
      fields.length === 0
        ? [{ path: ['time'], desc: order === 'desc' }]
        : fields.map((f) => (f.startsWith('-') ? { path: splitPath(f.slice(1)), desc: true } : { path: splitPath(f), desc: order === 'desc' }));
    const sorter = new Sorter(keys, keepsTime(fields), limit);
    return every ? new WindowedSort(sorter, every, ctx) : new WholeSort(sorter);
  },
});

interface Key {
  path: string[];
  desc: boolean;
}

function keepsTime(fields: readonly string[]): boolean {
  return fields.length === 0 || fields.some((f) => f === 'time' || f === '-time');
}

class Sorter {
  constructor(
    private readonly keys: Key[],
    private readonly keepTime: boolean,
    readonly limit: number,
  ) {}

  overLimit(): Error {
    return runtimeError('sort-limit', `sort buffered more than ${this.limit} points (limit=${this.limit})`, [
      'raise it with sort(..., limit=N), or sort each window separately with sort(..., every=\'1h\')',
    ]);
  }

  /** Sorts `points` into `out`. Keys are read once per point, not once per comparison. */
  sortInto(points: Point[], out: Point[]): void {
    const n = points.length;
    const k = this.keys.length;
    const keys = this.keys;
    const vals: unknown[] = new Array(n * k);
    const ranks = new Uint8Array(n * k);
    for (let i = 0; i < n; i++) {
      const p = points[i]!;
      for (let j = 0; j < k; j++) {
        const path = keys[j]!.path;
        const v = path.length === 1 ? p[path[0]!] : getPath(p, path);
        vals[i * k + j] = v;
        ranks[i * k + j] = rank(v);
      }
    }
    const idx = new Array<number>(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    idx.sort((x, y) => {
      for (let j = 0; j < k; j++) {
        const a = x * k + j;
        const b = y * k + j;
        const c = compareRanked(ranks[a]!, vals[a], ranks[b]!, vals[b], keys[j]!.desc);
        if (c !== 0) return c;
      }
      return x - y;
    });
    for (let i = 0; i < n; i++) out.push(this.keepTime ? points[idx[i]!]! : withoutTime(points[idx[i]!]!));
  }
}

// Kinds in ascending order; MISSING (undefined, null, NaN) sorts last in both directions.
const NUMBER = 0;
const TIME = 1;
const STRING = 2;
const BOOLEAN = 3;
const OTHER = 4;
const MISSING = 5;

function rank(v: unknown): number {
  switch (typeof v) {
    case 'number':
      return Number.isNaN(v) ? MISSING : NUMBER;
    case 'string':
      return STRING;
    case 'boolean':
      return BOOLEAN;
    case 'undefined':
      return MISSING;
    default:
      if (v === null) return MISSING;
      return v instanceof TimeValue ? TIME : OTHER;
  }
}

function compareRanked(ra: number, a: unknown, rb: number, b: unknown, desc: boolean): number {
  if (ra === MISSING || rb === MISSING) return ra === rb ? 0 : ra === MISSING ? 1 : -1;
  let c: number;
  if (ra !== rb) c = ra - rb;
  else if (ra === NUMBER) c = (a as number) - (b as number);
  else if (ra === STRING) c = compareCodePoints(a as string, b as string);
  else if (ra === TIME) c = (a as TimeValue).ms - (b as TimeValue).ms;
  else if (ra === BOOLEAN) c = (a ? 1 : 0) - (b ? 1 : 0);
  else c = compareCodePoints(JSON.stringify(a), JSON.stringify(b));
  return desc ? -c : c;
}

/**
 * Code point order. JavaScript's `<` compares UTF-16 units, which puts
 * astral characters (surrogate pairs) before U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x < 0xe000 ? x + 0x2000 : x - 0x800;
        y = y < 0xe000 ? y + 0x2000 : y - 0x800;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/** A new object: the input may be shared with another branch. */
function withoutTime(p: Point): Point {
  if (p.time === undefined) return p;
  const q: Point = {};
  for (const k in p) if (k !== 'time') q[k] = p[k];
  return q;
}

class WholeSort implements ProcInstance {
  private readonly held: Point[] = [];
  constructor(private readonly sorter: Sorter) {}
  push(batch: Batch): void {
    if (this.held.length + batch.length > this.sorter.limit) throw this.sorter.overLimit();
    for (let i = 0; i < batch.length; i++) this.held.push(batch[i]!);
  }
  // Everything comes out at the end, in any time order: promise nothing before then.
  mark(): number {
    return -Infinity;
  }
  end(out: Point[]): void {
    this.sorter.sortInto(this.held, out);
    this.held.length = 0;
  }
}

const EPOCH: Align = { kind: 'epoch' };

class WindowedSort implements ProcInstance {
  private held: Point[] = [];
  private start = -Infinity;
  private end_ = -Infinity;
  private open = false;
  private readonly exampled = new Set<string>();

  constructor(
    private readonly sorter: Sorter,
    private readonly every: Duration,
    private readonly ctx: RunContext,
  ) {}

  push(batch: Batch, out: Point[]): void {
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const t = p.time;
      if (t === undefined) {
        this.drop('timeless', p);
        continue;
      }
      if (this.open && t >= this.end_) this.flush(out);
      if (!this.open) {
        if (t < this.end_) {
          // Its window was already emitted.
          this.drop('late', p);
          continue;
        }
        this.start = windowStart(t, this.every, EPOCH);
        this.end_ = windowEnd(this.start, this.every);
        this.open = true;
      } else if (t < this.start) {
        this.drop('late', p);
        continue;
      }
      if (this.held.length >= this.sorter.limit) throw this.sorter.overLimit();
      this.held.push(p);
    }
  }

  mark(watermark: number, out: Point[]): number {
    if (this.open && watermark >= this.end_) this.flush(out);
    return this.open ? Math.min(this.start, watermark) : watermark;
  }

  end(out: Point[]): void {
    if (this.open) this.flush(out);
  }

  private flush(out: Point[]): void {
    this.sorter.sortInto(this.held, out);
    this.held = [];
    this.open = false;
  }

  /** Only the first example of a reason is kept, so later ones are not formatted. */
  private drop(reason: string, p: Point): void {
    if (this.exampled.has(reason)) return this.ctx.drop(reason);
    this.exampled.add(reason);
    this.ctx.drop(reason, pointToJson(p));
  }
}
