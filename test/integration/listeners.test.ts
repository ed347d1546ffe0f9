/**
 * The network sources (SPEC §14) as a user runs them: flume listening on a free
 * loopback port, real clients sending (curl, util-linux logger, Node's http,
 * net and dgram), Ctrl-C to stop. The poller against a small Node http server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonLines, Listener, root } from './listener.js';

const tmp = mkdtempSync(join(tmpdir(), 'flume-listeners-'));
after(() => {
  Listener.killAll();
  rmSync(tmp, { recursive: true, force: true });
});

function need(cmd: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    throw new Error(`${cmd} is not installed. Install it with: scripts/services/netclients.sh install   (or make setup)`);
  }
}

async function post(address: string, body: string, headers: Record<string, string>, path = '/'): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`http://${address}${path}`, { method: 'POST', body, headers });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, headers: res.headers };
}

function curl(args: string[]): { status: number; body: string } {
  const out = execFileSync('curl', ['-s', '-w', '\n%{http_code}', ...args], { encoding: 'utf8' });
  const nl = out.lastIndexOf('\n');
  return { status: Number(out.slice(nl + 1)), body: out.slice(0, nl) };
}

describe("read('http') collector", { concurrency: false }, () => {
  it('takes JSON, NDJSON, text and form bodies; refuses bad bodies whole (400), big ones (413), other types (415); GET /health', async () => {
    need('curl');
    const l = new Listener("read('http', listen='127.0.0.1:0', path='/in', meta=true) | write('stdio')");
    const a = await l.ready();
    assert.deepEqual((await post(a, '{"k":"one","n":1}', { 'Content-Type': 'application/json' }, '/in')).json, { accepted: 1 });
    assert.deepEqual((await post(a, '[{"k":"arr1"},{"k":"arr2","time":"2024-03-01T00:00:00Z"}]', { 'Content-Type': 'application/json' }, '/in')).json, { accepted: 2 });
    assert.deepEqual((await post(a, '{"k":"nd1"}\n{"k":"nd2"}\n', { 'Content-Type': 'application/x-ndjson' }, '/in')).json, { accepted: 2 });
    // One bad line refuses the whole body: nd-ok must never appear.
    const bad = await post(a, '{"k":"nd-ok"}\n{"k":\n', { 'Content-Type': 'application/x-ndjson' }, '/in');
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.error), /line 2/);
    const badJson = await post(a, '[{"k":"j-ok"}, 3]', { 'Content-Type': 'application/json' }, '/in');
    assert.equal(badJson.status, 400);
    assert.match(String(badJson.json.error), /element 1 is not a JSON object/);
    const badTime = await post(a, '{"k":"t-bad","time":"not a time"}', { 'Content-Type': 'application/json' }, '/in');
    assert.equal(badTime.status, 400);
    // curl's form post and text lines.
    assert.deepEqual(JSON.parse(curl(['-d', 'k=form&tag=a&tag=b', `http://${a}/in`]).body), { accepted: 1 });
    assert.deepEqual(JSON.parse(curl(['-H', 'Content-Type: text/plain', '--data-binary', 'plain one\nplain two', `http://${a}/in`]).body), { accepted: 2 });
    const bigFile = join(tmp, 'big.json');
    writeFileSync(bigFile, `{"k":"${'x'.repeat(1_100_000)}"}`);
    const big = curl(['-H', 'Content-Type: application/json', '--data-binary', `@${bigFile}`, `http://${a}/in`]);
    assert.equal(big.status, 413);
    assert.equal(curl(['-H', 'Content-Type: application/xml', '-d', '<a/>', `http://${a}/in`]).status, 415);
    assert.equal(curl([`http://${a}/elsewhere`, '-d', '{}']).status, 404);
    assert.equal(curl([`http://${a}/in`]).status, 405);
    const health = curl([`http://${a}/health`]);
    assert.equal(health.status, 200);
    assert.equal(await l.interrupt(), 130);
    const out = jsonLines(l.stdout);
    assert.deepEqual(
      out.map((p) => p.k ?? p.message),
      ['one', 'arr1', 'arr2', 'nd1', 'nd2', 'form', 'plain one', 'plain two'],
    );
    // Stamped on arrival unless the body has a time; meta=true adds _http without credentials.
    assert.equal(out[2]!.time, '2024-03-01T00:00:00.000Z');
    assert.ok(Math.abs(Date.parse(String(out[0]!.time)) - Date.now()) < 600_000);
    assert.deepEqual(out[5]!.tag, ['a', 'b']);
    const meta = out[0]!._http as { remote: string; path: string; headers: Record<string, string> };
    assert.equal(meta.remote, '127.0.0.1');
    assert.equal(meta.path, '/in');
    assert.equal(meta.headers['content-type'], 'application/json');
    assert.doesNotMatch(l.stdout, /nd-ok|j-ok|t-bad/);
  });

  it("a bearer token: 401 without it; ack='flush' answers once the sink has written the points", async () => {
    const file = join(tmp, 'flushed.jsonl');
    const l = new Listener(`read('http', listen=':0', token='s3cret', ack='flush') | write('stdio', file='${file}')`);
    const a = await l.ready();
    const no = await post(a, '{"n":1}', { 'Content-Type': 'application/json' });
    assert.equal(no.status, 401);
    assert.equal(no.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await post(a, '{"n":1}', { 'Content-Type': 'application/json', Authorization: 'Bearer wrong' })).status, 401);
    for (let i = 0; i < 5; i++) {
      const r = await post(a, `{"n":${i}}`, { 'Content-Type': 'application/json', Authorization: 'Bearer s3cret' });
      assert.deepEqual(r.json, { accepted: 1 });
      // Answered only after the flush: the point is in the file already.
      assert.equal(jsonLines(readFileSync(file, 'utf8')).length, i + 1);
    }
    assert.equal(await l.interrupt(), 130);
    assert.deepEqual(jsonLines(readFileSync(file, 'utf8')).map((p) => p.n), [0, 1, 2, 3, 4]);
  });
});

describe("read('tcp') and read('udp')", { concurrency: false }, () => {
  it('tcp: JSON lines over several connections, a record split across writes, a malformed line counted', async () => {
    const l = new Listener("read('tcp', listen=':0') | write('stdio')");
    const a = await l.ready();
    const send = (chunks: string[]): Promise<void> =>
      new Promise((resolve, reject) => {
        const s = connect(l.port, '127.0.0.1', async () => {
          for (const c of chunks) {
            s.write(c);
            await new Promise((r) => setTimeout(r, 20));
          }
          s.end();
        });
        s.on('close', () => resolve());
        s.on('error', reject);
      });
    await send(['{"c":1,"i":1}\n{"c":1,', '"i":2}\nnot json\n{"c":1,"i":3}']);
    await send(['{"c":2,"i":1}\n']);
    await Listener.until(() => jsonLines(l.stdout).length === 4, 'four points');
    assert.equal(await l.interrupt(), 130);
    assert.deepEqual(jsonLines(l.stdout).map((p) => `${p.c}.${p.i}`), ['1.1', '1.2', '1.3', '2.1']);
    assert.match(l.stderr, /1 malformed/);
    void a;
  });

  it('tcp with format=logfmt and a time field', async () => {
    const l = new Listener("read('tcp', listen=':0', format='logfmt', time='ts') | write('stdio')");
    await l.ready();
    await new Promise<void>((resolve) => {
      const s = connect(l.port, '127.0.0.1', () => s.end('ts=2024-03-01T10:00:00Z level=info msg="hello there"\n'));
      s.on('close', () => resolve());
    });
    await Listener.until(() => l.stdout.includes('\n'), 'a point');
    assert.equal(await l.interrupt(), 130);
    assert.deepEqual(jsonLines(l.stdout), [{ time: '2024-03-01T10:00:00.000Z', level: 'info', msg: 'hello there' }]);
  });

  it('udp: one record per datagram, or per line in it', async () => {
    const l = new Listener("read('udp', listen=':0') | write('stdio')");
    await l.ready();
    const sock = createSocket('udp4');
    for (const d of ['{"d":1}', '{"d":2}\n{"d":3}\n', '{"d":4}']) await new Promise<void>((r) => sock.send(d, l.port, '127.0.0.1', () => r()));
    sock.close();
    await Listener.until(() => jsonLines(l.stdout).length === 4, 'four points');
    assert.equal(await l.interrupt(), 130);
    assert.deepEqual(jsonLines(l.stdout).map((p) => p.d), [1, 2, 3, 4]);
  });
});

describe("read('syslog') with util-linux logger", { concurrency: false }, () => {
  const logger = (args: string[]): void => {
    execFileSync('logger', args);
  };

  it('UDP: RFC 3164 and RFC 5424 (structured data), and a message that is not syslog kept per on_error', async () => {
    need('logger');
    const l = new Listener("read('syslog', listen=':0', protocol='udp', on_error='keep') | write('stdio')");
    await l.ready();
    const p = String(l.port);
    logger(['-n', '127.0.0.1', '-P', p, '-d', '--rfc3164', '-t', 'web', '-p', 'local3.err', 'disk almost full']);
    logger(['-n', '127.0.0.1', '-P', p, '-d', '--rfc5424', '-t', 'api', '-p', 'user.info', '--msgid', 'REQ', '--sd-id', 'req@32473', '--sd-param', 'id="42"', 'request done']);
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.send('this is not syslog', l.port, '127.0.0.1', () => r()));
    sock.close();
    await Listener.until(() => jsonLines(l.stdout).length === 3, 'three points');
    assert.equal(await l.interrupt(), 130);
    const [a, b, c] = jsonLines(l.stdout);
    assert.equal(a!.app, 'web');
    assert.equal(a!.facility, 'local3');
    assert.equal(a!.severity, 'err');
    assert.equal(a!.message, 'disk almost full');
    assert.equal(a!.msgid, null);
    assert.equal(typeof a!.host, 'string');
    assert.equal(b!.app, 'api');
    assert.equal(b!.msgid, 'REQ');
    assert.equal(b!.severity, 'info');
    assert.equal(b!.message, 'request done');
    assert.deepEqual((b!.sd as Record<string, unknown>)['req@32473'], { id: '42' });
    // logger's RFC 5424 timestamp has microseconds: it is the point's time, close to now.
    assert.ok(Math.abs(Date.parse(String(b!.time)) - Date.now()) < 600_000);
    assert.equal(c!._raw, 'this is not syslog');
    assert.match(String(c!._error), /not syslog: no <PRI>/);
  });

  it('TCP: octet-counted RFC 5424 and newline-framed RFC 3164 frames', async () => {
    need('logger');
    const l = new Listener("read('syslog', listen=':0', protocol='tcp') | write('stdio')");
    await l.ready();
    const p = String(l.port);
    logger(['-n', '127.0.0.1', '-P', p, '-T', '--rfc5424', '--octet-count', '-t', 'job', 'first\nwith a newline inside']);
    logger(['-n', '127.0.0.1', '-P', p, '-T', '--rfc3164', '-t', 'cron', '-i', 'second']);
    await Listener.until(() => jsonLines(l.stdout).length === 2, 'two points');
    assert.equal(await l.interrupt(), 130);
    const [a, b] = jsonLines(l.stdout);
    assert.equal(a!.app, 'job');
    assert.equal(a!.message, 'first\nwith a newline inside');
    assert.equal(b!.app, 'cron');
    assert.match(String(b!.procid), /^\d+$/);
    assert.equal(b!.message, 'second');
  });
});

describe("read('http', url=…) poller", () => {
  it('follows Link rel=next pages, reads arrays, objects and JSON lines, retries a 503', async () => {
    let calls = 0;
    const server: Server = createServer((req, res) => {
      calls++;
      const u = new URL(req.url!, 'http://x');
      if (calls === 1) {
        res.writeHead(503).end('warming up');
        return;
      }
      assert.equal(req.headers['x-api-key'], 'k1');
      const page = u.searchParams.get('page') ?? '1';
      if (page === '1') res.writeHead(200, { Link: '</items?page=2>; rel="next"', 'Content-Type': 'application/json' }).end('[{"p":1,"i":1},{"p":1,"i":2}]');
      else if (page === '2') res.writeHead(200, { Link: '</items?page=1>; rel="prev", </items?page=3>; rel="next"' }).end('{"p":2,"i":1}');
      else res.writeHead(200, { 'Content-Type': 'application/x-ndjson' }).end('{"p":3,"i":1}\n{"p":3,"i":2}\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const l = new Listener(`read('http', url='http://127.0.0.1:${port}/items', every=null, headers={'x-api-key': 'k1'}, time=null) | write('stdio')`);
    const code = await l.wait();
    server.close();
    assert.equal(code, 0, l.stderr);
    assert.deepEqual(jsonLines(l.stdout), [
      { p: 1, i: 1 },
      { p: 1, i: 2 },
      { p: 2, i: 1 },
      { p: 3, i: 1 },
      { p: 3, i: 2 },
    ]);
    assert.match(l.stderr, /answered 503 Service Unavailable; retrying/);
    assert.equal(calls, 4);
  });

  it('a 404 fails the run with the status', async () => {
    const server = createServer((_req, res) => res.writeHead(404).end('no such thing'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const l = new Listener(`read('http', url='http://127.0.0.1:${port}/x', every=null)`);
    const code = await l.wait();
    server.close();
    assert.equal(code, 1);
    assert.match(l.stderr, /answered 404 Not Found: no such thing/);
  });
});

void root;
