/** The /proc parsers of the host source, on fixed text with hand-computed figures. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cpuPercents,
  loadPoint,
  memoryPoint,
  parseDiskstats,
  parseMeminfo,
  parseNetDev,
  parseProcStat,
  realMounts,
} from '../../src/adapters/host.js';
import { runProgram } from '../helpers.js';

describe('host /proc parsing', () => {
  it('cpu: percent per mode of the ticks between two readings, guest outside the total', () => {
    const a = parseProcStat('cpu  100 0 50 800 10 0 5 0 0 0\ncpu0 50 0 25 400 5 0 2 0 0 0\nintr 1 2 3\n');
    const b = parseProcStat('cpu  160 0 70 900 10 0 15 0 30 0\ncpu0 80 0 35 450 5 0 7 0 0 0\n');
    // deltas: user 60, system 20, idle 100, softirq 10 → total 190 (guest 30 is inside user already).
    const p = cpuPercents(a.get('all')!, b.get('all')!);
    assert.equal(p['user'], (60 / 190) * 100);
    assert.equal(p['system'], (20 / 190) * 100);
    assert.equal(p['idle'], (100 / 190) * 100);
    assert.equal(p['softirq'], (10 / 190) * 100);
    assert.equal(p['guest'], (30 / 190) * 100);
    assert.ok(Math.abs(['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'].reduce((s, k) => s + p[k]!, 0) - 100) < 1e-9);
    assert.deepEqual([...b.keys()], ['all', 'cpu0']);
  });
  it('memory: kB to bytes, used = total − available, cached includes SReclaimable', () => {
    const m = parseMeminfo('MemTotal: 1000 kB\nMemFree: 200 kB\nMemAvailable: 600 kB\nBuffers: 10 kB\nCached: 300 kB\nSReclaimable: 20 kB\nSwapTotal: 100 kB\nSwapFree: 40 kB\nHugePages_Total: 0\n');
    assert.equal(m.get('HugePages_Total'), 0);
    assert.deepEqual(memoryPoint(m), {
      kind: 'memory',
      total: 1024000,
      free: 204800,
      available: 614400,
      used: 409600,
      used_pct: 40,
      buffers: 10240,
      cached: 327680,
      swap_total: 102400,
      swap_free: 40960,
      swap_used: 61440,
    });
  });
  it('load from /proc/loadavg', () => {
    assert.deepEqual(loadPoint('1.17 1.73 1.08 1/240 12245\n'), { kind: 'load', load1: 1.17, load5: 1.73, load15: 1.08, procs_running: 1, procs_total: 240 });
  });
  it('network counters per interface from /proc/net/dev', () => {
    const text =
      'Inter-|   Receive                                                |  Transmit\n' +
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n' +
      '    lo:   85277     630    0    0    0     0          0         0    85277     630    0    0    0     0       0          0\n' +
      '  eth0: 868929901 25737 3 4 0 0 0 0 2920364 20923 5 6 0 0 0 0\n';
    const m = parseNetDev(text);
    assert.deepEqual([...m.keys()], ['lo', 'eth0']);
    assert.deepEqual(m.get('eth0'), {
      rx_bytes: 868929901,
      rx_packets: 25737,
      rx_errors: 3,
      rx_dropped: 4,
      tx_bytes: 2920364,
      tx_packets: 20923,
      tx_errors: 5,
      tx_dropped: 6,
    });
  });
  it('disk counters from /proc/diskstats, sectors of 512 bytes', () => {
    const m = parseDiskstats(' 254       0 vda 359823 55028 18598802 228399 58874 72216 7583488 27113 0 33360 258337 23670 23 1903264 2569 5266 254\n');
    assert.deepEqual(m.get('vda'), { reads: 359823, read_bytes: 18598802 * 512, writes: 58874, write_bytes: 7583488 * 512, io_ms: 33360 });
  });
  it('real file systems: not nodev, a device mounted twice once, octal escapes decoded', () => {
    const mounts =
      'proc /proc proc rw 0 0\n/dev/vda / ext4 rw 0 0\ntmpfs /dev/shm tmpfs rw 0 0\n/dev/vda /srv/data ext4 rw 0 0\n/dev/vdb /mnt/my\\040disk xfs rw 0 0\n';
    const filesystems = 'nodev\tproc\nnodev\ttmpfs\n\text4\n\txfs\n';
    assert.deepEqual(realMounts(mounts, filesystems), [
      { device: '/dev/vda', mount: '/', fstype: 'ext4' },
      { device: '/dev/vdb', mount: '/mnt/my disk', fstype: 'xfs' },
    ]);
  });
  it('an unknown metrics group is a compile error naming the groups', async () => {
    const r = await runProgram("read('host', metrics=['cpu', 'gpu'])");
    assert.match(r.error ?? '', /unknown metrics group 'gpu'/);
    assert.match(r.error ?? '', /cpu, memory, load, network, disk, filesystem/);
  });
});
