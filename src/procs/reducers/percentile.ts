import tdigest from 'tdigest';
import { defineReducer, type ReducerContext, type ReducerState } from './types.js';
import { isAbsent, isObj, takeNum } from './util.js';

/** Values kept exactly per state before switching to a t-digest. */
export const EXACT_LIMIT = 10_000;
/** t-digest compression δ: at most ~1/δ of the mass in one centroid. */
export const COMPRESSION = 100;

/**
 * welch/tdigest's `compress` reshuffles centroids with Math.random, which
 * would make the same input print different percentiles from run to run; this
 * subclass shuffles with a fixed-seed generator instead.
 */
class Digest extends tdigest.TDigest {
  private seed = 0x2545f491;
  constructor() {
    super(1 / COMPRESSION);
  }
  override compress(): void {
    if (this.compressing) return;
    const cs = this.toArray();
    for (let i = cs.length - 1; i > 0; i--) {
      let s = this.seed;
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      this.seed = s >>> 0;
      const j = this.seed % (i + 1);
      const t = cs[i]!;
      cs[i] = cs[j]!;
      cs[j] = t;
    }
    this.reset();
    this.compressing = true;
    for (const c of cs) this.push_centroid(c);
    this._cumulate(true);
    this.compressing = false;
  }
}

/**
 * numpy's default ('linear') percentile, including its two-sided lerp, so
 * results match numpy bit for bit (values 1..10 at 0.95 give
 * 9.549999999999999 in both).
 */
export function exactPercentile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  if (lo + 1 >= sorted.length) return a;
  const b = sorted[lo + 1]!;
  const t = h - lo;
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

function checkP(p: unknown): number {
  if (typeof p !== 'number' || !Number.isFinite(p)) throw new Error(`p must be a number between 0 and 1, got ${JSON.stringify(p)}`);
  if (p < 0 || p > 1) {
    const hint = p > 1 && p <= 100 ? ` (for the ${p}th percentile write ${p / 100})` : '';
    throw new Error(`p must be between 0 and 1, got ${p}${hint}`);
  }
  return p;
}

/**
 * Exact while a state holds ≤ 10,000 values; past that the values go into a
 * t-digest. The exact min and max are kept beside it so p=0 and p=1 stay
 * exact and estimates never leave the observed range.
 */
export function percentileFactory(p: number, ctx: ReducerContext): () => ReducerState {
  return () => {
    let values: number[] | null = [];
    let sorted = true;
    let digest: Digest | null = null;
    let lo = Infinity;
    let hi = -Infinity;
    let n = 0;

    const toDigest = (): Digest => {
      if (digest) return digest;
      const d = new Digest();
      d.push(values!);
      values = null;
      digest = d;
      return d;
    };
    const addOne = (x: number) => {
      n++;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
      if (values) {
        if (sorted && values.length > 0 && x < values[values.length - 1]!) sorted = false;
        values.push(x);
        if (values.length > EXACT_LIMIT) toDigest();
      } else {
        digest!.push(x);
      }
    };

    return {
      add(v) {
        const x = takeNum(v, ctx);
        if (x !== undefined) addOne(x);
      },
      result() {
        if (n === 0) return null;
        if (p === 0) return lo;
        if (p === 1) return hi;
        if (values) {
          // Sorting in place keeps the same multiset: later reads reuse the order.
          if (!sorted) {
            values.sort((a, b) => a - b);
            sorted = true;
          }
          return exactPercentile(values, p);
        }
        const q = digest!.percentile(p) ?? lo;
        return Math.min(hi, Math.max(lo, q));
      },
      partial() {
        if (values) return { values: values.slice() };
        const flat: number[] = [];
        for (const c of digest!.toArray()) flat.push(c.mean, c.n);
        return { centroids: flat, min: lo, max: hi, n };
      },
      merge(part) {
        if (isAbsent(part)) return;
        if (!isObj(part)) return ctx.mismatch(part);
        if (Array.isArray(part.values)) {
          const vs = part.values as unknown[];
          if (!vs.every((x) => typeof x === 'number' && Number.isFinite(x))) return ctx.mismatch(part);
          for (const x of vs as number[]) addOne(x);
          return;
        }
        const flat = part.centroids;
        if (
          !Array.isArray(flat) ||
          flat.length % 2 !== 0 ||
          !flat.every((x) => typeof x === 'number' && Number.isFinite(x)) ||
          typeof part.min !== 'number' ||
          typeof part.max !== 'number'
        ) {
          return ctx.mismatch(part);
        }
        const d = toDigest();
        let m = 0;
        for (let i = 0; i < flat.length; i += 2) {
          d.push_centroid({ mean: flat[i] as number, n: flat[i + 1] as number });
          m += flat[i + 1] as number;
        }
        n += m;
        lo = Math.min(lo, part.min);
        hi = Math.max(hi, part.max);
      },
    };
  };
}

export const PERCENTILE_DESCRIPTION =
  'Exact while a state (group and window) holds at most 10,000 values: linear interpolation between the closest ' +
  "ranks, as numpy's default (`h = (n-1)·p`). Beyond that the values go into a t-digest with compression δ=100: " +
  'the estimate is within 1% in rank (typically below 0.1%, tighter toward the tails) and never outside the ' +
  'observed range, while p=0 and p=1 remain the exact minimum and maximum. Non-numeric values are skipped and counted as `type-mismatch`. ' +
  'Merging exact partial states stays exact while the total is at most 10,000 values; otherwise the result is a ' +
  'digest with the same bound.';

export const percentile = defineReducer({
  name: 'percentile',
  summary: 'The p-quantile (p in [0, 1]) of a numeric field: exact up to 10,000 values, then a t-digest estimate.',
  description: PERCENTILE_DESCRIPTION + ' `percentile(f, 0)` is the minimum, `percentile(f, 1)` the maximum, `percentile(f, 0.5)` the median.',
  params: [
    { name: 'f', type: 'value', doc: 'The field or expression.' },
    { name: 'p', type: 'number', doc: 'The quantile, between 0 and 1 (0.95 for the 95th percentile).' },
  ],
  empty: null,
  retractable: false,
  create(consts, ctx) {
    return percentileFactory(checkP(consts[1]), ctx);
  },
  examples: [
    {
      title: 'The 25th and 90th percentile and the minimum, interpolated like numpy.',
      program: 'emit(points=[{v:10},{v:50},{v:20},{v:40},{v:30}]) | reduce(p25=percentile(v, 0.25), p90=percentile(v, 0.9), lo=percentile(v, 0))',
      output: '{"p25":20,"p90":46,"lo":10}',
    },
  ],
});
