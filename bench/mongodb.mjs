// Write throughput of write('mongodb') against a real MongoDB wire-protocol server (FerretDB here), in
// points/s, beside a floor: the official driver's unordered insertMany of the same documents, made
// beforehand, in the same batches (the server's and driver's own limit).
// Not part of `make bench`: it needs the server (scripts/services/mongodb.sh install && ... start).
//   node bench/mongodb.mjs [points=100000] [url=$FLUME_TEST_MONGODB_URL or mongodb://127.0.0.1:27017]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MongoClient, ObjectId } from 'mongodb';

const n = Number(process.argv[2] ?? 100_000);
const url = process.argv[3] ?? process.env.FLUME_TEST_MONGODB_URL ?? 'mongodb://127.0.0.1:27017';
const bin = fileURLToPath(new URL('../bin/flume.js', import.meta.url));
const db = `bench_${Date.now().toString(36)}`;
const batch = 1000;
const start = Date.parse('2024-01-01T00:00:00Z');

const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
try {
  await client.connect();
} catch (e) {
  console.error(`mongodb is not reachable at ${url} (${e.message}): scripts/services/mongodb.sh install && scripts/services/mongodb.sh start`);
  process.exit(1);
}

// flume: points made by flume itself (emit), so the figure is flume's encode-and-send path.
const program = `emit(limit=${n}, every='1ms', start='2024-01-01') | put(v=count(), host='web-1', path='/index.html') | write('mongodb', url='${url}', db='${db}', collection='flume', batch_size=${batch})`;
let t0 = process.hrtime.bigint();
const child = spawn(process.execPath, [bin, program], { stdio: ['ignore', 'inherit', 'inherit'] });
const code = await new Promise((res) => child.on('exit', res));
const flumeSecs = Number(process.hrtime.bigint() - t0) / 1e9;
if (code !== 0) process.exit(code ?? 1);

// The floor: the same documents (an ObjectId each, as flume makes), built beforehand, inserted batch after batch.
const batches = [];
for (let i = 0; i < n; i += batch) {
  const docs = [];
  for (let k = i; k < Math.min(n, i + batch); k++) docs.push({ _id: new ObjectId(), time: new Date(start + k), v: k + 1, host: 'web-1', path: '/index.html' });
  batches.push(docs);
}
const floor = client.db(db).collection('floor');
t0 = process.hrtime.bigint();
for (const docs of batches) await floor.insertMany(docs, { ordered: false });
const floorSecs = Number(process.hrtime.bigint() - t0) / 1e9;

const rate = (secs) => Math.round(n / secs);
const stored = (c) => client.db(db).collection(c).countDocuments();
console.log(`write('mongodb'): ${n} points in ${flumeSecs.toFixed(2)} s = ${rate(flumeSecs)} points/s (stored: ${await stored('flume')}; includes process start)`);
console.log(`driver insertMany (floor): ${n} points in ${floorSecs.toFixed(2)} s = ${rate(floorSecs)} points/s (stored: ${await stored('floor')})`);
console.log(`ratio flume/floor: ${(rate(flumeSecs) / rate(floorSecs)).toFixed(2)}`);
await client.db(db).dropDatabase();
await client.close();
