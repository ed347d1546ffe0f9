/**
 * Load and faults on the listeners (issue 17), real processes on loopback,
 * bounded in count and time: concurrent clients against the HTTP collector
 * (every event answered 200 is written, nothing else), a deliberately slow
 * sink (503 instead of memory growth), Ctrl-C during load, and syslog over
 * UDP at 20,000 messages a second (the figures are printed as diagnostics).
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { jsonLines, Listener } from './listener.js';

const tmp = mkdtempSync(join(tmpdir(), 'flume-load-'));
after(() => {
  Listener.killAll();
  rmSync(tmp, { recursive: true, force: true });
});

const CLIENTS = 8;

interface Tally {
  accepted: Set<string>;
  busy: number;
  /** 503s that came without a Retry-After header. */
  busyWithoutRetryAfter: number;
  other: Map<number, number>;
  networkErrors: number;
}

function tally(): Tally {
  return { accepted: new Set(), busy: 0, busyWithoutRetryAfter: 0, other: new Map(), networkErrors: 0 };
}

/** One client: posts NDJSON batches of `size` events (ids `c-n`), retrying 503s, until `stop()` or `batches` are accepted. */
async function client(address: string, c: number, batches: number, size: number, t: Tally, opts: { pad?: number; stop?: () => boolean } = {}): Promise<void> {
  const pad = 'x'.repeat(opts.pad ?? 0);
  let n = 0;
  for (let b = 0; b < batches && !(opts.stop?.() ?? false); ) {
    const ids: string[] = [];
    let body = '';
    for (let i = 0; i < size; i++) {
      const id = `${c}-${n + i}`;
      ids.push(id);
      body += `{"id":"${id}","client":${c},"pad":"${pad}"}\n`;
    }
    let res: Response;
    try {
      res = await fetch(`http://${address}/`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-ndjson' } });
      await res.text();
    } catch {
      t.networkErrors++;
      if (opts.stop !== undefined) return; // the server went away (Ctrl-C test)
      await sleep(50);
      continue;
    }
    if (res.status === 200) {
      for (const id of ids) t.accepted.add(id);
      n += size;
      b++;
    } else if (res.status === 503) {
      t.busy++;
      if (res.headers.get('retry-after') === null) t.busyWithoutRetryAfter++;
      await sleep(100);
    } else {
      t.other.set(res.status, (t.other.get(res.status) ?? 0) + 1);
      return;
    }
  }
}

function writtenIds(file: string): string[] {
  return jsonLines(readFileSync(file, 'utf8')).map((p) => String(p.id));
}

function assertSameIds(written: string[], accepted: Set<string>): void {
  assert.equal(new Set(written).size, written.length, 'no event written twice');
  const missing = [...accepted].filter((id) => !written.includes(id));
  assert.deepEqual(missing.slice(0, 5), [], `${missing.length} accepted events not written`);
  const extra = written.filter((id) => !accepted.has(id));
  assert.deepEqual(extra.slice(0, 5), [], `${extra.length} written events were never answered 200`);
}

describe('HTTP collector under load', { concurrency: false }, () => {
  it('8 concurrent clients post 20,000 events in batches: every event answered 200 is written, nothing else', async (t) => {
    const file = join(tmp, 'load.jsonl');
    const l = new Listener(`read('http', listen=':0') | write('stdio', file='${file}')`);
    const a = await l.ready();
    const tl = tally();
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(a, c, 10, 250, tl)));
    assert.equal(tl.accepted.size, 20_000);
    assert.deepEqual([...tl.other], []);
    assert.equal(await l.interrupt(), 130);
    const written = writtenIds(file);
    assert.equal(written.length, 20_000);
    assertSameIds(written, tl.accepted);
    t.diagnostic(`20,000 events accepted and written; 503 answers: ${tl.busy}; peak RSS ${l.peakRssMbAtExit ?? '?'} MB`);
  });

  it('a sink that does not keep up: the collector answers 503 with Retry-After and memory stays bounded (peak RSS < 200 MB)', async (t) => {
    // stdout is not read until the clients are done: the pipe fills and the sink waits.
    const l = new Listener("read('http', listen=':0', queue=2000) | write('stdio')", [], { pipeStdout: false });
    l.proc.stdout!.pause();
    const a = await l.ready();
    const tl = tally();
    // 8 clients try to send 8 x 60 batches of 500 events of ~1 KB (about 240 MB): far more than the queue holds.
    let attempts = 0;
    const stop = (): boolean => ++attempts > CLIENTS * 60;
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(a, c, 60, 500, tl, { pad: 1000, stop })));
    const peak = l.peakRssMb();
    t.diagnostic(`slow sink: ${tl.accepted.size} events accepted, ${tl.busy} requests answered 503, peak RSS ${peak.toFixed(1)} MB`);
    assert.ok(tl.busy > 0, 'some requests were answered 503');
    assert.equal(tl.busyWithoutRetryAfter, 0, 'every 503 has Retry-After');
    assert.ok(peak < 200, `peak RSS ${peak.toFixed(1)} MB`);
    // Now read: everything accepted comes out.
    let out = '';
    l.proc.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    l.proc.stdout!.resume();
    await Listener.until(() => out.split('\n').length - 1 >= tl.accepted.size, 'the accepted events on stdout', 60_000);
    assert.equal(await l.interrupt(), 130);
    assertSameIds(jsonLines(out).map((p) => String(p.id)), tl.accepted);
  });

  it('Ctrl-C during load: every accepted event is written before exit 130', async (t) => {
    const file = join(tmp, 'interrupted.jsonl');
    const l = new Listener(`read('http', listen=':0') | write('stdio', file='${file}')`);
    const a = await l.ready();
    const tl = tally();
    let stopped = false;
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(a, c, 1_000_000, 100, tl, { stop: () => stopped }));
    await Listener.until(() => tl.accepted.size >= 5000, '5,000 accepted events');
    const code = await l.interrupt();
    stopped = true;
    await Promise.all(clients);
    assert.equal(code, 130);
    const written = writtenIds(file);
    t.diagnostic(`Ctrl-C after ${tl.accepted.size} accepted events: ${written.length} written`);
    assertSameIds(written, tl.accepted);
  });
});

describe('syslog over UDP at 20,000 messages a second for 5 s', () => {
  it('reports how many arrived; the count received equals the count written', async (t) => {
    const file = join(tmp, 'syslog.jsonl');
    const l = new Listener(`read('syslog', listen=':0', protocol='udp') | write('stdio', file='${file}')`, ['--stats']);
    await l.ready();
    const sock = createSocket('udp4');
    const start = Date.now();
    let sent = 0;
    for (let tick = 0; tick < 500; tick++) {
      for (let i = 0; i < 200; i++) {
        sock.send(`<14>1 2026-01-01T00:00:00.000Z load app - - - message ${sent++}`, l.port, '127.0.0.1');
      }
      const wait = start + (tick + 1) * 10 - Date.now();
      if (wait > 0) await sleep(wait);
      else await new Promise((r) => setImmediate(r));
    }
    const seconds = (Date.now() - start) / 1000;
    await new Promise<void>((r) => sock.close(() => r()));
    // Let the last datagrams through, then stop.
    let lines = -1;
    for (;;) {
      await sleep(1000);
      const now = readFileSync(file, 'utf8').split('\n').length - 1;
      if (now === lines) break;
      lines = now;
    }
    assert.equal(await l.interrupt(), 130);
    const written = readFileSync(file, 'utf8').split('\n').length - 1;
    const row = /read \(1:1\)\s+(\d+)\s+(\d+)\s+(.*)/.exec(l.stderr);
    assert.ok(row !== null, l.stderr);
    const received = Number(row[2]);
    const drops = row[3]!.trim();
    t.diagnostic(`syslog/udp: sent ${sent} in ${seconds.toFixed(1)} s, received ${received}, written ${written}, dropped by flume: ${drops}`);
    assert.ok(received > 0);
    assert.equal(written, received);
  });
});
