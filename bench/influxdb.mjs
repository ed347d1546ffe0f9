// Write throughput of write('influxdb') against a real InfluxDB 1.x, in points/s, beside a floor: a plain
// Node client POSTing the same line protocol, pre-encoded, in the same batches (the server's own limit).
// Not part of `make bench`: it needs InfluxDB (scripts/services/influxdb.sh install && ... start).
//   node bench/influxdb.mjs [points=200000] [url=$FLUME_TEST_INFLUXDB_URL or http://127.0.0.1:8086]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const n = Number(process.argv[2] ?? 200_000);
const url = process.argv[3] ?? process.env.FLUME_TEST_INFLUXDB_URL ?? 'http://127.0.0.1:8086';
const bin = fileURLToPath(new URL('../bin/flume.js', import.meta.url));
const run = Date.now().toString(36);
const batch = 5000;
const start = Date.parse('2024-01-01T00:00:00Z');

const ping = await fetch(`${url}/ping`).catch((e) => e);
if (!(ping instanceof Response) || ping.status !== 204) {
  console.error(`influxdb is not reachable at ${url}: scripts/services/influxdb.sh install && scripts/services/influxdb.sh start`);
  process.exit(1);
}

const q = (db, text) => fetch(`${url}/query?db=${db}&q=${encodeURIComponent(text)}`, { method: 'POST' }).then((r) => r.json());
const count = async (db) => (await q(db, 'SELECT count(v) FROM bench')).results[0].series?.[0].values[0][1] ?? 0;

// flume: points made by flume itself (emit), so the figure is flume's encode-and-send path.
const flumeDb = `bench_flume_${run}`;
const program = `emit(limit=${n}, every='1ms', start='2024-01-01') | put(v=count(), host='web-1', path='/index.html') | write('influxdb', url='${url}', db='${flumeDb}', measurement='bench', batch_size=${batch})`;
let t0 = process.hrtime.bigint();
const child = spawn(process.execPath, [bin, program], { stdio: ['ignore', 'inherit', 'inherit'] });
const code = await new Promise((res) => child.on('exit', res));
const flumeSecs = Number(process.hrtime.bigint() - t0) / 1e9;
if (code !== 0) process.exit(code ?? 1);

// The floor: the same lines, encoded beforehand, POSTed batch after batch.
const floorDb = `bench_floor_${run}`;
await q('', `CREATE DATABASE ${floorDb}`);
const bodies = [];
for (let i = 0; i < n; i += batch) {
  let body = '';
  for (let k = i; k < Math.min(n, i + batch); k++) body += `bench,host=web-1,path=/index.html v=${k + 1} ${start + k}\n`;
  bodies.push(body);
}
t0 = process.hrtime.bigint();
for (const body of bodies) {
  const res = await fetch(`${url}/write?db=${floorDb}&precision=ms`, { method: 'POST', body });
  if (res.status !== 204) throw new Error(`floor write: ${res.status} ${await res.text()}`);
}
const floorSecs = Number(process.hrtime.bigint() - t0) / 1e9;

const rate = (secs) => Math.round(n / secs);
console.log(`write('influxdb'): ${n} points in ${flumeSecs.toFixed(2)} s = ${rate(flumeSecs)} points/s (stored: ${await count(flumeDb)}; includes process start)`);
console.log(`plain fetch client (floor): ${n} points in ${floorSecs.toFixed(2)} s = ${rate(floorSecs)} points/s (stored: ${await count(floorDb)})`);
console.log(`ratio flume/floor: ${(rate(flumeSecs) / rate(floorSecs)).toFixed(2)}`);
for (const db of [flumeDb, floorDb]) await q('', `DROP DATABASE ${db}`);
