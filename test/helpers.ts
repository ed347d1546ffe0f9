/**
 * Run a program in-process the way the CLI would, on a virtual clock, with
 * stdin/stdout substituted: the basis of spec files and example tests.
 */
import { compile } from '../src/compile.js';
import { FlumeError, renderDiagnostic } from '../src/lang/diagnostics.js';
import { Registry } from '../src/registry.js';
import { VirtualClock } from '../src/runtime/clock.js';
import { runSpecProgram, SPEC_NOW, type RunResult } from '../src/cli/spec.js';

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

let shared: Registry | undefined;

/** The spec files' runner (src/cli/spec.ts), with the built-in registry unless one is given. */
export function runProgram(
  program: string,
  opts: { input?: string; now?: number; implicitSink?: string | null; registry?: Registry; env?: Record<string, string> } = {},
): Promise<RunResult> {
  return runSpecProgram(program, opts.registry ?? (shared ??= Registry.builtin()), opts);
}

export { parseSpec, SPEC_NOW, type RunResult, type SpecCase } from '../src/cli/spec.js';

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
