/**
 * A format turns text into points (parser) and points into text
 * (serializer). Byte-oriented adapters (stdio, http, kafka) share them.
 */
import type { Example, OptionSchema } from '../../runtime/component.js';
import type { Point } from '../../runtime/point.js';

/** `max_line`'s default, in characters: far beyond any sane record, far below V8's longest string (~512 M). */
export const DEFAULT_MAX_LINE = 64 * 1024 * 1024;

/** What a parser does with a bad record, per `on_error`. */
export interface MalformedSink {
  /**
   * Report a malformed record at 1-based `line` with its raw text. Depending
   * on `on_error` this counts it (skip), throws a FlumeError naming the line
   * (fail), or appends `{_raw, _error, _line}` to `out` (keep).
   */
  malformed(line: number, raw: string, error: string, out: Point[]): void;
}

export interface Parser {
  /** Feed decoded text (any chunking; lines may span chunks). Complete records go to `out`. */
  push(chunk: string, out: Point[]): void;
  /** End of input: flush a final unterminated record. */
  end(out: Point[]): void;
  /**
   * The line being read is longer than `max_line`: forget what was pushed of
   * it (the reader drops the rest, up to and with its newline) and return its
   * 1-based number. A parser without it is not line-based (json arrays).
   */
  skipLine?(): number;
  /**
   * Keep each record's text on its point where a serializer of the same format
   * may write it again (see `SourceInstance.keepText`); `sets` are the fields
   * the pipeline sets. Returns whether it will. A point with kept text has its
   * `time` read already (epoch ms): the time handling after the parser leaves it.
   */
  keepText?(sets: readonly string[]): boolean;
  /**
   * The time handling after the parser reads `field` (top-level). A parser that
   * reads a time there anyway may give it as a TimeValue, which that handling
   * takes as it is.
   */
  timeField?(field: string): void;
}

/**
 * One record's text → its point, or a string saying why it is not a record.
 * `parse` calls it on a field's value; the line-oriented parsers call the
 * same function for each line, so `read` and `parse` read a record alike.
 */
export type RecordParser = (text: string) => Point | string;

export interface Serializer {
  /** Text for a batch (may be ''). `time` fields are epoch ms: write them as ISO 8601. */
  write(batch: Point[]): string;
  /** Text to close the output (e.g. `]` for json, or `[]` when nothing was written). */
  end(): string;
  /**
   * Write a point's kept record text (a parser of the same format kept it)
   * instead of serialising it, adding the fields `sets` the pipeline set.
   * Returns whether it will.
   */
  reuseText?(sets: readonly string[]): boolean;
}

export interface FormatDef {
  name: string;
  summary: string;
  description?: string;
  /** Options specific to this format (validated by the resolver). */
  options: OptionSchema;
  /** File extensions that select this format by default (without dot). */
  extensions?: readonly string[];
  createParser?(opts: Record<string, unknown>, errors: MalformedSink): Parser;
  /**
   * A parser of one record's text (for `parse`). Made once per stage: costly
   * preparation (compiling grok patterns) happens here, not per record. Throws
   * a compile error for options that cannot work on a single record.
   */
  createRecordParser?(opts: Record<string, unknown>): RecordParser;
  createSerializer?(opts: Record<string, unknown>): Serializer;
  examples: readonly Example[];
}

export function defineFormat(def: FormatDef): FormatDef {
  return def;
}
