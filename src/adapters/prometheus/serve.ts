/** write('prometheus') served: a scrape endpoint over the latest values, up while the run lasts. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CreateContext } from '../../runtime/defs.js';
import type { SinkInstance } from '../../runtime/component.js';
import type { Batch } from '../../runtime/point.js';
import { EXPOSITION_CONTENT_TYPE } from '../../runtime/prometheus-text.js';
import { reply, serveHttp, untilStopped, type Listen, type Serving } from '../serve.js';
import type { PointSeries } from './series.js';

export class PrometheusServer implements SinkInstance {
  private serving: Promise<Serving> | undefined;

  constructor(
    private readonly series: PointSeries,
    private readonly listen: Listen,
    private readonly path: string,
    private readonly keepServing: boolean,
    private readonly ctx: CreateContext,
  ) {}

  /** Listen at the first points (or watermark): a program that is only compiled opens no port. */
  private start(): Promise<Serving> {
    return (this.serving ??= serveHttp(this.listen, (req, res) => this.answer(req, res), 'write prometheus').then((s) => {
      this.ctx.log(`write prometheus: serving ${s.url}${this.path}`);
      return s;
    }));
  }

  /** The URL it listens on (starting it if need be). */
  async address(): Promise<string> {
    return (await this.start()).url;
  }

  async write(batch: Batch): Promise<void> {
    await this.start();
    this.series.update(batch, this.ctx.clock.now());
  }

  async mark(): Promise<void> {
    await this.start();
  }

  async end(): Promise<void> {
    const s = await this.start();
    if (this.keepServing) {
      this.ctx.log('write prometheus: the stream ended; serving the last values until Ctrl-C');
      await untilStopped(this.ctx.signal);
    }
    await s.close();
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== this.path) return reply(res, 404, 'text/plain', `not found; the metrics are at ${this.path}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'text/plain', 'only GET\n');
    this.series.expire(this.ctx.clock.now());
    reply(res, 200, EXPOSITION_CONTENT_TYPE, this.series.table.render());
  }
}
