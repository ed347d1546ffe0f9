/**
 * The shared sink machinery (src/runtime/batch-sink.ts) against a fake
 * destination: batching, the flush timer, backpressure, retry then fail,
 * outage and recovery reported once, rejections to errors=file:, drain.
 * test/integration/sink-conformance.test.ts runs the same promises against
 * every real sink built on it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchSink, Refusal, type BatchSinkConfig, type Destination, type SendResult } from '../../src/runtime/batch-sink.js';
import type { RunContext } from '../../src/runtime/component.js';
import { SystemClock } from '../../src/runtime/clock.js';
import type { Point } from '../../src/runtime/point.js';
import { Registry } from '../../src/registry.js';
import { compile } from '../../src/compile.js';
import { retriesAsDuration } from '../../src/adapters/elastic/write.js';

const tmp = mkdtempSync(join(tmpdir(), 'flume-batch-sink-'));

class Retryable extends Error {}

interface FakeCtx extends RunContext {
  warnings: { kind: string; message: string }[];
  logs: string[];
  failed: Error[];
}

function fakeCtx(): FakeCtx {
  const stats = { name: 'write', where: '1:1', in: 0, out: 0, drops: {} as Record<string, number>, dropExamples: {} as Record<string, string>, warnings: {} };
  const ctx: FakeCtx = {
    clock: new SystemClock(),
    now: Date.now(),
    signal: new AbortController().signal,
    stats,
    sharedInput: false,
    io: { stdin: process.stdin, stdout: process.stdout },
    env: {},
    warnings: [],
    logs: [],
    failed: [],
    drop(reason, example, n = 1) {
      stats.drops[reason] = (stats.drops[reason] ?? 0) + n;
      if (example !== undefined) stats.dropExamples[reason] ??= example;
    },
    warn(kind, message) {
      ctx.warnings.push({ kind, message });
    },
    log(message) {
      ctx.logs.push(message);
    },
    fail(e) {
      ctx.failed.push(e);
    },
  };
  return ctx;
}

/** A destination that records every batch; `behave` decides each send's fate. */
class FakeDestination implements Destination<string> {
  readonly batches: string[][] = [];
  calls = 0;
  closed = false;
  constructor(private readonly behave: (items: readonly string[], call: number) => Promise<SendResult | void> | SendResult | void = () => undefined) {}
  encode(p: Point): string | Refusal {
    if (p['empty'] === true) return new Refusal('nothing to send', 'empty', false);
    if (p['unencodable'] === true) return new Refusal('cannot encode');
    return JSON.stringify(p);
  }
  size(item: string): number {
    return item.length;
  }
  async send(items: readonly string[]): Promise<SendResult | void> {
    const r = await this.behave(items, this.calls++);
    this.batches.push([...items]);
    return r;
  }
  retryable(e: unknown): boolean {
    return e instanceof Retryable;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function config(over: Partial<BatchSinkConfig> = {}): BatchSinkConfig {
  return {
    adapter: 'fake',
    server: 'the fake server',
    batchSize: 3,
    batchBytes: 1_000_000,
    flushMs: 3_600_000,
    buffer: 100,
    retryForMs: 60_000,
    backoffMaxMs: 20,
    errors: undefined,
    failure: (message, hints) => Object.assign(new Error(message), { hints }),
    ...over,
  };
}

const pts = (n: number, from = 0): Point[] => Array.from({ length: n }, (_, i) => ({ i: from + i }));
const sent = (d: FakeDestination): number[] => d.batches.flat().map((s) => (JSON.parse(s) as { i: number }).i);

describe('batch sink machinery', () => {
  it('cuts batches by count, sends the partial last one on end, in order, and closes', async () => {
    const d = new FakeDestination();
    const sink = new BatchSink(d, config(), fakeCtx());
    await sink.write(pts(4));
    await sink.write(pts(3, 4));
    await sink.end();
    assert.deepEqual(d.batches.map((b) => b.length), [3, 3, 1]);
    assert.deepEqual(sent(d), [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(d.closed, true);
  });

  it('cuts batches by bytes', async () => {
    const d = new FakeDestination();
    // {"i":0} is 7 bytes: two make 14 >= 10.
    const sink = new BatchSink(d, config({ batchSize: 1000, batchBytes: 10 }), fakeCtx());
    await sink.write(pts(5));
    await sink.end();
    assert.deepEqual(d.batches.map((b) => b.length), [2, 2, 1]);
  });

  it('sends a partial batch `flush` after its first point, without end', async () => {
    let arrived!: () => void;
    const got = new Promise<void>((r) => (arrived = r));
    const d = new FakeDestination(() => arrived());
    const sink = new BatchSink(d, config({ batchSize: 1000, flushMs: 20 }), fakeCtx());
    await sink.write(pts(2));
    assert.equal(d.calls, 0);
    await got;
    assert.equal(d.calls, 1);
    await sink.end();
    assert.deepEqual(sent(d), [0, 1]);
  });

  it('makes the pipeline wait once `buffer` points wait, and lets it go on once they are sent', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const d = new FakeDestination(() => gate);
    const sink = new BatchSink(d, config({ batchSize: 2, buffer: 4 }), fakeCtx());
    assert.equal(sink.write(pts(4)), undefined, 'within the buffer: no waiting');
    const blocked = sink.write(pts(2, 4));
    assert.ok(blocked instanceof Promise, 'over the buffer: write returns a promise');
    let done = false;
    void blocked.then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false, 'still waiting while the destination holds the first batch');
    release();
    await blocked;
    await sink.end();
    assert.deepEqual(sent(d), [0, 1, 2, 3, 4, 5]);
  });

  it('flush() resolves once everything given so far is acknowledged', async () => {
    const d = new FakeDestination();
    const sink = new BatchSink(d, config({ batchSize: 1000 }), fakeCtx());
    await sink.write(pts(5));
    assert.equal(d.calls, 0);
    await sink.flush();
    assert.deepEqual(sent(d), [0, 1, 2, 3, 4]);
    await sink.end();
  });

  it('retries a failing request, reports the outage and the recovery once each, loses nothing', async () => {
    const d = new FakeDestination((_, call) => {
      if (call < 4) throw new Retryable('connection refused');
    });
    const ctx = fakeCtx();
    const sink = new BatchSink(d, config(), ctx);
    await sink.write(pts(7));
    await sink.end();
    assert.deepEqual(sent(d), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(ctx.warnings.map((w) => w.kind), ['outage', 'recovered']);
    assert.match(ctx.warnings[0]!.message, /cannot write to the fake server \(connection refused\); retrying with backoff for up to 60 s \(retry_for=\)/);
    assert.match(ctx.warnings[1]!.message, /the fake server is back after .* \(4 retries\); nothing was lost/);
    assert.equal(sink.counts.retries, 4);
  });

  it('gives up after retry_for: the run fails loudly, naming the destination and the cause', async () => {
    const d = new FakeDestination(() => {
      throw new Retryable('connection refused');
    });
    const ctx = fakeCtx();
    const sink = new BatchSink(d, config({ retryForMs: 150 }), ctx);
    await sink.write(pts(2));
    await assert.rejects(sink.end(), (e: Error & { hints: string[] }) => {
      assert.match(e.message, /^write fake: cannot write to the fake server: connection refused$/);
      assert.match(e.hints[0]!, /gave up after retrying for .* \(retry_for=0.2 s\)/);
      assert.match(e.hints[1]!, /2 points not sent; 0 were sent before/);
      return true;
    });
    assert.equal(ctx.failed.length, 1, 'the run is failed even when no write comes');
    assert.equal(ctx.warnings.filter((w) => w.kind === 'outage').length, 1);
    assert.equal(d.closed, true);
    assert.throws(() => sink.write(pts(1)), /cannot write to the fake server/);
  });

  it('fails at once on a failure that does not pass by waiting', async () => {
    const d = new FakeDestination(() => {
      throw new Error('401 unauthorized');
    });
    const sink = new BatchSink(d, config(), fakeCtx());
    await sink.write(pts(1));
    await assert.rejects(sink.flush(), (e: Error & { hints: string[] }) => /401 unauthorized/.test(e.message) && /not retried/.test(e.hints[0]!));
  });

  it('routes refused points to errors=file: as JSON lines with _error, and counts them', async () => {
    const path = join(tmp, 'refused.jsonl');
    const d = new FakeDestination((items) => ({ rejected: items.flatMap((s, index) => (s.includes('"i":1}') ? [{ index, reason: 'field type conflict', status: 400 }] : [])) }));
    const ctx = fakeCtx();
    const sink = new BatchSink(d, config({ errors: { kind: 'file', path } }), ctx);
    await sink.write([...pts(3), { i: 9, unencodable: true }, { i: 8, empty: true }]);
    await sink.end();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines, [
      { i: 9, unencodable: true, _error: 'cannot encode' },
      { i: 1, _error: 'field type conflict' },
    ]);
    assert.equal(sink.counts.rejected, 2);
    assert.equal(sink.counts.sent, 2);
    assert.deepEqual(ctx.stats.drops, { empty: 1 }, 'a point with nothing to send is counted, not routed');
    assert.deepEqual(ctx.logs, [`write fake: 2 of 4 points rejected by the fake server, sent to file ${path}`]);
  });

  it('counts refused points as dropped without errors=', async () => {
    const d = new FakeDestination((items) => ({ rejected: items.map((_, index) => ({ index, reason: 'bad' })) }));
    const ctx = fakeCtx();
    const sink = new BatchSink(d, config(), ctx);
    await sink.write(pts(2));
    await sink.end();
    assert.deepEqual(ctx.stats.drops, { rejected: 2 });
    assert.match(ctx.logs[0]!, /2 of 2 points rejected by the fake server, counted as dropped \(set errors= to keep them\)/);
  });

  it('sends again only the points the destination shed (per-item 429), with backoff', async () => {
    const d = new FakeDestination((items, call) => (call === 0 ? { retry: [1], retryReason: '429 too many requests' } : undefined));
    const ctx = fakeCtx();
    const sink = new BatchSink(d, config(), ctx);
    await sink.write(pts(3));
    await sink.end();
    assert.deepEqual(d.batches, [['{"i":0}', '{"i":1}', '{"i":2}'], ['{"i":1}']]);
    assert.equal(sink.counts.sent, 3);
    assert.match(ctx.warnings[0]!.message, /1 points refused for now: 429 too many requests/);
  });
});

describe('the shared sink options', () => {
  const reg = Registry.builtin();
  const writeOpts = (program: string) => compile(program, reg, { implicitSink: null }).plan.nodes.find((n) => n.def.name === 'write')!.opts;

  it("every network sink takes the same options (one schema fragment), with the sink's defaults", () => {
    for (const adapter of ['kafka', 'elastic', 'http', 'influxdb']) {
      const options = reg.adapter(adapter)!.write!.options;
      for (const name of ['batch_size', 'batch_bytes', 'flush', 'buffer', 'retry_for', 'errors']) assert.ok(options[name], `${adapter} lacks ${name}`);
    }
    assert.deepEqual(writeOpts("emit(limit=1) | write('kafka', topic='t')")['flush'], { months: 0, ms: 100 });
    assert.deepEqual(writeOpts("emit(limit=1) | write('http', url='http://127.0.0.1:1/')")['flush'], { months: 0, ms: 1000 });
  });

  it("accepts kafka's older `linger` for flush, and refuses both at once", () => {
    assert.deepEqual(writeOpts("emit(limit=1) | write('kafka', topic='t', linger='20ms')")['flush'], { months: 0, ms: 20 });
    assert.throws(
      () => writeOpts("emit(limit=1) | write('kafka', topic='t', linger='20ms', flush='1s')"),
      /option `flush` given twice \(`flush` is another name for it\)|option `flush` given twice/,
    );
  });

  it("turns elastic's older retries= into the retry_for those retries take at most", () => {
    // 100, 200, 400, 800, 1600 ms, then backoff_max (2 s) for the rest.
    assert.equal(retriesAsDuration(7, 2000), 100 + 200 + 400 + 800 + 1600 + 2000 + 2000);
  });

  it("takes errors='file:path' everywhere and a destination's own target only where it has one", () => {
    assert.throws(() => writeOpts("emit(limit=1) | write('http', url='http://127.0.0.1:1/', errors='bad-index')"), /write\('http'\) sends rejected points to a file only/);
    assert.throws(() => writeOpts("emit(limit=1) | write('http', url='http://127.0.0.1:1/', errors='file:')"), /needs a path/);
    assert.equal(writeOpts("emit(limit=1) | write('elastic', index='x', errors='bad-docs')")['errors'], 'bad-docs');
  });
});
