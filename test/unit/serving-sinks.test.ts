/**
 * The sinks that answer HTTP: the Prometheus text exposition (names, escaping,
 * values, ttl, the series limit) and write('rest') — both through real HTTP
 * requests to a server on 127.0.0.1 (any free port). The real Prometheus and
 * Pushgateway: test/integration/prometheus.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeLabelValue, labelName, labelSet, metricName, sampleValue, SeriesTable } from '../../src/runtime/prometheus-text.js';
import { PointSeries, prefixed, type SeriesPlan } from '../../src/adapters/prometheus/series.js';
import { PrometheusServer } from '../../src/adapters/prometheus/serve.js';
import { pushUrl } from '../../src/adapters/prometheus/push.js';
import { RestSink } from '../../src/adapters/rest.js';
import { parseListen } from '../../src/adapters/serve.js';
import { VirtualClock } from '../../src/runtime/clock.js';
import { TimeValue } from '../../src/runtime/point.js';
import type { CreateContext } from '../../src/runtime/defs.js';
import { FlumeError } from '../../src/lang/diagnostics.js';
import { runProgram } from '../helpers.js';

const T0 = Date.parse('2024-03-01T00:00:00Z');

function ctxStub(clock = new VirtualClock(T0)): CreateContext & { drops: string[]; logs: string[]; stop(): void } {
  const controller = new AbortController();
  const drops: string[] = [];
  const logs: string[] = [];
  return {
    drops,
    logs,
    stop: () => controller.abort(),
    clock,
    now: T0,
    signal: controller.signal,
    drop: (reason) => void drops.push(reason),
    warn: () => {},
    stats: { name: 'write', where: '1:1', in: 0, out: 0, drops: {}, dropExamples: {}, warnings: {} },
    sharedInput: false,
    log: (m) => void logs.push(m),
    io: { stdin: process.stdin, stdout: process.stdout },
    env: {},
    services: undefined as unknown as CreateContext['services'],
  };
}

function plan(o: Partial<SeriesPlan> = {}): SeriesPlan {
  return { by: [], prefix: '', type: 'gauge', ttlMs: null, maxSeries: 1000, ...o };
}

async function get(url: string): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('prometheus text format', () => {
  it('sanitises metric and label names', () => {
    assert.equal(metricName('cpu'), 'cpu');
    assert.equal(metricName('mem.rss'), 'mem_rss');
    assert.equal(metricName('http-requests/s'), 'http_requests_s');
    assert.equal(metricName('a:b'), 'a:b');
    assert.equal(metricName('9lives'), '_9lives');
    assert.equal(metricName('é'), '_');
    assert.equal(labelName('a:b'), 'a_b');
    assert.equal(labelName('container.name'), 'container_name');
    assert.equal(labelName('1x'), '_1x');
  });

  it('escapes backslash, double quote and line feed in label values, nothing else', () => {
    assert.equal(escapeLabelValue('plain text {}=,'), 'plain text {}=,');
    assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
    assert.equal(labelSet(['a', 'b'], ['x"y', '']), '{a="x\\"y",b=""}');
    assert.equal(labelSet([], []), '');
  });

  it('writes values as the format reads them', () => {
    assert.equal(sampleValue(1.5), '1.5');
    assert.equal(sampleValue(-3), '-3');
    assert.equal(sampleValue(1e21), '1e+21');
    assert.equal(sampleValue(NaN), 'NaN');
    assert.equal(sampleValue(Infinity), '+Inf');
    assert.equal(sampleValue(-Infinity), '-Inf');
  });

  it('renders each family once with its # TYPE line, a HELP line when described', () => {
    const t = new SeriesTable('gauge');
    t.set('up', '{a="1"}', 1, 0);
    t.set('load', '', 0.5, 0);
    t.set('up', '{a="2"}', 0, 0);
    t.describe('load', 'counter', 'a line\\with a backslash\nand a feed');
    assert.equal(
      t.render(),
      '# TYPE up gauge\nup{a="1"} 1\nup{a="2"} 0\n# HELP load a line\\\\with a backslash\\nand a feed\n# TYPE load counter\nload 0.5\n',
    );
    assert.equal(t.size, 3);
  });

  it('names metrics <prefix>_<field>', () => {
    assert.equal(prefixed('', 'cpu'), 'cpu');
    assert.equal(prefixed('flume', 'cpu'), 'flume_cpu');
    assert.equal(prefixed('flume_', 'cpu'), 'flume_cpu');
    assert.equal(prefixed('my-app', 'mem.rss'), 'my_app_mem_rss');
  });
});

describe('points to series', () => {
  it('makes every numeric field (nested ones joined with _) a series labelled by the by fields; the latest value wins', () => {
    const s = new PointSeries(plan({ by: ['name', 'labels.team'] }));
    s.update(
      [
        { time: T0, name: 'web', labels: { team: 'a"b' }, cpu: 1.5, mem: { rss: 10, cache: 2 }, ok: true, image: 'x', at: new TimeValue(5) },
        { time: T0, name: 'db', labels: { team: 'c' }, cpu: 3 },
        { time: T0 + 1000, name: 'web', labels: { team: 'a"b' }, cpu: 2.25 },
      ],
      T0,
    );
    assert.equal(
      s.table.render(),
      '# HELP cpu the field cpu\n# TYPE cpu gauge\ncpu{name="web",labels_team="a\\"b"} 2.25\ncpu{name="db",labels_team="c"} 3\n' +
        '# HELP mem_rss the field mem.rss\n# TYPE mem_rss gauge\nmem_rss{name="web",labels_team="a\\"b"} 10\n' +
        '# HELP mem_cache the field mem.cache\n# TYPE mem_cache gauge\nmem_cache{name="web",labels_team="a\\"b"} 2\n',
    );
  });

  it('a numeric by field is a label, not a metric; a missing one is an empty label; counters are declared so', () => {
    const s = new PointSeries(plan({ by: ['port'], type: 'counter', prefix: 'app' }));
    s.update([{ port: 80, requests: 7 }, { requests: 1 }], T0);
    assert.equal(s.table.render(), '# HELP app_requests the field requests\n# TYPE app_requests counter\napp_requests{port="80"} 7\napp_requests{port=""} 1\n');
  });

  it('removes a series not updated for ttl', () => {
    const s = new PointSeries(plan({ by: ['name'], ttlMs: 60_000 }));
    s.update([{ name: 'old', v: 1 }], T0);
    s.update([{ name: 'new', v: 2 }], T0 + 30_000);
    s.expire(T0 + 60_000);
    assert.equal(s.table.render(), '# HELP v the field v\n# TYPE v gauge\nv{name="old"} 1\nv{name="new"} 2\n');
    s.expire(T0 + 60_001);
    assert.equal(s.table.render(), '# HELP v the field v\n# TYPE v gauge\nv{name="new"} 2\n');
    s.expire(T0 + 90_001);
    assert.equal(s.table.render(), '');
    assert.equal(s.table.size, 0);
    // A family that comes back is described again.
    s.update([{ name: 'back', v: 3 }], T0 + 90_001);
    assert.equal(s.table.render(), '# HELP v the field v\n# TYPE v gauge\nv{name="back"} 3\n');
  });

  it('fails with a clear error past max_series, after the stale series went', () => {
    const s = new PointSeries(plan({ by: ['id'], ttlMs: 1000, maxSeries: 3 }));
    s.update([{ id: 1, v: 1 }, { id: 2, v: 1 }, { id: 3, v: 1 }], T0);
    // The three are stale by then: room for three new ones.
    s.update([{ id: 4, v: 1 }, { id: 5, v: 1 }, { id: 6, v: 1 }], T0 + 2000);
    assert.equal(s.table.size, 3);
    assert.throws(
      () => s.update([{ id: 7, v: 1 }], T0 + 2500),
      (e: unknown) => e instanceof FlumeError && e.diagnostic.code === 'series-limit' && /more than 3 series \(max_series=3\)/.test(e.diagnostic.message),
    );
  });
});

describe("write('prometheus') served", () => {
  it('answers a scrape on its path with the text format, 404 elsewhere, and expires series by the clock', async () => {
    const clock = new VirtualClock(T0);
    const ctx = ctxStub(clock);
    const sink = new PrometheusServer(new PointSeries(plan({ by: ['name'], ttlMs: 60_000 })), parseListen('127.0.0.1:0'), '/m', false, ctx);
    const url = await sink.address();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    await sink.write([{ time: T0, name: 'a', cpu: 1 }]);
    const r = await get(`${url}/m`);
    assert.equal(r.status, 200);
    assert.equal(r.type, 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(r.body, '# HELP cpu the field cpu\n# TYPE cpu gauge\ncpu{name="a"} 1\n');
    assert.equal((await get(`${url}/metrics`)).status, 404);
    await clock.sleepUntil(T0 + 61_000);
    assert.equal((await get(`${url}/m`)).body, '');
    await sink.end();
    await assert.rejects(fetch(`${url}/m`));
    assert.deepEqual(ctx.logs, [`write prometheus: serving ${url}/m`]);
  });

  it('a taken port is a runtime error naming the address', async () => {
    const first = new PrometheusServer(new PointSeries(plan()), parseListen('127.0.0.1:0'), '/metrics', false, ctxStub());
    const port = new URL(await first.address()).port;
    const second = new PrometheusServer(new PointSeries(plan()), parseListen(`127.0.0.1:${port}`), '/metrics', false, ctxStub());
    await assert.rejects(second.write([{ v: 1 }]), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use`));
    await first.end();
  });

  it('keeps serving after the end of the stream with keep_serving, until stopped', async () => {
    const ctx = ctxStub();
    const sink = new PrometheusServer(new PointSeries(plan()), parseListen('127.0.0.1:0'), '/metrics', true, ctx);
    await sink.write([{ v: 4 }]);
    const url = await sink.address();
    let ended = false;
    const ending = sink.end().then(() => (ended = true));
    assert.equal((await get(`${url}/metrics`)).body, '# HELP v the field v\n# TYPE v gauge\nv 4\n');
    assert.equal(ended, false);
    ctx.stop();
    await ending;
    await assert.rejects(fetch(`${url}/metrics`));
  });

  it('checks listen, path and push at compile time', async () => {
    assert.throws(() => parseListen('9464'), /listen='9464' is not host:port/);
    assert.throws(() => parseListen('127.0.0.1:70000'), /not host:port/);
    assert.deepEqual(parseListen('[::1]:9464'), { host: '::1', port: 9464 });
    assert.equal(pushUrl('http://127.0.0.1:9091', 'flume'), 'http://127.0.0.1:9091/metrics/job/flume');
    assert.equal(pushUrl('http://127.0.0.1:9091/', 'a b'), 'http://127.0.0.1:9091/metrics/job/a%20b');
    assert.equal(pushUrl('http://127.0.0.1:9091', 'a/b'), `http://127.0.0.1:9091/metrics/job@base64/${Buffer.from('a/b').toString('base64url')}`);
    assert.throws(() => pushUrl('127.0.0.1:9091', 'j'), /must be an http\(s\) URL|is not a URL/);
    const r = await runProgram("emit(points=[{v:1}]) | write('prometheus', path='metrics')");
    assert.match(r.error ?? '', /path='metrics' must start with \//);
  });
});

describe("write('rest')", () => {
  it('lists the keys seen, returns the latest point of a key, 404 for an unknown one, and all latest points as JSON lines', async () => {
    const ctx = ctxStub();
    const sink = new RestSink(['name'], parseListen('127.0.0.1:0'), 100, false, ctx);
    const url = await sink.address();
    await sink.write([
      { time: T0, name: 'web', cpu: 1 },
      { time: T0, name: 'db/1', cpu: 2 },
      { time: T0 + 1000, name: 'web', cpu: 3, note: 'é"' },
      { time: T0, cpu: 9 },
    ]);
    const keys = await get(`${url}/`);
    assert.equal(keys.status, 200);
    assert.equal(keys.type, 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(keys.body), ['web', 'db/1']);
    const web = await get(`${url}/web`);
    assert.equal(web.status, 200);
    assert.deepEqual(JSON.parse(web.body), { time: '2024-03-01T00:00:01.000Z', name: 'web', cpu: 3, note: 'é"' });
    assert.deepEqual(JSON.parse((await get(`${url}/db%2F1`)).body), { time: '2024-03-01T00:00:00.000Z', name: 'db/1', cpu: 2 });
    assert.deepEqual(JSON.parse((await get(`${url}/db/1`)).body).cpu, 2);
    const missing = await get(`${url}/nope`);
    assert.equal(missing.status, 404);
    assert.deepEqual(JSON.parse(missing.body), { error: 'unknown key', key: 'nope' });
    const all = await get(`${url}/?format=jsonl`);
    assert.equal(all.status, 200);
    assert.equal(
      all.body,
      '{"time":"2024-03-01T00:00:01.000Z","name":"web","cpu":3,"note":"é\\""}\n{"time":"2024-03-01T00:00:00.000Z","name":"db/1","cpu":2}\n',
    );
    assert.equal((await fetch(`${url}/web`, { method: 'POST' })).status, 405);
    // The point without a name has no key: counted, not lost silently.
    assert.deepEqual(ctx.drops, ['no-key']);
    await sink.end();
  });

  it('keys by several fields joined with /', async () => {
    const sink = new RestSink(['host', 'disk.dev'], parseListen('127.0.0.1:0'), 100, false, ctxStub());
    const url = await sink.address();
    await sink.write([{ host: 'a', disk: { dev: 'sda' }, used: 1 }]);
    assert.deepEqual(JSON.parse((await get(`${url}/`)).body), ['a/sda']);
    assert.equal(JSON.parse((await get(`${url}/a/sda`)).body).used, 1);
    // A path starting with // is a key starting with /, not a host.
    assert.equal((await get(`${url}//x`)).status, 404);
    await sink.end();
  });

  it('fails with a clear error past max_keys; known keys still update', async () => {
    const sink = new RestSink(['k'], parseListen('127.0.0.1:0'), 2, false, ctxStub());
    await sink.write([{ k: 'a' }, { k: 'b' }, { k: 'a', v: 1 }]);
    await assert.rejects(
      sink.write([{ k: 'c' }]),
      (e: unknown) => e instanceof FlumeError && e.diagnostic.code === 'keys-limit' && /more than 2 keys \(max_keys=2\); the next was "c"/.test(e.diagnostic.message),
    );
    await sink.end();
  });

  it('needs a by field', async () => {
    const r = await runProgram("emit(points=[{v:1}]) | write('rest', by=[])");
    assert.match(r.error ?? '', /by= needs at least one field/);
  });
});
