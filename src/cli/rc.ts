/**
 * `.flumerc.ts` loading: `~/.flumerc.ts` then `./.flumerc.ts` (the current
 * directory wins). Every export becomes a name in programs.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { packageRoot } from '../runtime/package-root.js';
import { compileError, FlumeError } from '../lang/diagnostics.js';
import type { Registry } from '../registry.js';
import type { AdapterDef, StageDef } from '../runtime/defs.js';
import type { ReducerDef } from '../procs/reducers/types.js';
import type { FormatDef } from '../adapters/formats/types.js';
import type { AliasFn } from '../lang/resolve.js';

/** `import ... from 'flume'` inside an rc file means this package's built module API. */
const packageEntry = (): string => join(packageRoot(), 'dist', 'index.js');

export function defaultRcFiles(cwd = process.cwd()): string[] {
  const files = [join(homedir(), '.flumerc.ts'), join(cwd, '.flumerc.ts')];
  return [...new Set(files.map((f) => resolve(f)))].filter((f) => existsSync(f));
}

function isStage(v: unknown): v is StageDef {
  const o = v as StageDef;
  return typeof o === 'object' && o !== null && (o.kind === 'source' || o.kind === 'proc' || o.kind === 'sink') && typeof o.create === 'function';
}
function isReducer(v: unknown): v is ReducerDef {
  const o = v as ReducerDef;
  return typeof o === 'object' && o !== null && Array.isArray(o.params) && typeof o.create === 'function' && 'empty' in o;
}
function isAdapter(v: unknown): v is AdapterDef {
  const o = v as AdapterDef;
  return typeof o === 'object' && o !== null && typeof o.name === 'string' && (o.read !== undefined || o.write !== undefined);
}
function isFormat(v: unknown): v is FormatDef {
  const o = v as FormatDef;
  return typeof o === 'object' && o !== null && (typeof o.createParser === 'function' || typeof o.createSerializer === 'function');
}

/** Load rc files into `reg`; errors name the file and line. */
export async function loadRc(reg: Registry, files: string[]): Promise<void> {
  for (const file of files) {
    let mod: Record<string, unknown>;
    try {
      // jiti is only loaded when there is an rc file: start-up stays fast without one.
      const { createJiti } = await import('jiti');
      const jiti = createJiti(import.meta.url, { alias: { flume: packageEntry() }, moduleCache: false, fsCache: false });
      mod = (await settles(jiti.import(file))) as Record<string, unknown>;
    } catch (e) {
      throw rcError(file, e);
    }
    for (const [name, value] of Object.entries(mod)) {
      if (name === 'default' && (value === undefined || typeof value === 'object')) continue;
      if (isStage(value)) reg.addStage(value);
      else if (isReducer(value)) reg.addReducer(value);
      else if (isAdapter(value)) reg.addAdapter(value);
      else if (isFormat(value)) reg.addFormat(value);
      else if (typeof value === 'function') reg.addAlias(name, value as AliasFn);
      else if (typeof value === 'string') reg.addAlias(name, () => value);
      else if (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'fragment') reg.addAlias(name, () => value);
    }
  }
}

/**
 * `p`, or a clear error when it can never settle: an rc file awaiting a
 * promise nothing will resolve leaves the event loop empty, and the process
 * would otherwise exit 0 without running the program.
 */
function settles<T>(p: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stalled = (): void => reject(new Error('its top-level code awaits something that never settles (nothing is left to wait for)'));
    process.once('beforeExit', stalled);
    p.then(
      (v) => {
        process.off('beforeExit', stalled);
        resolve(v);
      },
      (e: unknown) => {
        process.off('beforeExit', stalled);
        reject(e);
      },
    );
  });
}

function rcError(file: string, e: unknown): FlumeError {
  const err = e as Error;
  const stack = err.stack ?? '';
  // The line only: columns in the stack are those of jiti's transformed code (type annotations removed, a wrapper
  // added), which point past the end of short lines.
  const m = stack.match(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`));
  const where = m ? `${file}:${m[1]}` : file;
  const d = compileError('rc-error', `error in ${where}: ${err.message?.split('\n')[0] ?? String(e)}`).diagnostic;
  return new FlumeError({ ...d, hints: ['fix the file, or run with --no-rc'] }, 2);
}
