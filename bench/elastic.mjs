// Bulk indexing throughput of write('elastic') against a real server, in documents/s.
// Not part of `make bench`: it needs Elasticsearch (scripts/services/elasticsearch.sh start).
//   node bench/elastic.mjs [documents=200000] [url=$FLUME_TEST_ELASTIC_URL or http://127.0.0.1:9200]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const n = Number(process.argv[2] ?? 200_000);
const url = process.argv[3] ?? process.env.FLUME_TEST_ELASTIC_URL ?? 'http://127.0.0.1:9200';
const bin = fileURLToPath(new URL('../bin/flume.js', import.meta.url));
const index = `flume-bench-${Date.now().toString(36)}`;

const health = await fetch(`${url}/_cluster/health`).catch((e) => e);
if (!(health instanceof Response) || !health.ok) {
  console.error(`elasticsearch is not reachable at ${url}: scripts/services/elasticsearch.sh install && scripts/services/elasticsearch.sh start`);
  process.exit(1);
}

// Points made by flume itself (emit), so the figure is flume's bulk path, not a JSON generator.
const program = `emit(limit=${n}, every='1ms', start='2024-01-01') | put(v=count(), host='web-1', msg='GET /index.html 200') | write('elastic', index='${index}', url='${url}')`;
const t0 = process.hrtime.bigint();
const child = spawn(process.execPath, [bin, program], { stdio: ['ignore', 'inherit', 'inherit'] });
const code = await new Promise((res) => child.on('exit', res));
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
if (code !== 0) process.exit(code ?? 1);
const count = await (await fetch(`${url}/${index}/_count`)).json();
console.log(`write('elastic'): ${n} documents in ${secs.toFixed(2)} s = ${Math.round(n / secs)} documents/s (indexed: ${count.count})`);
await fetch(`${url}/${index}`, { method: 'DELETE' });
