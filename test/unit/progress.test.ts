/** The progress line of long file reads: shown only on a terminal, only for long reads, throttled, cleared at the end. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readProgress, ReadProgress, progressSettings } from '../../src/adapters/progress.js';

function target(isTTY: boolean, columns = 100) {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (t: string) => (writes.push(t), true) };
}

describe('read progress', () => {
  it('is off when stderr is not a terminal, or with FLUME_PROGRESS=0', () => {
    assert.equal(readProgress('x', 10, {}, target(false)), undefined);
    assert.equal(readProgress('x', 10, { FLUME_PROGRESS: '0' }, target(true)), undefined);
    assert.ok(readProgress('x', 10, {}, target(true)) instanceof ReadProgress);
  });

  it('stays silent for a short read, then shows bytes of total and points/s at most every everyMs', () => {
    let now = 0;
    const t = target(true);
    const p = new ReadProgress('big.jsonl', 4_000_000, t, () => now);
    now = progressSettings.delayMs - 1;
    p.update(1_000_000, 10_000);
    assert.deepEqual(t.writes, [], 'nothing before the delay');
    now = 2000;
    p.update(1_000_000, 10_000);
    // 1 MB of 4 MB after 2 s: 25 %, 10,000 points at 5,000 points/s.
    assert.deepEqual(t.writes, ['\r\x1b[Kbig.jsonl: 1.0 MB of 4.0 MB (25%), 10,000 points, 5,000 points/s']);
    now += progressSettings.everyMs - 1;
    p.update(2_000_000, 20_000);
    assert.equal(t.writes.length, 1, 'throttled');
    now = 4000;
    p.update(3_000_000, 30_000);
    assert.equal(t.writes[1], '\r\x1b[Kbig.jsonl: 3.0 MB of 4.0 MB (75%), 30,000 points, 7,500 points/s');
    p.done();
    assert.equal(t.writes[2], '\r\x1b[K', 'the line is cleared at the end');
  });

  it('never wraps: a line wider than the terminal is cut', () => {
    let now = 0;
    const t = target(true, 30);
    const p = new ReadProgress('/a/very/long/path/to/a/file.jsonl', 100, t, () => now);
    now = 5000;
    p.update(50, 5);
    assert.equal(t.writes[0]!.length - '\r\x1b[K'.length, 29);
  });

  it('a read that never showed a line clears nothing', () => {
    const t = target(true);
    new ReadProgress('x', 1, t, () => 0).done();
    assert.deepEqual(t.writes, []);
  });
});
