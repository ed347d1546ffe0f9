/**
 * Pipeline tests in markdown (SPEC §17.2): `flume test <files…>` runs users'
 * files, and the project's own test/spec files run through the same code.
 * A case is a `## title`, a ```flume block, and optionally ```input
 * (standard input), ```output (the exact JSON lines), ```error, ```stderr and
 * ```now (a fixed :now:).
 */
import { readFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { compile } from '../compile.js';
import { FlumeError, renderDiagnostic } from '../lang/diagnostics.js';
import type { Registry } from '../registry.js';
import { VirtualClock } from '../runtime/clock.js';
import { parseMoment } from '../runtime/time.js';
import { renderSummary } from './summary.js';

/** :now: of a case that names none, so relative moments give the same answer every day. */
export const SPEC_NOW = Date.parse('2020-01-01T00:00:00Z');

export interface SpecCase {
  title: string;
  file: string;
  /** 1-based line of the case's title. */
  line: number;
  program: string;
  input?: string;
  output?: string;
  error?: string;
  stderr?: string;
  now?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Rendered diagnostic when compiling or running failed. */
  error?: string;
  exitCode: number;
}

const BLOCKS = new Set(['input', 'output', 'error', 'stderr', 'now']);

/** Parse a spec file: `## title` then fenced blocks named flume, input, output, error, stderr, now. */
export function parseSpec(text: string, file: string): SpecCase[] {
  const cases: SpecCase[] = [];
  let current: SpecCase | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const h = /^##\s+(.*)$/.exec(line);
    if (h) {
      current = { title: h[1]!.trim(), file, line: i + 1, program: '' };
      cases.push(current);
      continue;
    }
    const fence = /^```(\w+)\s*$/.exec(line);
    if (fence && current) {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
      const kind = fence[1]!;
      const content = body.join('\n');
      if (kind === 'flume') current.program = content;
      else if (BLOCKS.has(kind)) current[kind as 'input' | 'output' | 'error' | 'stderr' | 'now'] = content;
    }
  }
  return cases.filter((c) => c.program);
}

/** Run a program in-process as the CLI would, on a virtual clock, with standard input and output substituted. */
export async function runSpecProgram(
  program: string,
  registry: Registry,
  opts: { input?: string; now?: number; implicitSink?: string | null; env?: Record<string, string> } = {},
): Promise<RunResult> {
  const now = opts.now ?? SPEC_NOW;
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const logs: string[] = [];
  const stdin = Readable.from(opts.input === undefined ? [] : [Buffer.from(opts.input)]);
  const result = (error?: string, exitCode = 0): RunResult => ({
    stdout: Buffer.concat(chunks).toString('utf8'),
    stderr: logs.join('\n'),
    error,
    exitCode,
  });
  try {
    const pipeline = compile(program, registry, {
      now,
      clock: new VirtualClock(now),
      implicitSink: opts.implicitSink,
      // Like `cat input | flume …`: a pipeline that starts with a processor reads the input block.
      implicitSource: opts.input !== undefined ? "read('stdio')" : undefined,
      env: opts.env ?? {},
      io: { stdin, stdout },
      log: (m) => logs.push(m),
    });
    const summary = await pipeline.run();
    const report = renderSummary(summary, { stats: false, quiet: false });
    if (report) logs.push(report);
    await new Promise((r) => setImmediate(r));
    return result();
  } catch (e) {
    if (e instanceof FlumeError) return result(renderDiagnostic(e.diagnostic, program, '<program>'), e.exitCode);
    throw e;
  }
}

/** What a case checked: nothing wrong, or each mismatch as a titled diff. */
export interface CaseOutcome {
  ok: boolean;
  failures: string[];
}

/**
 * Run one case. `exactErrors`: the project's own files state the whole
 * rendered error; users' files (SPEC §17.2) give text the error must contain.
 */
export async function runCase(c: SpecCase, registry: Registry, opts: { exactErrors: boolean }): Promise<CaseOutcome> {
  const now = c.now !== undefined ? parseMoment(c.now, { now: SPEC_NOW }) : undefined;
  if (c.now !== undefined && now === undefined) return { ok: false, failures: [`the now block is not a moment: ${c.now}`] };
  let r: RunResult;
  try {
    r = await runSpecProgram(c.program, registry, { input: c.input, now });
  } catch (e) {
    return { ok: false, failures: [`internal error: ${(e as Error).message}`] };
  }
  const failures: string[] = [];
  if (c.error !== undefined) {
    const want = c.error.trim();
    const got = r.error?.trim();
    if (got === undefined) failures.push(`expected an error, the run succeeded:\n${indent(r.stdout.trim() || '(no output)')}`);
    else if (opts.exactErrors ? got !== want : !got.includes(want)) {
      failures.push(opts.exactErrors ? `error:\n${lineDiff(want, got)}` : `the error does not contain:\n${indent(want)}\nit was:\n${indent(got)}`);
    }
  } else if (r.error !== undefined) {
    failures.push(`unexpected error:\n${indent(r.error)}`);
  } else if (r.stdout.trim() !== (c.output ?? '').trim()) {
    failures.push(`output:\n${lineDiff((c.output ?? '').trim(), r.stdout.trim())}`);
  }
  if (c.stderr !== undefined && r.stderr.trim() !== c.stderr.trim()) failures.push(`stderr:\n${lineDiff(c.stderr.trim(), r.stderr.trim())}`);
  return { ok: failures.length === 0, failures };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

/**
 * A line diff of expected and actual text (`-` expected only, `+` actual only,
 * ` ` both), from the longest common subsequence of lines: test outputs are
 * small, so the quadratic table is fine.
 */
export function lineDiff(expected: string, actual: string): string {
  const a = expected === '' ? [] : expected.split('\n');
  const b = actual === '' ? [] : actual.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`    ${a[i++]}`);
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(`  - ${a[i++]}`);
    else out.push(`  + ${b[j++]}`);
  }
  return out.join('\n');
}

/** `flume test <files…>`: one line per case, a diff for each failure, a closing count; the exit code. */
export async function runTestFiles(files: readonly string[], registry: Registry, write: (line: string) => void): Promise<number> {
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      write(`FAIL ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      failed++;
      continue;
    }
    const cases = parseSpec(text, file);
    if (cases.length === 0) {
      write(`FAIL ${file}: no test cases (a case is a \`## title\` followed by a \`\`\`flume block)`);
      failed++;
      continue;
    }
    for (const c of cases) {
      const o = await runCase(c, registry, { exactErrors: false });
      if (o.ok) {
        passed++;
        write(`ok   ${file}:${c.line} ${c.title}`);
      } else {
        failed++;
        write(`FAIL ${file}:${c.line} ${c.title}`);
        for (const f of o.failures) write(indent(f));
      }
    }
  }
  write(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}
