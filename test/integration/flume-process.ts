/**
 * A flume CLI process that lives while a test talks to it: points are fed on
 * its stdin as the test goes, its stderr is collected and waited on, and it is
 * ended by closing stdin (end of stream) or by a signal (Ctrl-C, SIGTERM).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { bin, root } from './spawn-flume.js';

export { bin, root };

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `probe` until it returns something other than undefined, or fail after `ms` naming `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 60_000, every = 250): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last === undefined ? '' : `; last error: ${String(last)}`}`);
    await sleep(every);
  }
}

export class FlumeProcess {
  stdout = '';
  stderr = '';
  private readonly proc: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(program: string, env: Record<string, string | undefined> = {}, cwd = root) {
    this.proc = spawn(process.execPath, [bin, program], { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8').on('data', (s: string) => (this.stdout += s));
    this.proc.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    // A test that ends the run early may leave writes behind: their EPIPE is of no interest.
    this.proc.stdin!.on('error', () => undefined);
    this.exited = new Promise((r) => this.proc.on('exit', (code) => r(code)));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Feed points as JSON lines. */
  send(points: readonly object[]): void {
    this.proc.stdin!.write(points.map((p) => JSON.stringify(p)).join('\n') + '\n');
  }

  /** Wait for a stderr line matching `re`; returns the match. */
  async waitForStderr(re: RegExp, ms = 30_000): Promise<RegExpExecArray> {
    return eventually(`stderr to match ${re}`, () => {
      const m = re.exec(this.stderr);
      if (m !== null) return m;
      if (this.proc.exitCode !== null) throw new Error(`flume exited (${this.proc.exitCode}); stderr:\n${this.stderr}`);
      return undefined;
    }, ms, 50).catch((e: Error) => {
      throw new Error(`${e.message}\nstderr so far:\n${this.stderr}`);
    });
  }

  /** The URL a serving sink logged (`write <adapter>: serving http://...`). */
  async servingUrl(adapter: string): Promise<string> {
    return (await this.waitForStderr(new RegExp(`write ${adapter}: serving (http://\\S+)`)))[1]!;
  }

  /** End of stream: close stdin and wait for the exit code. */
  async end(): Promise<number | null> {
    this.proc.stdin!.end();
    return this.exited;
  }

  /** A signal (SIGINT is Ctrl-C); resolves with the exit code. */
  async signal(sig: NodeJS.Signals): Promise<number | null> {
    if (this.proc.exitCode === null) this.proc.kill(sig);
    return this.exited;
  }

  done(): Promise<number | null> {
    return this.exited;
  }

  running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }
}

/**
 * A busybox container sleeping on the test engine (`DOCKER_HOST`), named and
 * labelled `flumetest=<run>`. No network: the tests need none, and the
 * engine's bridge is not theirs to depend on.
 */
export function sleepingContainer(dockerHost: string, name: string, run: string): { id: string; remove(): void } {
  const docker = (...args: string[]): string => {
    const r = spawnSync('docker', args, { env: { ...process.env, DOCKER_HOST: dockerHost }, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const id = docker('run', '-d', '--network', 'none', '--name', name, '--label', `flumetest=${run}`, 'local/busybox:1', 'sh', '-c', 'sleep 1000');
  return { id, remove: () => void docker('rm', '-f', id) };
}
