/**
 * The mongodb adapter against a real MongoDB wire-protocol server (FerretDB,
 * scripts/services/mongodb.sh): round trip in time order with `time` a BSON
 * date, query= and from/to, a refused document to errors= with the reason,
 * the server stopped mid-write and restarted (nothing lost, nothing twice,
 * the outage reported once), Ctrl-C mid-batch. Each test uses a collection of
 * its own in a database of this run, dropped at the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { mongodbUrl } from './services.js';
import { mongoDestination, type Doc } from '../../src/adapters/mongodb/write.js';
import { bin, eventually, FlumeProcess, root, sleep } from './flume-process.js';

const RUN = `flume_it_${process.pid}_${Date.now().toString(36)}`;
const tmp = mkdtempSync(join(tmpdir(), 'flume-mongodb-'));
const T0 = Date.parse('2024-03-01T00:00:00Z');
let url = '';
let client: MongoClient;

function flume(program: string, input = '') {
  const r = spawnSync(process.execPath, [bin, program], {
    cwd: root,
    input,
    env: { ...process.env, FLUME_MONGODB_URL: url },
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function ok(r: { stdout: string; stderr: string; status: number | null }): string {
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function service(cmd: 'stop' | 'start'): void {
  const r = spawnSync(join(root, 'scripts', 'services', 'mongodb.sh'), [cmd], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `mongodb.sh ${cmd}: ${r.stderr}`);
}

const lines = (points: object[]): string => points.map((p) => JSON.stringify(p)).join('\n') + '\n';
const coll = (name: string) => client.db(RUN).collection(name);

before(async () => {
  url = await mongodbUrl();
  client = new MongoClient(url, { serverSelectionTimeoutMS: 30_000 });
  await client.connect();
});

after(async () => {
  await client.db(RUN).dropDatabase().catch(() => undefined);
  await client.close();
});

describe('mongodb adapter against a real server', { concurrency: false }, () => {
  it('writes 10,000 points and reads them back equal, in time order, with time stored as a BSON date', async () => {
    const points: object[] = [];
    for (let i = 0; i < 10_000; i++) {
      // Written out of time order: reading sorts by time.
      const t = T0 + ((i * 7919) % 10_000) * 1000;
      points.push({ time: new Date(t).toISOString(), n: i, host: `h${i % 7}`, ok: i % 3 === 0, tags: [`t${i % 2}`, 'x'], nested: { v: i / 4, s: 'é"\\' }, none: null });
    }
    ok(flume(`read('stdio') | write('mongodb', db='${RUN}', collection='roundtrip', batch_size=1000)`, lines(points)));
    assert.equal(await coll('roundtrip').countDocuments(), 10_000);
    const one = await coll('roundtrip').findOne({ n: 1 });
    assert.ok(one!['time'] instanceof Date, `time is stored as ${typeof one!['time']}`);
    assert.equal((one!['time'] as Date).getTime(), T0 + 7919 * 1000);
    const back = ok(flume(`read('mongodb', db='${RUN}', collection='roundtrip') | remove(_id)`)).trimEnd().split('\n');
    const expected = [...points].sort((a, b) => Date.parse((a as { time: string }).time) - Date.parse((b as { time: string }).time)).map((p) => JSON.stringify(p));
    assert.equal(back.length, 10_000);
    assert.deepEqual(back, expected);
    // query= is a MongoDB filter; from/to a range on the time field, both on the server.
    const filtered = ok(
      flume(`read('mongodb', db='${RUN}', collection='roundtrip', query={host: 'h3', n: {'$lt': 100}}, from='2024-03-01T00:00:10Z', to='2024-03-01T02:00:00Z') | keep(n)`),
    );
    const want = points
      .filter((p) => {
        const q = p as { n: number; host: string; time: string };
        const t = Date.parse(q.time);
        return q.host === 'h3' && q.n < 100 && t >= T0 + 10_000 && t < T0 + 7_200_000;
      })
      .sort((a, b) => Date.parse((a as { time: string }).time) - Date.parse((b as { time: string }).time))
      .map((p) => JSON.stringify({ time: (p as { time: string }).time, n: (p as { n: number }).n }));
    assert.ok(want.length > 3, 'the filter selects some points');
    assert.deepEqual(filtered.trimEnd().split('\n'), want);
  });

  it('reads documents written by others: ObjectIds as hex text, dates in other fields as times, time=null in _id order', async () => {
    const c = coll('foreign');
    await c.insertMany([
      { at: new Date(T0 + 5000), v: 2 },
      { at: new Date(T0), v: 1, seen: new Date(T0 + 60_000) },
    ]);
    const docs = await c.find({}, { sort: { _id: 1 } }).toArray();
    const out = ok(flume(`read('mongodb', db='${RUN}', collection='foreign', time='at')`)).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(out, [
      { time: '2024-03-01T00:00:00.000Z', _id: docs[1]!._id.toHexString(), v: 1, seen: '2024-03-01T00:01:00.000Z' },
      { time: '2024-03-01T00:00:05.000Z', _id: docs[0]!._id.toHexString(), v: 2 },
    ]);
    const untimed = ok(flume(`read('mongodb', db='${RUN}', collection='foreign', time=null) | keep(v)`));
    assert.equal(untimed, '{"v":2}\n{"v":1}\n');
  });

  it('sends documents the server refuses (a duplicate _id) to errors= with the reason, and stores the rest', async () => {
    const errFile = join(tmp, 'refused.jsonl');
    const points = [
      { _id: 'a', n: 1 },
      { _id: 'dup', n: 2 },
      { _id: 'b', n: 3 },
      { _id: 'dup', n: 4 },
      { n: 5 },
    ];
    const r = flume(`read('stdio') | write('mongodb', db='${RUN}', collection='refused', errors='file:${errFile}')`, lines(points));
    ok(r);
    assert.match(r.stderr, /write mongodb: 1 of 5 documents rejected by MongoDB at .* \(flume_it_.*\.refused\), sent to file /);
    const refused = readFileSync(errFile, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!['_id'], 'dup');
    assert.equal(refused[0]!['n'], 4);
    assert.match(refused[0]!['_error'] as string, /duplicate key.*\(code 11000\)/);
    const stored = await coll('refused').find({}, { projection: { _id: 0, n: 1 }, sort: { n: 1 } }).toArray();
    assert.deepEqual(
      stored.map((d) => d['n']),
      [1, 2, 3, 5],
    );
    // Without errors= they are counted as dropped, in the run summary.
    const counted = flume(`read('stdio') | write('mongodb', db='${RUN}', collection='refused')`, lines([{ _id: 'a', n: 9 }]));
    ok(counted);
    assert.match(counted.stderr, /1 of 1 documents rejected .* counted as dropped/);
  });

  it('loses nothing and stores nothing twice when the server is stopped mid-write and restarted; the outage is reported once', async (t) => {
    const f = new FlumeProcess(`read('stdio') | write('mongodb', db='${RUN}', collection='outage', batch_size=100, flush='100ms', retry_for='3m')`, {
      FLUME_MONGODB_URL: url,
    });
    const total = 3000;
    let n = 0;
    const feed = (k: number): void => {
      const ps: object[] = [];
      for (let i = 0; i < k; i++, n++) ps.push({ time: new Date(T0 + n).toISOString(), n });
      f.send(ps);
    };
    try {
      feed(1000);
      await eventually('the first points stored', async () => ((await coll('outage').countDocuments()) >= 1000 ? true : undefined), 60_000);
      service('stop');
      feed(1000);
      // The sink meets the stopped server, reports it once and keeps retrying.
      await f.waitForStderr(/cannot write to MongoDB at/, 60_000);
      await sleep(3000);
      feed(500);
      service('start');
      feed(total - n);
      assert.equal(await f.end(), 0, f.stderr);
    } finally {
      service('start');
    }
    const stored = await coll('outage').find({}, { projection: { _id: 0, n: 1 } }).toArray();
    const ns = stored.map((d) => d['n'] as number).sort((a, b) => a - b);
    assert.equal(ns.length, total, `stored ${ns.length} of ${total}`);
    assert.deepEqual(ns, [...Array(total).keys()]);
    assert.equal(f.stderr.match(/cannot write to MongoDB at/g)?.length, 1, f.stderr);
    assert.equal(f.stderr.match(/is back after/g)?.length, 1, f.stderr);
    for (const l of f.stderr.trim().split('\n')) t.diagnostic(l);
  });

  it('a batch sent again after a lost answer stores each document once; a duplicate on another unique index is still refused', async () => {
    const c = coll('resend');
    await c.createIndex({ k: 1 }, { unique: true });
    await c.insertOne({ k: 'taken' });
    const dest = mongoDestination({ url, db: RUN, collection: 'resend', selectMs: 5000 });
    await dest.prepare!();
    await dest.open!();
    try {
      const points = [{ k: 'a' }, { k: 'b' }];
      const items = points.map((p) => dest.encode(p) as Doc);
      // The first attempt is stored, but say its answer never came: the same items go again.
      assert.equal(await dest.send(items, points), undefined);
      assert.deepEqual(await dest.send(items, points), { rejected: [] });
      // On a second attempt, a duplicate that is not ours is refused all the same.
      const more = [{ k: 'c' }, { k: 'taken' }];
      const moreItems = more.map((p) => dest.encode(p) as Doc);
      for (const d of moreItems) d.tried = true;
      const r = await dest.send(moreItems, more);
      assert.equal(r?.rejected?.length, 1);
      assert.equal(r!.rejected![0]!.index, 1);
      assert.match(r!.rejected![0]!.reason, /duplicate key.*\(code 11000\)/);
    } finally {
      await dest.close!();
    }
    const ks = (await c.find({}, { projection: { _id: 0, k: 1 } }).toArray()).map((d) => d['k']).sort();
    assert.deepEqual(ks, ['a', 'b', 'c', 'taken']);
  });

  it('sends the batch being gathered on Ctrl-C', async () => {
    // A copy of the stream goes to stdout: once all of it is there, the mongodb branch has it too (in its batch).
    const f = new FlumeProcess(`read('stdio') | (write('stdio'); write('mongodb', db='${RUN}', collection='ctrlc', batch_size=100000, flush='10m'))`, {
      FLUME_MONGODB_URL: url,
    });
    const points = Array.from({ length: 1234 }, (_, i) => ({ time: new Date(T0 + i).toISOString(), i }));
    f.send(points);
    await eventually('every point through the pipeline', () => (f.stdout.split('\n').length > 1234 ? true : undefined), 60_000);
    assert.equal(await coll('ctrlc').countDocuments(), 0, 'nothing is sent before the batch is full or flush passes');
    assert.equal(await f.signal('SIGINT'), 130, f.stderr);
    assert.equal(await coll('ctrlc').countDocuments(), 1234);
  });
});
