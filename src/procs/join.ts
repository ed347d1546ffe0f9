/**
 * join: merge points from the branches of a group that share `by` values and
 * time (within a tolerance) into one point. Inner unless `outer=true` (§11.18).
 */
import { compileError, runtimeError } from '../lang/diagnostics.js';
import type { Duration, ProcInstance, RunContext } from '../runtime/component.js';
import { defineProc } from '../runtime/defs.js';
import { pointToJson, type Batch, type Point } from '../runtime/point.js';
import { groupKeyFn } from './aggregate.js';

export const join = defineProc({
  name: 'join',
  summary: 'merge points from the branches of a group that share `by` values and time, or enrich a stream from a table branch',
  description:
    'Used after a group: `(a, b) | join(by=[host])`. The rule: points are collected into *matches*. A point from branch *i* joins the oldest ' +
    'open match with the same `by` values (a missing field counts as null) that has no point from branch *i* yet and whose first point is ' +
    'within `within` of it (|t − t0| ≤ within; timeless points match only timeless points); otherwise it starts a new match. ' +
    'A point older than the watermark minus `within` is late (every match it could join is closed): it is dropped and counted. ' +
    'A match is complete when every branch has contributed. Its output is one point: `time` is the earliest time among its points, then ' +
    "the branches' fields in branch order, a field present in several branches taking the later branch's value. " +
    'Matches are emitted in the order they were started, each once it is complete or once the watermark has passed t0 + within ' +
    '(no later point can join it), and the rest at end of stream. The default inner join emits only complete matches; ' +
    '`outer=true` also emits incomplete ones with the fields they have.\n\n' +
    '**Lookup joins.** A branch that ends having sent only timeless points (a file read with `time=null`, say a users CSV) is a *table*: ' +
    'its rows are held (at most `limit`; more is a runtime error naming the limit), keyed on `by` (the first row of a key wins, a warning ' +
    'counts the others), and every point of the other branch that matches gets the row\'s fields it lacks (its own fields win). An unmatched ' +
    'point is dropped and counted (`unmatched`) unless `outer=true`, which passes it unchanged. The table is read to its end first: the ' +
    "stream's timed points wait in the merge until it has ended, since a table branch has no watermark. When every branch is timeless " +
    'there is no stream: timeless points match one another as above (one point per branch), at end of stream.',
  windowed: true,
  multiInput: true,
  options: {
    by: { type: 'fields', default: [], doc: 'fields whose values must be equal (none: join on time alone)' },
    within: { type: 'duration', default: '0s', doc: 'how far apart in time the points of a match may be' },
    outer: { type: 'boolean', default: false, doc: 'also emit matches that lack some branch, and stream points no table row matches' },
    limit: { type: 'integer', default: 1000000, doc: 'most rows a table (a branch of timeless points) may hold; more is a runtime error' },
  },
  examples: [
    {
      title: 'join two measurements of the same host and time',
      program:
        "(emit(points=[{time:'2016-01-01', host:'a', cpu:10},{time:'2016-01-01', host:'b', cpu:20}]), emit(points=[{time:'2016-01-01', host:'a', mem:1}])) | join(by=[host])",
      output: '{"time":"2016-01-01T00:00:00.000Z","host":"a","cpu":10,"mem":1}',
    },
    {
      title: 'outer join within a tolerance',
      program:
        "(emit(points=[{time:'2016-01-01T00:00:00Z', host:'a', cpu:10},{time:'2016-01-01T00:00:00Z', host:'b', cpu:20}]), emit(points=[{time:'2016-01-01T00:00:01Z', host:'a', mem:1}])) | join(by=[host], within='2s', outer=true)",
      output:
        '{"time":"2016-01-01T00:00:00.000Z","host":"a","cpu":10,"mem":1}\n{"time":"2016-01-01T00:00:00.000Z","host":"b","cpu":20}',
    },
    {
      title: 'lookup join: enrich events from a table of timeless rows',
      program:
        "(emit(points=[{time:'2016-01-01', user:'u1', action:'login'},{time:'2016-01-01', user:'u9', action:'login'}]), emit(points=[{user:'u1', name:'Ann'}])) | join(by=[user])",
      output: '{"time":"2016-01-01T00:00:00.000Z","user":"u1","action":"login","name":"Ann"}',
    },
  ],
  create(opts, ctx) {
    const within = opts.within;
    if (within.months !== 0) throw compileError('bad-option', '`within` of `join` must not use calendar units (months, years)');
    return new Join(Math.max(1, ctx.inputs), groupKeyFn(opts.by), within.ms, opts.outer, opts.limit, ctx);
  },
});

interface Match {
  key: unknown;
  /** Time of the first point, or undefined for timeless matches. */
  t0: number | undefined;
  parts: (Point | undefined)[];
  count: number;
}

/** A timeless point of a branch not yet known to be a table or a stream. */
interface Pending {
  input: number;
  p: Point;
}

class Join implements ProcInstance {
  private readonly open = new Map<unknown, Match[]>();
  /** Timed matches in the order they were started. */
  private queue: Match[] = [];
  private head = 0;
  /** Timeless matches: no watermark ever closes them. */
  private timeless: Match[] = [];
  private timelessHead = 0;
  private watermark = -Infinity;
  private exampled = false;

  /** Per branch: it has sent a timed point (so it is no table). */
  private readonly timed: boolean[];
  private readonly ended: boolean[];
  /** Lookup tables by branch, once a branch is known to be one (§13.4). */
  private readonly tables: (Map<unknown, Point> | undefined)[];
  private tableCount = 0;
  /** Branches a match needs to be complete: all but the tables. */
  private needed: number;
  private pending: Pending[] = [];
  private readonly pendingCount: number[];

  constructor(
    private readonly inputs: number,
    private readonly keyOf: ((p: Point) => unknown) | undefined,
    private readonly within: number,
    private readonly outer: boolean,
    private readonly limit: number,
    private readonly ctx: RunContext,
  ) {
    this.timed = new Array<boolean>(inputs).fill(false);
    this.ended = new Array<boolean>(inputs).fill(false);
    this.tables = new Array<Map<unknown, Point> | undefined>(inputs).fill(undefined);
    this.pendingCount = new Array<number>(inputs).fill(0);
    this.needed = inputs;
  }

  push(batch: Batch, out: Point[]): void {
    this.pushFrom(0, batch, out);
  }

  pushFrom(input: number, batch: Batch, out: Point[]): void {
    for (let i = 0; i < batch.length; i++) this.take(input, batch[i]!, out);
    this.flushFront(out);
  }

  /**
   * A branch that ends without a timed point is a table once some other
   * branch has sent a timed one; when every branch ends timeless, the
   * timeless points are joined with one another as before.
   */
  endFrom(input: number, out: Point[]): void {
    this.ended[input] = true;
    if (this.timed[input]) return;
    if (this.timed.some((t) => t)) this.makeTable(input, out);
    else if (this.ended.every((e) => e)) {
      const all = this.pending;
      this.pending = [];
      for (const { input: i, p } of all) this.add(i, p);
    }
    this.flushFront(out);
  }

  mark(watermark: number, out: Point[]): number {
    if (watermark > this.watermark) this.watermark = watermark;
    this.flushFront(out);
    // An open match will be stamped with its t0, so that is as far as downstream can be promised.
    return this.head < this.queue.length ? Math.min(this.watermark, this.queue[this.head]!.t0!) : this.watermark;
  }

  end(out: Point[]): void {
    for (let i = 0; i < this.inputs; i++) if (!this.ended[i]) this.endFrom(i, out);
    for (let i = this.head; i < this.queue.length; i++) this.emit(this.queue[i]!, out);
    for (let i = this.timelessHead; i < this.timeless.length; i++) this.emit(this.timeless[i]!, out);
    this.queue = [];
    this.timeless = [];
    this.head = this.timelessHead = 0;
    this.open.clear();
  }

  private take(input: number, p: Point, out: Point[]): void {
    if (p.time !== undefined) {
      if (!this.timed[input]) this.becomeTimed(input, out);
      this.accept(input, p, out);
    } else if (this.timed[input]) this.accept(input, p, out);
    else {
      // Maybe a table row: held until the branch shows what it is.
      if (++this.pendingCount[input]! > this.limit) throw this.overLimit();
      this.pending.push({ input, p });
    }
  }

  /** A branch's first timed point: it is a stream; branches that ended timeless are tables now. */
  private becomeTimed(input: number, out: Point[]): void {
    this.timed[input] = true;
    for (let i = 0; i < this.inputs; i++) if (this.ended[i] && !this.timed[i] && this.tables[i] === undefined) this.makeTable(i, out);
    const mine = this.pending.filter((x) => x.input === input);
    if (mine.length === 0) return;
    this.pending = this.pending.filter((x) => x.input !== input);
    this.pendingCount[input] = 0;
    for (const x of mine) this.accept(input, x.p, out);
  }

  private makeTable(input: number, out: Point[]): void {
    const rows = new Map<unknown, Point>();
    let duplicates = 0;
    for (const x of this.pending) {
      if (x.input !== input) continue;
      const key = this.keyOf ? this.keyOf(x.p) : null;
      if (rows.has(key)) duplicates++;
      else rows.set(key, x.p);
    }
    this.pending = this.pending.filter((x) => x.input !== input);
    this.pendingCount[input] = 0;
    if (duplicates > 0) this.ctx.warn('duplicate-key', `the table (branch ${input + 1}) has ${duplicates} row${duplicates === 1 ? '' : 's'} whose \`by\` values an earlier row has; the first row is used`);
    this.tables[input] = rows;
    this.tableCount++;
    this.needed--;
    // Matches waiting only for this branch are complete now.
    this.flushFront(out);
  }

  private overLimit(): Error {
    return runtimeError('join-limit', `a table branch has more than ${this.limit} rows (limit=${this.limit})`, [
      'raise it with join(..., limit=N), or filter the table before the join',
    ]);
  }

  /** A stream point: looked up at once when the tables are all the other branches, else matched in time. */
  private accept(input: number, p: Point, out: Point[]): void {
    if (this.needed === 1 && this.tableCount > 0) {
      const key = this.keyOf ? this.keyOf(p) : null;
      const q: Point = {};
      if (p.time !== undefined) q.time = p.time;
      for (const k in p) if (k !== 'time') q[k] = p[k];
      this.lookup(q, key, p, out);
      return;
    }
    this.add(input, p);
  }

  /** Add the table rows' fields the point lacks and emit it; unmatched points are dropped and counted unless outer. */
  private lookup(q: Point, key: unknown, example: Point, out: Point[]): void {
    for (let j = 0; j < this.inputs; j++) {
      const table = this.tables[j];
      if (table === undefined) continue;
      const row = table.get(key);
      if (row === undefined) {
        if (this.outer) continue;
        this.ctx.drop('unmatched', pointToJson(example));
        return;
      }
      for (const k in row) if (k !== 'time' && q[k] === undefined) q[k] = row[k];
    }
    out.push(q);
  }

  private add(input: number, p: Point): void {
    const t = p.time;
    if (t !== undefined && t + this.within < this.watermark) {
      // Every match it could join is closed, and a new one would come out behind the watermark.
      if (this.exampled) return this.ctx.drop('late');
      this.exampled = true;
      return this.ctx.drop('late', pointToJson(p));
    }
    const key = this.keyOf ? this.keyOf(p) : null;
    let list = this.open.get(key);
    let m: Match | undefined;
    if (list) {
      for (let i = 0; i < list.length; i++) {
        const c = list[i]!;
        if (c.parts[input] !== undefined) continue;
        if (t === undefined ? c.t0 === undefined : c.t0 !== undefined && Math.abs(t - c.t0) <= this.within) {
          m = c;
          break;
        }
      }
    } else this.open.set(key, (list = []));
    if (!m) {
      m = { key, t0: t, parts: new Array<Point | undefined>(this.inputs), count: 0 };
      list.push(m);
      (t === undefined ? this.timeless : this.queue).push(m);
    }
    m.parts[input] = p;
    m.count++;
  }

  /** Emits from the front only, so output stays in the order matches started (time order). */
  private flushFront(out: Point[]): void {
    while (this.head < this.queue.length) {
      const m = this.queue[this.head]!;
      if (m.count < this.needed && !(m.t0! + this.within < this.watermark)) break;
      this.head++;
      this.close(m);
      this.emit(m, out);
    }
    while (this.timelessHead < this.timeless.length && this.timeless[this.timelessHead]!.count >= this.needed) {
      const m = this.timeless[this.timelessHead++]!;
      this.close(m);
      this.emit(m, out);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.timelessHead > 1024 && this.timelessHead * 2 > this.timeless.length) {
      this.timeless = this.timeless.slice(this.timelessHead);
      this.timelessHead = 0;
    }
  }

  private close(m: Match): void {
    const list = this.open.get(m.key)!;
    const i = list.indexOf(m);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.open.delete(m.key);
  }

  private emit(m: Match, out: Point[]): void {
    if (m.count < this.needed && !this.outer) return;
    const q: Point = {};
    if (m.t0 !== undefined) {
      let t = m.t0;
      for (const part of m.parts) if (part !== undefined && part.time! < t) t = part.time!;
      q.time = t;
    }
    for (const part of m.parts) {
      if (part === undefined) continue;
      for (const k in part) if (k !== 'time') q[k] = part[k];
    }
    if (this.tableCount === 0) {
      out.push(q);
      return;
    }
    this.lookup(q, m.key, q, out);
  }
}
