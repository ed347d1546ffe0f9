/**
 * write('influxdb') without a server: line protocol (escaping, tags and
 * fields chosen, timestamps), and the 2.x request shape against a local HTTP
 * server (make test runs InfluxDB 1.6 only: test/integration/influxdb.test.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { escapeKey, escapeMeasurement, lineEncoder, quoteString, type LinePlan } from '../../src/adapters/influxdb/line.js';
import { runProgram } from '../helpers.js';

const T = Date.parse('2024-03-01T00:00:00Z');
const plan = (over: Partial<LinePlan> = {}): LinePlan => ({ measurement: 'm', tags: null, fields: null, precision: 'ms', ...over });
const line = (p: Record<string, unknown>, over: Partial<LinePlan> = {}) => lineEncoder(plan(over))(p);

describe('influxdb line protocol', () => {
  it('escapes measurement names: commas and spaces', () => {
    assert.equal(escapeMeasurement('cpu load,1'), 'cpu\\ load\\,1');
    assert.equal(escapeMeasurement('a=b"c'), 'a=b"c');
  });
  it('escapes tag keys, tag values and field keys: commas, spaces, equal signs; control characters as text', () => {
    assert.equal(escapeKey('a b,c=d'), 'a\\ b\\,c\\=d');
    assert.equal(escapeKey('line\nbreak\ttab'), 'line\\nbreak\\ttab');
    assert.equal(escapeKey('ends with\\'), 'ends\\ with');
    assert.equal(escapeKey('plain'), 'plain');
  });
  it('quotes string field values, escaping backslashes and double quotes', () => {
    assert.equal(quoteString('say "hi" \\ bye'), '"say \\"hi\\" \\\\ bye"');
  });
  it('makes string fields tags and numbers and booleans fields by default, tags sorted, time in ms', () => {
    assert.deepEqual(line({ time: T, host: 'b', dc: 'x y', v: 1.5, n: 3, ok: true, none: null }), { line: `m,dc=x\\ y,host=b v=1.5,n=3,ok=true ${T}` });
  });
  it('flattens nested objects as a.b, leaves out empty tag values, NaN and arrays', () => {
    assert.deepEqual(line({ mem: { used: 5, unit: 'MB' }, empty: '', x: NaN, list: [1] }), { line: 'm,mem.unit=MB mem.used=5' });
  });
  it('takes the measurement from a field holding it (not written again), else the name', () => {
    assert.deepEqual(line({ kind: 'cpu', v: 1 }, { measurement: 'kind' }), { line: 'cpu v=1' });
    assert.deepEqual(line({ v: 1 }, { measurement: 'kind' }), { line: 'kind v=1' });
  });
  it('writes strings as string fields when named in fields=, and only the tags named in tags=', () => {
    assert.deepEqual(line({ host: 'a', msg: 'x "q"', v: 2 }, { fields: ['msg', 'v'] }), { line: 'm,host=a msg="x \\"q\\"",v=2' });
    assert.deepEqual(line({ host: 'a', dc: 'b', port: 80, v: 2 }, { tags: ['host', 'port'] }), { line: 'm,host=a,port=80 v=2' });
  });
  it('counts a point without fields as empty', () => {
    assert.ok('empty' in line({ host: 'a' }));
  });
  it('converts the time to the precision asked', () => {
    const t = T + 1.5;
    assert.deepEqual(line({ time: t, v: 1 }, { precision: 's' }), { line: `m v=1 ${T / 1000}` });
    assert.deepEqual(line({ time: t, v: 1 }, { precision: 'us' }), { line: `m v=1 ${T * 1000 + 1500}` });
    assert.deepEqual(line({ time: t, v: 1 }, { precision: 'ns' }), { line: `m v=1 ${BigInt(T) * 1_000_000n + 1_500_000n}` });
  });
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('influxdb 2.x request shape (a local HTTP server)', () => {
  it('POSTs /api/v2/write?org=&bucket=&precision=ms with Authorization: Token and line protocol', async () => {
    const seen: Seen[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await runProgram(
        `emit(points=[{time: '2024-03-01T00:00:00Z', host: 'a b', v: 1}, {time: '2024-03-01T00:00:01Z', host: 'c', v: 2}]) | write('influxdb', url='${url}', org='my org', bucket='b&1', token='s3cret', measurement='cpu')`,
        {},
      );
      assert.equal(r.error, undefined, r.error);
    } finally {
      server.close();
    }
    assert.equal(seen.length, 1, 'one batch, and no CREATE DATABASE (2.x has none)');
    const s = seen[0]!;
    assert.equal(s.method, 'POST');
    assert.equal(s.url, '/api/v2/write?org=my%20org&bucket=b%261&precision=ms');
    assert.equal(s.headers['authorization'], 'Token s3cret');
    assert.match(String(s.headers['content-type']), /^text\/plain/);
    assert.equal(s.body, `cpu,host=a\\ b v=1 ${T}\ncpu,host=c v=2 ${T + 1000}\n`);
  });

  it('refuses db= together with bucket=, and neither', async () => {
    const both = await runProgram("emit(limit=1) | write('influxdb', db='x', org='o', bucket='b')", {});
    assert.match(String(both.error), /give db= \(1\.x\) or org= and bucket= \(2\.x\), not both/);
    const none = await runProgram("emit(limit=1) | write('influxdb')", {});
    assert.match(String(none.error), /needs db= \(InfluxDB 1\.x\) or org= and bucket=/);
  });
});
