/**
 * Bytes per group held by each processor with per-group state (README:
 * "Memory per group"). A source emits N points with distinct keys, then,
 * before ending the stream (so every group is still held), collects garbage
 * and reads the heap; the same with no stage is the baseline.
 * Usage: node --expose-gc --import tsx bench/group-bytes.ts [groups]
 */
import { compile } from '../src/compile.js';
import { Registry } from '../src/registry.js';
import { defineSource } from '../src/runtime/defs.js';
import type { Point } from '../src/runtime/point.js';

const n = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

let heldAtEnd = 0;
const reg = Registry.builtin();
reg.addStage(
  defineSource({
    name: 'keys',
    summary: 'n points with distinct keys k (and string keys s when asked), then measures the heap',
    options: { strings: { type: 'boolean', default: false, doc: 'keys are strings' } },
    examples: [],
    create: (opts) => ({
      async run(out) {
        for (let i = 0; i < n; i += 4096) {
          const batch: Point[] = [];
          for (let j = i; j < Math.min(n, i + 4096); j++) batch.push({ time: j * 1000, k: opts.strings ? `host-${j}` : j, v: j % 100 });
          const r = out.push(batch);
          if (r) await r;
        }
        gc!();
        heldAtEnd = process.memoryUsage().heapUsed;
      },
    }),
  }),
);

async function held(program: string): Promise<number> {
  await compile(program, reg, { env: {}, implicitSink: null, log: () => undefined }).run();
  return heldAtEnd;
}

const rows: [string, string][] = [
  ['reduce(c=count(), by=[k])', `reduce(c=count(), by=[k], limit=${n})`],
  ["reduce(c=count(), by=[k], every='1y')", `reduce(c=count(), by=[k], every='1y', limit=${n})`],
  ['reduce(a=avg(v), by=[k])', `reduce(a=avg(v), by=[k], limit=${n})`],
  ['put(c=count(), by=[k])', `put(c=count(), by=[k], limit=${n})`],
  ['tail(1, by=[k])', `tail(1, by=[k], limit=${n})`],
  ['head(1, by=[k])', `head(1, by=[k], limit=${n})`],
  ['skip(1, by=[k])', `skip(1, by=[k], limit=${n})`],
  ['uniq(by=[k])', `uniq(by=[k], limit=${n})`],
  ['union(k)', `union(k, limit=${n})`],
];
const strings = process.argv.includes('--strings');
const src = `keys(strings=${strings})`;
const base = await held(`${src} | filter(false)`);
console.log(`${n} groups, ${strings ? 'string' : 'numeric'} keys; baseline heap ${Math.round(base / 2 ** 20)} MB`);
for (const [name, stage] of rows) {
  const h = await held(`${src} | ${stage} | filter(false)`);
  console.log(`${name.padEnd(40)} ${String(Math.round((h - base) / n)).padStart(5)} bytes/group`);
}
