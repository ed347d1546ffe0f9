/** The host source, checked against /proc and /sys read directly by the test while flume runs. */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statfsSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'flume.js');

type Pt = Record<string, unknown> & { time: string; kind: string };

function netDev(): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const line of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
    const i = line.indexOf(':');
    if (i >= 0) m.set(line.slice(0, i).trim(), line.slice(i + 1).trim().split(/\s+/).map(Number));
  }
  return m;
}

/** Run `program` for about `ms`, then SIGTERM; the points it printed. */
async function runFor(program: string, ms: number): Promise<{ points: Pt[]; stderr: string; code: number | null }> {
  const p = spawn(process.execPath, [bin, program], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  p.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
  await new Promise((r) => setTimeout(r, ms));
  p.kill('SIGTERM');
  const code = await exited;
  return { points: out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Pt), stderr: err, code };
}

/** Keep the loopback interface busy: a local HTTP server and a client fetching 256 KiB in a loop. */
function loopbackTraffic(): { stop: () => Promise<void> } {
  const body = Buffer.alloc(256 * 1024, 120);
  const server = createServer((_, res) => res.end(body)).listen(0, '127.0.0.1');
  let running = true;
  const loop = async (): Promise<void> => {
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    while (running) {
      await new Promise<void>((r) => {
        const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => res.resume().on('end', () => r()));
        req.on('error', () => r());
        req.end();
      });
    }
  };
  const done = loop();
  return {
    stop: async () => {
      running = false;
      await done;
      server.close();
    },
  };
}

describe('host source against /proc', () => {
  it('reports every group with the figures /proc and /sys give', async () => {
    const traffic = loopbackTraffic();
    const netBefore = netDev();
    const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
    const r = await runFor("read('host', every='1s', per_cpu=true)", 3600);
    const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
    const netAfter = netDev();
    await traffic.stop();
    assert.equal(r.code, 143, r.stderr);
    const ticks = [...new Set(r.points.map((p) => p.time))];
    assert.ok(ticks.length >= 2, `ticks: ${ticks.length}`);
    assert.ok(ticks.every((t, i) => i === 0 || Date.parse(t) - Date.parse(ticks[i - 1]!) === 1000), 'one tick a second');
    const at = (kind: string, t = ticks[1]!): Pt[] => r.points.filter((p) => p.kind === kind && p.time === t);

    // cpu: `all` and one per processor of /proc/stat, the eight modes summing to 100.
    const cpus = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((l) => /^cpu\d/.test(l))
      .map((l) => l.split(' ')[0]);
    assert.deepEqual(at('cpu').map((p) => p['cpu']), ['all', ...cpus]);
    for (const p of at('cpu')) {
      const sum = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'].reduce((s, k) => s + (p[k] as number), 0);
      assert.ok(Math.abs(sum - 100) < 1e-6 || sum === 0, `${String(p['cpu'])}: ${sum}`);
    }

    // memory: MemTotal is constant; the rest moves, so it is checked for consistency.
    const memTotal = Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
    const [mem] = at('memory');
    assert.equal(mem!['total'], memTotal);
    assert.equal(mem!['used'], (mem!['total'] as number) - (mem!['available'] as number));
    assert.equal(mem!['swap_used'], (mem!['swap_total'] as number) - (mem!['swap_free'] as number));

    // load: between the readings before and after the run.
    const [load] = at('load');
    ['load1', 'load5', 'load15'].forEach((k, i) => {
      const v = load![k] as number;
      assert.ok(v >= Math.min(loadBefore[i]!, loadAfter[i]!) && v <= Math.max(loadBefore[i]!, loadAfter[i]!), `${k} ${v} vs ${loadBefore[i]}..${loadAfter[i]}`);
    });

    // network: the interfaces of /proc/net/dev, counters between the readings around the run, rates from the counters.
    // Container interfaces (veth*) come and go while the docker tests run beside this one: only the others must match.
    const lasting = (names: string[]): string[] => names.filter((n) => !n.startsWith('veth')).sort();
    assert.deepEqual(lasting(at('network').map((p) => String(p['device']))), lasting([...netAfter.keys()]));
    const lo1 = at('network', ticks[0]).find((p) => p['device'] === 'lo')!;
    const lo2 = at('network', ticks[1]).find((p) => p['device'] === 'lo')!;
    assert.ok((lo1['rx_bytes'] as number) >= netBefore.get('lo')![0]! && (lo2['rx_bytes'] as number) <= netAfter.get('lo')![0]!);
    const delta = (lo2['rx_bytes'] as number) - (lo1['rx_bytes'] as number);
    assert.ok(delta > 256 * 1024, `loopback traffic seen: ${delta}`);
    const rate = lo2['rx_bytes_per_sec'] as number;
    // Bytes over the real time between the two readings, about the one-second tick.
    assert.ok(rate > delta / 1.25 && rate < delta / 0.75, `rate ${rate} for ${delta} bytes in a tick`);

    // disk: the whole disks of /sys/block, loop and ram devices left out.
    const disks = readdirSync('/sys/block').filter((d) => !/^(loop|ram)\d/.test(d));
    const diskstats = new Set(readFileSync('/proc/diskstats', 'utf8').split('\n').map((l) => l.trim().split(/\s+/)[2]));
    assert.deepEqual(at('disk').map((p) => p['device']).sort(), disks.filter((d) => diskstats.has(d)).sort());

    // filesystem: the root file system as statfs gives it.
    const rootFs = at('filesystem').find((p) => p['mount'] === '/');
    assert.ok(rootFs !== undefined, `a point for /: ${JSON.stringify(at('filesystem'))}`);
    const s = statfsSync('/');
    assert.equal(rootFs['total'], s.blocks * s.bsize);
    assert.equal(rootFs['used'], (rootFs['total'] as number) - (rootFs['free'] as number));
    const fsTypes = at('filesystem').map((p) => p['fstype']);
    assert.ok(!fsTypes.includes('proc') && !fsTypes.includes('tmpfs') && !fsTypes.includes('cgroup'), fsTypes.join(','));
  });

  it('metrics= keeps only the groups asked for', async () => {
    const r = await runFor("read('host', every='1s', metrics=['load', 'memory'])", 1600);
    assert.ok(r.points.length >= 2, r.stderr);
    assert.deepEqual([...new Set(r.points.map((p) => p.kind))].sort(), ['load', 'memory']);
  });
});
