/**
 * `jsonl`: one JSON object per line. The default format and the hot path
 * (millions of lines): no per-point copies when writing.
 */
import { defineFormat, type MalformedSink, type Parser, type Serializer } from './types.js';
import { formatIso, type Point } from '../../runtime/point.js';
import { LineSplitter, type TracksLines } from './text.js';

/** Date's range: beyond it toISOString throws. */
const MAX_DATE_MS = 8.64e15;

function isoOrNull(t: unknown): string | undefined {
  return typeof t === 'number' && Number.isFinite(t) && Math.abs(t) <= MAX_DATE_MS ? formatIso(t) : undefined;
}

/**
 * One compact JSON object, `time` first as ISO 8601, then the other fields in
 * insertion order. The common case (time is the first key, or absent) is one
 * JSON.stringify plus a splice of the ISO string in place of the number.
 */
export function stringifyPoint(p: Point): string {
  const t = p.time;
  if (t === undefined) return JSON.stringify(p);
  const iso = isoOrNull(t);
  if (iso === undefined) {
    // A non-numeric time (e.g. kept as read with time=null) is written as it is, still first.
    return slowStringify(p, JSON.stringify(t) ?? 'null');
  }
  const s = JSON.stringify(p);
  const num = String(t);
  if (s.startsWith('{"time":') && s.startsWith(num, 8)) {
    const after = s.charCodeAt(8 + num.length);
    // `,` or `}` right after the number proves it is the whole top-level value.
    if (after === 44 || after === 125) return '{"time":"' + iso + '"' + s.slice(8 + num.length);
  }
  return slowStringify(p, '"' + iso + '"');
}

/** Time was not the first key (or integer-like keys were hoisted before it): build the line by hand. */
function slowStringify(p: Point, timeJson: string): string {
  let s = '{"time":' + timeJson;
  for (const k in p) {
    if (k === 'time') continue;
    const v = JSON.stringify(p[k]);
    if (v === undefined) continue; // undefined and functions are omitted, as JSON.stringify does
    s += ',' + JSON.stringify(k) + ':' + v;
  }
  return s + '}';
}

class JsonlParser implements Parser, TracksLines {
  lines?: number[];
  private readonly split = new LineSplitter();
  private out: Point[] = [];
  private readonly onLine = (line: string, lineNo: number): void => {
    const out = this.out;
    let i = 0;
    // Skipping blank lines without trim() keeps the common path allocation-free.
    while (i < line.length) {
      const c = line.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 13) break;
      i++;
    }
    if (i === line.length) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      this.errors.malformed(lineNo, line, 'invalid JSON: ' + (e as Error).message, out);
      this.track(lineNo);
      return;
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.push(v as Point);
    else this.errors.malformed(lineNo, line, `expected a JSON object, got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`, out);
    this.track(lineNo);
  };

  constructor(private readonly errors: MalformedSink) {}

  private track(lineNo: number): void {
    const lines = this.lines;
    if (lines !== undefined) while (lines.length < this.out.length) lines.push(lineNo);
  }

  push(chunk: string, out: Point[]): void {
    this.out = out;
    this.split.push(chunk, this.onLine);
  }

  end(out: Point[]): void {
    this.out = out;
    this.split.end(this.onLine);
  }
}

/** Exported for `json`, which reads a file that does not start with `[` as JSON lines. */
export function createJsonlParser(errors: MalformedSink): Parser & TracksLines {
  return new JsonlParser(errors);
}

class JsonlSerializer implements Serializer {
  write(batch: Point[]): string {
    let s = '';
    for (let i = 0; i < batch.length; i++) s += stringifyPoint(batch[i]!) + '\n';
    return s;
  }
  end(): string {
    return '';
  }
}

export const jsonl = defineFormat({
  name: 'jsonl',
  summary: 'JSON lines: one JSON object per line (the default format).',
  description:
    'Reading: LF or CRLF line ends; blank lines are skipped; a line that is not valid JSON, or not an object, ' +
    "is malformed (`on_error` decides). Writing: one compact object per line (JSON.stringify spacing), `time` first as " +
    'ISO 8601 UTC with milliseconds, then the other fields in insertion order.',
  options: {},
  extensions: ['jsonl', 'ndjson'],
  createParser(_opts: Record<string, unknown>, errors: MalformedSink): Parser {
    return new JsonlParser(errors);
  },
  createSerializer(): Serializer {
    return new JsonlSerializer();
  },
  examples: [
    {
      title: 'Parse the time field and print it first, as ISO 8601.',
      program: "read('stdio', format='jsonl')",
      input: '{"host":"a","time":"2016-07-17T13:59:44Z","cpu":5}\n',
      output: '{"time":"2016-07-17T13:59:44.000Z","host":"a","cpu":5}\n',
    },
    {
      title: "Keep malformed lines as points to route them: `on_error='keep'`.",
      program: "read('stdio', on_error='keep')",
      input: '{"a":1}\n[1,2]\n',
      output: '{"a":1}\n{"_raw":"[1,2]","_error":"expected a JSON object, got an array","_line":2}\n',
    },
  ],
});
