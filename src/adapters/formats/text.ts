/**
 * `text`: one point per line, `{message: line}`. Also home of the line
 * splitter every line-oriented format (jsonl, grok, logfmt, text) shares.
 */
import { defineFormat, type MalformedSink, type Parser, type RecordParser, type Serializer } from './types.js';
import type { Point } from '../../runtime/point.js';
import { stringifyPoint } from './jsonl.js';

/**
 * A parser that also reports, for each point it appends, the 1-based line it
 * came from. The reading adapter sets `lines` to an empty array to opt in; it
 * needs the numbers to report records whose time field turns out unparseable.
 */
export interface TracksLines {
  lines?: number[];
}

/** Pad `lines` up to `out.length` with `line`: every point appended since the last call came from it. */
export function trackLines(lines: number[] | undefined, out: Point[], line: number): void {
  if (lines === undefined) return;
  while (lines.length < out.length) lines.push(line);
}

/**
 * Splits decoded text into lines across chunk boundaries. LF and CRLF both
 * end a line. Only the new chunk is searched for newlines (the carried rest
 * has none), so one very long line arriving in many chunks stays linear.
 */
export class LineSplitter {
  private rest = '';
  /** Number of the last line produced (1-based; blank lines count). */
  line = 0;

  push(chunk: string, fn: (line: string, lineNo: number) => void): void {
    let nl = chunk.indexOf('\n');
    if (nl < 0) {
      this.rest += chunk;
      return;
    }
    let first = this.rest.length > 0 ? this.rest + chunk.slice(0, nl) : chunk.slice(0, nl);
    this.rest = '';
    if (first.length > 0 && first.charCodeAt(first.length - 1) === 13) first = first.slice(0, -1);
    fn(first, ++this.line);
    let start = nl + 1;
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      const end = nl > start && chunk.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      fn(chunk.slice(start, end), ++this.line);
      start = nl + 1;
    }
    if (start < chunk.length) this.rest = chunk.slice(start);
  }

  /** Forget the line being read (too long); returns its number. */
  dropLine(): number {
    this.rest = '';
    return ++this.line;
  }

  /** Flush a final line that had no newline. */
  end(fn: (line: string, lineNo: number) => void): void {
    if (this.rest.length === 0) return;
    let s = this.rest;
    this.rest = '';
    if (s.charCodeAt(s.length - 1) === 13) s = s.slice(0, -1);
    fn(s, ++this.line);
  }
}

function isBlankLine(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/** Line splitting and the output batch, for parsers that handle one line at a time. */
abstract class LineParser implements Parser, TracksLines {
  lines?: number[];
  private readonly split = new LineSplitter();
  protected out: Point[] = [];
  private readonly onLine = (line: string, lineNo: number): void => this.line(line, lineNo);

  protected abstract line(line: string, lineNo: number): void;

  skipLine(): number {
    return this.split.dropLine();
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

/**
 * The parser of a format with one record per line (grok, logfmt, kv): each
 * line goes through the format's record parser, the function `parse` calls
 * on a field, so both read a record alike. Empty lines are skipped, and lines
 * of blanks too when `skipBlank`.
 */
export class RecordLineParser extends LineParser {
  constructor(
    private readonly record: RecordParser,
    private readonly errors: MalformedSink,
    private readonly skipBlank: boolean,
  ) {
    super();
  }

  protected line(line: string, lineNo: number): void {
    if (line.length === 0 || (this.skipBlank && isBlankLine(line))) return;
    const r = this.record(line);
    if (typeof r === 'string') this.errors.malformed(lineNo, line, r, this.out);
    else this.out.push(r);
    trackLines(this.lines, this.out, lineNo);
  }
}

class TextParser extends LineParser {
  constructor(private readonly field: string) {
    super();
  }

  protected line(line: string, lineNo: number): void {
    this.out.push({ [this.field]: line });
    if (this.lines !== undefined) this.lines.push(lineNo);
  }
}

/** A point as one line of text: its `field` (JSON for objects), or the whole point as JSON when it has none, so nothing is lost. */
export function textLine(p: Point, field: string): string {
  const v = p[field];
  if (typeof v === 'string') return v;
  if (v === undefined) return stringifyPoint(p);
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

class TextSerializer implements Serializer {
  constructor(private readonly field: string) {}

  write(batch: Point[]): string {
    let s = '';
    for (let i = 0; i < batch.length; i++) s += textLine(batch[i]!, this.field) + '\n';
    return s;
  }

  end(): string {
    return '';
  }
}

export const text = defineFormat({
  name: 'text',
  summary: 'One point per line: `{message: line}`.',
  description:
    'Reading: every line becomes a point holding the line in `message` (LF or CRLF line ends; blank lines are kept as ' +
    "`message: ''`, so reading and writing text round-trips). There is no malformed text. " +
    'Writing: the `message` field of each point, one per line; a non-string message is written as JSON, and a point ' +
    'without a message field is written as its JSON line (as `jsonl` would), so nothing is lost.',
  options: {
    field: {
      type: 'string',
      default: 'message',
      doc: 'The field that holds the line, when reading and when writing.',
    },
  },
  extensions: ['log', 'txt'],
  createParser(opts: Record<string, unknown>, _errors: MalformedSink): Parser {
    return new TextParser(typeof opts.field === 'string' ? opts.field : 'message');
  },
  createSerializer(opts: Record<string, unknown>): Serializer {
    return new TextSerializer(typeof opts.field === 'string' ? opts.field : 'message');
  },
  examples: [
    {
      title: 'Each line becomes a point with a `message` field.',
      program: "read('stdio', format='text')",
      input: 'hello world\nsecond line\n',
      output: '{"message":"hello world"}\n{"message":"second line"}\n',
    },
    {
      title: 'Write the message of each point as a plain line.',
      program: "emit(points=[{message: 'a'}, {message: 'b'}]) | write('stdio', format='text')",
      output: 'a\nb\n',
    },
  ],
});
