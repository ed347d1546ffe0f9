/**
 * write('influxdb') against a real InfluxDB 1.6 (scripts/services/influxdb.sh),
 * read back with InfluxQL: escaping round trip, the server stopped mid-write
 * and restarted, Ctrl-C mid-batch, and Statspout in one line (docker-stats
 * into InfluxDB). Refused points to errors= and the other sink promises:
 * sink-conformance.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dockerSocket, influxdbUrl } from './services.js';
import { bin, flumeRun, root, type Ran } from './spawn-flume.js';

const tmp = mkdtempSync(join(tmpdir(), 'flume-influxdb-'));
const run = `${Date.now().toString(36)}${process.pid}`;
const T0 = Date.parse('2024-03-01T00:00:00Z');
let url = '';

const db = (what: string) => `flume_${what}_${run}`;

function flume(program: string, opts: { input?: string; env?: NodeJS.ProcessEnv; stats?: boolean; signalAfterMs?: number; signal?: NodeJS.Signals } = {}): Promise<Ran> {
  return flumeRun(program, { cwd: tmp, ...opts, env: { FLUME_INFLUXDB_URL: url, ...opts.env } });
}

type Series = { name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> };

/** An InfluxQL query; the series of its first statement (times as epoch ms). */
async function query(database: string, q: string): Promise<Series[]> {
  const res = await fetch(`${url}/query?db=${encodeURIComponent(database)}&epoch=ms&q=${encodeURIComponent(q)}`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { results: { series?: Series[]; error?: string }[] };
  assert.equal(body.results[0]?.error, undefined);
  return body.results[0]?.series ?? [];
}

async function count(database: string, measurement: string, field: string): Promise<number> {
  const s = await query(database, `SELECT count("${field}") FROM "${measurement}"`);
  return (s[0]?.values[0]?.[1] as number | undefined) ?? 0;
}

before(async () => {
  url = await influxdbUrl();
});

after(async () => {
  const s = await query('', 'SHOW DATABASES').catch(() => []);
  for (const [name] of (s[0]?.values ?? []) as string[][]) {
    if (name!.endsWith(run)) await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q: `DROP DATABASE "${name}"` }) });
  }
});

describe('influxdb sink on a real InfluxDB 1.6', { concurrency: false }, () => {
  it('round-trips names and values that need escaping, read back with InfluxQL', async () => {
    const points = [
      {
        time: new Date(T0).toISOString(),
        kind: 'cpu load,total',
        'host name': 'web 1,eu=west',
        path: 'C:\\temp\\x',
        uni: 'ünï 💡',
        'v,x=y z': 1.5,
        big: -1.25e21,
        ok: true,
        msg: 'say "hi"\nback\\slash, a=b',
      },
    ];
    const input = points.map((p) => JSON.stringify(p)).join('\n') + '\n';
    const d = db('escape');
    const r = await flume(`read('stdio') | write('influxdb', db='${d}', measurement='kind', fields=['v,x=y z', big, ok, msg])`, { input });
    assert.equal(r.code, 0, r.stderr);
    const s = await query(d, 'SELECT * FROM "cpu load,total"');
    assert.equal(s.length, 1);
    assert.equal(s[0]!.name, 'cpu load,total');
    const row = Object.fromEntries(s[0]!.columns.map((c, i) => [c, s[0]!.values[0]![i]]));
    // Everything but the measurement's field, as it was sent; time in ms.
    const { kind: _measurement, time, ...sent } = points[0]!;
    assert.deepEqual(row, { time: Date.parse(time), ...sent });
    const tagKeys = await query(d, 'SHOW TAG KEYS FROM "cpu load,total"');
    assert.deepEqual(tagKeys[0]!.values.flat().sort(), ['host name', 'path', 'uni']);
  });

  it('loses nothing when the server is stopped mid-write and restarted, and reports the outage once', async () => {
    const n = 20_000;
    const file = join(tmp, 'outage.jsonl');
    let text = '';
    for (let i = 0; i < n; i++) text += JSON.stringify({ time: new Date(T0 + i).toISOString(), i }) + '\n';
    writeFileSync(file, text);
    const d = db('outage');
    // 20,000 points 1 ms apart at speed=2: about ten seconds of writing.
    const writing = flume(`read('stdio', file='${file}') | pace(speed=2) | write('influxdb', db='${d}', flush='100ms')`);
    await new Promise((r) => setTimeout(r, 2500));
    const svc = join(root, 'scripts', 'services', 'influxdb.sh');
    const stop = spawnSync(svc, ['stop'], { encoding: 'utf8' });
    assert.equal(stop.status, 0, stop.stderr);
    await new Promise((r) => setTimeout(r, 3000));
    const start = spawnSync(svc, ['start'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(start.status, 0, start.stderr);
    const r = await writing;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.match(/cannot write to InfluxDB at .*; retrying with backoff/g)?.length, 1, r.stderr);
    assert.equal(r.stderr.match(/InfluxDB at .* is back after [\d.]+ s \(\d+ retries\); nothing was lost/g)?.length, 1, r.stderr);
    assert.equal(await count(d, 'flume', 'i'), n);
    const sum = await query(d, 'SELECT min(i), max(i), sum(i) FROM flume');
    assert.deepEqual(sum[0]!.values[0]!.slice(1), [0, n - 1, ((n - 1) * n) / 2]);
  });

  it('Ctrl-C mid-batch: the batch held is sent before exit (130)', async () => {
    const d = db('sigint');
    const r = await flume(`emit(every='50ms') | put(v=1) | write('influxdb', db='${d}', flush='1h', batch_size=100000)`, { stats: true, signalAfterMs: 3000, signal: 'SIGINT' });
    assert.equal(r.code, 130, r.stderr);
    const written = /write \(1:\d+\)\s+(\d+)/.exec(r.stderr);
    assert.ok(written, r.stderr);
    const n = Number(written[1]);
    assert.ok(n > 10, r.stderr);
    assert.equal(await count(d, 'flume', 'v'), n);
  });
});

describe('Statspout in one line: docker-stats into InfluxDB', () => {
  const name = `flume-spout-${run}`;
  let dockerHost = '';
  const docker = (...args: string[]) => spawnSync('docker', args, { env: { ...process.env, DOCKER_HOST: dockerHost }, encoding: 'utf8', timeout: 60_000 });

  before(async () => {
    dockerHost = `unix://${await dockerSocket()}`;
    const r = docker('run', '-d', '--name', name, '--label', `flumetest=${run}`, 'local/busybox:1', 'sleep', '600');
    assert.equal(r.status, 0, r.stderr);
  });
  after(async () => {
    if (dockerHost !== '') docker('rm', '-f', name);
    await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ db: 'statspout', q: `DROP SERIES FROM docker WHERE "name" = '${name}'` }) }).catch(() => undefined);
  });

  it("read('docker-stats') | write('influxdb'): one series per container, read back with InfluxQL", async () => {
    const d = db('statspout');
    const r = await flume(`read('docker-stats', every='1s', containers=['${name}']) | head(3) | write('influxdb', db='${d}', measurement='docker')`, {
      env: { DOCKER_HOST: dockerHost },
    });
    assert.equal(r.code, 0, r.stderr);
    const s = await query(d, `SELECT count(mem), max(pids), min(mem_limit) FROM docker WHERE "name" = '${name}' GROUP BY "image"`);
    assert.equal(s.length, 1);
    assert.deepEqual(s[0]!.tags, { image: 'local/busybox:1' });
    const [, n, pids, limit] = s[0]!.values[0] as number[];
    assert.equal(n, 3);
    assert.equal(pids, 1, 'sleep is the only process');
    assert.ok(limit! > 0);
    const names = await query(d, 'SHOW TAG VALUES FROM docker WITH KEY = "name"');
    assert.deepEqual(names[0]!.values, [['name', name]]);
  });

  it('examples/statspout/influxdb.flume, as it is, fills database statspout until stopped', async () => {
    const child = spawn(process.execPath, [bin, '-f', join(root, 'examples', 'statspout', 'influxdb.flume')], {
      env: { ...process.env, HOME: tmp, FLUME_INFLUXDB_URL: url, DOCKER_HOST: dockerHost },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const mine = async () => {
      const s = await query('statspout', `SELECT count(mem) FROM docker WHERE "name" = '${name}'`).catch(() => []);
      return (s[0]?.values[0]?.[1] as number | undefined) ?? 0;
    };
    // Points reach the server `flush` (1 s) after each 5 s round: poll, do not time.
    const deadline = Date.now() + 90_000;
    while ((await mine()) < 2 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGTERM');
    assert.equal(await exited, 143, stderr);
    assert.ok((await mine()) >= 2, stderr);
  });
});
