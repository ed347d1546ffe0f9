/**
 * Which containers a docker source follows: the running ones at start
 * (`/containers/json`), then start/die/destroy/rename from the events stream,
 * reconciled with a fresh listing after every reconnect. The engine going
 * away is reported once, retried with backoff, and its return reported once.
 */
import type { RunContext } from '../../runtime/component.js';
import { Backoff } from '../../runtime/retry.js';
import { RECONNECT, type DockerClient, EngineError, OutageReporter, jsonLines, pause, describeEndpoint } from './client.js';

export interface ContainerInfo {
  id: string;
  /** Without the leading slash. */
  name: string;
  image: string;
  labels: Record<string, string>;
  /** Started with a terminal: logs are a raw stream, not multiplexed frames. */
  tty: boolean;
}

/** `containers=[names or ids]` and `labels={k: v}`. */
export interface ContainerFilter {
  containers: readonly string[];
  labels: Readonly<Record<string, string>>;
}

export function filterFromOptions(opts: Record<string, unknown>): ContainerFilter {
  const list = Array.isArray(opts.containers) ? opts.containers.map(String) : [];
  const labels: Record<string, string> = {};
  if (opts.labels !== null && typeof opts.labels === 'object' && !Array.isArray(opts.labels)) {
    for (const [k, v] of Object.entries(opts.labels as Record<string, unknown>)) labels[k] = String(v);
  }
  return { containers: list, labels };
}

/** A name matches exactly (a leading `/` ignored); an id matches by prefix, as the docker CLI accepts short ids. */
export function matches(c: ContainerInfo, f: ContainerFilter): boolean {
  if (f.containers.length > 0) {
    const ok = f.containers.some((w) => {
      const name = w.startsWith('/') ? w.slice(1) : w;
      return name === c.name || (name.length >= 4 && c.id.startsWith(name));
    });
    if (!ok) return false;
  }
  for (const [k, v] of Object.entries(f.labels)) if (c.labels[k] !== v) return false;
  return true;
}

export interface TrackerHooks {
  /** A matching container is running (at start, after a reconnect, or newly started). */
  started(c: ContainerInfo): void;
  /** It stopped (die) or went away. */
  stopped(id: string): void;
  /** The events stream is connected and the listing reconciled. */
  connected?(): void;
}

interface ListEntry {
  Id: string;
  Names?: string[];
  Image?: string;
  Labels?: Record<string, string> | null;
}
interface InspectEntry {
  Id: string;
  Name?: string;
  Config?: { Image?: string; Labels?: Record<string, string> | null; Tty?: boolean };
  State?: { Running?: boolean };
}
export interface EngineEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  id?: string;
  time?: number;
  timeNano?: number;
}

export async function inspect(client: DockerClient, id: string, signal: AbortSignal): Promise<(ContainerInfo & { running: boolean }) | undefined> {
  try {
    const c = await client.json<InspectEntry>(`/containers/${encodeURIComponent(id)}/json`, signal);
    return {
      id: c.Id,
      name: (c.Name ?? '').replace(/^\//, ''),
      image: c.Config?.Image ?? '',
      labels: c.Config?.Labels ?? {},
      tty: c.Config?.Tty === true,
      running: c.State?.Running === true,
    };
  } catch (e) {
    // Gone between the event and the inspect: not an error.
    if (e instanceof EngineError && e.status === 404) return undefined;
    throw e;
  }
}

export class ContainerTracker {
  private readonly known = new Map<string, ContainerInfo>();
  readonly reporter: OutageReporter;

  constructor(
    private readonly client: DockerClient,
    private readonly filter: ContainerFilter,
    private readonly ctx: Pick<RunContext, 'log' | 'signal'>,
    source: string,
    private readonly hooks: TrackerHooks,
  ) {
    this.reporter = new OutageReporter(source, describeEndpoint(client.endpoint), (m) => ctx.log(m));
  }

  /** Follow until the run stops; never rejects for engine outages. */
  async run(): Promise<void> {
    const backoff = new Backoff(RECONNECT);
    const signal = this.ctx.signal;
    while (!signal.aborted) {
      try {
        const res = await this.client.open('/events?filters=' + encodeURIComponent(JSON.stringify({ type: ['container'] })), signal);
        await this.reconcile();
        this.reporter.back();
        backoff.reset();
        this.hooks.connected?.();
        for await (const ev of jsonLines<EngineEvent>(res)) await this.onEvent(ev);
        // The stream ended: the engine is shutting down.
        if (!signal.aborted) this.reporter.lost(new Error('the events stream ended'));
      } catch (e) {
        if (signal.aborted) return;
        this.reporter.lost(e);
      }
      this.forgetAll();
      if (!(await pause(backoff.delay(), signal))) return;
    }
  }

  /** The engine restarted (or we reconnected): what runs now is the truth. */
  private async reconcile(): Promise<void> {
    const list = await this.client.json<ListEntry[]>('/containers/json', this.ctx.signal);
    const running = new Set<string>();
    for (const e of list) {
      running.add(e.Id);
      if (this.known.has(e.Id)) continue;
      const info = await inspect(this.client, e.Id, this.ctx.signal);
      if (info !== undefined && info.running) this.add(info);
    }
    for (const id of [...this.known.keys()]) if (!running.has(id)) this.remove(id);
  }

  private async onEvent(ev: EngineEvent): Promise<void> {
    const id = ev.Actor?.ID ?? ev.id;
    if (id === undefined) return;
    switch (ev.Action) {
      case 'start':
      case 'restart':
      case 'unpause': {
        if (this.known.has(id)) return;
        const info = await inspect(this.client, id, this.ctx.signal);
        if (info !== undefined && info.running) this.add(info);
        return;
      }
      case 'die':
      case 'kill':
      case 'stop':
      case 'destroy':
        // kill/stop precede die; die is what says it is no longer running.
        if (ev.Action === 'die' || ev.Action === 'destroy') this.remove(id);
        return;
      case 'rename': {
        const c = this.known.get(id);
        const name = ev.Actor?.Attributes?.['name'];
        // The followers hold this same object: the new name shows in their next points.
        if (c !== undefined && name !== undefined) c.name = name.replace(/^\//, '');
        return;
      }
      default:
    }
  }

  private add(c: ContainerInfo): void {
    if (!matches(c, this.filter)) return;
    this.known.set(c.id, c);
    this.hooks.started(c);
  }

  private remove(id: string): void {
    if (!this.known.delete(id)) return;
    this.hooks.stopped(id);
  }

  private forgetAll(): void {
    for (const id of [...this.known.keys()]) this.remove(id);
  }
}
