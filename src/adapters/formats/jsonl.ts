/**
 * `jsonl`: one JSON object per line. The default format and the hot path
 * (millions of lines): no per-point copies when writing.
 */
import { defineFormat, type MalformedSink, type Parser, type Serializer } from './types.js';
import { SOURCE_TEXT, type Point } from '../../runtime/point.js';
import { isoString } from '../../runtime/time.js';
import type { TracksLines } from './text.js';
import { appendable, CanonicalJsonScanner, numberText } from './canonical-json.js';
import { jsonProblem, mayHaveJsonProblem } from './json-limits.js';

/** Date's range: beyond it toISOString throws. */
const MAX_DATE_MS = 8.64e15;

function isoOrNull(t: unknown): string | undefined {
  return typeof t === 'number' && Number.isFinite(t) && Math.abs(t) <= MAX_DATE_MS ? isoString(t) : undefined;
}

/**
 * One compact JSON object, `time` first as ISO 8601, then the other fields in
 * insertion order. The common case (time is the first key, or absent) is one
 * JSON.stringify of the point itself, with the ISO text standing in for the
 * number while it runs: no copy, and no number to format and cut out again.
 */
export function stringifyPoint(p: Point): string {
  const t = p.time;
  if (t === undefined) return JSON.stringify(p);
  const iso = isoOrNull(t);
  if (iso === undefined) {
    // A non-numeric time (e.g. kept as read with time=null) is written as it is, still first.
    return slowStringify(p, JSON.stringify(t) ?? 'null');
  }
  const r = p as Record<string, unknown>;
  // A toJSON method would see the stand-in.
  if (typeof r.toJSON !== 'function') {
    try {
      r.time = iso;
    } catch {
      // a frozen point, or a read-only time: the slow way below
    }
    if (r.time === iso) {
      let s: string;
      try {
        s = JSON.stringify(p);
      } finally {
        r.time = t;
      }
      if (s.startsWith('{"time":"')) return s;
    }
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

/** Consecutive pieces the batch parse could not take before a parser stops trying it. */
const BATCH_GIVE_UP = 3;

/**
 * Lines end at LF or CRLF (the CR is dropped), across chunk boundaries; blank
 * lines are skipped but counted. Complete lines are scanned when they are flat
 * objects in JSON.stringify's own form (canonical-json.ts: exactly what
 * JSON.parse gives, faster), else parsed with one JSON.parse for a whole chunk
 * when that provably gives what parsing each line would (see `batch`), else
 * line by line.
 */
class JsonlParser implements Parser, TracksLines {
  lines?: number[];
  /** The start of an unfinished line (it has no newline yet). */
  private rest = '';
  /** Number of the last line read (1-based; blank lines count). */
  private lineNo = 0;
  private batchMisses = 0;
  /**
   * Canonical flat lines are scanned (faster than JSON.parse), the rest parsed.
   * Input the scanner mostly declines goes back to batch parsing, unless the
   * texts are kept for reuse, which needs the scanner.
   */
  private scanner: CanonicalJsonScanner | undefined = new CanonicalJsonScanner(false);
  private keeping = false;

  constructor(private readonly errors: MalformedSink) {}

  timeField(field: string): void {
    this.scanner?.readsTime(field);
  }

  keepText(sets: readonly string[]): boolean {
    if (!sets.every(appendable)) return false;
    this.scanner = new CanonicalJsonScanner(true, sets);
    this.keeping = true;
    return true;
  }

  skipLine(): number {
    this.rest = '';
    return ++this.lineNo;
  }

  push(chunk: string, out: Point[]): void {
    // Only the new chunk is searched for the newline: one long line arriving in many chunks stays linear.
    const last = chunk.lastIndexOf('\n');
    if (last < 0) {
      this.rest += chunk;
      return;
    }
    const whole = last + 1 === chunk.length ? chunk : chunk.slice(0, last + 1);
    const body = this.rest.length > 0 ? this.rest + whole : whole;
    this.rest = last + 1 === chunk.length ? '' : chunk.slice(last + 1);
    if (this.scanner === undefined && this.batchMisses < BATCH_GIVE_UP && this.batch(body, out)) return;
    this.eachLine(body, out);
  }

  end(out: Point[]): void {
    let s = this.rest;
    if (s.length === 0) return;
    this.rest = '';
    if (s.charCodeAt(s.length - 1) === 13) s = s.slice(0, -1);
    this.line(s, ++this.lineNo, out);
  }

  /**
   * Whole lines (`body` ends with a newline) as one JSON array: each newline
   * becomes `,\n`. Taken only when that equals parsing line by line: the text
   * has no `[` and every line starts with `{`, the array parses, has one
   * element per line, and each is an object. Then each inserted comma sits
   * between top-level elements (inside a string the raw newline after it is a
   * syntax error; inside an object a `{` cannot follow a comma; there is no
   * other array), so each line is exactly one object. Anything else (blank or
   * malformed lines, arrays) is left to the line-by-line path, which reports it.
   */
  private batch(body: string, out: Point[]): boolean {
    if (body.indexOf('[') >= 0) return this.miss();
    let n = 0;
    let longest = 0;
    for (let i = 0; i < body.length; ) {
      if (body.charCodeAt(i) !== 123) return this.miss();
      n++;
      const next = body.indexOf('\n', i) + 1;
      if (next - i > longest) longest = next - i;
      i = next;
    }
    // Deep nesting and out-of-range numbers are checked line by line.
    if (mayHaveJsonProblem(body, longest)) return this.miss();
    let all: unknown;
    try {
      all = JSON.parse('[' + body.slice(0, -1).replaceAll('\n', ',\n') + ']');
    } catch {
      return this.miss();
    }
    const a = all as unknown[];
    if (a.length !== n) return this.miss();
    for (let k = 0; k < n; k++) {
      const v = a[k];
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.miss();
    }
    for (let k = 0; k < n; k++) {
      out.push(a[k] as Point);
      this.track(this.lineNo + k + 1, out);
    }
    this.lineNo += n;
    this.batchMisses = 0;
    return true;
  }

  /** Whole lines (`body` ends with a newline) one by one: through the scanner if any, JSON.parse for what it declines. */
  private eachLine(body: string, out: Point[]): void {
    const scanner = this.scanner;
    scanner?.begin(body);
    let start = 0;
    let nl: number;
    let lines = 0;
    let declined = 0;
    while ((nl = body.indexOf('\n', start)) >= 0) {
      const end = nl > start && body.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const lineNo = ++this.lineNo;
      const p = scanner?.scan(body, start, end);
      lines++;
      if (p === undefined) {
        declined++;
        this.line(body.slice(start, end), lineNo, out);
      } else {
        out.push(p);
        this.track(lineNo, out);
      }
      start = nl + 1;
    }
    if (scanner !== undefined && !this.keeping && declined * 2 > lines) this.scanner = undefined;
  }

  private miss(): false {
    this.batchMisses++;
    return false;
  }

  private line(line: string, lineNo: number, out: Point[]): void {
    let i = 0;
    // Skipping blank lines without trim() keeps the common path allocation-free.
    while (i < line.length) {
      const c = line.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 13) break;
      i++;
    }
    if (i === line.length) return;
    const r = parseJsonObject(line);
    if (typeof r === 'string') this.errors.malformed(lineNo, line, r, out);
    else out.push(r);
    this.track(lineNo, out);
  }

  private track(lineNo: number, out: Point[]): void {
    const lines = this.lines;
    if (lines !== undefined) while (lines.length < out.length) lines.push(lineNo);
  }
}

/** One JSON object (a line, or a field's value for `parse`); a string says why it is not one. */
export function parseJsonObject(text: string): Point | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return 'invalid JSON: ' + (e as Error).message;
  }
  const problem = typeof v === 'object' && v !== null ? jsonProblem(text, v) : undefined;
  if (problem !== undefined) return problem;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Point;
  return `expected a JSON object, got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`;
}

/** Exported for `json`, which reads a file that does not start with `[` as JSON lines. */
export function createJsonlParser(errors: MalformedSink): Parser & TracksLines {
  return new JsonlParser(errors);
}

class JsonlSerializer implements Serializer {
  /** Text reuse is on: the fields the pipeline sets, and their `,"name":` texts. */
  private sets: readonly string[] | undefined;
  private setTexts: readonly string[] = [];

  reuseText(sets: readonly string[]): boolean {
    if (!sets.every(appendable)) return false;
    this.sets = sets;
    this.setTexts = sets.map((f) => ',' + JSON.stringify(f) + ':');
    return true;
  }

  write(batch: Point[]): string {
    let s = '';
    if (this.sets === undefined) {
      for (let i = 0; i < batch.length; i++) s += stringifyPoint(batch[i]!) + '\n';
      return s;
    }
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const text = p[SOURCE_TEXT];
      // The text was kept only if its time is in the written form, and no stage sets time (it would be in `sets`).
      if (text !== undefined && typeof p.time === 'number') {
        s += this.withSets(text, p) + '}\n';
      } else s += stringifyPoint(p) + '\n';
    }
    return s;
  }

  /** The kept text (without its closing brace) and the fields the pipeline set, as JSON.stringify would add them. */
  private withSets(text: string, p: Point): string {
    const sets = this.sets!;
    for (let k = 0; k < sets.length; k++) {
      const v = p[sets[k]!];
      let json: string | undefined;
      if (typeof v === 'number') json = Number.isFinite(v) ? numberText(v) : 'null';
      else if (typeof v === 'string') json = JSON.stringify(v);
      else if (v === undefined) continue;
      else json = JSON.stringify(v);
      if (json !== undefined) text += this.setTexts[k]! + json;
    }
    return text;
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
    'ISO 8601 UTC with milliseconds, then the other fields in insertion order. When a pipeline reads JSON lines and ' +
    'writes them again (`read(\'stdio\') | put(...) | filter(...) | head(...) | write(\'stdio\')`, a straight line of stages ' +
    'that only set fields), a line already in that form is written from its text with the set fields appended: the ' +
    "same bytes, without serialising it again (`--explain` says so on the source's line).",
  options: {},
  extensions: ['jsonl', 'ndjson'],
  createParser(_opts: Record<string, unknown>, errors: MalformedSink): Parser {
    return new JsonlParser(errors);
  },
  createRecordParser: () => parseJsonObject,
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
