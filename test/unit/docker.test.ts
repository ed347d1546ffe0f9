/** The pure parts of the docker sources: the `docker stats` figures, log frames, engine timestamps, filters, endpoints. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { blockIO, cpuPercent, memPercent, memUsage, network, type StatsSample } from '../../src/adapters/docker/stats.js';
import { LogFramer } from '../../src/adapters/docker/logframes.js';
import { nanosToMs, parseNanos, sinceParam } from '../../src/adapters/docker/time.js';
import { matches } from '../../src/adapters/docker/containers.js';
import { resolveEndpoint } from '../../src/adapters/docker/client.js';
import { runProgram } from '../helpers.js';

const root = resolve(import.meta.dirname, '..', '..');
/** A real sample of a busy-looping busybox container, recorded from Docker 26 on cgroup v1. */
const v1 = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'docker-stats-cgroup1.json'), 'utf8')) as StatsSample;

function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
}

describe('docker stats figures (as the docker CLI computes them)', () => {
  it('cpu: (801157919 ns container / 1990000000 ns system) × 2 CPUs × 100 on the recorded sample', () => {
    // total_usage 48216854606 − 47415696687 = 801157919; system 28402390000000 − 28400400000000 = 1990000000.
    assert.ok(Math.abs(cpuPercent(v1)! - 80.51838381909548) < 1e-9);
  });
  it('cpu: online_cpus missing falls back to the length of percpu_usage', () => {
    const s: StatsSample = {
      cpu_stats: { cpu_usage: { total_usage: 300, percpu_usage: [1, 2, 3, 4] }, system_cpu_usage: 2000 },
      precpu_stats: { cpu_usage: { total_usage: 100 }, system_cpu_usage: 1000 },
    };
    assert.equal(cpuPercent(s), (200 / 1000) * 4 * 100);
  });
  it('cpu: null without a previous reading, 0 when nothing moved', () => {
    assert.equal(cpuPercent({ ...v1, precpu_stats: { cpu_usage: { total_usage: 0 } } }), null);
    assert.equal(cpuPercent({ ...v1, precpu_stats: v1.cpu_stats }), 0);
  });
  it('memory on cgroup v1: usage 2293760 − total_inactive_file 393216 = 1900544', () => {
    assert.equal(memUsage(v1), 1900544);
    assert.equal(memPercent(v1), (1900544 / 25276510208) * 100);
  });
  it('memory on cgroup v2: usage − inactive_file; usage itself when inactive_file is not below it', () => {
    assert.equal(memUsage({ memory_stats: { usage: 10_000, limit: 40_000, stats: { inactive_file: 2_500, anon: 7_000 } } }), 7_500);
    assert.equal(memPercent({ memory_stats: { usage: 10_000, limit: 40_000, stats: { inactive_file: 2_500 } } }), 18.75);
    assert.equal(memUsage({ memory_stats: { usage: 10_000, stats: { inactive_file: 10_000 } } }), 10_000);
    assert.equal(memPercent({ memory_stats: { usage: 10_000 } }), 0);
  });
  it('network sums every interface; block I/O sums read and write entries in any case, empty arrays give 0', () => {
    assert.deepEqual(network(v1), { rx: 946, tx: 0 });
    assert.deepEqual(network({ networks: { eth0: { rx_bytes: 5, tx_bytes: 7 }, eth1: { rx_bytes: 10, tx_bytes: 1 } } }), { rx: 15, tx: 8 });
    assert.deepEqual(blockIO(v1), { read: 0, write: 0 });
    const blk: StatsSample = {
      blkio_stats: {
        io_service_bytes_recursive: [
          { op: 'Read', value: 4096 },
          { op: 'Write', value: 100 },
          { op: 'read', value: 1 },
          { op: 'Total', value: 4197 },
        ],
      },
    };
    assert.deepEqual(blockIO(blk), { read: 4097, write: 100 });
  });
});

describe('docker log frames', () => {
  it('demultiplexes stdout and stderr frames split anywhere across chunks', () => {
    const bytes = Buffer.concat([
      frame(1, '2026-11-23T10:50:01.000000001Z hello\n'),
      frame(2, '2026-11-23T10:50:01.5Z oops\n'),
      frame(1, '2026-11-23T10:50:02.123456789Z é\n'),
    ]);
    for (const cut of [1, 5, 8, 9, 40, bytes.length - 2]) {
      const f = new LogFramer(false);
      const lines = [...f.feed(bytes.subarray(0, cut)), ...f.feed(bytes.subarray(cut)), ...f.end()];
      assert.deepEqual(lines, [
        { stream: 'stdout', ts: '2026-11-23T10:50:01.000000001Z', text: 'hello' },
        { stream: 'stderr', ts: '2026-11-23T10:50:01.5Z', text: 'oops' },
        { stream: 'stdout', ts: '2026-11-23T10:50:02.123456789Z', text: 'é' },
      ]);
    }
  });
  it('joins a long line the engine sent as several messages, keeping the last timestamp', () => {
    const f = new LogFramer(false);
    const lines = f.feed(Buffer.concat([frame(1, '2026-11-23T10:50:01.1Z aaa'), frame(1, '2026-11-23T10:50:01.2Z bbb\n')]));
    assert.deepEqual(lines, [{ stream: 'stdout', ts: '2026-11-23T10:50:01.2Z', text: 'aaabbb' }]);
  });
  it('reads a terminal (raw) stream as stdout, dropping carriage returns', () => {
    const f = new LogFramer(true);
    const lines = [...f.feed(Buffer.from('2026-11-23T10:50:01Z one\r\n2026-11-23T10:5')), ...f.feed(Buffer.from('0:02Z two\r\n'))];
    assert.deepEqual(lines, [
      { stream: 'stdout', ts: '2026-11-23T10:50:01Z', text: 'one' },
      { stream: 'stdout', ts: '2026-11-23T10:50:02Z', text: 'two' },
    ]);
  });
});

describe('engine timestamps', () => {
  it('keeps nanoseconds, whatever number of fraction digits the engine sent', () => {
    const base = BigInt(Date.parse('2026-11-23T10:50:01Z')) * 1_000_000n;
    assert.equal(parseNanos('2026-11-23T10:50:01.123456789Z'), base + 123456789n);
    assert.equal(parseNanos('2026-11-23T10:50:01.5Z'), base + 500000000n);
    assert.equal(parseNanos('2026-11-23T10:50:01Z'), base);
    assert.equal(parseNanos('2026-11-23T11:50:01.000000007+01:00'), base + 7n);
    assert.equal(parseNanos('yesterday'), undefined);
  });
  it('writes since= as seconds.nanoseconds and converts to milliseconds by truncation', () => {
    assert.equal(sinceParam(1_795_431_211_683_391_691n), '1795431211.683391691');
    assert.equal(sinceParam(5n), '0.000000005');
    assert.equal(nanosToMs(1_795_431_211_683_391_691n), 1_795_431_211_683);
  });
});

describe('container filters and the engine address', () => {
  const c = { id: 'abcdef0123456789', name: 'web-1', image: 'nginx', labels: { app: 'web', tier: 'front' }, tty: false };
  it('matches by name, by id prefix of 4 or more, and by every label given', () => {
    assert.ok(matches(c, { containers: [], labels: {} }));
    assert.ok(matches(c, { containers: ['web-1'], labels: {} }));
    assert.ok(matches(c, { containers: ['/web-1'], labels: {} }));
    assert.ok(matches(c, { containers: ['abcd'], labels: {} }));
    assert.ok(!matches(c, { containers: ['abc'], labels: {} }));
    assert.ok(!matches(c, { containers: ['web'], labels: {} }));
    assert.ok(matches(c, { containers: [], labels: { app: 'web', tier: 'front' } }));
    assert.ok(!matches(c, { containers: [], labels: { app: 'web', tier: 'back' } }));
  });
  it('socket= wins over DOCKER_HOST, which wins over /var/run/docker.sock', () => {
    assert.deepEqual(resolveEndpoint(undefined, {}), { socketPath: '/var/run/docker.sock' });
    assert.deepEqual(resolveEndpoint(undefined, { DOCKER_HOST: 'unix:///x/d.sock' }), { socketPath: '/x/d.sock' });
    assert.deepEqual(resolveEndpoint('/y.sock', { DOCKER_HOST: 'unix:///x/d.sock' }), { socketPath: '/y.sock' });
    assert.deepEqual(resolveEndpoint(undefined, { DOCKER_HOST: 'tcp://10.0.0.2:2375' }), { host: '10.0.0.2', port: 2375 });
    assert.throws(() => resolveEndpoint('npipe:////./pipe/docker', {}), (e: unknown) => String((e as Error).message).includes('unsupported Docker host'));
  });
  it('an unknown option of a docker source is a compile error listing the valid ones', async () => {
    const r = await runProgram("read('docker-stats', evry='1s')");
    assert.match(r.error ?? '', /evry/);
    assert.match(r.error ?? '', /every/);
    assert.match(r.error ?? '', /containers/);
  });
  it('an unsupported DOCKER_HOST scheme is a compile error', async () => {
    const r = await runProgram("read('docker-events', socket='npipe:////./pipe/docker')");
    assert.match(r.error ?? '', /unsupported Docker host npipe:/);
  });
});
