/**
 * funnel: ordered steps per user (SPEC §16.2), dpipe's dimensional funnel
 * analysis. One small state per user: the time of its first step, how far it
 * got, and the counters of its group (and window) that it adds to.
 */
import { truthy } from '../lang/expr.js';
import { runtimeError } from '../lang/diagnostics.js';
import type { Duration, LabelledExpr, RunContext } from '../runtime/component.js';
import { defineProc } from '../runtime/defs.js';
import { pointToJson, type Point } from '../runtime/point.js';
import { addDuration, windowEnd, windowStart } from '../runtime/time.js';
import { byValues, groupKeyFn, writeBy } from './aggregate.js';

/** Users reaching each step, for one `by` group (in one window of first steps). */
interface StepCounts {
  by: unknown[];
  users: number[];
}

/** One window of first steps (or the whole stream). */
interface Cohort {
  start: number | undefined;
  groups: Map<unknown, StepCounts>;
  /** Users whose first step is in this cohort, removed when it is emitted. */
  members: unknown[];
}

interface UserState {
  /** Time of the first step (undefined for timeless points). */
  t0: number | undefined;
  /** Steps reached so far (1..steps). */
  reached: number;
  counts: StepCounts;
}

export const funnel = defineProc({
  name: 'funnel',
  summary: 'users reaching each of a series of ordered steps, with conversion and drop per step',
  description:
    'For each user (the `user` field), step 1 counts at the first point where `steps[0]` holds; step n counts at a later point of the ' +
    'same user (later in the stream: points of equal time count in arrival order, and one point advances a user one step at most) where ' +
    '`steps[n-1]` holds, no longer than `within` after the user\'s step 1 (inclusive). Points between steps are ignored, so a step is never skipped. ' +
    'With `by`, each group is a separate funnel and a user\'s steps count in the group of each point. ' +
    'Emits one point per step and group: `{time, <by fields>, step, name, users, conversion, drop}`, where `conversion` is users ÷ users of ' +
    'step 1 and `drop` is users of the previous step − users (0 for step 1). Without `every`: once, at end of stream, stamped with the ' +
    'earliest time seen (timeless input gives timeless results; an empty ungrouped stream gives zero users and null conversions). ' +
    'With `every`: per window of first steps, stamped with the window\'s start and emitted once the watermark passes the window\'s end plus ' +
    '`within` (no user of it can progress after that); a user starts again in a later window once its window was emitted. ' +
    'Points without the `user` field are counted (`no-user`). At most `limit` users are tracked at once (an error names the limit).',
  options: {
    steps: { type: 'exprs', required: true, doc: 'the conditions of the steps, in order (expressions, or strings parsed as expressions)' },
    user: { type: 'field', required: true, doc: 'the field naming the user' },
    within: { type: 'duration', default: '1d', doc: "how long after a user's first step the later steps may come" },
    by: { type: 'fields', default: [], doc: 'a separate funnel per group of these fields' },
    every: { type: 'duration', nullable: true, doc: 'a funnel per window of first steps (tumbling, aligned to the Unix epoch)' },
    names: { type: 'list', default: [], doc: "the steps' names in the output (default: each condition's text)" },
    limit: { type: 'integer', default: 10_000_000, doc: 'most users tracked at once; more is an error' },
  },
  positional: ['steps'],
  examples: [
    {
      title: 'a signup funnel: u1 completes it, u2 stops after step 2, u3 after step 1',
      program:
        "emit(points=[{time:'2024-01-01T10:00:00Z', u:'u1', e:'visit'}, {time:'2024-01-01T10:01:00Z', u:'u2', e:'visit'}, " +
        "{time:'2024-01-01T10:02:00Z', u:'u1', e:'signup'}, {time:'2024-01-01T10:03:00Z', u:'u3', e:'visit'}, " +
        "{time:'2024-01-01T10:04:00Z', u:'u2', e:'signup'}, {time:'2024-01-01T10:05:00Z', u:'u1', e:'buy'}]) " +
        "| funnel(steps=[e == 'visit', e == 'signup', e == 'buy'], user=u, names=['visit', 'signup', 'buy'])",
      output:
        '{"time":"2024-01-01T10:00:00.000Z","step":1,"name":"visit","users":3,"conversion":1,"drop":0}\n' +
        '{"time":"2024-01-01T10:00:00.000Z","step":2,"name":"signup","users":2,"conversion":0.6666666666666666,"drop":1}\n' +
        '{"time":"2024-01-01T10:00:00.000Z","step":3,"name":"buy","users":1,"conversion":0.3333333333333333,"drop":1}',
    },
  ],
  create(opts, ctx) {
    const steps = opts.steps;
    const names = opts.names.length > 0 ? opts.names : steps.map((s) => s.text);
    if (steps.length === 0) throw new Error('`steps` needs at least one condition');
    if (names.length !== steps.length) throw new Error(`\`names\` gives ${names.length} name${names.length === 1 ? '' : 's'} for ${steps.length} steps`);
    return new Funnel(
      { steps, names: names.map(String), user: opts.user, within: opts.within, by: opts.by, every: opts.every ?? null, limit: opts.limit },
      ctx,
    );
  },
});

interface FunnelSpec {
  steps: readonly LabelledExpr[];
  names: readonly string[];
  user: string;
  within: Duration;
  by: readonly string[];
  every: Duration | null;
  limit: number;
}

class Funnel {
  private readonly users = new Map<unknown, UserState>();
  /** Open cohorts in order of their start (one, start undefined, without `every`). */
  private readonly cohorts: Cohort[] = [];
  private readonly groupOf: (p: Point) => unknown;
  private readonly userOf: (p: Point) => unknown;
  private earliest: number | undefined;
  private watermark = -Infinity;

  constructor(
    private readonly spec: FunnelSpec,
    private readonly ctx: RunContext,
  ) {
    this.groupOf = groupKeyFn(spec.by) ?? (() => null);
    this.userOf = groupKeyFn([spec.user])!;
    if (!spec.every) this.cohorts.push({ start: undefined, groups: new Map(), members: [] });
  }

  push(batch: Point[]): void {
    const steps = this.spec.steps;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const t = p.time;
      if (t !== undefined && (this.earliest === undefined || t < this.earliest)) this.earliest = t;
      const u = this.userOf(p);
      if (u === null) {
        this.ctx.drop('no-user', pointToJson(p));
        continue;
      }
      const key = this.spec.by.length === 0 ? u : JSON.stringify([this.groupOf(p), u]);
      const s = this.users.get(key);
      if (s === undefined) {
        if (truthy(steps[0]!.eval(p))) this.start(key, p, t);
      } else if (s.reached < steps.length && this.inTime(s, t) && truthy(steps[s.reached]!.eval(p))) {
        s.counts.users[s.reached]!++;
        s.reached++;
      }
    }
  }

  mark(watermark: number, out: Point[]): void {
    const every = this.spec.every;
    if (!every) return;
    this.watermark = watermark;
    while (this.cohorts.length > 0) {
      const c = this.cohorts[0]!;
      if (addDuration(windowEnd(c.start!, every), this.spec.within) > watermark) break;
      this.cohorts.shift();
      this.emit(c, c.start, out);
    }
  }

  end(out: Point[]): void {
    for (const c of this.cohorts) this.emit(c, this.spec.every ? c.start : this.earliest, out);
    this.cohorts.length = 0;
  }

  private inTime(s: UserState, t: number | undefined): boolean {
    return s.t0 === undefined || t === undefined || t <= addDuration(s.t0, this.spec.within);
  }

  private start(key: unknown, p: Point, t: number | undefined): void {
    if (this.users.size >= this.spec.limit) {
      throw runtimeError('funnel-limit', `funnel tracks more than ${this.spec.limit} users (limit=${this.spec.limit})`, [
        'raise it with funnel(..., limit=N), or use `every` so users are let go once their window is reported',
      ]);
    }
    const cohort = this.cohortFor(t);
    if (!cohort) {
      this.ctx.drop('late', pointToJson(p));
      return;
    }
    const g = this.groupOf(p);
    let counts = cohort.groups.get(g);
    if (!counts) {
      counts = { by: byValues(this.spec.by, p), users: new Array<number>(this.spec.steps.length).fill(0) };
      cohort.groups.set(g, counts);
    }
    counts.users[0]!++;
    this.users.set(key, { t0: t, reached: 1, counts });
    if (this.spec.every) cohort.members.push(key);
  }

  /** The cohort of a first step at `t`; undefined when that window was already reported (a late point). */
  private cohortFor(t: number | undefined): Cohort | undefined {
    const every = this.spec.every;
    if (!every) return this.cohorts[0]!;
    if (t === undefined) throw runtimeError('timeless-point', 'funnel(every=...) needs points with a time', ['drop `every`, or give the points a time']);
    const start = windowStart(t, every, { kind: 'epoch' });
    if (addDuration(windowEnd(start, every), this.spec.within) <= this.watermark) return undefined;
    // Points come in time order, so a new cohort is (almost always) the last one.
    for (let i = this.cohorts.length - 1; i >= 0; i--) {
      const c = this.cohorts[i]!;
      if (c.start === start) return c;
      if (c.start! < start) {
        const fresh: Cohort = { start, groups: new Map(), members: [] };
        this.cohorts.splice(i + 1, 0, fresh);
        return fresh;
      }
    }
    const first: Cohort = { start, groups: new Map(), members: [] };
    this.cohorts.unshift(first);
    return first;
  }

  private emit(c: Cohort, time: number | undefined, out: Point[]): void {
    for (const key of c.members) this.users.delete(key);
    if (c.groups.size === 0 && this.spec.by.length === 0 && !this.spec.every) {
      c.groups.set(null, { by: [], users: new Array<number>(this.spec.steps.length).fill(0) });
    }
    for (const counts of c.groups.values()) {
      const first = counts.users[0]!;
      for (let i = 0; i < counts.users.length; i++) {
        const users = counts.users[i]!;
        const p: Point = {};
        if (time !== undefined) p.time = time;
        writeBy(p, this.spec.by, counts.by);
        p['step'] = i + 1;
        p['name'] = this.spec.names[i];
        p['users'] = users;
        p['conversion'] = first === 0 ? null : users / first;
        p['drop'] = i === 0 ? 0 : counts.users[i - 1]! - users;
        out.push(p);
      }
    }
  }
}
