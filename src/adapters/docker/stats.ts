/**
 * The figures `docker stats` shows, computed the way the docker CLI does
 * (cli/command/container/stats_helpers.go), from one `/containers/<id>/stats` sample.
 */

export interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export interface StatsSample {
  read?: string;
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op?: string; value?: number }[] | null };
  pids_stats?: { current?: number };
}

/**
 * calculateCPUPercentUnix: the container's CPU time over the host's, times the
 * online CPUs (so one busy core is 100%). Null when the sample has no previous
 * reading (the first one of a stream), where the CLI's figure would be an
 * average since the host booted.
 */
export function cpuPercent(s: StatsSample): number | null {
  const pre = s.precpu_stats;
  if (pre?.system_cpu_usage === undefined || pre.system_cpu_usage === 0) return null;
  const cpu = s.cpu_stats;
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu?.system_cpu_usage ?? 0) - pre.system_cpu_usage;
  let online = cpu?.online_cpus ?? 0;
  if (online === 0) online = cpu?.cpu_usage?.percpu_usage?.length ?? 0;
  if (systemDelta > 0 && cpuDelta > 0) return (cpuDelta / systemDelta) * online * 100;
  return 0;
}

/**
 * calculateMemUsageUnixNoCache: usage minus the inactive page cache,
 * `total_inactive_file` on cgroup v1 and `inactive_file` on cgroup v2.
 */
export function memUsage(s: StatsSample): number {
  const m = s.memory_stats;
  const usage = m?.usage ?? 0;
  const st = m?.stats ?? {};
  const v1 = st['total_inactive_file'];
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = st['inactive_file'] ?? 0;
  if (v2 < usage) return usage - v2;
  return usage;
}

/** calculateMemPercentUnixNoCache. */
export function memPercent(s: StatsSample): number {
  const limit = s.memory_stats?.limit ?? 0;
  return limit !== 0 ? (memUsage(s) / limit) * 100 : 0;
}

/** calculateNetwork: bytes received and sent over every interface. */
export function network(s: StatsSample): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  return { rx, tx };
}

/** calculateBlockIO: bytes read and written (the arrays may be empty, or null). */
export function blockIO(s: StatsSample): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = (e.op ?? '').toLowerCase();
    if (op === 'read') read += e.value ?? 0;
    else if (op === 'write') write += e.value ?? 0;
  }
  return { read, write };
}
