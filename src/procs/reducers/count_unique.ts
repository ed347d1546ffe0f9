import { defineReducer, type ReducerState } from './types.js';
import { isAbsent, isObj, valueKey } from './util.js';

/** Distinct values counted exactly per state before switching to HyperLogLog. */
export const EXACT_DISTINCT_LIMIT = 10_000;
/** HyperLogLog precision: 2^14 registers, standard error 1.04/√16384 ≈ 0.81%. */
export const HLL_P = 14;
const M = 1 << HLL_P;
/** Hash bits left after the register index (64-bit hash): register values run 0..Q+1. */
const Q = 64 - HLL_P;

/** MurmurHash3 x86_32 over UTF-16 code units (two per block). */
function murmur32(s: string, seed: number): number {
  let h = seed | 0;
  const len = s.length;
  let i = 0;
  for (; i + 1 < len; i += 2) {
    let k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < len) {
    let k = s.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= len * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A HyperLogLog with a 64-bit hash (two seeded murmur3 halves), so no
 * large-range correction is needed, and Ertl's improved raw estimator
 * ("New cardinality estimation algorithms for HyperLogLog sketches", 2017, as
 * in Redis), which is unbiased from 0 to 2^64 without empirical bias tables or
 * a linear-counting switch.
 */
export class HyperLogLog {
  readonly registers: Uint8Array;
  constructor(registers?: Uint8Array) {
    this.registers = registers ?? new Uint8Array(M);
  }
  addKey(key: string): void {
    const h1 = murmur32(key, 0x9747b28c);
    const h2 = murmur32(key, 0x5bd1e995);
    const idx = h1 >>> (Q - 32);
    // The rank is the position of the first 1 in the remaining 50 bits: 18 from h1, then 32 from h2.
    const rest = h1 & ((1 << (Q - 32)) - 1);
    let rank: number;
    if (rest !== 0) rank = Math.clz32(rest) - (32 - (Q - 32)) + 1;
    else if (h2 !== 0) rank = Q - 32 + Math.clz32(h2) + 1;
    else rank = Q + 1;
    if (rank > this.registers[idx]!) this.registers[idx] = rank;
  }
  mergeRegisters(other: Uint8Array): void {
    const r = this.registers;
    for (let i = 0; i < M; i++) if (other[i]! > r[i]!) r[i] = other[i]!;
  }
  estimate(): number {
    const hist = new Array<number>(Q + 2).fill(0);
    for (let i = 0; i < M; i++) hist[this.registers[i]!]!++;
    let z = M * tau((M - hist[Q + 1]!) / M);
    for (let k = Q; k >= 1; k--) z = 0.5 * (z + hist[k]!);
    z += M * sigma(hist[0]! / M);
    const alphaInf = 0.5 / Math.LN2;
    return Math.round((alphaInf * M * M) / z);
  }
  toBase64(): string {
    return Buffer.from(this.registers.buffer, this.registers.byteOffset, this.registers.byteLength).toString('base64');
  }
  static fromBase64(s: string): HyperLogLog | undefined {
    const b = Buffer.from(s, 'base64');
    if (b.length !== M) return undefined;
    const r = new Uint8Array(M);
    r.set(b);
    for (let i = 0; i < M; i++) if (r[i]! > Q + 1) return undefined;
    return new HyperLogLog(r);
  }
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let prev: number;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (prev !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let prev: number;
  do {
    x = Math.sqrt(x);
    prev = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (prev !== z);
  return z / 3;
}

export const count_unique = defineReducer({
  name: 'count_unique',
  summary: 'Number of distinct values of a field: exact up to 10,000, then a HyperLogLog estimate (≈0.8% error).',
  description:
    'Values are distinct by type and value (`1`, `"1"` and `true` are three values); lists and objects compare by ' +
    'their canonical JSON (keys sorted), so `{a:1,b:2}` equals `{b:2,a:1}`. Null and missing values are skipped. ' +
    'A state counts exactly up to 10,000 distinct values, then switches to HyperLogLog with 2^14 registers ' +
    '(standard error ≈0.81%: within 2% about 98% of the time). Merging partial states stays exact while the union ' +
    'has at most 10,000 values.',
  params: [{ name: 'f', type: 'value', doc: 'The field or expression.' }],
  empty: 0,
  retractable: false,
  create(_consts, ctx) {
    return (): ReducerState => {
      let keys: Set<string> | null = new Set();
      let hll: HyperLogLog | null = null;
      const addKey = (k: string) => {
        if (keys) {
          keys.add(k);
          if (keys.size > EXACT_DISTINCT_LIMIT) {
            hll = new HyperLogLog();
            for (const key of keys) hll.addKey(key);
            keys = null;
          }
        } else {
          hll!.addKey(k);
        }
      };
      return {
        add(v) {
          if (!isAbsent(v)) addKey(valueKey(v));
        },
        result: () => (keys ? keys.size : hll!.estimate()),
        partial: () => (keys ? { keys: [...keys] } : { p: HLL_P, hll: hll!.toBase64() }),
        merge(p) {
          if (isAbsent(p)) return;
          if (!isObj(p)) return ctx.mismatch(p);
          if (Array.isArray(p.keys)) {
            if (!p.keys.every((k) => typeof k === 'string')) return ctx.mismatch(p);
            for (const k of p.keys as string[]) addKey(k);
            return;
          }
          const other = p.p === HLL_P && typeof p.hll === 'string' ? HyperLogLog.fromBase64(p.hll) : undefined;
          if (!other) return ctx.mismatch(p);
          if (keys) {
            hll = new HyperLogLog();
            for (const key of keys) hll.addKey(key);
            keys = null;
          }
          hll!.mergeRegisters(other.registers);
        },
      };
    };
  },
  examples: [
    {
      title: 'Distinct values; lists and objects compare by content.',
      program: "emit(points=[{h:'a'},{h:'b'},{h:'a'},{h:null},{h:{x:1,y:2}},{h:{y:2,x:1}}]) | reduce(n=count_unique(h))",
      output: '{"n":3}',
    },
  ],
});
