/**
 * What every sink built on the shared machinery (src/runtime/batch-sink.ts,
 * SPEC §15.1) promises, checked against the real destination: everything is
 * sent on end of stream and on SIGTERM, a tight buffer loses nothing, an
 * unreachable destination is retried for retry_for and then fails the run
 * loudly (exit 1, the outage reported once), and points refused for good are
 * counted and routed to errors=file:. A new sink gets these tests by adding
 * itself to SINKS.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { elasticUrl, influxdbUrl, kafkaBrokers, mongodbUrl, prometheusService } from './services.js';
import { flumeRun, type Ran } from './spawn-flume.js';

const tmp = mkdtempSync(join(tmpdir(), 'flume-conformance-'));
const run = `${Date.now().toString(36)}${process.pid}`;
const T0 = Date.parse('2024-03-01T00:00:00Z');

/** Run the CLI (asynchronously: the HTTP test server lives in this process). */
function flume(program: string, opts: { input?: string; env?: NodeJS.ProcessEnv; stats?: boolean; killAfterMs?: number } = {}): Promise<Ran> {
  return flumeRun(program, { cwd: tmp, input: opts.input, env: opts.env, stats: opts.stats, signalAfterMs: opts.killAfterMs });
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** n points one millisecond apart (distinct times: InfluxDB keeps one point per series and time); every 10th `bad` when asked. */
function input(n: number, bad = false): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const v = bad && i % 10 === 9 ? `bad-${i}` : i;
    s += JSON.stringify({ time: new Date(T0 + i).toISOString(), i, v }) + '\n';
  }
  return s;
}

interface SinkUnderTest {
  name: string;
  setup(): Promise<void>;
  /** The write stage for a fresh destination `id`; `extra` are more options (`, flush='1h'`). */
  write(id: string, extra: string): string;
  /** The write stage for a destination that does not answer. */
  unreachable(port: number, extra: string): string;
  /** Points stored at `id`. */
  count(id: string): Promise<number>;
  /** Options making `v` a typed field, so a string v is refused (input(n, true)); absent for a sink whose destination refuses no point. */
  strict?: string;
  /** The reason of a refused point, as written to errors= (with `strict`). */
  reason?: RegExp;
  env?(): NodeJS.ProcessEnv;
  teardown?(): Promise<void>;
}

// ---------------------------------------------------------------------------
// The sinks

/** write('http'): a Node HTTP server in this test stores JSON lines per path and answers 422 to a body with a string v. */
function httpSink(): SinkUnderTest {
  const got = new Map<string, number>();
  let server: Server | undefined;
  let url = '';
  return {
    name: 'http',
    async setup() {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          const lines = body.split('\n').filter((l) => l.length > 0);
          if (lines.some((l) => typeof (JSON.parse(l) as { v: unknown }).v === 'string')) {
            res.writeHead(422, { 'content-type': 'application/json' }).end('{"error":"v must be a number"}');
            return;
          }
          got.set(req.url!, (got.get(req.url!) ?? 0) + lines.length);
          res.writeHead(200).end('{}');
        });
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    write: (id, extra) => `write('http', url='${url}/${id}'${extra})`,
    unreachable: (port, extra) => `write('http', url='http://127.0.0.1:${port}/x'${extra})`,
    count: (id) => Promise.resolve(got.get(`/${id}`) ?? 0),
    // A 4xx refuses the whole request: one point per request to refuse only the bad ones.
    strict: ', batch_size=1',
    reason: /answered 422: \{"error":"v must be a number"\}/,
    async teardown() {
      await new Promise((r) => server?.close(r));
    },
  };
}

function influxSink(): SinkUnderTest {
  let url = '';
  return {
    name: 'influxdb',
    async setup() {
      url = await influxdbUrl();
    },
    write: (id, extra) => `write('influxdb', url='${url}', db='${id}', measurement='m'${extra})`,
    unreachable: (port, extra) => `write('influxdb', url='http://127.0.0.1:${port}', db='x'${extra})`,
    async count(id) {
      const res = await fetch(`${url}/query?db=${id}&q=${encodeURIComponent('SELECT count(i) FROM m')}`);
      const body = (await res.json()) as { results: { series?: { values: [string, number][] }[] }[] };
      return body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
    },
    strict: ', fields=[i, v]',
    reason: /field type conflict/,
    async teardown() {
      const res = await fetch(`${url}/query?q=SHOW+DATABASES`);
      const body = (await res.json()) as { results: { series?: { values: string[][] }[] }[] };
      for (const [db] of body.results[0]?.series?.[0]?.values ?? []) {
        if (db!.endsWith(run)) await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q: `DROP DATABASE "${db}"` }) });
      }
    },
  };
}

function elasticSink(): SinkUnderTest {
  let url = '';
  return {
    name: 'elastic',
    async setup() {
      url = await elasticUrl();
    },
    write: (id, extra) => `write('elastic', url='${url}', index='${id}'${extra})`,
    unreachable: (port, extra) => `write('elastic', url='http://127.0.0.1:${port}', index='x'${extra})`,
    async count(id) {
      await fetch(`${url}/${id}/_refresh`, { method: 'POST' });
      const res = await fetch(`${url}/${id}/_count`);
      return res.status === 404 ? 0 : ((await res.json()) as { count: number }).count;
    },
    strict: '',
    reason: /mapper_parsing_exception|failed to parse field \[v\]/,
    async teardown() {
      const res = await fetch(`${url}/_cat/indices/conf-*-${run}?h=index`).catch(() => undefined);
      if (res === undefined || !res.ok) return;
      for (const ix of (await res.text()).split('\n').filter((l) => l.trim().length > 0)) await fetch(`${url}/${ix.trim()}`, { method: 'DELETE' });
    },
  };
}

function kafkaSink(): SinkUnderTest {
  let brokers = '';
  const schema = join(tmp, 'point.avsc');
  return {
    name: 'kafka',
    async setup() {
      brokers = await kafkaBrokers();
      // v is a long: a string v does not fit, the point is refused before sending.
      writeFileSync(schema, JSON.stringify({ type: 'record', name: 'P', fields: [{ name: 'time', type: 'long' }, { name: 'i', type: 'long' }, { name: 'v', type: 'long' }] }));
    },
    env: () => ({ FLUME_KAFKA_BROKERS: brokers }),
    write: (id, extra) => `write('kafka', topic='${id}'${extra})`,
    unreachable: (port, extra) => `write('kafka', topic='x', brokers='127.0.0.1:${port}'${extra})`,
    async count(id) {
      const r = await flume(`read('kafka', topic='${id}', from='earliest', follow=false, format=${id.includes('strict') ? `'avro', schema='${schema}'` : "'json'"}) | reduce(n=count())`, {
        env: { FLUME_KAFKA_BROKERS: brokers },
      });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim() === '' ? 0 : (JSON.parse(r.stdout) as { n: number }).n;
    },
    strict: `, format='avro', schema='${schema}'`,
    reason: /./,
  };
}

/**
 * write('mongodb') on FerretDB. It has no schema validation: a unique index on
 * `v` in the strict collection, holding the bad values already, refuses them.
 */
function mongodbSink(): SinkUnderTest {
  let url = '';
  const db = `conf_${run}`;
  let client: import('mongodb').MongoClient | undefined;
  return {
    name: 'mongodb',
    async setup() {
      url = await mongodbUrl();
      const { MongoClient } = await import('mongodb');
      client = new MongoClient(url, { serverSelectionTimeoutMS: 30_000 });
      const strict = client.db(db).collection(`conf-strict-mongodb-${run}`);
      await strict.createIndex({ v: 1 }, { unique: true });
      await strict.insertMany(Array.from({ length: 10 }, (_, k) => ({ v: `bad-${k * 10 + 9}` })));
    },
    write: (id, extra) => `write('mongodb', url='${url}', db='${db}', collection='${id}'${extra})`,
    unreachable: (port, extra) => `write('mongodb', url='mongodb://127.0.0.1:${port}', db='x', collection='x'${extra})`,
    // The points written (the strict collection's blockers have no i).
    count: (id) => client!.db(db).collection(id).countDocuments({ i: { $exists: true } }),
    strict: '',
    reason: /duplicate key.*\(code 11000\)/,
    async teardown() {
      await client?.db(db).dropDatabase();
      await client?.close();
    },
  };
}

/**
 * write('prometheus', push=) to the Pushgateway. Labelled by `time`, every point
 * is a series of its own, so the series pushed count the points. A gateway
 * refuses no single point: no refusal test.
 */
function prometheusPushSink(): SinkUnderTest {
  let gateway = '';
  const jobs = new Set<string>();
  return {
    name: 'prometheus',
    async setup() {
      gateway = (await prometheusService()).pushgateway;
    },
    write: (id, extra) => {
      jobs.add(id);
      return `write('prometheus', push='${gateway}', job='${id}', by=[time]${extra})`;
    },
    unreachable: (port, extra) => `write('prometheus', push='http://127.0.0.1:${port}', job='x'${extra})`,
    async count(id) {
      const body = await (await fetch(`${gateway}/metrics`)).text();
      const times = new Set<string>();
      for (const line of body.split('\n')) {
        if (!line.includes(`job="${id}"`) || line.startsWith('push_') || line.startsWith('#')) continue;
        const t = /time="(\d+)"/.exec(line);
        if (t !== null) times.add(t[1]!);
      }
      return times.size;
    },
    async teardown() {
      for (const j of jobs) await fetch(`${gateway}/metrics/job/${j}`, { method: 'DELETE' });
    },
  };
}

const SINKS: SinkUnderTest[] = [httpSink(), influxSink(), elasticSink(), kafkaSink(), mongodbSink(), prometheusPushSink()];

// ---------------------------------------------------------------------------

for (const sink of SINKS) {
  describe(`sink conformance: write('${sink.name}')`, { concurrency: false }, () => {
    const id = (what: string) => `conf-${what}-${sink.name}-${run}`;
    const env = () => sink.env?.() ?? {};
    before(() => sink.setup());
    after(() => sink.teardown?.());

    it('sends everything on end of stream, long before flush', async () => {
      const r = await flume(`read('stdio') | ${sink.write(id('end'), ", flush='1h', batch_size=100000")}`, { input: input(250), env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await sink.count(id('end')), 250);
    });

    it('sends what it holds on SIGTERM (exit 143), long before flush', async () => {
      const r = await flume(`emit(every='100ms') | put(i=1) | ${sink.write(id('term'), ", flush='1h'")}`, { env: env(), stats: true, killAfterMs: 4000 });
      assert.equal(r.code, 143, r.stderr);
      const written = /write \(1:\d+\)\s+(\d+)/.exec(r.stderr);
      assert.ok(written, r.stderr);
      const n = Number(written[1]);
      assert.ok(n > 0, r.stderr);
      assert.equal(await sink.count(id('term')), n);
    });

    it('loses nothing through a tight buffer (the pipeline waits instead)', async () => {
      const r = await flume(`read('stdio') | ${sink.write(id('buffer'), ', batch_size=7, buffer=10')}`, { input: input(300), env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await sink.count(id('buffer')), 300);
    });

    it('retries an unreachable destination for retry_for, then fails loudly (exit 1), the outage reported once', async () => {
      const r = await flume(`read('stdio') | ${sink.unreachable(await closedPort(), ", retry_for='5s'")}`, { input: input(5), env: env() });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /error\[[a-z-]+\]: write \(1:\d+\): write [a-z]+: cannot (connect to|write to) /);
      assert.match(r.stderr, /gave up after retrying for [\d.]+ s \(retry_for=5 s\)/);
      assert.equal(r.stderr.match(/retrying with backoff for up to 5 s/g)?.length, 1, r.stderr);
    });

    const { strict, reason } = sink;
    if (strict !== undefined && reason !== undefined) it("counts points refused for good and routes them to errors='file:' with the reason", async () => {
      const file = join(tmp, `${sink.name}-refused.jsonl`);
      const r = await flume(`read('stdio') | ${sink.write(id('strict'), `${strict}, errors='file:${file}'`)}`, { input: input(100, true), env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /write [a-z]+: 10 of 100 \w+ rejected by .*, sent to file /);
      const refused = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { i?: number; document?: string; _error: string });
      assert.equal(refused.length, 10);
      const ids = refused.map((x) => x.i ?? (JSON.parse(x.document!) as { i: number }).i).sort((a, b) => a - b);
      assert.deepEqual(ids, [9, 19, 29, 39, 49, 59, 69, 79, 89, 99]);
      for (const x of refused) assert.match(x._error, reason);
      assert.equal(await sink.count(id('strict')), 90);
    });
  });
}
