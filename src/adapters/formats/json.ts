/**
 * `json`: a top-level JSON array of objects. Read as a stream (elements are
 * split by a small scanner, so a large array never sits in memory whole and a
 * bad element is reported with its line); a `.json` file that does not start
 * with `[` is read as JSON lines (SPEC §11.7).
 */
import { DEFAULT_MAX_LINE, defineFormat, type MalformedSink, type Parser, type Serializer } from './types.js';
import type { Point } from '../../runtime/point.js';
import { createJsonlParser, parseJsonObject, stringifyPoint } from './jsonl.js';
import type { TracksLines } from './text.js';

const enum State {
  /** Before the first non-blank character: array or JSON lines is not decided yet. */
  Undecided,
  /** Inside `[...]`. */
  InArray,
  /** After a closing `]`: only blanks or another array may follow. */
  AfterArray,
  /** Not an array: everything goes to the jsonl parser. */
  Lines,
}

class JsonParser implements Parser, TracksLines {
  lines?: number[];
  private state = State.Undecided;
  /** Blank text seen while undecided, replayed to the jsonl parser so its line numbers stay right. */
  private undecided = '';
  private jsonl?: Parser & TracksLines;
  private line = 1;
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Current element: text carried from earlier chunks, whether it has begun, and its first line. */
  private pending = '';
  private started = false;
  private elemLine = 1;
  private garbageReported = false;
  /** The current element passed max_line: its text is no longer kept. */
  private oversize = false;

  constructor(
    private readonly errors: MalformedSink,
    private readonly maxElement: number,
  ) {}

  push(chunk: string, out: Point[]): void {
    if (this.state === State.Lines) return this.feedLines(chunk, out);
    let segStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10) this.line++;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 92) this.escape = true;
        else if (c === 34) this.inString = false;
        continue;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (this.state !== State.InArray) {
        if (c === 91) {
          this.state = State.InArray;
          this.depth = 0;
          continue;
        }
        if (this.state === State.Undecided) {
          this.state = State.Lines;
          const text = this.undecided + chunk;
          this.undecided = '';
          return this.feedLines(text, out);
        }
        if (!this.garbageReported) {
          this.garbageReported = true;
          const end = chunk.indexOf('\n', i);
          this.errors.malformed(this.line, chunk.slice(i, end < 0 ? undefined : end), 'unexpected text after the JSON array', out);
          this.track(out, this.line);
        }
        continue;
      }
      if (!this.started) {
        if (c === 44) continue; // empty elements (`[1,,2]`, trailing comma) are ignored
        if (c === 93 && this.depth === 0) {
          this.state = State.AfterArray;
          continue;
        }
        this.started = true;
        this.elemLine = this.line;
        segStart = i;
      }
      if (c === 34) this.inString = true;
      else if (c === 91 || c === 123) this.depth++;
      else if (c === 93 || c === 125) {
        if (this.depth === 0) {
          this.element(this.pending + chunk.slice(segStart, i), out);
          this.state = State.AfterArray;
        } else this.depth--;
      } else if (c === 44 && this.depth === 0) this.element(this.pending + chunk.slice(segStart, i), out);
    }
    if (this.state === State.Undecided) this.undecided += chunk;
    else if (this.started && !this.oversize) {
      this.pending += chunk.slice(segStart);
      if (this.pending.length > this.maxElement) {
        this.oversize = true;
        this.pending = '';
      }
    }
  }

  end(out: Point[]): void {
    if (this.state === State.Lines) {
      this.jsonl!.end(out);
      return;
    }
    if (this.state === State.InArray) {
      const line = this.started ? this.elemLine : this.line;
      const complete = this.started && this.depth === 0 && !this.inString && this.pending.trim().length > 0;
      // Only the closing `]` is missing (a truncated file): the last element is whole, so it is kept.
      if (complete) this.element(this.pending, out);
      this.errors.malformed(line, complete ? '' : this.pending.trim(), complete ? 'unterminated JSON array (the closing ] is missing; the last element is kept)' : 'unterminated JSON array', out);
      this.track(out, line);
    }
  }

  private element(text: string, out: Point[]): void {
    this.pending = '';
    this.started = false;
    if (this.oversize || text.length > this.maxElement) {
      this.oversize = false;
      this.errors.malformed(this.elemLine, text.slice(0, 200), `array element longer than max_line (${this.maxElement} characters)`, out);
      this.track(out, this.elemLine);
      return;
    }
    const raw = text.trim();
    const r = parseJsonObject(raw);
    if (typeof r === 'string') this.errors.malformed(this.elemLine, raw, r, out);
    else out.push(r);
    this.track(out, this.elemLine);
  }

  private track(out: Point[], line: number): void {
    const lines = this.lines;
    if (lines !== undefined) while (lines.length < out.length) lines.push(line);
  }

  private feedLines(text: string, out: Point[]): void {
    if (this.jsonl === undefined) this.jsonl = createJsonlParser(this.errors);
    // Share the caller's line list: the jsonl parser appends to it directly.
    this.jsonl.lines = this.lines;
    this.jsonl.push(text, out);
  }
}

class JsonSerializer implements Serializer {
  private started = false;

  write(batch: Point[]): string {
    let s = '';
    for (let i = 0; i < batch.length; i++) {
      s += (this.started ? ',\n' : '[\n') + stringifyPoint(batch[i]!);
      this.started = true;
    }
    return s;
  }

  end(): string {
    return this.started ? '\n]\n' : '[]\n';
  }
}

export const json = defineFormat({
  name: 'json',
  summary: 'A JSON array of objects (writes `[]` for no points).',
  description:
    'Reading: a top-level array of objects, streamed element by element; an element that is not an object is ' +
    'malformed (reported with the line it starts on). Input whose first non-blank character is not `[` is read as ' +
    'JSON lines. Several arrays one after another are read in turn. Writing: `[`, one point per line in the `jsonl` ' +
    'form (time first), `]`; `[]` when there are no points.',
  options: {},
  extensions: ['json'],
  createRecordParser: () => parseJsonObject,
  createParser(opts: Record<string, unknown>, errors: MalformedSink): Parser {
    return new JsonParser(errors, typeof opts.max_line === 'number' && opts.max_line > 0 ? opts.max_line : DEFAULT_MAX_LINE);
  },
  createSerializer(): Serializer {
    return new JsonSerializer();
  },
  examples: [
    {
      title: 'Read an array of objects.',
      program: "read('stdio', format='json')",
      input: '[{"a":1},\n {"a":2}]\n',
      output: '{"a":1}\n{"a":2}\n',
    },
    {
      title: 'Write a JSON array.',
      program: "emit(points=[{a: 1}, {a: 2}]) | write('stdio', format='json')",
      output: '[\n{"a":1},\n{"a":2}\n]\n',
    },
  ],
});
