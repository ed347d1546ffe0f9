// Sustained write and read throughput of JSON points through a real Kafka broker,
// with the built CLI as a user runs it (start-up included). Not part of `make bench`:
//
//   scripts/services/kafka.sh install && scripts/services/kafka.sh start
//   make build && node bench/kafka.mjs [points=500000] [partitions=4]
//
// Brokers from FLUME_KAFKA_BROKERS (default 127.0.0.1:9092).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const n = Number(process.argv[2] ?? 500_000);
const partitions = Number(process.argv[3] ?? 4);
const bin = resolve(import.meta.dirname, '..', 'bin', 'flume.js');
const brokers = process.env.FLUME_KAFKA_BROKERS ?? '127.0.0.1:9092';
const topic = `flume-bench-${Date.now()}`;
const dir = mkdtempSync(join(tmpdir(), 'flume-kafka-bench-'));
const input = join(dir, 'points.jsonl');

const hosts = ['web-1', 'web-2', 'web-3', 'db-1'];
const t0 = Date.parse('2024-01-01T00:00:00Z');
const lines = [];
for (let i = 0; i < n; i++)
  lines.push(JSON.stringify({ time: new Date(t0 + i * 10).toISOString(), host: hosts[i % 4], status: 200 + (i % 5) * 100, latency: (i * 37) % 1000, path: `/api/v1/items/${i % 1000}` }));
writeFileSync(input, lines.join('\n') + '\n');

function timed(label, program) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, program], { env: { ...process.env, FLUME_KAFKA_BROKERS: brokers }, encoding: 'utf8', maxBuffer: 1 << 26 });
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) {
    console.error(`${label} failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
  console.log(`${label}: ${n} points in ${secs.toFixed(2)} s = ${Math.round(n / secs).toLocaleString('en')} points/s`);
  return r.stdout;
}

console.log(`kafka at ${brokers}, topic ${topic} (${partitions} partitions), ${n} JSON points of ~${Math.round(lines[0].length)} bytes`);
timed('write', `read('stdio', file='${input}') | write('kafka', topic='${topic}', partitions=${partitions}, key=host)`);
const out = timed('read ', `read('kafka', topic='${topic}', from='earliest', follow=false) | reduce(n=count())`);
const counted = JSON.parse(out.trim()).n;
if (counted !== n) {
  console.error(`read counted ${counted} points, wrote ${n}`);
  process.exit(1);
}
