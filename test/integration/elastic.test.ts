/**
 * The elastic adapter against a real Elasticsearch (scripts/services/elasticsearch.sh):
 * round trips, rejected documents, a server restart mid-write, pushdown equal to no pushdown.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { elasticUrl } from './services.js';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'flume.js');
const tmp = mkdtempSync(join(tmpdir(), 'flume-elastic-'));
const run = Date.now().toString(36);
let url = '';

function flume(program: string, input = '', timeout = 120_000) {
  const r = spawnSync(process.execPath, [bin, program], {
    input,
    cwd: root,
    env: { ...process.env, HOME: tmp, FLUME_ELASTIC_URL: url },
    encoding: 'utf8',
    timeout,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function ok(r: { stdout: string; stderr: string; status: number | null }): string {
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** A fresh index name per test. */
function index(name: string): string {
  return `flume-test-${name}-${run}`;
}

const T0 = Date.parse('2024-03-01T00:00:00Z');

before(async () => {
  url = await elasticUrl();
});

// This run's indices go (the server refuses wildcard deletes by default: one by one).
after(async () => {
  const res = await fetch(`${url}/_cat/indices/flume-test-*-${run}*?h=index`).catch(() => undefined);
  if (res === undefined || !res.ok) return;
  for (const ix of (await res.text()).split('\n').filter((l) => l.trim().length > 0)) {
    await fetch(`${url}/${ix.trim()}`, { method: 'DELETE' });
  }
});

describe('elastic adapter', { concurrency: false }, () => {
  it('writes 100,000 points and reads them back equal, in time order', () => {
    const ix = index('roundtrip');
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      lines.push(JSON.stringify({ time: new Date(T0 + i * 10).toISOString(), n: i, host: `h${i % 7}`, ok: i % 3 === 0, tags: [`t${i % 2}`, 'x'], nested: { v: i / 4 } }));
    }
    ok(flume(`read('stdio') | write('elastic', index='${ix}')`, lines.join('\n') + '\n'));
    const back = ok(flume(`read('elastic', index='${ix}')`)).trimEnd().split('\n');
    assert.equal(back.length, 100_000);
    assert.deepEqual(back, lines);
  });

  it('reads numeric times as epoch milliseconds (time_unit), as Elasticsearch stores them', async () => {
    const ix = index('epochms');
    const body = [T0, T0 + 1500].flatMap((ts, i) => [JSON.stringify({ index: { _index: ix, _id: String(i) } }), JSON.stringify({ ts, n: i })]).join('\n') + '\n';
    const res = await fetch(`${url}/_bulk?refresh=true`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    assert.equal(res.status, 200);
    assert.equal(
      ok(flume(`read('elastic', index='${ix}', time='ts') | keep('n')`)),
      '{"time":"2024-03-01T00:00:00.000Z","n":0}\n{"time":"2024-03-01T00:00:01.500Z","n":1}\n',
    );
    assert.equal(ok(flume(`read('elastic', index='${ix}', time='ts', time_unit='s') | head(1) | keep('n')`)), `{"time":"${new Date(T0 * 1000).toISOString()}","n":0}\n`);
  });

  it('routes mapping conflicts to errors= with the reason and loses nothing else', () => {
    const ix = index('conflict');
    const errIx = index('conflict-errors');
    const errFile = join(tmp, 'rejected.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++) {
      // v is a number except in every 100th document: those cannot be indexed once v is mapped as long.
      const v = i % 100 === 99 ? `bad-${i}` : i;
      lines.push(JSON.stringify({ time: new Date(T0 + i * 1000).toISOString(), i, v }));
    }
    const r = flume(`read('stdio') | write('elastic', index='${ix}', errors='${errIx}', batch_size=100)`, lines.join('\n') + '\n');
    ok(r);
    assert.match(r.stderr, /10 of 1000 documents rejected by Elasticsearch, sent to index/);
    const good = ok(flume(`read('elastic', index='${ix}')`)).trimEnd().split('\n').map((l) => JSON.parse(l) as { i: number; v: unknown });
    assert.deepEqual(
      good.map((p) => p.i),
      [...Array(1000).keys()].filter((i) => i % 100 !== 99),
    );
    const bad = ok(flume(`read('elastic', index='${errIx}') | sort(index) | keep(document, error)`))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { document: string; error: { type: string; reason: string } });
    assert.equal(bad.length, 10);
    assert.deepEqual(bad.map((b) => (JSON.parse(b.document) as { i: number }).i).sort((a, b) => a - b), [99, 199, 299, 399, 499, 599, 699, 799, 899, 999]);
    for (const b of bad) assert.match(b.error.reason, /failed to parse field \[v\] of type \[long\]/);
    // The same to a file.
    const ix2 = index('conflict-file');
    ok(flume(`read('stdio') | write('elastic', index='${ix2}', errors='file:${errFile}')`, lines.join('\n') + '\n'));
    const inFile = readFileSync(errFile, 'utf8').trimEnd().split('\n');
    assert.equal(inFile.length, 10);
    assert.equal(ok(flume(`read('elastic', index='${ix2}') | reduce(n=count())`)).trim(), '{"time":"2024-03-01T00:00:00.000Z","n":990}');
  });

  it('loses nothing (and duplicates nothing) when the server is stopped mid-write and restarted', async () => {
    const ix = index('restart');
    const child = spawn(process.execPath, [bin, `read('stdio') | write('elastic', index='${ix}', batch_size=200, flush='200ms', backoff_max='5s', retries=20)`], {
      cwd: root,
      env: { ...process.env, HOME: tmp, FLUME_ELASTIC_URL: url },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    const send = (from: number, to: number): void => {
      let chunk = '';
      for (let i = from; i < to; i++) chunk += JSON.stringify({ time: new Date(T0 + i).toISOString(), i }) + '\n';
      child.stdin.write(chunk);
    };
    send(0, 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    const script = join(root, 'scripts', 'services', 'elasticsearch.sh');
    const stop = spawnSync(script, ['stop'], { encoding: 'utf8' });
    assert.equal(stop.status, 0, stop.stderr);
    send(20_000, 40_000);
    await new Promise((r) => setTimeout(r, 2000));
    const start = spawnSync(script, ['start'], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(start.status, 0, start.stderr);
    send(40_000, 50_000);
    child.stdin.end();
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /retry/, 'the writer should have retried while the server was down');
    const got = ok(flume(`read('elastic', index='${ix}') | reduce(n=count(), lo=min(i), hi=max(i), s=sum(i))`)).trim();
    assert.equal(got, JSON.stringify({ time: new Date(T0).toISOString(), n: 50_000, lo: 0, hi: 49_999, s: (49_999 * 50_000) / 2 }));
  });

  describe('pushdown gives what the client-side stages give', () => {
    const ix = index('pushdown');
    before(async () => {
      // Numbers pushed down need `coerce: false` (else Elasticsearch aggregates 1.5 as 1); x keeps the dynamic default.
      const res = await fetch(`${url}/${ix}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mappings: { properties: { v: { type: 'long', coerce: false }, status: { type: 'long', coerce: false }, host: { type: 'keyword' } } } }),
      });
      assert.equal(res.status, 200, await res.text());
      const lines: string[] = [];
      for (let i = 0; i < 5000; i++) {
        // A gap between 2000 and 2500 makes empty windows; every 7th point has no v; x is a float.
        if (i >= 2000 && i < 2500) continue;
        const p: Record<string, unknown> = { time: new Date(T0 + i * 137).toISOString(), host: ['a', 'b', 'c'][(i * 7) % 3], status: [200, 404, 500][i % 3] };
        if (i % 7 !== 0) p['v'] = (i * 31) % 1000;
        p['x'] = i / 8;
        lines.push(JSON.stringify(p));
      }
      ok(flume(`read('stdio') | write('elastic', index='${ix}')`, lines.join('\n') + '\n'));
    });
    const cases = [
      "reduce(n=count(), s=sum(v), a=avg(v), lo=min(v), hi=max(v), every='10s', by=[host])",
      "reduce(n=count(), s=sum(v), a=avg(v), every='5s')",
      'reduce(n=count(), s=sum(v), lo=min(v), by=[host, status])',
      'reduce(n=count(), a=avg(v))',
      "reduce(a=avg(x), every='1m')",
      'head(7)',
      "reduce(n=count(), every='30s') | head(3)",
    ];
    for (const tail of cases) {
      it(tail, () => {
        const pushed = flume(`read('elastic', index='${ix}', query='status != 404') | ${tail}`);
        const plain = flume(`read('elastic', index='${ix}', query='status != 404', pushdown=false) | ${tail}`);
        assert.ok(ok(plain).length > 0);
        assert.equal(ok(pushed), plain.stdout);
        // x is a float under a coercing mapping: that one must run on the client; the others on the server.
        if (tail.includes('avg(x)')) assert.match(pushed.stderr, /runs on the client/);
        else assert.doesNotMatch(pushed.stderr, /runs on the client/);
      });
    }
    it('runs the aggregation on the server when exact, and says when it cannot', () => {
      const server = flume(`read('elastic', index='${ix}') | reduce(n=count(), s=sum(v), every='10s', by=[host])`);
      assert.doesNotMatch(ok(server) + server.stderr, /runs on the client/);
      const client = flume(`read('elastic', index='${ix}') | reduce(a=avg(x), every='1m')`);
      ok(client);
      assert.match(client.stderr, /the reduce runs on the client \(avg\(x\): not an integer field mapped with coerce: false\)/);
    });
    it('shows the pushed-down stages in --explain', () => {
      const r = spawnSync(process.execPath, [bin, '--explain', `read('elastic', index='${ix}') | reduce(n=count()) | head(1)`], { encoding: 'utf8', env: { ...process.env, HOME: tmp } });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /#1 processor reduce\(.*pushed down into #0/);
      assert.match(r.stdout, /#2 processor head\(.*pushed down into #0/);
    });
    it('filters with from/to and a query on the server and the client', () => {
      const from = new Date(T0 + 100 * 137).toISOString();
      const to = new Date(T0 + 200 * 137).toISOString();
      const got = ok(flume(`read('elastic', index='${ix}', from='${from}', to='${to}', query="host == 'a' and v % 2 == 0") | reduce(n=count())`));
      const want = ok(flume(`read('elastic', index='${ix}') | skip(100) | head(100) | filter(host == 'a' and v % 2 == 0) | reduce(n=count())`));
      assert.equal(got, want);
      assert.notEqual(JSON.parse(got).n, 0);
    });
  });

  it('falls back to the client when groups tie on their first time, with the same result', async () => {
    const ix = index('ties');
    const res = await fetch(`${url}/${ix}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mappings: { properties: { k: { type: 'keyword' } } } }),
    });
    assert.equal(res.status, 200, await res.text());
    const t = (s: number) => new Date(T0 + s * 1000).toISOString();
    // b is written before a at the same instant: reduce emits b first, an aggregation could not know.
    const input = [{ time: t(0), k: 'b' }, { time: t(0), k: 'a' }, { time: t(1), k: 'a' }].map((p) => JSON.stringify(p)).join('\n') + '\n';
    ok(flume(`read('stdio') | write('elastic', index='${ix}')`, input));
    const pushed = flume(`read('elastic', index='${ix}') | reduce(n=count(), by=[k])`);
    const plain = flume(`read('elastic', index='${ix}', pushdown=false) | reduce(n=count(), by=[k])`);
    assert.equal(ok(pushed), ok(plain));
    assert.equal(plain.stdout, `{"time":"${t(0)}","k":"b","n":1}\n{"time":"${t(0)}","k":"a","n":2}\n`);
    assert.match(pushed.stderr, /groups tie on their first time/);
  });

  it('names indices from the point time and replaces documents by id=', () => {
    const prefix = index('daily');
    const input = [
      { time: '2024-01-01T23:00:00Z', rid: 'r1', v: 1 },
      { time: '2024-01-02T01:00:00Z', rid: 'r2', v: 2 },
      { time: '2024-01-02T02:00:00Z', rid: 'r1', v: 3 },
    ].map((p) => JSON.stringify(p)).join('\n') + '\n';
    ok(flume(`read('stdio') | write('elastic', index='${prefix}-%Y.%m.%d', id=rid)`, input));
    assert.equal(ok(flume(`read('elastic', index='${prefix}-2024.01.02')`)), '{"time":"2024-01-02T01:00:00.000Z","rid":"r2","v":2}\n{"time":"2024-01-02T02:00:00.000Z","rid":"r1","v":3}\n');
    // r1 went to the first day's index first, then to the second day's: ids are per index.
    assert.equal(ok(flume(`read('elastic', index='${prefix}-2024.01.01')`)), '{"time":"2024-01-01T23:00:00.000Z","rid":"r1","v":1}\n');
    ok(flume(`read('stdio') | write('elastic', index='${prefix}-same', id=rid)`, input));
    assert.equal(ok(flume(`read('elastic', index='${prefix}-same')`)), '{"time":"2024-01-02T01:00:00.000Z","rid":"r2","v":2}\n{"time":"2024-01-02T02:00:00.000Z","rid":"r1","v":3}\n');
  });

  it('flushes what it holds on SIGTERM (exit 143), long before the flush interval', async () => {
    const ix = index('sigterm');
    // A live source (one point every 100 ms) and a flush interval of an hour: only the drain can send them.
    const child = spawn(process.execPath, [bin, '--stats', `emit(every='100ms') | put(one=1) | write('elastic', index='${ix}', flush='1h')`], {
      cwd: root,
      env: { ...process.env, HOME: tmp, FLUME_ELASTIC_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    await new Promise((r) => setTimeout(r, 3000));
    child.kill('SIGTERM');
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(guard);
    assert.equal(code, 143, stderr);
    const written = /write \(1:\d+\)\s+(\d+)/.exec(stderr);
    assert.ok(written, stderr);
    const n = Number(written[1]);
    assert.ok(n > 0, stderr);
    assert.equal(ok(flume(`read('elastic', index='${ix}') | reduce(n=count(), s=sum(one))`)).replace(/"time":"[^"]*",/, '').trim(), `{"n":${n},"s":${n}}`);
  });

  it('passes pipeline= through, and routes documents refused for a missing pipeline to errors=', async () => {
    const ix = index('pipeline');
    const pipeline = index('empty-pipeline');
    // The test server has no ingest-common processors: an empty pipeline still goes through the ingest path.
    const res = await fetch(`${url}/_ingest/pipeline/${pipeline}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'flume test', processors: [] }),
    });
    assert.equal(res.status, 200, await res.text());
    const input = [1, 2, 3].map((i) => JSON.stringify({ time: new Date(T0 + i).toISOString(), i })).join('\n') + '\n';
    ok(flume(`read('stdio') | write('elastic', index='${ix}', pipeline='${pipeline}')`, input));
    assert.equal(ok(flume(`read('elastic', index='${ix}')`)), input);
    const errFile = join(tmp, 'no-pipeline.jsonl');
    const r = flume(`read('stdio') | write('elastic', index='${ix}-2', pipeline='no-such-pipeline-${run}', errors='file:${errFile}')`, input);
    ok(r);
    const rejected = readFileSync(errFile, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { error: { reason: string }; document: string });
    assert.equal(rejected.length, 3);
    for (const x of rejected) assert.match(x.error.reason, /pipeline with id \[no-such-pipeline/);
  });

  it('runs the README example: syslog through grok into Elasticsearch, then counted (300 lines)', () => {
    const ix = index('syslog');
    ok(flume(`read('stdio', file='examples/grok/syslog', format='grok', pattern='%{SYSLOGLINE}', time='timestamp') | write('elastic', index='${ix}')`));
    assert.equal(ok(flume(`read('elastic', index='${ix}') | reduce(count=count())`)).trim().replace(/"time":"[^"]*",/, ''), '{"count":300}');
  });
});
