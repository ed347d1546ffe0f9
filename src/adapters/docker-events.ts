/**
 * `docker-events`: the engine's events (containers starting and dying, images
 * pulled, networks connected, ...) as points, followed across engine restarts.
 */
import { defineAdapter, type CreateContext } from '../runtime/defs.js';
import type { SourceInstance, SourceOutput } from '../runtime/component.js';
import type { Point } from '../runtime/point.js';
import { Backoff } from '../runtime/retry.js';
import { RECONNECT, DockerClient, OutageReporter, describeEndpoint, jsonLines, pause, resolveEndpoint } from './docker/client.js';
import type { EngineEvent } from './docker/containers.js';
import { sinceParam } from './docker/time.js';
import { socketOption } from './docker/options.js';

/** How long an idle stream waits before moving the watermark to now (events carry the engine's time, a little behind ours). */
const IDLE_MARK_MS = 1000;

export function eventPoint(ev: EngineEvent): Point {
  const attributes = { ...(ev.Actor?.Attributes ?? {}) };
  const ns = ev.timeNano ?? (ev.time ?? 0) * 1e9;
  return {
    time: Math.floor(ns / 1e6),
    type: ev.Type ?? '',
    action: ev.Action ?? '',
    id: ev.Actor?.ID ?? ev.id ?? '',
    name: attributes['name'] ?? null,
    image: attributes['image'] ?? null,
    attributes,
  };
}

class DockerEventsSource implements SourceInstance {
  constructor(
    private readonly ctx: CreateContext,
    private readonly client: DockerClient,
    private readonly types: readonly string[],
  ) {}

  async run(out: SourceOutput): Promise<void> {
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    this.ctx.signal.addEventListener('abort', onAbort, { once: true });
    const reporter = new OutageReporter('docker-events', describeEndpoint(this.client.endpoint), (m) => this.ctx.log(m));
    const backoff = new Backoff(RECONNECT);
    // Events after the last one seen: none lost and none repeated across a reconnect.
    let lastNs = BigInt(this.ctx.clock.now()) * 1_000_000n;
    let watermark = -Infinity;
    const idle = setInterval(() => {
      const w = this.ctx.clock.now() - IDLE_MARK_MS;
      if (w > watermark && !out.done) {
        watermark = w;
        // A failure downstream surfaces at the next push; here it must not become an unhandled rejection.
        Promise.resolve(out.mark(w)).catch(() => undefined);
      }
    }, IDLE_MARK_MS);
    try {
      while (!stop.signal.aborted && !out.done) {
        try {
          const filters = this.types.length > 0 ? '&filters=' + encodeURIComponent(JSON.stringify({ type: this.types })) : '';
          const res = await this.client.open(`/events?since=${sinceParam(lastNs)}${filters}`, stop.signal);
          reporter.back();
          backoff.reset();
          for await (const ev of jsonLines<EngineEvent>(res)) {
            const ns = BigInt(ev.timeNano ?? (ev.time ?? 0) * 1e9);
            if (ns <= lastNs) continue;
            lastNs = ns;
            const p = eventPoint(ev);
            const t = Math.max(p.time as number, watermark);
            p.time = t;
            watermark = t;
            const r = out.push([p], t);
            if (r !== undefined) await r;
            if (out.done) return;
          }
          if (!stop.signal.aborted) reporter.lost(new Error('the events stream ended'));
        } catch (e) {
          if (stop.signal.aborted) return;
          reporter.lost(e);
        }
        if (!(await pause(backoff.delay(), stop.signal))) return;
      }
    } finally {
      clearInterval(idle);
      stop.abort();
      this.ctx.signal.removeEventListener('abort', onAbort);
    }
  }
}

export const dockerEvents = defineAdapter({
  name: 'docker-events',
  summary: "The Docker engine's events (container start, die, ...) as points.",
  description:
    'One point per engine event: `time type action id name image attributes`, `time` being the engine\'s (to the ' +
    'millisecond; an event a few milliseconds older than one already sent is stamped with the later time so time never ' +
    'goes back). `name` and `image` come from the event\'s attributes (null when it has none); `attributes` holds them ' +
    'all (labels included). Events from the start of the run on; after the engine restarts, reading resumes after the ' +
    'last event seen. `types` keeps some types only (`container`, `image`, `network`, `volume`, `daemon`, ...).',
  read: {
    options: {
      types: { type: 'list', default: [], doc: "Only events of these types, e.g. `['container']`. Default: all." },
      ...socketOption,
    },
    create(opts: Record<string, unknown>, ctx: CreateContext): SourceInstance {
      const socket = typeof opts.socket === 'string' ? opts.socket : undefined;
      const types = Array.isArray(opts.types) ? opts.types.map(String) : [];
      return new DockerEventsSource(ctx, new DockerClient(resolveEndpoint(socket, ctx.env)), types);
    },
  },
  examples: [
    {
      title: 'Containers dying, with their exit code.',
      program: "read('docker-events', types=['container']) | filter(action == 'die') | put(code=attributes.exitCode) | keep(time, name, code)",
      needs: 'docker',
    },
  ],
});
