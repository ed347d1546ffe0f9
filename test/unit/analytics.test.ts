/**
 * Alarms decide by event time and the watermark only, so the same points give
 * the same transitions whether they arrive at once (historical) or one by one
 * as a live source produces them on the virtual clock (SPEC §16.1).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { flume } from '../../src/index.js';
import { VirtualClock } from '../../src/runtime/clock.js';
import type { Point } from '../../src/runtime/point.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const quiet = (): void => {};

// Three hosts, a point every 10 s: cpu is high for points 11..34; host 2 stops reporting after point 30.
const SOURCE =
  "emit(start='2024-01-01T00:00:00Z', every='10s', limit=60) | put(n=count()) " +
  '| put(h=n % 3, cpu=95 * num(n > 10 and n < 35) + n % 7) | filter(not (h == 2 and n > 30))';

async function run(program: string, now: number): Promise<Point[]> {
  const clock = new VirtualClock(now);
  return flume(program, { clock, log: quiet }).collect();
}

async function liveAndHistorical(alarm: string): Promise<{ live: Point[]; historical: Point[] }> {
  const program = `${SOURCE} | ${alarm}`;
  // Live: the clock starts at the first point's time, so emit produces each point when the virtual clock reaches it.
  const live = await run(program, T0);
  // Historical: every point is in the past, so all come at once.
  const historical = await run(program, T0 + 86_400_000);
  return { live, historical };
}

describe('alarm: live and historical runs give the same transitions', () => {
  test('over a sliding window, with for and a group going silent', async () => {
    const { live, historical } = await liveAndHistorical(
      "alarm('hot', avg(cpu) > 50, over='1m', every='10s', by=[h], for='20s', message='{h}: {avg_cpu}')",
    );
    assert.deepEqual(live, historical);
    const states = historical.map((p) => `${p['h']}:${p['state']}`);
    // Every host fires once and resolves once; host 2 resolves by silence, with the empty average.
    assert.deepEqual([...states].sort(), ['0:firing', '0:resolved', '1:firing', '1:resolved', '2:firing', '2:resolved']);
    const silent = historical.find((p) => p['h'] === 2 && p['state'] === 'resolved')!;
    assert.equal(silent['avg_cpu'], null);
    // Host 2's last point is n=29 at 280 s; the first 60 s window without it ends at 350 s.
    assert.equal(silent.time, T0 + 350_000);
    for (let i = 1; i < historical.length; i++) assert.ok(historical[i]!.time! >= historical[i - 1]!.time!, 'time order');
  });

  test('per point', async () => {
    const { live, historical } = await liveAndHistorical("alarm('hot', cpu > 50, by=[h], for='15s')");
    assert.deepEqual(live, historical);
    // Each host's second high point (30 s after its first, past `for`) fires; hosts 0 and 1 resolve at their
    // first low point (n=36 at 350 s, n=37 at 360 s); host 2 stops reporting while high, and per point nothing resolves it.
    assert.deepEqual(
      historical.map((p) => `${p['h']}:${p['state']}@${(p.time! - T0) / 1000}`),
      ['2:firing@130', '0:firing@140', '1:firing@150', '0:resolved@350', '1:resolved@360'],
    );
  });
});

describe('session windows: live and historical runs give the same sessions', () => {
  test('reduce(gap=..., by=...)', async () => {
    // Users 0..3; user 3 pauses between points 20 and 40 (more than the gap), so it has two sessions.
    const program =
      "emit(start='2024-01-01T00:00:00Z', every='1m', limit=60) | put(n=count()) | put(user=n % 4) " +
      "| filter(not (user == 3 and n > 20 and n < 40)) | reduce(n=count(), first=min(n), last=max(n), gap='10m', by=[user])";
    const live = await run(program, T0);
    const historical = await run(program, T0 + 86_400_000);
    assert.deepEqual(live, historical);
    assert.deepEqual(
      historical.map((p) => [p['user'], p['first'], p['last'], p['n']]),
      [
        [1, 1, 57, 15],
        [2, 2, 58, 15],
        [3, 3, 19, 5],
        [0, 4, 60, 15],
        [3, 43, 59, 5],
      ],
    );
  });
});
