// Events/s through the HTTP collector, `read('http') | write('stdio', file=…)`,
// with autocannon posting NDJSON batches, beside a minimal node:http server
// that only counts lines (the floor), as a ratio. Not part of `make bench`
// (it needs free cores for the load generator too).
//   node bench/http.mjs [seconds=10] [events per request=100] [connections=8]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const seconds = Number(process.argv[2] ?? 10);
const batch = Number(process.argv[3] ?? 100);
const connections = Number(process.argv[4] ?? 8);
const bin = fileURLToPath(new URL('../bin/flume.js', import.meta.url));
const floor = fileURLToPath(new URL('./http-floor.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'flume-bench-http-'));

let body = '';
for (let i = 0; i < batch; i++) body += `{"event":"click","user":"u${i % 50}","page":"/p/${i % 7}","n":${i}}\n`;

/** Start a server process, wait for its "listening on host:port" line. */
async function start(args) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const onData = (d) => (text += d.toString());
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  for (let i = 0; i < 600; i++) {
    const m = /listening on (?:http:\/\/)?([\d.]+:\d+)/.exec(text);
    if (m) return { child, address: m[1], output: () => text };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no listening line:\n${text}`);
}

async function load(address) {
  const r = await autocannon({
    url: `http://${address}/`,
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
    connections,
    duration: seconds,
  });
  return { ok: r['2xx'], other: r.non2xx, rps: r['2xx'] / seconds, events: (r['2xx'] * batch) / seconds, p99: r.latency.p99 };
}

async function stop(child) {
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGINT');
  return exited;
}

const f = await start([floor]);
const base = await load(f.address);
await stop(f.child);

const out = join(tmp, 'out.jsonl');
const s = await start([bin, `read('http', listen='127.0.0.1:0') | write('stdio', file='${out}')`]);
const flume = await load(s.address);
await stop(s.child);
const written = readFileSync(out, 'utf8').split('\n').length - 1;
rmSync(tmp, { recursive: true, force: true });

const row = (name, r) => `${name.padEnd(32)} ${String(Math.round(r.events)).padStart(10)} events/s  ${String(Math.round(r.rps)).padStart(7)} req/s  p99 ${r.p99} ms  non-2xx ${r.other}`;
console.log(`HTTP collector: ${connections} connections, ${batch} events per request, ${seconds} s each`);
console.log(row('node:http, count lines (floor)', base));
console.log(row("flume read('http') | write file", flume));
console.log(`ratio flume / floor: ${(flume.events / base.events).toFixed(2)}`);
// autocannon stops counting at the end of its window: requests answered after it are written but not counted.
console.log(`events written ${written}, answered 200 within the window ${flume.ok * batch} (at most ${connections * batch} more in flight at its end)`);
