/**
 * The kafka adapter against a real broker (scripts/services/kafka.sh): the
 * built CLI as a user runs it, one topic per test. Covers the round trip,
 * at-least-once across kill -9, a consumer group splitting partitions, the
 * two-stage (partial/merge) aggregate, and a broker restart mid-write.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers } from './services.js';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'flume.js');
const tmp = mkdtempSync(join(tmpdir(), 'flume-kafka-'));
const run = `${Date.now().toString(36)}${process.pid}`;
let brokers = '';

function topicName(what: string): string {
  return `flume-test-${what}-${run}`;
}

function env(): NodeJS.ProcessEnv {
  return { ...process.env, FLUME_KAFKA_BROKERS: brokers, HOME: tmp };
}

/** Run the CLI to completion. */
function flume(program: string, opts: { input?: string; timeout?: number } = {}) {
  const r = spawnSync(process.execPath, [bin, program], { input: opts.input ?? '', env: env(), encoding: 'utf8', timeout: opts.timeout ?? 120_000, maxBuffer: 1 << 28 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Start the CLI in the background. */
function start(program: string): ChildProcess & { stderrText: () => string } {
  const child = spawn(process.execPath, [bin, program], { env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return Object.assign(child, { stderrText: () => err });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

/** Complete JSON lines of a file (a process killed mid-write may leave a partial last line). */
function jsonLines(file: string): Array<Record<string, unknown>> {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const end = text.lastIndexOf('\n');
  if (end < 0) return [];
  return text
    .slice(0, end)
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function admin() {
  return new Kafka({ clientId: 'flume-test', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
}

/** Records left for `group` on `topic` (0 once it has committed everything). */
async function lag(topic: string, group: string): Promise<number> {
  const a = admin();
  await a.connect();
  try {
    const high = await a.fetchTopicOffsets(topic);
    const done = await a.fetchOffsets({ groupId: group, topics: [topic] });
    const committed = new Map(done[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
    return high.reduce((sum, h) => sum + Number(h.high) - Math.max(0, committed.get(h.partition) ?? 0), 0);
  } finally {
    await a.disconnect();
  }
}

/** `n` JSON lines `{time, i, s, x, tags}`, 1 ms apart, every field checkable by hand. */
function points(n: number, t0 = Date.parse('2020-01-01T00:00:00Z')): string {
  let s = '';
  for (let i = 0; i < n; i++)
    s += JSON.stringify({ time: new Date(t0 + i).toISOString(), i, s: `p${i}`, x: i / 8, tags: { k: i % 16, ok: i % 3 === 0 } }) + '\n';
  return s;
}

before(async () => {
  brokers = await kafkaBrokers();
});

describe('kafka adapter (real broker)', () => {
  it('round-trips 100,000 points through a 4-partition topic, none lost or altered', () => {
    const topic = topicName('roundtrip');
    const input = points(100_000);
    const w = flume(`read('stdio') | write('kafka', topic='${topic}', partitions=4, key='tags.k', compression='gzip')`, { input });
    assert.equal(w.status, 0, w.stderr);
    const r = flume(`read('kafka', topic='${topic}', from='earliest', follow=false)`);
    assert.equal(r.status, 0, r.stderr);
    const got = r.stdout.trim().split('\n');
    assert.equal(got.length, 100_000);
    // Order holds within a partition only: compare as sorted by i.
    const byI = got.map((l) => JSON.parse(l) as { i: number }).sort((a, b) => a.i - b.i);
    const want = input.trim().split('\n');
    for (let i = 0; i < want.length; i++) assert.equal(JSON.stringify(byI[i]), want[i], `point ${i}`);
  });

  it('keys records by field: one key, one partition; meta=true shows topic, partition, offset, key', () => {
    const topic = topicName('keys');
    const w = flume(`read('stdio') | write('kafka', topic='${topic}', partitions=3, key='tags.k')`, { input: points(64) });
    assert.equal(w.status, 0, w.stderr);
    const r = flume(`read('kafka', topic='${topic}', from='earliest', follow=false, meta=true)`);
    assert.equal(r.status, 0, r.stderr);
    const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { i: number; tags: { k: number }; _kafka: { topic: string; partition: number; offset: number; key: string } });
    assert.equal(got.length, 64);
    const partitionOfKey = new Map<string, number>();
    for (const p of got) {
      assert.equal(p._kafka.topic, topic);
      assert.equal(p._kafka.key, String(p.tags.k));
      const seen = partitionOfKey.get(p._kafka.key);
      if (seen !== undefined) assert.equal(p._kafka.partition, seen, `key ${p._kafka.key} in two partitions`);
      partitionOfKey.set(p._kafka.key, p._kafka.partition);
    }
    assert.ok(new Set(partitionOfKey.values()).size > 1, '16 keys all landed on one partition');
    // Offsets within each partition are 0, 1, 2, ... in the order read.
    for (const part of new Set(got.map((p) => p._kafka.partition))) {
      const offs = got.filter((p) => p._kafka.partition === part).map((p) => p._kafka.offset);
      assert.deepEqual(offs, offs.map((_, k) => k));
    }
  });

  it('takes time from the record timestamp when the field is absent, and routes malformed records per on_error', async () => {
    const topic = topicName('malformed');
    const a = admin();
    await a.connect();
    await a.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await a.disconnect();
    const producer = new Kafka({ clientId: 'flume-test', brokers: [brokers], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { value: '{"v":1}', timestamp: String(Date.parse('2021-05-01T10:00:00Z')) },
        { value: 'not json' },
        { value: '[1,2]' },
        { value: '{"v":4,"time":"2021-05-01T11:00:00Z"}' },
      ],
    });
    await producer.disconnect();
    const skip = flume(`read('kafka', topic='${topic}', from='earliest', follow=false)`);
    assert.equal(skip.status, 0, skip.stderr);
    assert.equal(skip.stdout, '{"time":"2021-05-01T10:00:00.000Z","v":1}\n{"time":"2021-05-01T11:00:00.000Z","v":4}\n');
    assert.match(skip.stderr, /2 .*malformed/);
    const keep = flume(`read('kafka', topic='${topic}', from='earliest', follow=false, on_error='keep') | filter(_error != null)`);
    assert.equal(keep.status, 0, keep.stderr);
    const kept = keep.stdout.trim().split('\n').map((l) => JSON.parse(l) as { _raw: string; _line: number });
    assert.deepEqual(kept.map((k) => [k._raw, k._line]), [['not json', 1], ['[1,2]', 2]]);
    const fail = flume(`read('kafka', topic='${topic}', from='earliest', follow=false, on_error='fail')`);
    assert.equal(fail.status, 1);
    assert.match(fail.stderr, new RegExp(`malformed input at ${topic}/0:1`));
  });

  it('closes live windows on time when the topic goes quiet (the watermark follows the clock once caught up)', async () => {
    const topic = topicName('idle');
    const now = Date.now();
    const input = [0, 1, 2].map((k) => JSON.stringify({ time: new Date(now + k).toISOString(), v: k })).join('\n') + '\n';
    const w = flume(`read('stdio') | write('kafka', topic='${topic}', partitions=1)`, { input });
    assert.equal(w.status, 0, w.stderr);
    const out = join(tmp, 'idle.jsonl');
    const reader = start(`read('kafka', topic='${topic}', from='earliest', idle='500ms') | reduce(n=count(), total=sum(v), every='1s') | write('stdio', file='${out}')`);
    try {
      // No record arrives after the three: only the clock can close their window.
      await waitFor('the window to close', () => jsonLines(out).length > 0, 30_000);
    } finally {
      reader.kill('SIGTERM');
    }
    await exited(reader);
    const rows = jsonLines(out);
    assert.equal(rows[0]!['n'], 3);
    assert.equal(rows[0]!['total'], 3);
  });

  it('writes and reads Avro with a schema file', () => {
    const topic = topicName('avro');
    const schema = join(tmp, 'e.avsc');
    writeFileSync(
      schema,
      JSON.stringify({ type: 'record', name: 'E', fields: [{ name: 'time', type: 'long' }, { name: 'host', type: 'string' }, { name: 'v', type: 'double' }, { name: 'note', type: ['null', 'string'], default: null }] }),
    );
    const input = '{"time":"2020-01-01T00:00:00Z","host":"a","v":1.5}\n{"time":"2020-01-01T00:00:01Z","host":"b","v":2,"note":"x"}\n{"time":"2020-01-01T00:00:02Z","host":"c","v":"nan"}\n';
    const w = flume(`read('stdio') | write('kafka', topic='${topic}', format='avro', schema='${schema}')`, { input });
    assert.equal(w.status, 0, w.stderr);
    assert.match(w.stderr, /unencodable/);
    const r = flume(`read('kafka', topic='${topic}', format='avro', schema='${schema}', from='earliest', follow=false)`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      '{"time":"2020-01-01T00:00:00.000Z","host":"a","v":1.5,"note":null}\n{"time":"2020-01-01T00:00:01.000Z","host":"b","v":2,"note":"x"}\n',
    );
  });

  it('delivers every record at least once across kill -9 of a consumer, duplicates within one uncommitted fetch', async (t) => {
    const topic = topicName('crash');
    const group = `g-${topic}`;
    const n = 20_000;
    const w = flume(`read('stdio') | write('kafka', topic='${topic}', partitions=1, batch_size=50)`, { input: points(n) });
    assert.equal(w.status, 0, w.stderr);
    const out1 = join(tmp, 'crash-1.jsonl');
    // Small fetches and a paced consumer make the kill land mid-stream.
    const fetchBytes = 8192;
    const first = start(`read('kafka', topic='${topic}', group='${group}', from='earliest', fetch_max_bytes=${fetchBytes}) | pace(speed=4) | write('stdio', file='${out1}')`);
    await waitFor('the first consumer to get going', () => jsonLines(out1).length >= 3000);
    first.kill('SIGKILL');
    await exited(first);
    const before = jsonLines(out1).map((p) => p['i'] as number);
    assert.ok(before.length < n, `the consumer read everything (${before.length}) before it was killed`);
    const r = flume(`read('kafka', topic='${topic}', group='${group}', from='earliest', follow=false)`);
    assert.equal(r.status, 0, r.stderr);
    const after = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
    const all = [...before, ...after];
    assert.equal(new Set(all).size, n, 'every record delivered at least once');
    const duplicates = all.length - n;
    t.diagnostic(`${before.length} records before kill -9, ${after.length} after the restart, ${duplicates} duplicates`);
    // One fetch (one pushed batch, one commit) holds whole producer batches of 50 records, up to fetchBytes
    // of them, and at least one even when it is larger: at most fetchBytes / (smallest record) + 50 records.
    const smallest = Buffer.byteLength(points(1).trim());
    assert.ok(duplicates <= Math.ceil(fetchBytes / smallest) + 50, `${duplicates} duplicates: more than one uncommitted fetch`);
    assert.ok(after.length < n, 'the restart began from the committed offset, not the start');
  });

  it('splits a topic\'s partitions between two consumers of one group', async (t) => {
    const topic = topicName('group');
    const group = `g-${topic}`;
    const n = 8000;
    const w = flume(`read('stdio') | write('kafka', topic='${topic}', partitions=4, key='tags.k')`, { input: points(n) });
    assert.equal(w.status, 0, w.stderr);
    const files = [join(tmp, 'group-a.jsonl'), join(tmp, 'group-b.jsonl')];
    const consumers = files.map((f) =>
      start(`read('kafka', topic='${topic}', group='${group}', from='earliest', meta=true, fetch_max_bytes=4096) | pace(speed=2) | write('stdio', file='${f}')`),
    );
    try {
      await waitFor('the group to read the topic', async () => (await lag(topic, group)) === 0, 90_000);
    } finally {
      for (const c of consumers) c.kill('SIGTERM');
    }
    const codes = await Promise.all(consumers.map(exited));
    assert.deepEqual(codes, [143, 143], consumers.map((c) => c.stderrText()).join('\n'));
    const got = files.map(jsonLines);
    t.diagnostic(`consumer records: ${got.map((g) => g.length).join(' + ')} for ${n}`);
    for (const g of got) assert.ok(g.length > 0, 'a consumer of the group read nothing');
    assert.equal(new Set(got.flat().map((p) => p['i'])).size, n, 'records lost');
    // The final split: each partition's last record went to exactly one consumer, and each consumer owned one.
    const ends = new Map<number, number>();
    for (const p of got.flat()) {
      const m = p['_kafka'] as { partition: number; offset: number };
      ends.set(m.partition, Math.max(ends.get(m.partition) ?? -1, m.offset));
    }
    const owners = new Map<number, Set<number>>();
    for (let c = 0; c < 2; c++)
      for (const p of got[c]!) {
        const m = p['_kafka'] as { partition: number; offset: number };
        if (m.offset === ends.get(m.partition)) owners.set(m.partition, (owners.get(m.partition) ?? new Set()).add(c));
      }
    assert.equal(owners.size, 4);
    for (const [part, who] of owners) assert.equal(who.size, 1, `partition ${part}'s last record went to both consumers`);
    assert.deepEqual(new Set([...owners.values()].map((s) => [...s][0])), new Set([0, 1]), 'one consumer owned every partition');
  });

  it('two-stage aggregate (workers emit partial states, one stage merges) equals a single-process run', async () => {
    const events = topicName('events');
    const partials = topicName('partials');
    const group = `g-${events}`;
    // 6000 points over 5 minutes, three hosts, integer values: counts and sums are exact.
    const t0 = Date.parse('2020-01-01T00:00:00Z');
    let input = '';
    for (let i = 0; i < 6000; i++) input += JSON.stringify({ time: new Date(t0 + i * 50).toISOString(), host: ['a', 'b', 'c'][i % 3], v: (i * 7) % 101 }) + '\n';
    const w = flume(`read('stdio') | write('kafka', topic='${events}', partitions=4, key=v)`, { input });
    assert.equal(w.status, 0, w.stderr);
    // Kafka orders records within a partition only: lateness keeps every window open until the end of the run.
    const agg = "n=count(), total=sum(v), mean=avg(v), p50=percentile(v, 0.5), every='1m', by=[host], lateness='1h'";
    const workers = [0, 1].map(() =>
      start(`read('kafka', topic='${events}', group='${group}', from='earliest', fetch_max_bytes=4096, idle=null) | reduce(${agg}, partial=true) | write('kafka', topic='${partials}', key=host, partitions=2)`),
    );
    try {
      await waitFor('the workers to read the topic', async () => (await lag(events, group)) === 0, 90_000);
    } finally {
      for (const c of workers) c.kill('SIGTERM');
    }
    const codes = await Promise.all(workers.map(exited));
    assert.deepEqual(codes, [143, 143], workers.map((c) => c.stderrText()).join('\n'));
    const merged = flume(`read('kafka', topic='${partials}', from='earliest', follow=false) | reduce(${agg}, merge=true) | sort(time, host)`);
    assert.equal(merged.status, 0, merged.stderr);
    const single = flume(`read('kafka', topic='${events}', from='earliest', follow=false) | reduce(${agg}) | sort(time, host)`);
    assert.equal(single.status, 0, single.stderr);
    type Row = { time: string; host: string; n: number; total: number; mean: number; p50: number };
    const rows = merged.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
    const one = single.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
    // Counts, sums and averages are exact; the median comes from mergeable sketches: approximately equal.
    const exact = (r: Row) => ({ time: r.time, host: r.host, n: r.n, total: r.total });
    assert.deepEqual(rows.map(exact), one.map(exact));
    for (let k = 0; k < rows.length; k++) {
      assert.ok(Math.abs(rows[k]!.mean - one[k]!.mean) < 1e-9, `mean ${rows[k]!.mean} vs ${one[k]!.mean}`);
      assert.ok(Math.abs(rows[k]!.p50 - one[k]!.p50) <= 2, `median ${rows[k]!.p50} vs ${one[k]!.p50}`);
    }
    // And by hand from the input: 5 windows × 3 hosts, 400 points each.
    assert.equal(rows.length, 15);
    for (const r of rows) assert.equal(r.n, 400);
    const want = new Map<string, number>();
    input
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { time: string; host: string; v: number })
      .forEach((p) => {
        const k = `${new Date(Math.floor(Date.parse(p.time) / 60_000) * 60_000).toISOString()}|${p.host}`;
        want.set(k, (want.get(k) ?? 0) + p.v);
      });
    for (const r of rows) assert.equal(r.total, want.get(`${r.time}|${r.host}`));
  });

  it('fails loudly, naming the topic and brokers, when the broker is unreachable (writing: past retry_for)', () => {
    const r = flume("emit(limit=3) | write('kafka', topic='nowhere', brokers='127.0.0.1:1', retry_for='2s')");
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /cannot connect to kafka topic `nowhere` at 127\.0\.0\.1:1/);
    assert.match(r.stderr, /retry_for/);
    const read = flume("read('kafka', topic='nowhere', brokers='127.0.0.1:1')");
    assert.equal(read.status, 1, read.stderr);
    assert.match(read.stderr, /error\[kafka-read\]: read \(1:1\): cannot connect to kafka topic `nowhere` at 127\.0\.0\.1:1/);
  });

  it('loses nothing when the broker stops and starts mid-write: the writer stalls, then recovers', async () => {
    const topic = topicName('outage');
    const n = 20_000;
    // Make the topic first, so the outage hits a running producer.
    const made = flume(`emit(points=[{i:-1}]) | write('kafka', topic='${topic}', partitions=1)`);
    assert.equal(made.status, 0, made.stderr);
    const inFile = join(tmp, 'outage.jsonl');
    writeFileSync(inFile, points(n));
    // 20,000 points 1 ms apart at speed=2: about ten seconds of writing.
    const writer = start(`read('stdio', file='${inFile}') | pace(speed=2) | write('kafka', topic='${topic}', linger='20ms')`);
    await sleep(2500);
    const svc = join(root, 'scripts', 'services', 'kafka.sh');
    const stop = spawnSync(svc, ['stop'], { encoding: 'utf8' });
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal(writer.exitCode, null, 'the writer finished before the broker went down: no outage to survive');
    await sleep(3000);
    const up = spawnSync(svc, ['start'], { encoding: 'utf8' });
    assert.equal(up.status, 0, up.stderr);
    const code = await exited(writer);
    assert.equal(code, 0, writer.stderrText());
    const r = flume(`read('kafka', topic='${topic}', from='earliest', follow=false) | filter(i >= 0)`);
    assert.equal(r.status, 0, r.stderr);
    const got = new Set(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { i: number }).i));
    assert.equal(got.size, n);
  });
});
