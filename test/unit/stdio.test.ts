/** The stdio adapter, driven directly with stub contexts against temp files. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { stdio } from '../../src/adapters/stdio.js';
import { formats } from '../../src/adapters/formats/index.js';
import type { CreateContext } from '../../src/runtime/defs.js';
import type { SourceOutput } from '../../src/runtime/component.js';
import { SystemClock, VirtualClock } from '../../src/runtime/clock.js';
import { FlumeError } from '../../src/lang/diagnostics.js';
import type { Point } from '../../src/runtime/point.js';

const NOW = Date.parse('2020-01-01T00:00:00Z');
const T = Date.parse('2016-07-17T13:59:44Z');

interface Stub extends CreateContext {
  drops: [string, string | undefined][];
  controller: AbortController;
  stdoutText(): string;
}

function ctxStub(o: { stdin?: string | Buffer; stdout?: Writable; clock?: SystemClock | VirtualClock } = {}): Stub {
  const controller = new AbortController();
  const drops: [string, string | undefined][] = [];
  const chunks: Buffer[] = [];
  const stdout = o.stdout ?? new PassThrough();
  if (o.stdout === undefined) stdout.on('data', (c: Buffer) => chunks.push(c));
  return {
    drops,
    controller,
    stdoutText: () => Buffer.concat(chunks).toString('utf8'),
    clock: o.clock ?? new VirtualClock(NOW),
    now: NOW,
    signal: controller.signal,
    drop: (reason, example) => void drops.push([reason, example]),
    warn: () => {},
    stats: { name: 'read', where: '1:1', in: 0, out: 0, drops: {}, dropExamples: {}, warnings: {} },
    sharedInput: false,
    log: () => {},
    io: { stdin: Readable.from(o.stdin === undefined ? [] : [Buffer.from(o.stdin)]), stdout },
    env: {},
    services: {
      reducer: () => undefined,
      reducerNames: () => [],
      format: (name: string) => formats.find((f) => f.name === name),
      formatNames: () => formats.map((f) => f.name),
      compileExpr: () => {
        throw new Error('not needed');
      },
      adapter: () => undefined,
      adapterNames: () => [],
      env: {},
    },
  };
}

interface Out extends SourceOutput {
  batches: Point[][];
  marks: number[];
  points(): Point[];
  done: boolean;
}

/** A SourceOutput that records batches; `stopAfter` points makes it done (like head). */
function outStub(stopAfter = Infinity): Out {
  const batches: Point[][] = [];
  const marks: number[] = [];
  const o: Out = {
    batches,
    marks,
    done: false,
    points: () => batches.flat(),
    flushed: () => Promise.resolve(),
    push(batch) {
      batches.push([...batch]);
      if (o.points().length >= stopAfter) o.done = true;
    },
    mark(w) {
      marks.push(w);
    },
  };
  return o;
}

/** The resolver's defaults for read('stdio', ...), merged with `opts`. */
function readOpts(opts: Record<string, unknown>): Record<string, unknown> {
  return { file: '-', follow: false, start_at: 'beginning', poll: { months: 0, ms: 250 }, compression: 'auto', strip_ansi: false, on_error: 'skip', time: 'time', time_unit: 's', ...opts };
}

async function read(opts: Record<string, unknown>, ctx = ctxStub(), out = outStub()): Promise<Point[]> {
  await stdio.read!.create(readOpts(opts), ctx).run(out);
  return out.points();
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'flume-stdio-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const at = (name: string): string => join(dir, name);

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('stdio read', () => {
  it('stops reading a silent stdin when the run is aborted, keeping what came and counting the cut line', async () => {
    const ctx = ctxStub();
    const stdin = new PassThrough();
    ctx.io.stdin = stdin;
    stdin.write('{"n":1}\n{"n":');
    const out = outStub();
    const running = stdio.read!.create(readOpts({}), ctx).run(out);
    await until(() => out.points().length === 1, 'the first line');
    ctx.controller.abort();
    await running;
    assert.deepEqual(out.points(), [{ n: 1 }]);
    assert.equal(ctx.drops.length, 1);
    assert.equal(ctx.drops[0]![0], 'malformed');
    assert.equal(stdin.destroyed, false, 'stdin belongs to the process, not to the read');
  });

  it('reads stdin as jsonl by default, parsing and moving the time field', async () => {
    const ctx = ctxStub({ stdin: '{"host":"a","time":"2016-07-17T13:59:44Z","v":1}\n{"v":2}\n' });
    assert.deepEqual(await read({}, ctx), [{ host: 'a', time: T, v: 1 }, { v: 2 }]);
  });

  it('reads a file; the format comes from the extension', async () => {
    writeFileSync(at('data.csv'), 'time,cpu\n2016-07-17T13:59:44Z,5\n');
    assert.deepEqual(await read({ file: at('data.csv') }), [{ time: T, cpu: 5 }]);
    writeFileSync(at('notes.txt'), 'hello\n');
    assert.deepEqual(await read({ file: at('notes.txt') }), [{ message: 'hello' }]);
    writeFileSync(at('arr.json'), '[{"a":1}]');
    assert.deepEqual(await read({ file: at('arr.json') }), [{ a: 1 }]);
    writeFileSync(at('lines.json'), '{"a":1}\n{"a":2}\n');
    assert.deepEqual(await read({ file: at('lines.json') }), [{ a: 1 }, { a: 2 }]);
  });

  it('reads every file of a glob in sorted order', async () => {
    writeFileSync(at('g-b.jsonl'), '{"f":"b"}\n');
    writeFileSync(at('g-a.jsonl'), '{"f":"a1"}\n{"f":"a2"}\n');
    writeFileSync(at('g-c.jsonl'), '{"f":"c"}');
    writeFileSync(at('g-d.txt'), 'not matched\n');
    assert.deepEqual((await read({ file: at('g-*.jsonl') })).map((p) => p.f), ['a1', 'a2', 'b', 'c']);
  });

  it('a missing file, or a glob matching nothing, is a runtime error', async () => {
    await assert.rejects(read({ file: at('nope.jsonl') }), (e: unknown) => e instanceof FlumeError && e.exitCode === 1 && e.message === `no such file: ${at('nope.jsonl')}`);
    await assert.rejects(read({ file: at('zz-*.jsonl') }), (e: unknown) => e instanceof FlumeError && e.exitCode === 1 && e.message.startsWith(`no such file: ${at('zz-*.jsonl')}`));
  });

  it('an unknown format is a compile error', () => {
    assert.throws(
      () => stdio.read!.create(readOpts({ format: 'jsnl' }), ctxStub()),
      (e: unknown) => e instanceof FlumeError && e.exitCode === 2 && e.diagnostic.hints.includes('did you mean `jsonl`?'),
    );
    // format option errors surface when the read is created (compile time)
    assert.throws(() => stdio.read!.create(readOpts({ format: 'grok', pattern: '%{NOPE}' }), ctxStub()), FlumeError);
  });

  it('decompresses gzip by extension, or when asked', async () => {
    writeFileSync(at('z.jsonl.gz'), gzipSync('{"a":1}\n{"a":2}\n'));
    assert.deepEqual(await read({ file: at('z.jsonl.gz') }), [{ a: 1 }, { a: 2 }]);
    writeFileSync(at('z.log.gz'), gzipSync('line one\nline two'));
    assert.deepEqual(await read({ file: at('z.log.gz') }), [{ message: 'line one' }, { message: 'line two' }]);
    writeFileSync(at('packed'), gzipSync('{"b":1}\n'));
    assert.deepEqual(await read({ file: at('packed'), compression: 'gzip' }), [{ b: 1 }]);
    const ctx = ctxStub({ stdin: gzipSync('{"c":1}\n') });
    assert.deepEqual(await read({ compression: 'gzip' }, ctx), [{ c: 1 }]);
    writeFileSync(at('bad.jsonl.gz'), 'not gzip at all');
    await assert.rejects(read({ file: at('bad.jsonl.gz') }), (e: unknown) => e instanceof FlumeError && /bad\.jsonl\.gz: gzip: /.test(e.message));
  });

  it('stops reading when downstream is done (head)', async () => {
    // ~6 MB: many chunks; a reader that ignored `done` would push them all.
    const line = JSON.stringify({ pad: 'x'.repeat(100) }) + '\n';
    writeFileSync(at('big.jsonl'), line.repeat(60_000));
    const out = outStub(1);
    await read({ file: at('big.jsonl') }, ctxStub(), out);
    assert.equal(out.batches.length, 1);
    assert.ok(out.points().length < 60_000);
  });

  it('waits for push() promises (backpressure)', async () => {
    writeFileSync(at('bp.jsonl'), ('{"a":1}\n'.repeat(5000) + '{"pad":"' + 'y'.repeat(300_000) + '"}\n').repeat(3));
    let inFlight = 0;
    let maxInFlight = 0;
    const out = outStub();
    const push = out.push.bind(out);
    out.push = (b) => {
      push(b);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise<void>((r) => setTimeout(() => (inFlight--, r()), 2));
    };
    await read({ file: at('bp.jsonl') }, ctxStub(), out);
    assert.equal(maxInFlight, 1);
    assert.equal(out.points().length, 15_003);
  });

  it('on_error: skip counts, keep emits {_raw,_error,_line}, fail names file and line', async () => {
    writeFileSync(at('m.jsonl'), '{"a":1}\noops\n{"a":2}\n');
    const ctx = ctxStub();
    assert.deepEqual(await read({ file: at('m.jsonl') }, ctx), [{ a: 1 }, { a: 2 }]);
    assert.equal(ctx.drops.length, 1);
    assert.match(ctx.drops[0]![1]!, /m\.jsonl:2: invalid JSON/);
    const kept = await read({ file: at('m.jsonl'), on_error: 'keep' });
    assert.equal(kept.length, 3);
    assert.equal(kept[1]!._raw, 'oops');
    assert.equal(kept[1]!._line, 2);
    await assert.rejects(read({ file: at('m.jsonl'), on_error: 'fail' }), (e: unknown) => e instanceof FlumeError && e.exitCode === 1 && e.message.includes(`${at('m.jsonl')}:2:`));
  });

  it('an unparseable time makes the record malformed', async () => {
    writeFileSync(at('t.jsonl'), '{"time":"2016-07-17T13:59:44Z"}\n{"time":"not a time","x":1}\n{"time":true}\n');
    const ctx = ctxStub();
    assert.deepEqual(await read({ file: at('t.jsonl') }, ctx), [{ time: T }]);
    assert.deepEqual(ctx.drops.map((d) => d[0]), ['malformed', 'malformed']);
    assert.match(ctx.drops[0]![1]!, /t\.jsonl:2: unparseable time "not a time" in field `time`/);
    const kept = await read({ file: at('t.jsonl'), on_error: 'keep' });
    assert.deepEqual(kept.slice(1), [
      { _raw: '{"time":"not a time","x":1}', _error: 'unparseable time "not a time" in field `time`', _line: 2 },
      { _raw: '{"time":true}', _error: 'unparseable time true in field `time`', _line: 3 },
    ]);
  });

  it('time=, time_unit, time=null, from/to', async () => {
    writeFileSync(at('e.jsonl'), '{"ts":1468763984,"v":1}\n{"ts":1468763985.5,"v":2}\n{"v":3}\n{"ts":null,"v":4}\n');
    assert.deepEqual(await read({ file: at('e.jsonl'), time: 'ts' }), [{ v: 1, time: T }, { v: 2, time: T + 1500 }, { v: 3 }, { v: 4 }]);
    writeFileSync(at('ms.jsonl'), `{"t":{"ms":${T}}}\n`);
    assert.deepEqual(await read({ file: at('ms.jsonl'), time: 't.ms', time_unit: 'ms' }), [{ t: {}, time: T }]);
    // the resolver may give a field option as a path
    assert.deepEqual(await read({ file: at('ms.jsonl'), time: ['t', 'ms'], time_unit: 'ms' }), [{ t: {}, time: T }]);
    writeFileSync(at('keep.jsonl'), '{"time":"2016-07-17T13:59:44Z"}\n');
    assert.deepEqual(await read({ file: at('keep.jsonl'), time: null }), [{ time: '2016-07-17T13:59:44Z' }]);
    writeFileSync(at('range.jsonl'), [0, 1, 2, 3].map((i) => JSON.stringify({ time: (T + i * 1000) / 1000 })).join('\n'));
    assert.deepEqual(
      (await read({ file: at('range.jsonl'), from: T + 1000, to: T + 3000 })).map((p) => p.time),
      [T + 1000, T + 2000],
    );
  });

  it('strip_ansi removes terminal colours', async () => {
    const ctx = ctxStub({ stdin: '\u001b[31merror\u001b[0m: disk full\nplain\n' });
    assert.deepEqual(await read({ format: 'text', strip_ansi: true }, ctx), [{ message: 'error: disk full' }, { message: 'plain' }]);
  });

  it('grok through the adapter, with the time field parsed', async () => {
    writeFileSync(at('sys.log'), '2016-07-17T13:59:44Z web-1 sshd[12]: hello\n');
    assert.deepEqual(await read({ file: at('sys.log'), format: 'grok', pattern: '%{TIMESTAMP_ISO8601:time} %{SYSLOGHOST:host} %{SYSLOGPROG}: %{GREEDYDATA:message}' }), [
      { time: T, host: 'web-1', program: 'sshd', pid: '12', message: 'hello' },
    ]);
  });

  it("grok access logs: time='timestamp' parses the HTTPDATE form; syslog years are inferred", async () => {
    writeFileSync(at('access.log'), '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 512\n');
    const [p] = await read({ file: at('access.log'), format: 'grok', pattern: '%{COMMONAPACHELOG}', time: 'timestamp' });
    assert.equal(p!.time, Date.parse('2000-10-10T20:55:36Z'));
    assert.equal(p!.timestamp, undefined);
    assert.equal(p!.bytes, '512');
    writeFileSync(at('syslog.log'), 'Jul 17 13:59:44 web-1 cron[7]: ran\n');
    const [q] = await read({ file: at('syslog.log'), format: 'grok', pattern: '%{SYSLOGLINE}', time: 'timestamp' });
    // the latest year that does not put the point after :now: (2020-01-01)
    assert.equal(q!.time, Date.parse('2019-07-17T13:59:44Z'));
  });

  it('follow: appended data, partial lines, rotation and truncation; stops on abort', async () => {
    const file = at('follow.jsonl');
    writeFileSync(file, '{"n":1}\n{"n":2');
    const ctx = ctxStub({ clock: new SystemClock() });
    const out = outStub();
    const running = stdio.read!.create(readOpts({ file, follow: true, poll: { months: 0, ms: 10 }, time: null }), ctx).run(out);
    const ns = (): unknown[] => out.points().map((p) => p.n);
    await until(() => ns().length === 1, 'the first line');
    appendFileSync(file, '}\n{"n":3}\n');
    await until(() => ns().length === 3, 'appended lines');
    // rotation: the old file moves away (and still gets a last line), a new one takes the name
    appendFileSync(file, '{"n":4}\n');
    renameSync(file, file + '.1');
    writeFileSync(file, '{"n":5}\n');
    await until(() => ns().length === 5, 'the rotated file');
    // truncation (copytruncate): read again from the start
    truncateSync(file, 0);
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(file, '{"n":6}\n');
    await until(() => ns().length === 6, 'data after truncation');
    ctx.controller.abort();
    await running;
    assert.deepEqual(ns(), [1, 2, 3, 4, 5, 6]);
  });

  it('follow: points without the time field are stamped on arrival; idle marks the watermark', async () => {
    const file = at('live.log');
    writeFileSync(file, 'started\n');
    const clock = new SystemClock();
    const ctx = ctxStub({ clock });
    const out = outStub();
    const before = clock.now();
    const running = stdio.read!.create(readOpts({ file, format: 'text', follow: true, poll: { months: 0, ms: 10 } }), ctx).run(out);
    await until(() => out.points().length === 1 && out.marks.length > 0, 'a point and a mark');
    ctx.controller.abort();
    await running;
    const t = out.points()[0]!.time!;
    assert.ok(typeof t === 'number' && t >= before && t <= clock.now());
    assert.ok(out.marks[0]! >= t);
  });

  it('follow with start_at=end reads only new data', async () => {
    const file = at('tail.jsonl');
    writeFileSync(file, '{"n":1}\n');
    const ctx = ctxStub({ clock: new SystemClock() });
    const out = outStub();
    const running = stdio.read!.create(readOpts({ file, follow: true, start_at: 'end', poll: { months: 0, ms: 10 } }), ctx).run(out);
    await new Promise((r) => setTimeout(r, 40));
    appendFileSync(file, '{"n":2}\n');
    await until(() => out.points().length === 1, 'the appended line');
    ctx.controller.abort();
    await running;
    assert.equal(out.points()[0]!.n, 2);
  });
});

function writeOpts(opts: Record<string, unknown>): Record<string, unknown> {
  return { file: '-', append: false, compression: 'auto', ...opts };
}

describe('stdio write', () => {
  it('flush() hands what was written to the file before end (plain and gzip)', async () => {
    const ctx = ctxStub();
    const s = stdio.write!.create(writeOpts({ file: at('flushed.jsonl') }), ctx);
    await s.write([{ n: 1 }]);
    await s.flush!();
    assert.equal(readFileSync(at('flushed.jsonl'), 'utf8'), '{"n":1}\n');
    await s.write([{ n: 2 }]);
    await s.end();
    assert.equal(readFileSync(at('flushed.jsonl'), 'utf8'), '{"n":1}\n{"n":2}\n');
    const g = stdio.write!.create(writeOpts({ file: at('flushed.jsonl.gz') }), ctx);
    await g.write([{ n: 1 }]);
    await g.flush!();
    // A gzip sync flush makes every byte so far decodable from the file, before the stream ends.
    const partial = createGunzip();
    const text = await new Promise<string>((resolve) => {
      let acc = '';
      partial.on('data', (b: Buffer) => (acc += b.toString()));
      partial.on('error', () => resolve(acc));
      partial.on('end', () => resolve(acc));
      partial.end(readFileSync(at('flushed.jsonl.gz')));
    });
    assert.equal(text, '{"n":1}\n');
    await g.end();
  });

  it('writes jsonl to stdout, one string per batch, time first', async () => {
    const ctx = ctxStub();
    const sink = stdio.write!.create(writeOpts({}), ctx);
    await sink.write([{ a: 1, time: T }, { b: 2 }]);
    await sink.write([]);
    await sink.end();
    await new Promise((r) => setImmediate(r));
    assert.equal(ctx.stdoutText(), '{"time":"2016-07-17T13:59:44.000Z","a":1}\n{"b":2}\n');
  });

  it('writes files (format by extension), appends, and gzips', async () => {
    const ctx = ctxStub();
    let s = stdio.write!.create(writeOpts({ file: at('o.csv') }), ctx);
    await s.write([{ a: 1, b: 'x y' }]);
    await s.end();
    assert.equal(readFileSync(at('o.csv'), 'utf8'), 'a,b\n1,x y\n');
    s = stdio.write!.create(writeOpts({ file: at('o.jsonl'), append: true }), ctx);
    await s.write([{ n: 1 }]);
    await s.end();
    s = stdio.write!.create(writeOpts({ file: at('o.jsonl'), append: true }), ctx);
    await s.write([{ n: 2 }]);
    await s.end();
    assert.equal(readFileSync(at('o.jsonl'), 'utf8'), '{"n":1}\n{"n":2}\n');
    s = stdio.write!.create(writeOpts({ file: at('o.jsonl') }), ctx);
    await s.write([{ n: 3 }]);
    await s.end();
    assert.equal(readFileSync(at('o.jsonl'), 'utf8'), '{"n":3}\n');
    s = stdio.write!.create(writeOpts({ file: at('o.jsonl.gz') }), ctx);
    await s.write([{ z: 1 }]);
    await s.write([{ z: 2 }]);
    await s.end();
    assert.equal(gunzipSync(readFileSync(at('o.jsonl.gz'))).toString(), '{"z":1}\n{"z":2}\n');
    // and the reader reads it back
    assert.deepEqual(await read({ file: at('o.jsonl.gz') }), [{ z: 1 }, { z: 2 }]);
  });

  it('json writes [] when there are no points, and the file is created at end', async () => {
    const s = stdio.write!.create(writeOpts({ file: at('empty.json') }), ctxStub());
    await s.end();
    assert.equal(readFileSync(at('empty.json'), 'utf8'), '[]\n');
    const ctx = ctxStub();
    const t = stdio.write!.create(writeOpts({ format: 'json' }), ctx);
    await t.end();
    await new Promise((r) => setImmediate(r));
    assert.equal(ctx.stdoutText(), '[]\n');
  });

  it('a file that cannot be opened is a runtime error', async () => {
    const s = stdio.write!.create(writeOpts({ file: at('no/such/dir/x.jsonl') }), ctxStub());
    assert.throws(() => s.write([{ a: 1 }]), (e: unknown) => e instanceof FlumeError && e.exitCode === 1);
  });

  it('respects backpressure: write() returns a promise until the stream drains', async () => {
    let pending: (() => void)[] = [];
    const slow = new Writable({
      highWaterMark: 16,
      write(_chunk, _enc, cb) {
        pending.push(cb);
      },
    });
    const s = stdio.write!.create(writeOpts({}), ctxStub({ stdout: slow }));
    const r = s.write([{ a: 'x'.repeat(100) }]);
    assert.ok(r instanceof Promise);
    let resolved = false;
    void r.then(() => (resolved = true));
    await new Promise((res) => setImmediate(res));
    assert.equal(resolved, false);
    const cbs = pending;
    pending = [];
    for (const cb of cbs) cb();
    await r;
    assert.equal(resolved, true);
  });

  it('EPIPE on stdout ends output quietly', async () => {
    const broken = new Writable({
      write(_chunk, _enc, cb) {
        const e = new Error('write EPIPE') as NodeJS.ErrnoException;
        e.code = 'EPIPE';
        cb(e);
      },
    });
    const s = stdio.write!.create(writeOpts({}), ctxStub({ stdout: broken }));
    await s.write([{ a: 1 }]);
    await new Promise((r) => setImmediate(r));
    await s.write([{ a: 2 }]);
    await s.end();
  });
});
