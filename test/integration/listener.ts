/**
 * A flume process running a listener program, for the network integration
 * tests: started with `listen=':0'` (a free port), its address read from the
 * line it prints on stderr, stopped with SIGINT like Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'flume.js');

export class Listener {
  private static readonly running = new Set<ChildProcess>();

  /** Kill what a failed test left running (call from `after`). */
  static killAll(): void {
    for (const p of Listener.running) if (p.exitCode === null) p.kill('SIGKILL');
  }

  readonly proc: ChildProcess;
  stdout = '';
  stderr = '';
  /** host:port the listener bound. */
  address = '';
  private readonly exited: Promise<number | null>;

  constructor(program: string, args: string[] = [], opts: { pipeStdout?: boolean; env?: Record<string, string> } = {}) {
    this.proc = spawn(process.execPath, [bin, ...args, program], { cwd: root, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    if (opts.pipeStdout !== false) this.proc.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString('utf8')));
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    Listener.running.add(this.proc);
    this.exited = new Promise((resolve) =>
      this.proc.on('exit', (code) => {
        Listener.running.delete(this.proc);
        resolve(code);
      }),
    );
  }

  /** Wait (60 s at most) for the "listening on" line; resolves to host:port. */
  async ready(): Promise<string> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const m = /listening on (?:\w+ |http:\/\/)?([\d.]+:\d+)/.exec(this.stderr);
      if (m !== null) return (this.address = m[1]!);
      if (this.proc.exitCode !== null) throw new Error(`flume exited ${this.proc.exitCode} before listening:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`flume did not listen within 60 s:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  get port(): number {
    return Number(this.address.split(':')[1]);
  }

  /** Peak resident memory so far (VmHWM), in MB. */
  peakRssMb(): number {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.proc.pid}/status`, 'utf8'));
    return m === null ? NaN : Number(m[1]) / 1024;
  }

  /** Peak RSS read just before the last interrupt() (MB). */
  peakRssMbAtExit: string | undefined;

  /** Ctrl-C; resolves with the exit code (killed after 60 s). */
  async interrupt(): Promise<number | null> {
    try {
      this.peakRssMbAtExit = this.peakRssMb().toFixed(1);
    } catch {
      this.peakRssMbAtExit = undefined;
    }
    this.proc.kill('SIGINT');
    return this.wait();
  }

  async wait(ms = 60_000): Promise<number | null> {
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), ms);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** Wait (30 s at most) until `cond` holds. */
  static async until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Lines of JSON output as objects. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
