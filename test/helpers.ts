/**
 * Run a program in-process the way the CLI would, on a virtual clock, with
 * stdin/stdout substituted: the basis of spec files and example tests.
 */
import { PassThrough, Readable } from 'node:stream';
import { compile } from '../src/compile.js';
import { FlumeError, renderDiagnostic } from '../src/lang/diagnostics.js';
import { Registry } from '../src/registry.js';
import { VirtualClock } from '../src/runtime/clock.js';
import { renderSummary } from '../src/cli/summary.js';

export const SPEC_NOW = Date.parse('2020-01-01T00:00:00Z');

/** mulberry32, seeded: reproducible random test cases (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Rendered diagnostic when compiling or running failed. */
  error?: string;
  exitCode: number;
}

let shared: Registry | undefined;

export async function runProgram(
  program: string,
  opts: { input?: string; now?: number; implicitSink?: string | null; registry?: Registry; env?: Record<string, string> } = {},
): Promise<RunResult> {
  const registry = opts.registry ?? (shared ??= Registry.builtin());
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

export interface SpecCase {
  title: string;
  file: string;
  program: string;
  input?: string;
  output?: string;
  error?: string;
  stderr?: string;
  now?: string;
}

/** Parse a spec file: `## title` then fenced blocks named flume, input, output, error, stderr, now. */
export function parseSpec(text: string, file: string): SpecCase[] {
  const cases: SpecCase[] = [];
  let current: SpecCase | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const h = /^##\s+(.*)$/.exec(line);
    if (h) {
      current = { title: h[1]!.trim(), file, program: '' };
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
      else if (kind === 'input' || kind === 'output' || kind === 'error' || kind === 'stderr' || kind === 'now') current[kind] = content;
    }
  }
  return cases.filter((c) => c.program);
}

/** Compile a program without running it (examples that need an external service): the rendered error, if any. */
export function compileError(program: string): string | undefined {
  const registry = (shared ??= Registry.builtin());
  try {
    compile(program, registry, { now: SPEC_NOW, clock: new VirtualClock(SPEC_NOW), env: {}, log: () => undefined });
    return undefined;
  } catch (e) {
    if (e instanceof FlumeError) return renderDiagnostic(e.diagnostic, program, '<program>');
    throw e;
  }
}
