/**
 * read('elastic'): documents in time order through a point-in-time and
 * `search_after` paging. The `query=` filter and `from`/`to` go to the server
 * where exactly translatable (see query.ts); a `head(n)` right after the read
 * limits the query, and a `reduce` of count/sum/avg/min/max right after it
 * becomes a composite aggregation (see aggregate.ts). Whatever cannot be
 * pushed down exactly runs on the client, with the same result.
 */
import type { CreateContext } from '../../runtime/defs.js';
import type { NextStage, ProcInstance, SourceInstance, SourceOutput } from '../../runtime/component.js';
import type { Point } from '../../runtime/point.js';
import type { Expr } from '../../lang/ast.js';
import { truthy } from '../../lang/expr.js';
import { runtimeError } from '../../lang/diagnostics.js';
import { commonReadOptions, durationMs, makeMalformedSink, makeTimeMover, pushBatch, type TimeUnit } from '../common.js';
import { connect, fieldInfo, reasonOf, statusOf, type Client } from './client.js';
import { fieldsOf, splitFilter, type Dsl } from './query.js';
import { aggregate, reducePlan, type ReducePlan } from './aggregate.js';

export interface ReadPlan {
  url: string;
  index: string;
  /** The parsed `query=` (compiled for the client side as needed). */
  query: Expr | undefined;
  /** The field holding the time, or null (timeless points, index order). */
  timeField: string | null;
  timeUnit: TimeUnit;
  from: number | undefined;
  to: number | undefined;
  pageSize: number;
  keepAlive: string;
  pushdown: boolean;
}

type Stage = { kind: 'head'; n: number } | { kind: 'reduce'; plan: ReducePlan; instance: ProcInstance };

export class ElasticSource implements SourceInstance {
  private readonly stages: Stage[] = [];

  constructor(
    private readonly plan: ReadPlan,
    private readonly ctx: CreateContext,
  ) {}

  absorb(next: NextStage): boolean {
    if (!this.plan.pushdown) return false;
    const last = this.stages[this.stages.length - 1];
    if (last?.kind === 'head') return false;
    if (next.name === 'head') {
      const by = next.opts['by'] as readonly string[] | undefined;
      if (by !== undefined && by.length > 0) return false;
      this.stages.push({ kind: 'head', n: Math.max(0, next.opts['n'] as number) });
      return true;
    }
    if (next.name === 'reduce' && this.stages.length === 0) {
      const plan = reducePlan(next.opts, this.plan.timeField);
      if (plan === undefined) return false;
      this.stages.push({ kind: 'reduce', plan, instance: next.instance });
      return true;
    }
    return false;
  }

  async run(out: SourceOutput): Promise<void> {
    const head = this.stages.find((s): s is Extract<Stage, { kind: 'head' }> => s.kind === 'head');
    const reduce = this.stages.find((s): s is Extract<Stage, { kind: 'reduce' }> => s.kind === 'reduce');
    const limit = head?.n;
    let sent = 0;
    const stopped = (): boolean => out.done || this.ctx.signal.aborted || (limit !== undefined && sent >= limit);
    const emit = async (batch: Point[]): Promise<void> => {
      const take = limit === undefined ? batch : batch.slice(0, limit - sent);
      sent += take.length;
      await pushBatch(out, take);
    };
    if (limit === 0) return;
    const client = await connect(this.plan.url);
    try {
      const { query, client: residual } = await this.buildQuery(client);
      const where = residual.length === 0 ? undefined : residual.map((e) => this.ctx.services.compileExpr(e));
      if (reduce !== undefined) {
        let why = residual.length > 0 ? 'part of query= runs on the client' : await aggregate.check(client, this.plan, query, reduce.plan);
        if (why === undefined) {
          const points = await aggregate.run(client, this.plan, query, reduce.plan, this.ctx.signal);
          if (points !== undefined) {
            await emit(points);
            return;
          }
          why = 'groups tie on their first time: their order needs the documents';
        }
        // Not exact on the server: the reduce runs here, as it would have after the read.
        this.ctx.log(`read elastic: the reduce runs on the client (${why}); its result is the same, only slower`);
        const r = reduce.instance;
        await this.scan(client, query, where, undefined, stopped, async (batch) => {
          const o: Point[] = [];
          r.push(batch, o);
          await emit(o);
        });
        const o: Point[] = [];
        r.end?.(o);
        await emit(o);
        return;
      }
      await this.scan(client, query, where, where === undefined ? limit : undefined, stopped, emit);
    } finally {
      await client.close();
    }
  }

  /** The server query (query= terms that translate, and the time range) and the terms left for the client. */
  private async buildQuery(client: Client): Promise<{ query: Dsl; client: Expr[] }> {
    const filter: Dsl[] = [];
    let residual: Expr[] = [];
    const q = this.plan.query;
    if (q !== undefined) {
      const fields = await this.call(() => fieldInfo(client, this.plan.index, [...fieldsOf(q)]));
      const split = splitFilter(q, fields);
      filter.push(...split.server);
      residual = split.client;
    }
    const { timeField, from, to } = this.plan;
    if (timeField !== null && (from !== undefined || to !== undefined)) {
      const range: Dsl = { format: 'epoch_millis' };
      if (from !== undefined) range['gte'] = from;
      if (to !== undefined) range['lt'] = to;
      filter.push({ range: { [timeField]: range } });
    }
    return { query: filter.length === 0 ? { match_all: {} } : { bool: { filter } }, client: residual };
  }

  /** Every matching document in time order, through a point in time, one page per batch. */
  private async scan(
    client: Client,
    query: Dsl,
    where: ((p: Point) => unknown)[] | undefined,
    limit: number | undefined,
    stopped: () => boolean,
    emit: (batch: Point[]) => Promise<void>,
  ): Promise<void> {
    const { timeField, timeUnit, index, keepAlive } = this.plan;
    const errors = makeMalformedSink('skip', this.ctx);
    const move = makeTimeMover(timeField, timeUnit, this.ctx.now, errors);
    const pit = await this.call(() => client.openPointInTime({ index, keep_alive: keepAlive }));
    let pitId = pit.id;
    // Time order; the shard/doc tiebreak makes paging exact when times tie. Dates page by their
    // nanosecond text (exact for date_nanos); a numeric time field (epoch numbers) takes no date format.
    let sort: Dsl[] = [];
    if (timeField !== null) {
      const type = (await fieldInfo(client, index, [timeField])).get(timeField)?.type;
      const numeric = type !== undefined && type !== 'date' && type !== 'date_nanos';
      sort = [{ [timeField]: numeric ? { order: 'asc' } : { order: 'asc', unmapped_type: 'date', format: 'strict_date_optional_time_nanos' } }];
    }
    sort.push({ _shard_doc: 'asc' });
    let after: unknown[] | undefined;
    let fetched = 0;
    try {
      while (!stopped()) {
        const size = limit === undefined ? this.plan.pageSize : Math.min(this.plan.pageSize, limit - fetched);
        if (size <= 0) break;
        const res = await this.call(() =>
          client.search<Record<string, unknown>>({
            pit: { id: pitId, keep_alive: keepAlive },
            query,
            sort: sort as never,
            size,
            track_total_hits: false,
            ...(after === undefined ? {} : { search_after: after as never }),
          }),
        );
        if (res.pit_id !== undefined) pitId = res.pit_id;
        const hits = res.hits.hits;
        if (hits.length === 0) break;
        fetched += hits.length;
        after = hits[hits.length - 1]!.sort as unknown[];
        // The parsed hits belong to no one else: no copies.
        let batch: Point[] = hits.map((h) => (h._source ?? {}) as Point);
        batch = move(batch);
        if (where !== undefined) batch = batch.filter((p) => where.every((w) => truthy(w(p))));
        await emit(batch);
        if (hits.length < size) break;
      }
    } finally {
      await client.closePointInTime({ id: pitId }).catch(() => undefined);
    }
  }

  /** A server call whose failure is a runtime error naming the stage. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const status = statusOf(e);
      const hint = status === 404 ? `no index matches \`${this.plan.index}\`` : `is Elasticsearch running at ${this.plan.url}?`;
      throw runtimeError('read-failed', `read elastic: ${reasonOf(e)}`, [hint]);
    }
  }
}

export function readPlan(opts: Record<string, unknown>, query: Expr | undefined): ReadPlan {
  const time = opts['time'];
  return {
    url: opts['url'] as string,
    index: opts['index'] as string,
    query,
    timeField: time === null ? null : Array.isArray(time) ? (time as string[]).join('.') : (time as string),
    timeUnit: commonReadOptions({ time_unit: opts['time_unit'] ?? 'ms' }).time_unit,
    from: typeof opts['from'] === 'number' ? opts['from'] : undefined,
    to: typeof opts['to'] === 'number' ? opts['to'] : undefined,
    pageSize: Math.max(1, opts['page_size'] as number),
    keepAlive: `${Math.max(1, Math.round(durationMs(opts['keep_alive'], 60_000) / 1000))}s`,
    pushdown: opts['pushdown'] !== false,
  };
}
