/**
 * Errors are data: {code, message, span, hints}, rendered once, with the
 * source line and a caret run under the span.
 */
import type { Span } from './ast.js';

export interface Diagnostic {
  /** Stable identifier, e.g. `syntax`, `unknown-processor`, `unknown-option`, `bad-option`. */
  code: string;
  message: string;
  span?: Span;
  hints: string[];
  /** The text `span` points into and its name; set when the error crosses a source boundary. */
  source?: string;
  file?: string;
}

/** Compile-time problems (exit 2) and runtime failures (exit 1) both travel as FlumeError. */
export class FlumeError extends Error {
  readonly diagnostic: Diagnostic;
  readonly exitCode: number;

  constructor(diagnostic: Diagnostic, exitCode = 2) {
    super(diagnostic.message);
    this.name = 'FlumeError';
    this.diagnostic = diagnostic;
    this.exitCode = exitCode;
  }
}

export function compileError(code: string, message: string, span?: Span, hints: string[] = []): FlumeError {
  return new FlumeError({ code, message, span, hints }, 2);
}

export function runtimeError(code: string, message: string, hints: string[] = []): FlumeError {
  return new FlumeError({ code, message, hints }, 1);
}

/** Line (1-based), column (1-based) and the text of the line holding `offset`. */
export function locate(source: string, offset: number): { line: number; column: number; text: string; lineStart: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  let lineEnd = source.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = source.length;
  return { line, column: offset - lineStart + 1, text: source.slice(lineStart, lineEnd), lineStart };
}

/**
 * Render like:
 *
 *     error[unknown-processor]: unknown processor `redcue`
 *       --> <program>:1:20
 *        |
 *      1 | emit(limit=1) | redcue(count=count())
 *        |                 ^^^^^^
 *        = hint: did you mean `reduce`?
 */
export function renderDiagnostic(d: Diagnostic, source?: string, file = '<program>'): string {
  const src = d.source ?? source;
  const name = d.file ?? file;
  const lines = [`error[${d.code}]: ${d.message}`];
  if (d.span && src !== undefined) {
    const at = locate(src, d.span.start);
    const gutter = String(at.line).length;
    const pad = ' '.repeat(gutter);
    const lineEndOffset = at.lineStart + at.text.length;
    const caretEnd = Math.max(Math.min(d.span.end, lineEndOffset), d.span.start + 1);
    const carets = '^'.repeat(Math.max(1, caretEnd - d.span.start));
    lines.push(`${pad}--> ${name}:${at.line}:${at.column}`);
    lines.push(`${pad} |`);
    lines.push(`${at.line} | ${at.text}`);
    lines.push(`${pad} | ${' '.repeat(at.column - 1)}${carets}`);
  }
  for (const h of d.hints) lines.push(`  = hint: ${h}`);
  return lines.join('\n');
}

/**
 * Edit distance with adjacent transpositions counting one edit (optimal
 * string alignment), for "did you mean": `fromat` is one edit from `format`.
 */
export function distance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let before: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      cur[j] = d;
    }
    before = prev;
    prev = cur;
  }
  return prev[n]!;
}

/** Names other tools use for what flume calls otherwise: suggested whatever their spelling distance. */
const SYNONYMS: Record<string, string> = {
  ndjson: 'jsonl',
  ldjson: 'jsonl',
  jsonlines: 'jsonl',
  'json-lines': 'jsonl',
  json_lines: 'jsonl',
};

/** The closest candidate within a reasonable edit distance, or undefined. */
export function closest(name: string, candidatesIn: Iterable<string>): string | undefined {
  const candidates = [...candidatesIn];
  const synonym = SYNONYMS[name.toLowerCase()];
  if (synonym !== undefined && candidates.includes(synonym)) return synonym;
  let best: string | undefined;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  // Short names need some overlap: `m` should not suggest `n`.
  const limit = Math.min(Math.floor(name.length / 3) + 1, name.length - 1);
  return bestD <= limit ? best : undefined;
}

/** `did you mean `x`?` as a hint list (empty when nothing is close). */
export function didYouMean(name: string, candidates: Iterable<string>): string[] {
  const c = closest(name, candidates);
  return c === undefined ? [] : [`did you mean \`${c}\`?`];
}
