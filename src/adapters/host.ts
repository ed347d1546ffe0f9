/**
 * `host`: the machine's own metrics from /proc and /sys every `every`: CPU
 * per mode, memory, load, network per interface, disk per device and file
 * system usage. Counters become rates over the interval (the first points
 * come one interval after the start, when there is a previous reading).
 */
import { readFile, readdir, statfs } from 'node:fs/promises';
import { defineAdapter, type CreateContext } from '../runtime/defs.js';
import type { SourceInstance, SourceOutput } from '../runtime/component.js';
import type { Point } from '../runtime/point.js';
import { compileError, runtimeError } from '../lang/diagnostics.js';
import { durationMs } from './common.js';

export const GROUPS = ['cpu', 'memory', 'load', 'network', 'disk', 'filesystem'] as const;
export type Group = (typeof GROUPS)[number];

/** The modes of a /proc/stat cpu line, in order. guest and guest_nice are already counted in user and nice. */
const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guest_nice'] as const;
const CPU_TOTAL_MODES = 8;
/** /proc/diskstats counts 512-byte sectors whatever the device's own sector size. */
const SECTOR = 512;

export type CpuTimes = Map<string, number[]>;

/** /proc/stat → ticks per mode for `cpu` (all) and each `cpuN`. */
export function parseProcStat(text: string): CpuTimes {
  const m: CpuTimes = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const parts = line.trim().split(/\s+/);
    m.set(parts[0] === 'cpu' ? 'all' : parts[0]!, parts.slice(1).map(Number));
  }
  return m;
}

/** Percent of the interval spent in each mode (the first eight sum to 100). */
export function cpuPercents(prev: number[], cur: number[]): Record<string, number> {
  const d = CPU_MODES.map((_, i) => (cur[i] ?? 0) - (prev[i] ?? 0));
  let total = 0;
  for (let i = 0; i < CPU_TOTAL_MODES; i++) total += Math.max(0, d[i]!);
  const out: Record<string, number> = {};
  CPU_MODES.forEach((mode, i) => (out[mode] = total > 0 ? (Math.max(0, d[i]!) / total) * 100 : 0));
  return out;
}

/** /proc/meminfo → bytes by key. */
export function parseMeminfo(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const r = /^(\S+):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (r !== null) m.set(r[1]!, Number(r[2]) * (line.endsWith('kB') ? 1024 : 1));
  }
  return m;
}

export function memoryPoint(mem: Map<string, number>): Point {
  const total = mem.get('MemTotal') ?? 0;
  const free = mem.get('MemFree') ?? 0;
  const available = mem.get('MemAvailable') ?? free;
  const swapTotal = mem.get('SwapTotal') ?? 0;
  const swapFree = mem.get('SwapFree') ?? 0;
  // As free(1) of procps 4: used is what is not available.
  const used = total - available;
  return {
    kind: 'memory',
    total,
    free,
    available,
    used,
    used_pct: total > 0 ? (used / total) * 100 : 0,
    buffers: mem.get('Buffers') ?? 0,
    cached: (mem.get('Cached') ?? 0) + (mem.get('SReclaimable') ?? 0),
    swap_total: swapTotal,
    swap_free: swapFree,
    swap_used: swapTotal - swapFree,
  };
}

/** /proc/loadavg. */
export function loadPoint(text: string): Point {
  const [l1, l5, l15, procs] = text.trim().split(/\s+/);
  const [running, total] = (procs ?? '0/0').split('/');
  return { kind: 'load', load1: Number(l1), load5: Number(l5), load15: Number(l15), procs_running: Number(running), procs_total: Number(total) };
}

export interface NetCounters {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/** /proc/net/dev → counters per interface. */
export function parseNetDev(text: string): Map<string, NetCounters> {
  const m = new Map<string, NetCounters>();
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    m.set(line.slice(0, colon).trim(), {
      rx_bytes: f[0]!,
      rx_packets: f[1]!,
      rx_errors: f[2]!,
      rx_dropped: f[3]!,
      tx_bytes: f[8]!,
      tx_packets: f[9]!,
      tx_errors: f[10]!,
      tx_dropped: f[11]!,
    });
  }
  return m;
}

export interface DiskCounters {
  reads: number;
  writes: number;
  read_bytes: number;
  write_bytes: number;
  /** Milliseconds spent doing I/O. */
  io_ms: number;
}

/** /proc/diskstats → counters per device. */
export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const m = new Map<string, DiskCounters>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    m.set(f[2]!, {
      reads: Number(f[3]),
      read_bytes: Number(f[5]) * SECTOR,
      writes: Number(f[7]),
      write_bytes: Number(f[9]) * SECTOR,
      io_ms: Number(f[12]),
    });
  }
  return m;
}

/** Per second over `secs`; null when the counter went back (wrapped or reset). */
function rate(cur: number, prev: number | undefined, secs: number): number | null {
  if (prev === undefined || cur < prev || secs <= 0) return null;
  return (cur - prev) / secs;
}

/** `<name>_per_sec` for each counter, in the order given. */
function rates<K extends string>(
  cur: Readonly<Record<K, number>>,
  prev: Readonly<Record<K, number>> | undefined,
  secs: number,
  names: readonly K[],
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const k of names) out[`${k}_per_sec`] = rate(cur[k], prev?.[k], secs);
  return out;
}

export interface Mount {
  device: string;
  mount: string;
  fstype: string;
}

/** Real file systems: types /proc/filesystems does not mark `nodev`, one mount per device (the first). */
export function realMounts(mounts: string, filesystems: string): Mount[] {
  const nodev = new Set<string>();
  for (const line of filesystems.split('\n')) {
    const [a, b] = line.split('\t');
    if (a === 'nodev' && b !== undefined) nodev.add(b.trim());
  }
  const seen = new Set<string>();
  const out: Mount[] = [];
  for (const line of mounts.split('\n')) {
    const [device, mount, fstype] = line.split(' ');
    if (device === undefined || mount === undefined || fstype === undefined) continue;
    if (nodev.has(fstype) || seen.has(device)) continue;
    seen.add(device);
    // /proc/mounts escapes spaces and tabs in paths as octal.
    out.push({ device, mount: mount.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), fstype });
  }
  return out;
}

interface Reading {
  at: number;
  cpu?: CpuTimes;
  net?: Map<string, NetCounters>;
  disk?: Map<string, DiskCounters>;
}

class HostSource implements SourceInstance {
  private prev: Reading | undefined;

  constructor(
    private readonly ctx: CreateContext,
    private readonly everyMs: number,
    private readonly groups: ReadonlySet<Group>,
    private readonly perCpu: boolean,
    private readonly proc: string,
    private readonly sys: string,
  ) {}

  async run(out: SourceOutput): Promise<void> {
    this.prev = await this.readCounters();
    let t = this.ctx.clock.now() + this.everyMs;
    while (!out.done && !this.ctx.signal.aborted) {
      if (!(await this.ctx.clock.sleepUntil(t, this.ctx.signal))) break;
      const batch = await this.collect(t);
      const r = out.push(batch, t);
      if (r !== undefined) await r;
      t += this.everyMs;
    }
  }

  private async read(name: string): Promise<string> {
    try {
      return await readFile(`${this.proc}/${name}`, 'utf8');
    } catch (e) {
      throw runtimeError('read-error', `host: cannot read ${this.proc}/${name}: ${(e as Error).message}`, ['the host source needs Linux /proc']);
    }
  }

  private async readCounters(): Promise<Reading> {
    const r: Reading = { at: performance.now() };
    if (this.groups.has('cpu')) r.cpu = parseProcStat(await this.read('stat'));
    if (this.groups.has('network')) r.net = parseNetDev(await this.read('net/dev'));
    if (this.groups.has('disk')) r.disk = parseDiskstats(await this.read('diskstats'));
    return r;
  }

  /** Whole disks (/sys/block), not partitions; loop and ram devices left out. */
  private async disks(): Promise<Set<string>> {
    try {
      return new Set((await readdir(`${this.sys}/block`)).filter((d) => !/^(loop|ram)\d/.test(d)));
    } catch {
      return new Set();
    }
  }

  private async collect(time: number): Promise<Point[]> {
    const cur = await this.readCounters();
    const prev = this.prev!;
    this.prev = cur;
    // Rates use the time really elapsed between the two readings, whatever the clock of the run says.
    const secs = (cur.at - prev.at) / 1000;
    const batch: Point[] = [];
    const add = (p: Point): void => void batch.push({ time, ...p });
    if (cur.cpu !== undefined && prev.cpu !== undefined) {
      for (const [cpu, times] of cur.cpu) {
        if (cpu !== 'all' && !this.perCpu) continue;
        const before = prev.cpu.get(cpu);
        if (before !== undefined) add({ kind: 'cpu', cpu, ...cpuPercents(before, times) });
      }
    }
    if (this.groups.has('memory')) add(memoryPoint(parseMeminfo(await this.read('meminfo'))));
    if (this.groups.has('load')) add(loadPoint(await this.read('loadavg')));
    if (cur.net !== undefined) {
      for (const [device, c] of cur.net) {
        const p = prev.net?.get(device);
        add({
          kind: 'network',
          device,
          ...c,
          ...rates(c, p, secs, ['rx_bytes', 'tx_bytes', 'rx_packets', 'tx_packets']),
        });
      }
    }
    if (cur.disk !== undefined) {
      const whole = await this.disks();
      for (const [device, c] of cur.disk) {
        if (!whole.has(device)) continue;
        const p = prev.disk?.get(device);
        const ioRate = rate(c.io_ms, p?.io_ms, secs);
        add({
          kind: 'disk',
          device,
          ...c,
          ...rates(c, p, secs, ['reads', 'writes', 'read_bytes', 'write_bytes']),
          // Milliseconds of I/O per second of wall time, as iostat's %util.
          util_pct: ioRate === null ? null : Math.min(100, ioRate / 10),
        });
      }
    }
    if (this.groups.has('filesystem')) for (const p of await this.filesystems()) add(p);
    return batch;
  }

  private async filesystems(): Promise<Point[]> {
    const mounts = realMounts(await this.read('mounts'), await this.read('filesystems'));
    const out: Point[] = [];
    for (const m of mounts) {
      let s;
      try {
        s = await statfs(m.mount);
      } catch {
        continue; // unmounted meanwhile, or not ours to look at
      }
      const total = s.blocks * s.bsize;
      const free = s.bfree * s.bsize;
      const available = s.bavail * s.bsize;
      const used = total - free;
      out.push({
        kind: 'filesystem',
        device: m.device,
        mount: m.mount,
        fstype: m.fstype,
        total,
        used,
        free,
        available,
        // As df: the share of what non-root users can use.
        used_pct: used + available > 0 ? (used / (used + available)) * 100 : 0,
        inodes_total: s.files,
        inodes_free: s.ffree,
      });
    }
    return out;
  }
}

export const host = defineAdapter({
  name: 'host',
  summary: 'Metrics of this machine from /proc and /sys: cpu, memory, load, network, disk, file systems.',
  description:
    'Every `every`, one point per group and device, told apart by `kind` (and `device`/`cpu`), all stamped with the ' +
    'tick time:\n\n' +
    '- `cpu`: `cpu` (`all`, or `cpu0`... with `per_cpu=true`) and the percent of the interval spent in each mode: ' +
    '`user nice system idle iowait irq softirq steal` (summing to 100), `guest guest_nice` (already inside user and nice).\n' +
    '- `memory`: bytes `total free available used buffers cached swap_total swap_free swap_used` and `used_pct`; ' +
    '`used` is `total - available` (as `free` of procps 4), `cached` includes reclaimable slab.\n' +
    '- `load`: `load1 load5 load15 procs_running procs_total`.\n' +
    '- `network`, per interface (`device`): the counters `rx_bytes rx_packets rx_errors rx_dropped tx_bytes tx_packets ' +
    'tx_errors tx_dropped` and the rates `rx_bytes_per_sec tx_bytes_per_sec rx_packets_per_sec tx_packets_per_sec`.\n' +
    '- `disk`, per whole disk in /sys/block (not partitions, loop or ram devices): the counters `reads writes ' +
    'read_bytes write_bytes io_ms`, the rates `reads_per_sec writes_per_sec read_bytes_per_sec write_bytes_per_sec` and ' +
    '`util_pct` (time busy, as iostat\'s %util).\n' +
    '- `filesystem`, per mounted device of a real file system (types /proc/filesystems does not mark `nodev`; a device ' +
    'mounted twice counts once): `device mount fstype`, bytes `total used free available`, `used_pct` (as df: ' +
    '`used / (used + available)`), `inodes_total inodes_free`.\n\n' +
    'Rates are per second over the time really elapsed between two readings; a counter that went back gives null. The ' +
    'first points come one interval after the start.',
  read: {
    options: {
      every: { type: 'duration', default: '10s', doc: 'How often to read the metrics.' },
      metrics: {
        type: 'list',
        default: [...GROUPS],
        doc: "Which groups to emit: any of 'cpu', 'memory', 'load', 'network', 'disk', 'filesystem'.",
      },
      per_cpu: { type: 'boolean', default: false, doc: 'Also one cpu point per processor (`cpu0`, `cpu1`...), besides `all`.' },
      proc: { type: 'string', default: '/proc', doc: "Where /proc is mounted (a host's /proc seen from a container: '/host/proc')." },
      sys: { type: 'string', default: '/sys', doc: 'Where /sys is mounted.' },
    },
    create(opts: Record<string, unknown>, ctx: CreateContext): SourceInstance {
      const every = durationMs(opts.every, 10_000);
      if (!(every > 0)) throw compileError('bad-option', 'host: `every` must be longer than zero');
      const list = Array.isArray(opts.metrics) ? opts.metrics.map(String) : [...GROUPS];
      for (const g of list) {
        if (!(GROUPS as readonly string[]).includes(g))
          throw compileError('bad-option', `host: unknown metrics group '${g}'`, undefined, [`groups: ${GROUPS.join(', ')}`]);
      }
      return new HostSource(ctx, every, new Set(list as Group[]), opts.per_cpu === true, String(opts.proc ?? '/proc'), String(opts.sys ?? '/sys'));
    },
  },
  examples: [
    {
      title: 'One memory reading: the first comes one interval after the start.',
      program: "read('host', every='10s', metrics=['memory']) | head(1) | keep(kind)",
      output: '{"time":"2020-01-01T00:00:10.000Z","kind":"memory"}',
    },
    {
      title: 'Three readings of the load average, counted.',
      program: "read('host', every='1s', metrics=['load']) | head(3) | reduce(n=count())",
      output: '{"time":"2020-01-01T00:00:01.000Z","n":3}',
    },
  ],
});
