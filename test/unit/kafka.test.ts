/** The kafka adapter's pure parts: options, keys, record codecs, Avro. The broker itself: test/integration/kafka.test.ts. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBrokers } from '../../src/adapters/kafka/client.js';
import { recordKeyOf } from '../../src/adapters/kafka/sink.js';
import { Malformed, makeDecoder, makeEncoder } from '../../src/adapters/kafka/codec.js';
import { avroType, loadAvroSchema } from '../../src/adapters/kafka/avro.js';
import { FlumeError } from '../../src/lang/diagnostics.js';
import { compileError } from '../helpers.js';

const schema = {
  type: 'record',
  name: 'E',
  fields: [
    { name: 'time', type: 'long' },
    { name: 'host', type: 'string' },
    { name: 'n', type: 'int', default: 7 },
  ],
};

describe('kafka adapter', () => {
  it('takes brokers as a list or a comma-separated string, and rejects what is not host:port', () => {
    assert.deepEqual(parseBrokers('a:9092, b:9093'), ['a:9092', 'b:9093']);
    assert.deepEqual(parseBrokers(['a:1']), ['a:1']);
    assert.throws(() => parseBrokers(''), /names no broker/);
    assert.throws(() => parseBrokers('localhost'), /not host:port/);
  });

  it('keys a record by one field as text, several as a JSON array, none as null', () => {
    assert.equal(recordKeyOf(['host'])({ host: 'a' }), 'a');
    assert.equal(recordKeyOf(['n'])({ n: 5 }), '5');
    assert.equal(recordKeyOf(['tags.k'])({ tags: { k: 'x' } }), 'x');
    assert.equal(recordKeyOf(['time', 'host'])({ host: 'a', time: 60000 }), '[60000,"a"]');
    assert.equal(recordKeyOf(['host'])({ other: 1 }), null);
    assert.equal(recordKeyOf([])({ host: 'a' }), null);
  });

  it('decodes JSON objects and reports anything else as malformed', () => {
    const dec = makeDecoder('json', undefined, 'message');
    assert.deepEqual(dec(Buffer.from('{"a":1}')), { a: 1 });
    const bad = dec(Buffer.from('[1]'));
    assert.ok(bad instanceof Malformed);
    assert.equal(bad.error, 'not a JSON object');
    assert.ok(dec(Buffer.from('{oops')) instanceof Malformed);
    // A record that happens to have error/raw fields is still a point.
    assert.deepEqual(dec(Buffer.from('{"error":"x","raw":"y"}')), { error: 'x', raw: 'y' });
  });

  it('encodes JSON with time as ISO 8601, and text from the message field (or the whole point)', () => {
    const json = makeEncoder('json', undefined, 'message');
    assert.equal(String(json({ time: 0, v: 1 })), '{"time":"1970-01-01T00:00:00.000Z","v":1}');
    const text = makeEncoder('text', undefined, 'message');
    assert.equal(String(text({ message: 'hello' })), 'hello');
    assert.equal(String(text({ v: 1 })), '{"v":1}');
    assert.deepEqual(makeDecoder('text', undefined, 'message')(Buffer.from('hi')), { message: 'hi' });
  });

  it('round-trips Avro, filling defaults, and names what does not fit the schema', async () => {
    const type = await avroType(schema);
    const enc = makeEncoder('avro', type, 'message');
    const dec = makeDecoder('avro', type, 'message');
    const bytes = enc({ time: 1000, host: 'a', extra: true });
    assert.ok(Buffer.isBuffer(bytes));
    assert.deepEqual(dec(bytes), { time: 1000, host: 'a', n: 7 });
    const bad = enc({ time: 1000, host: 3 });
    assert.equal(typeof bad, 'string');
    assert.match(String(bad), /host=3/);
    assert.ok(dec(Buffer.from([0xff])) instanceof Malformed);
  });

  it('writes time as ISO text when the Avro schema declares it a string', async () => {
    const type = await avroType({ type: 'record', name: 'S', fields: [{ name: 'time', type: 'string' }] });
    const bytes = makeEncoder('avro', type, 'message')({ time: 0 });
    assert.deepEqual(makeDecoder('avro', type, 'message')(bytes as Buffer), { time: '1970-01-01T00:00:00.000Z' });
  });

  it('loads a schema inline or from a .avsc file; a missing file or bad JSON is a compile error', () => {
    assert.deepEqual(loadAvroSchema(JSON.stringify(schema)), schema);
    const f = join(mkdtempSync(join(tmpdir(), 'flume-avsc-')), 'e.avsc');
    writeFileSync(f, JSON.stringify(schema));
    assert.deepEqual(loadAvroSchema(f), schema);
    for (const bad of ['/nonexistent/x.avsc', '{nope', undefined]) {
      assert.throws(
        () => loadAvroSchema(bad),
        (e: unknown) => e instanceof FlumeError && e.exitCode === 2,
      );
    }
  });

  it('reports option mistakes at compile time', () => {
    assert.match(compileError("emit(limit=1) | write('kafka', topic='t', acks='most')") ?? '', /acks="most": use 'all', 1 or 0/);
    assert.match(compileError("emit(limit=1) | write('kafka', topic='t', format='avro')") ?? '', /needs schema=/);
    assert.match(compileError("emit(limit=1) | write('kafka', topic='t', schema='{}')") ?? '', /applies to format='avro' only/);
    assert.match(compileError("read('kafka', topic='t', from='yesterday')") ?? '', /latest|earliest/);
    assert.match(compileError("read('kafka', topic='t', grup='g')") ?? '', /group/);
    assert.match(compileError("read('kafka')") ?? '', /topic/);
    assert.equal(compileError("read('kafka', topic='t', brokers=['a:1','b:2'], group='g', meta=true)"), undefined);
    assert.equal(compileError("emit(limit=1) | write('kafka', topic='t', acks=1, compression='gzip', key=[time, host])"), undefined);
  });
});
