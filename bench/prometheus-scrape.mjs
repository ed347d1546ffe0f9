// Scrape time of write('prometheus') with 10,000 series, and the same exposition made by prom-client 15.
// Not part of `make bench`. Run with tsx (it imports flume's exposition from src/):
//   node --import tsx bench/prometheus-scrape.mjs [series=10000] [scrapes=50]
// 1. In-process: making one scrape body from 10,000 series held as latest values, hand-rolled
//    (src/runtime/prometheus-text.ts) and prom-client (a Gauge per metric, labels by name; registry.metrics()).
// 2. End to end: flume serving `read('stdio') | write('prometheus', by=[name])` fed those points, scraped
//    over HTTP on 127.0.0.1 (the figure Prometheus sees).
// prom-client is installed with npm into ~/.cache/flume-bench/prom-client on first use (flume does not depend on it).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PointSeries } from '../src/adapters/prometheus/series.ts';

const SERIES = Number(process.argv[2] ?? 10_000);
const SCRAPES = Number(process.argv[3] ?? 50);
const FIELDS = ['cpu', 'mem', 'mem_limit', 'mem_pct', 'net_rx', 'net_tx', 'blk_read', 'blk_write', 'pids', 'restarts'];
const NAMES = Math.ceil(SERIES / FIELDS.length);
const bin = fileURLToPath(new URL('../bin/flume.js', import.meta.url));

function points(round) {
  const out = [];
  for (let i = 0; i < NAMES; i++) {
    const p = { name: `container-${i}`, image: 'local/busybox:1' };
    for (let j = 0; j < FIELDS.length; j++) p[FIELDS[j]] = i * 1000 + j + round / 10;
    out.push(p);
  }
  return out;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeIt(fn) {
  const times = [];
  for (let i = 0; i < SCRAPES; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

function promClient() {
  const dir = path.join(process.env.FLUME_BENCH_CACHE ?? path.join(os.homedir(), '.cache', 'flume-bench'), 'prom-client');
  const req = createRequire(path.join(dir, 'package.json'));
  try {
    return req('prom-client');
  } catch {
    mkdirSync(dir, { recursive: true });
    if (!existsSync(path.join(dir, 'package.json'))) writeFileSync(path.join(dir, 'package.json'), '{"private":true}\n');
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--silent', 'prom-client@15'], { cwd: dir, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm install prom-client@15 failed');
    return req('prom-client');
  }
}

// 1. In process.
const ps = points(0);
const hand = new PointSeries({ by: ['name'], prefix: '', type: 'gauge', ttlMs: 300_000, maxSeries: 1_000_000 });
hand.update(ps, Date.now());
const handBody = hand.table.render();
const handMs = await timeIt(() => {
  hand.expire(Date.now());
  return hand.table.render();
});

const client = promClient();
const registry = new client.Registry();
const gauges = FIELDS.map((f) => new client.Gauge({ name: f, help: f, labelNames: ['name'], registers: [registry] }));
for (const p of ps) for (let j = 0; j < FIELDS.length; j++) gauges[j].set({ name: p.name }, p[FIELDS[j]]);
const promBody = await registry.metrics();
const promMs = await timeIt(() => registry.metrics());
const count = (body) => body.split('\n').filter((l) => l.length > 0 && !l.startsWith('#')).length;
console.log(`in process, one scrape body of ${count(handBody)} series: hand-rolled ${handMs.toFixed(2)} ms (${handBody.length} bytes), ` +
  `prom-client ${client === undefined ? '?' : promMs.toFixed(2)} ms (${count(promBody)} series, ${promBody.length} bytes): prom-client / hand-rolled = ${(promMs / handMs).toFixed(1)}`);

// Updating the series from a batch of points (what every write does).
const updMs = await timeIt(() => hand.update(ps, Date.now()));
const promUpdMs = await timeIt(() => {
  for (const p of ps) for (let j = 0; j < FIELDS.length; j++) gauges[j].set({ name: p.name }, p[FIELDS[j]]);
});
console.log(`taking ${ps.length} points (${SERIES} values) in: hand-rolled ${updMs.toFixed(2)} ms, prom-client ${promUpdMs.toFixed(2)} ms`);

// 2. End to end through flume.
const child = spawn(process.execPath, [bin, "read('stdio') | write('prometheus', listen='127.0.0.1:0', by=[name], keep_serving=true)"], {
  stdio: ['pipe', 'ignore', 'pipe'],
});
// It listens from the first points on.
child.stdin.end(ps.map((p) => JSON.stringify(p)).join('\n') + '\n');
let stderr = '';
const url = await new Promise((resolve, reject) => {
  child.stderr.on('data', (c) => {
    stderr += c;
    const m = /serving (http:\/\/\S+)/.exec(stderr);
    if (m) resolve(m[1]);
  });
  child.on('exit', (code) => reject(new Error(`flume exited ${code}: ${stderr}`)));
});
for (;;) {
  const body = await (await fetch(url)).text();
  if (count(body) >= SERIES) break;
  await new Promise((r) => setTimeout(r, 100));
}
const httpMs = await timeIt(async () => (await fetch(url)).text());
console.log(`end to end, flume's /metrics over HTTP with ${SERIES} series: ${httpMs.toFixed(2)} ms per scrape (median of ${SCRAPES})`);
child.kill('SIGTERM');
