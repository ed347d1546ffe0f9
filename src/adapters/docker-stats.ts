/**
 * `docker-stats`: one point per running container every `every`, with the
 * figures `docker stats` shows. Each followed container has a streaming stats
 * connection (the engine sends a sample a second); every tick emits the
 * latest sample of each.
 */
import { defineAdapter, type CreateContext } from '../runtime/defs.js';
import type { SourceInstance, SourceOutput } from '../runtime/component.js';
import type { Point } from '../runtime/point.js';
import { compileError } from '../lang/diagnostics.js';
import { durationMs } from './common.js';
import { DockerClient, jsonLines, pause, resolveEndpoint } from './docker/client.js';
import { ContainerTracker, filterFromOptions, type ContainerFilter, type ContainerInfo } from './docker/containers.js';
import { blockIO, cpuPercent, memPercent, memUsage, network, type StatsSample } from './docker/stats.js';
import { filterOptions, socketOption } from './docker/options.js';

interface Followed {
  info: ContainerInfo;
  sample: StatsSample | undefined;
  stop: AbortController;
}

/** The point for one container's latest sample. */
export function statsPoint(time: number, c: ContainerInfo, s: StatsSample): Point {
  const net = network(s);
  const blk = blockIO(s);
  return {
    time,
    id: c.id,
    name: c.name,
    image: c.image,
    labels: { ...c.labels },
    cpu: cpuPercent(s),
    mem: memUsage(s),
    mem_limit: s.memory_stats?.limit ?? 0,
    mem_pct: memPercent(s),
    net_rx: net.rx,
    net_tx: net.tx,
    blk_read: blk.read,
    blk_write: blk.write,
    pids: s.pids_stats?.current ?? 0,
  };
}

class DockerStatsSource implements SourceInstance {
  private readonly followed = new Map<string, Followed>();
  private readonly client: DockerClient;

  constructor(
    private readonly ctx: CreateContext,
    socket: string | undefined,
    private readonly filter: ContainerFilter,
    private readonly everyMs: number,
  ) {
    this.client = new DockerClient(resolveEndpoint(socket, ctx.env));
  }

  async run(out: SourceOutput): Promise<void> {
    // Our own stop, so that head() being satisfied also ends the engine connections.
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    this.ctx.signal.addEventListener('abort', onAbort, { once: true });
    const tracker = new ContainerTracker(this.client, this.filter, { log: (m) => this.ctx.log(m), signal: stop.signal }, 'docker-stats', {
      started: (c) => this.follow(c, stop.signal),
      stopped: (id) => this.unfollow(id),
    });
    const tracking = tracker.run();
    try {
      let t = this.ctx.clock.now() + this.everyMs;
      while (!out.done && !stop.signal.aborted) {
        if (!(await this.ctx.clock.sleepUntil(t, stop.signal))) break;
        const batch = this.tick(t);
        const r = batch.length > 0 ? out.push(batch, t) : out.mark(t);
        if (r !== undefined) await r;
        t += this.everyMs;
      }
    } finally {
      stop.abort();
      this.ctx.signal.removeEventListener('abort', onAbort);
      for (const id of [...this.followed.keys()]) this.unfollow(id);
      await tracking;
    }
  }

  private tick(t: number): Point[] {
    const batch: Point[] = [];
    for (const f of this.followed.values()) if (f.sample !== undefined) batch.push(statsPoint(t, f.info, f.sample));
    batch.sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : (a.name as string) > (b.name as string) ? 1 : 0));
    return batch;
  }

  private follow(c: ContainerInfo, signal: AbortSignal): void {
    if (this.followed.has(c.id)) return;
    const stop = new AbortController();
    const both = AbortSignal.any([signal, stop.signal]);
    const f: Followed = { info: c, sample: undefined, stop };
    this.followed.set(c.id, f);
    void this.readStats(f, both);
  }

  private unfollow(id: string): void {
    const f = this.followed.get(id);
    if (f === undefined) return;
    this.followed.delete(id);
    f.stop.abort();
  }

  /** Keep the latest sample; reconnect while the container is followed (outages are the tracker's to report). */
  private async readStats(f: Followed, signal: AbortSignal): Promise<void> {
    const path = `/containers/${encodeURIComponent(f.info.id)}/stats?stream=1`;
    while (!signal.aborted && this.followed.get(f.info.id) === f) {
      try {
        const res = await this.client.open(path, signal);
        for await (const s of jsonLines<StatsSample>(res)) f.sample = s;
      } catch {
        // The container vanished or the engine went away: the tracker decides whether it is still followed.
      }
      if (!(await pause(1000, signal))) return;
    }
  }
}

export const dockerStats = defineAdapter({
  name: 'docker-stats',
  summary: 'Resource usage of running Docker containers, as `docker stats` shows it.',
  description:
    'One point per running container every `every`: `time id name image labels cpu mem mem_limit mem_pct net_rx net_tx ' +
    'blk_read blk_write pids`. `cpu` is percent as `docker stats` computes it (the container\'s CPU time over the ' +
    "host's in the engine's last one-second sample, times the online CPUs: a busy core is 100); it is null for a " +
    "container's first sample. `mem` is bytes in use minus the inactive page cache (`total_inactive_file` on cgroup " +
    'v1, `inactive_file` on v2), `mem_pct` its share of `mem_limit`. `net_rx`/`net_tx` (all interfaces) and ' +
    '`blk_read`/`blk_write` are byte counters since the container started. `time` is the tick (the host clock), the ' +
    'same for every container of a tick. Containers are found at start and followed through the events stream: one ' +
    'started later appears at the next tick, a stopped one disappears. When the engine goes away this is reported ' +
    'once, retried with backoff, and reported once when it is back.',
  read: {
    options: {
      every: { type: 'duration', default: '10s', doc: 'How often to emit a point per container.' },
      ...socketOption,
      ...filterOptions,
    },
    create(opts: Record<string, unknown>, ctx: CreateContext): SourceInstance {
      const every = durationMs(opts.every, 10_000);
      if (!(every > 0)) throw compileError('bad-option', "docker-stats: `every` must be longer than zero");
      const socket = typeof opts.socket === 'string' ? opts.socket : undefined;
      return new DockerStatsSource(ctx, socket, filterFromOptions(opts), every);
    },
  },
  examples: [
    {
      title: 'Average CPU and peak memory per container and minute.',
      program: "read('docker-stats', every='5s') | reduce(cpu=avg(cpu), mem=max(mem), every='1m', by=[name]) | write('stdio')",
      needs: 'docker',
    },
    {
      title: 'One round of stats for the containers labelled app=web.',
      program: "read('docker-stats', every='1s', labels={app: 'web'}) | head(1)",
      needs: 'docker',
    },
  ],
});
