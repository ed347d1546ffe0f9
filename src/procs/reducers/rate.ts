import type { ReducerWindow } from './types.js';
import { TimeValue } from '../../runtime/point.js';
import { defineReducer, type ReducerDef, type ReducerState } from './types.js';
import { isAbsent, isObj, num, takeNum } from './util.js';

/**
 * A rate needs each value's time, which a plain `add(value)` does not carry.
 * `needsTime: true` asks the reduce processor to call `add([value, time])`,
 * `time` being the point's epoch milliseconds (undefined when timeless).
 * Not in ReducerDef on purpose: rate is the only reducer that needs it.
 */
export interface TimedReducerDef extends ReducerDef {
  needsTime: true;
}

function timeOf(t: unknown): number | undefined {
  if (typeof t === 'number' && Number.isFinite(t)) return t;
  if (t instanceof TimeValue) return t.ms;
  return undefined;
}

export const rate: TimedReducerDef = {
  ...defineReducer({
    name: 'rate',
    summary: 'Per-second rate of increase of a counter, with counter resets handled.',
    description:
      'The total increase divided by the seconds between the first and the last value added (each point\'s ' +
      '`time`). A value below the previous one is a counter reset: the increase is then the new value itself ' +
      '(as Prometheus `increase`). Needs two timed values at different times, else null; timeless points are ' +
      'skipped. Non-numeric values are skipped and counted as `type-mismatch`. Partial states merge exactly when ' +
      'merged in time order (earlier part first).',
    params: [{ name: 'f', type: 'value', doc: 'The counter field or expression.' }],
    empty: null,
    retractable: false,
    create(_consts, ctx) {
      return (): ReducerState => {
        let t0 = NaN;
        let v0 = 0;
        let t1 = NaN;
        let v1 = 0;
        let inc = 0;
        const step = (t: number, v: number) => {
          if (Number.isNaN(t0)) {
            t0 = t;
            v0 = v;
          } else {
            inc += v >= v1 ? v - v1 : v;
          }
          t1 = t;
          v1 = v;
        };
        return {
          add(tv) {
            if (!Array.isArray(tv)) return;
            const v = takeNum(tv[0], ctx);
            const t = timeOf(tv[1]);
            if (v === undefined || t === undefined) return;
            step(t, v);
          },
          // Per second of the window when there is one (§11.18), else of the span the values cover.
          result: (window?: ReducerWindow) => {
            // A rate needs two samples at different times.
            if (Number.isNaN(t0) || t1 === t0) return null;
            const ms = window ? window.end - window.start : t1 - t0;
            return ms > 0 ? inc / (ms / 1000) : null;
          },
          partial: () => (Number.isNaN(t0) ? null : { t0, v0, t1, v1, inc }),
          merge(p) {
            if (isAbsent(p)) return;
            if (!isObj(p) || ['t0', 'v0', 't1', 'v1', 'inc'].some((k) => Number.isNaN(num(p, k)))) return ctx.mismatch(p);
            // The other part's first value continues our series; then its own increase and end follow.
            step(num(p, 't0'), num(p, 'v0'));
            inc += num(p, 'inc');
            t1 = num(p, 't1');
            v1 = num(p, 'v1');
          },
        };
      };
    },
    examples: [
      {
        title: 'Requests per second from a counter that was reset (150 → 20): (50 + 20 + 30) / 40 s.',
        program:
          "emit(points=[{time:'2016-01-01T00:00:00Z',c:100},{time:'2016-01-01T00:00:10Z',c:150},{time:'2016-01-01T00:00:20Z',c:20},{time:'2016-01-01T00:00:40Z',c:50}]) | reduce(r=rate(c))",
        output: '{"time":"2016-01-01T00:00:00.000Z","r":2.5}',
      },
    ],
  }),
  needsTime: true,
};
