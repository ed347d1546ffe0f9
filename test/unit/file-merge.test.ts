/** The k-way merge of several files by time (SPEC §12.4), with readers made of fixed batches. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergeFilesByTime, type ReadOne } from '../../src/adapters/file-merge.js';
import type { SourceOutput } from '../../src/runtime/component.js';
import type { Point } from '../../src/runtime/point.js';

/** A reader per file name: pushes the given batches in order, awaiting each push. */
function readers(files: Record<string, Point[][]>, failAt?: string): ReadOne {
  return async (file, out) => {
    for (const batch of files[file]!) {
      if (out.done) return;
      const r = out.push(batch.map((p) => ({ ...p })));
      if (r !== undefined) await r;
    }
    if (file === failAt) throw new Error(`cannot read ${file}`);
  };
}

function collector(limit = Infinity): SourceOutput & { points: Point[] } {
  const points: Point[] = [];
  return {
    points,
    push(batch) {
      for (const p of batch) points.push(p);
    },
    mark() {},
    get done() {
      return points.length >= limit;
    },
    flushed: () => Promise.resolve(),
  };
}

describe('mergeFilesByTime', () => {
  it('releases the points of every file in time order, ties to the file listed first', async () => {
    const files = {
      a: [[{ time: 1, f: 'a' }, { time: 4, f: 'a' }], [{ time: 4, f: 'a2' }, { time: 9, f: 'a' }]],
      b: [[{ time: 2, f: 'b' }], [{ time: 4, f: 'b' }, { time: 5, f: 'b' }]],
      c: [[{ time: 0, f: 'c' }, { time: 10, f: 'c' }]],
    };
    const out = collector();
    await mergeFilesByTime(['a', 'b', 'c'], readers(files), out, new AbortController().signal);
    assert.deepEqual(
      out.points.map((p) => `${p.time}${p.f}`),
      ['0c', '1a', '2b', '4a', '4a2', '4b', '5b', '9a', '10c'],
    );
  });

  it('timeless points go out first, as they come', async () => {
    const out = collector();
    await mergeFilesByTime(['a', 'b'], readers({ a: [[{ time: 5 }, { n: 1 }]], b: [[{ time: 3 }]] }), out, new AbortController().signal);
    assert.deepEqual(out.points, [{ time: 3 }, { time: 5 }, { n: 1 }]);
  });

  it('stops early when downstream is done, and a failing file fails the merge', async () => {
    // 20,000 points in batches of 100; the merge pushes thousands at a time, and none after downstream is done.
    const file = (odd: number): Point[][] => Array.from({ length: 100 }, (_, b) => Array.from({ length: 100 }, (_, i) => ({ time: (b * 100 + i) * 2 + odd })));
    const out = collector(10);
    await mergeFilesByTime(['a', 'b'], readers({ a: file(0), b: file(1) }), out, new AbortController().signal);
    assert.ok(out.points.length >= 10 && out.points.length < 20_000, `stopped early (${out.points.length})`);
    assert.deepEqual(out.points.slice(0, 3), [{ time: 0 }, { time: 1 }, { time: 2 }]);
    await assert.rejects(
      mergeFilesByTime(['a', 'b'], readers({ a: [[{ time: 1 }]], b: [[{ time: 2 }]] }, 'b'), collector(), new AbortController().signal),
      /cannot read b/,
    );
  });
});
