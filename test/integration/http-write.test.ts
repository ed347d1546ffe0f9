/**
 * write('http') against a real Node HTTP server in this test (SPEC §14.4):
 * the request as sent (method, headers, JSON lines or a JSON array), 429 and
 * 5xx retried until the server takes the batch, other 4xx refused for good.
 * The shared sink promises (drain, SIGTERM, retry then fail, errors=): sink-conformance.test.ts.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flumeRun } from './spawn-flume.js';

const tmp = mkdtempSync(join(tmpdir(), 'flume-http-write-'));

interface Request {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Answers each request with the next status of `script` (then 200), recording what it got. */
let script: number[] = [];
const requests: Request[] = [];
let server: Server;
let url = '';

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      const status = script.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"ok":true}' : `{"error":"status ${status}"}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise((r) => server.close(r)));

const input = [1, 2, 3].map((i) => JSON.stringify({ time: `2024-03-01T00:00:0${i}Z`, i, host: 'a' })).join('\n') + '\n';

describe("write('http') against a real HTTP server", { concurrency: false }, () => {
  it('POSTs JSON lines by default, with the headers given', async () => {
    requests.length = 0;
    const r = await flumeRun(`read('stdio') | write('http', url='${url}/in', headers={Authorization: 'Bearer t0k', 'X-Run': 7})`, { cwd: tmp, input });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(requests.length, 1);
    const q = requests[0]!;
    assert.equal(q.method, 'POST');
    assert.equal(q.path, '/in');
    assert.equal(q.headers['content-type'], 'application/x-ndjson');
    assert.equal(q.headers['authorization'], 'Bearer t0k');
    assert.equal(q.headers['x-run'], '7');
    assert.equal(q.body, input.replace(/Z"/g, '.000Z"'));
  });

  it("PUTs one JSON array per batch with format='json'", async () => {
    requests.length = 0;
    const r = await flumeRun(`read('stdio') | write('http', url='${url}/arr', method='PUT', format='json', batch_size=2)`, { cwd: tmp, input });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      requests.map((q) => [q.method, q.headers['content-type'], (JSON.parse(q.body) as { i: number }[]).map((p) => p.i)]),
      [
        ['PUT', 'application/json', [1, 2]],
        ['PUT', 'application/json', [3]],
      ],
    );
  });

  it('retries 503 and 429 until the server takes the batch: nothing lost, the outage reported once', async () => {
    requests.length = 0;
    script = [503, 429, 500];
    const r = await flumeRun(`read('stdio') | write('http', url='${url}/busy')`, { cwd: tmp, input });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(requests.length, 4);
    assert.equal(requests[3]!.body, requests[0]!.body);
    assert.equal(r.stderr.match(/cannot write to http:\/\/127\.0\.0\.1:\d+\/busy \(POST .* answered 503/g)?.length, 1, r.stderr);
    assert.match(r.stderr, /is back after [\d.]+ s \(3 retries\); nothing was lost/);
  });

  it('refuses a batch answered 400 for good: its points go to errors= with the status, the others are sent', async () => {
    requests.length = 0;
    script = [200, 400];
    const file = join(tmp, 'refused.jsonl');
    const r = await flumeRun(`read('stdio') | write('http', url='${url}/strict', batch_size=2, errors='file:${file}')`, { cwd: tmp, input });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(requests.length, 2, 'a 400 is not retried');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { time: '2024-03-01T00:00:03.000Z', i: 3, host: 'a', _error: `POST ${url}/strict answered 400: {"error":"status 400"}` });
    assert.match(r.stderr, /write http: 1 of 3 points rejected by http:\/\/127\.0\.0\.1:\d+\/strict, sent to file /);
  });
});
