/** The built CLI run as a user runs it, asynchronously (tests serving HTTP in their own process need the event loop). */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..', '..');
export const bin = join(root, 'bin', 'flume.js');

export interface Ran {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface FlumeRun {
  /** Working directory and HOME. */
  cwd: string;
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Run with --stats (the per-stage counts on stderr). */
  stats?: boolean;
  /** Send `signal` (default SIGTERM) this long after the start. */
  signalAfterMs?: number;
  signal?: NodeJS.Signals;
}

/** Run `program` to its end (killed after 3 minutes at most). */
export function flumeRun(program: string, opts: FlumeRun): Promise<Ran> {
  const child = spawn(process.execPath, [bin, ...(opts.stats ? ['--stats'] : []), program], {
    cwd: opts.cwd,
    env: { ...process.env, HOME: opts.cwd, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(opts.input ?? '');
  const signal = opts.signalAfterMs === undefined ? undefined : setTimeout(() => child.kill(opts.signal ?? 'SIGTERM'), opts.signalAfterMs);
  const guard = setTimeout(() => child.kill('SIGKILL'), 180_000);
  return new Promise((res) =>
    child.on('exit', (code) => {
      clearTimeout(guard);
      if (signal) clearTimeout(signal);
      // 'exit' may come before the pipes are drained.
      setImmediate(() => res({ stdout, stderr, code }));
    }),
  );
}
