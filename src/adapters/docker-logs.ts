/**
 * `docker-logs`: one point per log line of every (or the filtered) running
 * container, stdout and stderr apart, stamped with the engine's time. New
 * containers are attached through the events stream. With `checkpoint=` the
 * last timestamp sent per container is written to a file once the sinks have
 * flushed, so a restarted flume resumes with nothing lost or repeated.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { defineAdapter, type CreateContext } from '../runtime/defs.js';
import type { SourceInstance, SourceOutput } from '../runtime/component.js';
import type { Point } from '../runtime/point.js';
import { compileError, runtimeError } from '../lang/diagnostics.js';
import { durationMs } from './common.js';
import { DockerClient, pause, resolveEndpoint } from './docker/client.js';
import { ContainerTracker, filterFromOptions, type ContainerFilter, type ContainerInfo } from './docker/containers.js';
import { LogFramer, type RawLine, type StreamName } from './docker/logframes.js';
import { nanosToMs, parseNanos, sinceParam } from './docker/time.js';
import { filterOptions, socketOption } from './docker/options.js';

/** Lines are gathered this long, then sent in time order. */
const FLUSH_MS = 100;
/** Idle: the watermark follows the clock this far behind (the engine's stamps are a little older than their arrival). */
const IDLE_LAG_MS = 1000;

interface Line {
  ns: bigint;
  /** `<container id>/<stream>`: positions are kept per stream (see {@link streamKey}). */
  key: string;
  point: Point;
}

const STREAMS: readonly StreamName[] = ['stdout', 'stderr'];

/**
 * The engine stamps stdout and stderr in separate copiers, so a container's
 * log is in time order per stream only: a stderr line may be stored after a
 * later-stamped stdout line. Positions are therefore per stream, and each
 * stream is read on its own connection from its own position.
 */
function streamKey(id: string, stream: StreamName): string {
  return `${id}/${stream}`;
}

/** A container with a terminal has one stream, reported as stdout. */
function streamsOf(c: ContainerInfo): readonly StreamName[] {
  return c.tty ? ['stdout'] : STREAMS;
}

/** Lines of one container stream being joined (multiline). */
interface Group {
  firstNs: bigint;
  line: Line;
  arrived: number;
}

interface Attached {
  info: ContainerInfo;
  running: boolean;
  /** Where to start when there is no position yet. */
  since: bigint;
}

interface Plan {
  socket: string | undefined;
  filter: ContainerFilter;
  checkpoint: string | undefined;
  checkpointMs: number;
  multiline: RegExp | undefined;
  multilineMs: number;
  startAtEnd: boolean;
}

/** The checkpoint file: the last timestamp sent per container and stream, in nanoseconds since the epoch. */
interface CheckpointFile {
  version: 1;
  containers: Record<string, Partial<Record<StreamName, string>>>;
}

/** Positions by {@link streamKey}. */
export async function loadCheckpoint(path: string): Promise<Map<string, bigint> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw runtimeError('read-error', `cannot read the checkpoint ${path}: ${(e as Error).message}`);
  }
  try {
    const f = JSON.parse(text) as CheckpointFile;
    const m = new Map<string, bigint>();
    for (const [id, streams] of Object.entries(f.containers ?? {})) {
      for (const s of STREAMS) {
        const ns = streams[s];
        if (ns !== undefined) m.set(streamKey(id, s), BigInt(ns));
      }
    }
    return m;
  } catch (e) {
    throw runtimeError('read-error', `the checkpoint ${path} is not valid: ${(e as Error).message}`, ['delete it to start over']);
  }
}

async function saveCheckpoint(path: string, positions: ReadonlyMap<string, bigint>): Promise<void> {
  const f: CheckpointFile = { version: 1, containers: {} };
  for (const [key, ns] of positions) {
    const [id, stream] = key.split('/') as [string, StreamName];
    (f.containers[id] ??= {})[stream] = ns.toString();
  }
  // Write then rename: a crash mid-write leaves the previous checkpoint intact.
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(f) + '\n');
  await rename(tmp, path);
}

class DockerLogsSource implements SourceInstance {
  private readonly client: DockerClient;
  /** Last line received per container and stream (dedupe across reconnects). */
  private readonly received = new Map<string, bigint>();
  /** Last line sent downstream per container and stream (what the checkpoint records). */
  private readonly sent = new Map<string, bigint>();
  private readonly attached = new Map<string, Attached>();
  private readonly groups = new Map<string, Group>();
  private ready: Line[] = [];
  private watermark = -Infinity;
  private hadCheckpoint = false;
  private listed = false;

  constructor(
    private readonly ctx: CreateContext,
    private readonly plan: Plan,
  ) {
    this.client = new DockerClient(resolveEndpoint(plan.socket, ctx.env));
  }

  async run(out: SourceOutput): Promise<void> {
    if (this.plan.checkpoint !== undefined) {
      const saved = await loadCheckpoint(this.plan.checkpoint);
      this.hadCheckpoint = saved !== undefined;
      for (const [key, ns] of saved ?? []) {
        this.received.set(key, ns);
        this.sent.set(key, ns);
      }
    }
    const startNs = BigInt(this.ctx.clock.now()) * 1_000_000n;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    this.ctx.signal.addEventListener('abort', onAbort, { once: true });
    const tracker = new ContainerTracker(this.client, this.plan.filter, { log: (m) => this.ctx.log(m), signal: stop.signal }, 'docker-logs', {
      started: (c) => this.attach(c, this.initialSince(startNs), stop.signal),
      stopped: (id) => {
        const a = this.attached.get(id);
        if (a !== undefined) a.running = false;
      },
      connected: () => {
        this.listed = true;
        void this.forgetRemoved(stop.signal);
      },
    });
    const tracking = tracker.run();
    let nextCheckpoint = Date.now() + this.plan.checkpointMs;
    try {
      while (!out.done && !stop.signal.aborted) {
        if (!(await pause(FLUSH_MS, stop.signal))) break;
        this.closeGroups(Date.now() - this.plan.multilineMs);
        await this.send(out);
        if (this.plan.checkpoint !== undefined && Date.now() >= nextCheckpoint) {
          await this.checkpoint(out);
          nextCheckpoint = Date.now() + this.plan.checkpointMs;
        }
      }
    } finally {
      stop.abort();
      this.ctx.signal.removeEventListener('abort', onAbort);
      await tracking;
    }
    // Stopping: send what was received, wait for the sinks, then record it.
    this.closeGroups(Infinity);
    await this.send(out);
    if (this.plan.checkpoint !== undefined) await this.checkpoint(out);
  }

  /** Positions of containers that no longer exist (removed) leave the checkpoint: ids are never reused. */
  private async forgetRemoved(signal: AbortSignal): Promise<void> {
    let all: { Id: string }[];
    try {
      all = await this.client.json<{ Id: string }[]>('/containers/json?all=1', signal);
    } catch {
      return; // the engine went away again: next time
    }
    const exists = new Set(all.map((c) => c.Id));
    for (const key of [...this.sent.keys()]) {
      const id = key.slice(0, key.indexOf('/'));
      if (!exists.has(id) && !this.attached.has(id)) {
        this.sent.delete(key);
        this.received.delete(key);
      }
    }
  }

  /**
   * Containers running when flume starts begin at `start_at` (unless the
   * checkpoint knows them); ones started later, or unknown to an existing
   * checkpoint (started while flume was down), from their first line.
   */
  private initialSince(startNs: bigint): bigint {
    if (!this.listed && !this.hadCheckpoint && this.plan.startAtEnd) return startNs;
    return 0n;
  }

  private attach(c: ContainerInfo, since: bigint, signal: AbortSignal): void {
    const a = this.attached.get(c.id);
    if (a !== undefined) {
      a.running = true;
      return;
    }
    // A stream with no position yet starts at `since`: recorded, so the checkpoint never lets another stream's position stand for it.
    for (const s of streamsOf(c)) {
      const key = streamKey(c.id, s);
      if (!this.received.has(key)) {
        this.received.set(key, since - 1n);
        this.sent.set(key, since - 1n);
      }
    }
    const entry: Attached = { info: c, running: true, since };
    this.attached.set(c.id, entry);
    // One connection per stream, so each resumes from its own position.
    const reading = streamsOf(c).map((s) => this.readLogs(entry, s, signal));
    void Promise.all(reading).finally(() => {
      if (this.attached.get(c.id) === entry) this.attached.delete(c.id);
    });
  }

  /** Follow one stream of a container until it stops; reconnect after the last line received. */
  private async readLogs(a: Attached, stream: StreamName, signal: AbortSignal): Promise<void> {
    const id = a.info.id;
    const key = streamKey(id, stream);
    // With a terminal there is one stream; the engine sends it for stdout=1.
    const which = a.info.tty ? 'stdout=1&stderr=1' : stream === 'stdout' ? 'stdout=1&stderr=0' : 'stdout=0&stderr=1';
    while (!signal.aborted) {
      // `since` is inclusive: start just after the last line received.
      const since = (this.received.get(key) ?? a.since - 1n) + 1n;
      const path = `/containers/${encodeURIComponent(id)}/logs?follow=1&${which}&timestamps=1` + (since > 0n ? `&since=${sinceParam(since)}` : '');
      try {
        const res = await this.client.open(path, signal);
        const framer = new LogFramer(a.info.tty);
        try {
          for await (const chunk of res) for (const l of framer.feed(chunk as Buffer)) this.accept(a.info, l);
          for (const l of framer.end()) this.accept(a.info, l);
        } finally {
          res.destroy();
        }
      } catch {
        // Gone, or the engine went away: the tracker reports outages and says whether it still runs.
      }
      if (!a.running) return;
      if (!(await pause(1000, signal))) return;
    }
  }

  private accept(c: ContainerInfo, raw: RawLine): void {
    const ns = parseNanos(raw.ts);
    if (ns === undefined) {
      this.ctx.drop('malformed', `${c.name}: a log line without an engine timestamp: ${raw.ts} ${raw.text}`.slice(0, 200));
      return;
    }
    const key = streamKey(c.id, raw.stream);
    const last = this.received.get(key);
    // Lines of this stream up to its position were received already (a reconnect, or a resume, starts earlier).
    if (last !== undefined && ns <= last) return;
    this.received.set(key, ns);
    const line: Line = {
      ns,
      key,
      point: { time: nanosToMs(ns), id: c.id, name: c.name, image: c.image, stream: raw.stream, message: raw.text },
    };
    const re = this.plan.multiline;
    if (re === undefined) {
      this.ready.push(line);
      return;
    }
    const g = this.groups.get(key);
    re.lastIndex = 0;
    if (g !== undefined && re.test(raw.text)) {
      g.line.point.message = `${g.line.point.message as string}\n${raw.text}`;
      g.line.ns = ns;
      g.arrived = Date.now();
      return;
    }
    if (g !== undefined) this.ready.push(g.line);
    this.groups.set(key, { firstNs: ns, line, arrived: Date.now() });
  }

  /** Multiline groups with no continuation since `before` are complete. */
  private closeGroups(before: number): void {
    for (const [key, g] of this.groups) {
      if (g.arrived <= before) {
        this.ready.push(g.line);
        this.groups.delete(key);
      }
    }
  }

  private async send(out: SourceOutput): Promise<void> {
    const now = this.ctx.clock.now();
    if (this.ready.length === 0) {
      if (now - IDLE_LAG_MS > this.watermark && !out.done) {
        this.watermark = now - IDLE_LAG_MS;
        const r = out.mark(this.watermark);
        if (r !== undefined) await r;
      }
      return;
    }
    const batch = this.ready;
    this.ready = [];
    batch.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
    const points: Point[] = [];
    for (const l of batch) {
      // Time never goes back: a line from another container a moment older than one already sent takes its time.
      const t = Math.max(l.point.time as number, this.watermark);
      l.point.time = t;
      this.watermark = t;
      points.push(l.point);
      const prev = this.sent.get(l.key);
      if (prev === undefined || l.ns > prev) this.sent.set(l.key, l.ns);
    }
    // Pushed even once a stop is requested (out.done): the run drains what the source sends before it returns.
    const r = out.push(points, this.watermark);
    if (r !== undefined) await r;
  }

  /** Record what the sinks have flushed. A multiline group still open holds its stream's position back. */
  private async checkpoint(out: SourceOutput): Promise<void> {
    const snapshot = new Map(this.sent);
    for (const g of this.groups.values()) {
      const cur = snapshot.get(g.line.key);
      if (cur !== undefined && cur >= g.firstNs) snapshot.set(g.line.key, g.firstNs - 1n);
    }
    await out.flushed();
    try {
      await saveCheckpoint(this.plan.checkpoint!, snapshot);
    } catch (e) {
      throw runtimeError('write-error', `cannot write the checkpoint ${this.plan.checkpoint}: ${(e as Error).message}`);
    }
  }
}

export const dockerLogs = defineAdapter({
  name: 'docker-logs',
  summary: 'Log lines of Docker containers, followed live, resumable with a checkpoint.',
  description:
    'One point per log line: `time id name image stream message`, `time` being the engine\'s timestamp, `stream` ' +
    "`stdout` or `stderr`. Every running container is followed (or those `containers`/`labels` select); containers " +
    "started later are attached through the events stream and read from their first line. Containers already running " +
    "at start are read from now on (`start_at='end'`, like `docker logs -f --since now`) or from their first line " +
    "(`start_at='beginning'`).\n\n" +
    '`checkpoint=\'file\'` records the last timestamp sent per container and stream, every `checkpoint_every` and at shutdown, ' +
    'after the sinks have flushed what they were given; a restarted flume resumes after it, so no line is lost or ' +
    'repeated (containers the checkpoint does not know are read from their first line). After a crash (SIGKILL) the lines ' +
    'sent since the last periodic checkpoint come again: at least once, never lost. Removed containers leave the checkpoint. ' +
    'Lines a processor still holds ' +
    '(an open reduce window) are not covered.\n\n' +
    '`multiline=` joins continuation lines (those matching the pattern, e.g. `\'^\\\\s\'` for indented stack frames) to ' +
    'the line before, per container and stream, with `\\n`; a group ends at the next non-matching line or after ' +
    '`multiline_timeout` without one. Lines from several containers are sent in time order within 100 ms; a line a ' +
    'moment older than one already sent is stamped with the later time so time never goes back.',
  read: {
    options: {
      ...filterOptions,
      start_at: {
        type: 'string',
        choices: ['end', 'beginning'],
        default: 'end',
        doc: "For containers running at start and not in the checkpoint: only new lines ('end') or all their logs ('beginning').",
      },
      checkpoint: { type: 'string', nullable: true, doc: 'A file recording the last line sent per container, to resume from after a restart.' },
      checkpoint_every: { type: 'duration', default: '5s', doc: 'How often to write the checkpoint (it is also written at shutdown).' },
      multiline: {
        type: 'regex',
        nullable: true,
        doc: "Continuation pattern: a line matching it is joined to the previous one (e.g. '^\\\\s' for stack traces).",
      },
      multiline_timeout: { type: 'duration', default: '1s', doc: 'A multiline group with no continuation for this long is complete.' },
      ...socketOption,
    },
    create(opts: Record<string, unknown>, ctx: CreateContext): SourceInstance {
      const checkpointMs = durationMs(opts.checkpoint_every, 5000);
      if (!(checkpointMs > 0)) throw compileError('bad-option', 'docker-logs: `checkpoint_every` must be longer than zero');
      return new DockerLogsSource(ctx, {
        socket: typeof opts.socket === 'string' ? opts.socket : undefined,
        filter: filterFromOptions(opts),
        checkpoint: typeof opts.checkpoint === 'string' && opts.checkpoint !== '' ? opts.checkpoint : undefined,
        checkpointMs,
        multiline: opts.multiline instanceof RegExp ? opts.multiline : undefined,
        multilineMs: durationMs(opts.multiline_timeout, 1000),
        startAtEnd: opts.start_at !== 'beginning',
      });
    },
  },
  examples: [
    {
      title: 'Errors from every container, stack traces joined to their first line.',
      program: "read('docker-logs', multiline='^\\\\s') | filter(message =~ /ERROR/) | keep(time, name, message)",
      needs: 'docker',
    },
    {
      title: 'Ship the logs of the web containers to a file, resuming after a restart.',
      program: "read('docker-logs', labels={app: 'web'}, checkpoint='web.ckpt') | write('stdio', file='web.jsonl', append=true)",
      needs: 'docker',
    },
  ],
});
