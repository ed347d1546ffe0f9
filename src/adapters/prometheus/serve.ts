/** write('prometheus') served: a scrape endpoint over the latest values, up while the run lasts. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RunContext } from '../../runtime/component.js';
import type { Batch } from '../../runtime/point.js';
import { EXPOSITION_CONTENT_TYPE } from '../../runtime/prometheus-text.js';
import { reply, ServingSink, type Listen } from '../serve.js';
import type { PointSeries } from './series.js';

export class PrometheusServer extends ServingSink {
  constructor(
    private readonly series: PointSeries,
    listen: Listen,
    private readonly path: string,
    keepServing: boolean,
    ctx: RunContext,
  ) {
    super('prometheus', listen, path, keepServing, ctx);
  }

  protected take(batch: Batch): void {
    this.series.update(batch, this.ctx.clock.now());
  }

  protected answer(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== this.path) return reply(res, 404, 'text/plain', `not found; the metrics are at ${this.path}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'text/plain', 'only GET\n');
    this.series.expire(this.ctx.clock.now());
    reply(res, 200, EXPOSITION_CONTENT_TYPE, this.series.table.render());
  }
}
