/**
 * `table`: aligned columns for people (the REPL's default in a terminal).
 * Streaming: columns and widths come from the first batch; a later, wider
 * value widens its column from then on, and a later new field starts a new
 * header, so nothing is cut or lost.
 */
import { defineFormat, type Serializer } from './types.js';
import { formatIso, type Point } from '../../runtime/point.js';

function cell(p: Point, key: string): string {
  const v = p[key];
  if (v === undefined) return '';
  if (key === 'time' && typeof v === 'number') return formatIso(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? '';
}

class TableWriter implements Serializer {
  private columns: string[] = [];
  private readonly widths = new Map<string, number>();
  private readonly numeric = new Set<string>();
  private rows = 0;

  constructor(private readonly gap: number) {}

  write(batch: Point[]): string {
    if (batch.length === 0) return '';
    let out = '';
    const added = this.addColumns(batch);
    for (const p of batch) {
      for (const c of this.columns) {
        const v = cell(p, c);
        if (v.length > this.widths.get(c)!) this.widths.set(c, v.length);
        if (typeof p[c] === 'number' && c !== 'time') this.numeric.add(c);
      }
    }
    if (added) out += this.header();
    for (const p of batch) {
      out += this.line(this.columns.map((c) => cell(p, c)));
      this.rows++;
    }
    return out;
  }

  end(): string {
    return this.rows === 0 ? '(no points)\n' : '';
  }

  private addColumns(batch: Point[]): boolean {
    const seen = new Set(this.columns);
    let added = false;
    for (const p of batch) {
      for (const k of Object.keys(p)) {
        if (seen.has(k)) continue;
        seen.add(k);
        added = true;
        if (k === 'time') this.columns.unshift(k);
        else this.columns.push(k);
        this.widths.set(k, k.length);
      }
    }
    return added;
  }

  private header(): string {
    const names = this.line(this.columns);
    const rule = this.columns.map((c) => '-'.repeat(this.widths.get(c)!)).join(' '.repeat(this.gap));
    return (this.rows > 0 ? '\n' : '') + names + rule.trimEnd() + '\n';
  }

  private line(values: string[]): string {
    const cells = values.map((v, i) => {
      const c = this.columns[i]!;
      const w = this.widths.get(c)!;
      return this.numeric.has(c) ? v.padStart(w) : v.padEnd(w);
    });
    return cells.join(' '.repeat(this.gap)).trimEnd() + '\n';
  }
}

export const table = defineFormat({
  name: 'table',
  summary: 'aligned columns for reading in a terminal (write only)',
  description:
    'Columns come from the fields of the first points (`time` first); a wider value later widens its column, and a new field ' +
    'starts a new header block. Numbers are right-aligned; strings print without quotes, other values as JSON.',
  options: {
    gap: { type: 'integer', default: 2, doc: 'spaces between columns' },
  },
  createSerializer: (opts) => new TableWriter((opts['gap'] as number | undefined) ?? 2),
  examples: [
    {
      title: 'a table of two points',
      program: "emit(points=[{host:'a', n:1}, {host:'bb', n:10}]) | write('stdio', format='table')",
      output: 'host   n\n----  --\na      1\nbb    10',
    },
  ],
});
