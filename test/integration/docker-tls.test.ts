/**
 * Docker hosts the way the docker CLI reaches them (SPEC §17.3): a second, real
 * dockerd of this test's own listens on tcp://127.0.0.1 with --tlsverify and
 * certificates made here by openssl; docker-stats and docker-events read it
 * through DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'flume.js');
const DOCKERD = '/usr/sbin/dockerd';
const IMAGE = 'local/busybox:1';
// Short: containerd's sockets live under the exec root, and unix socket paths are limited to 108 bytes.
const base = mkdtempSync('/tmp/fdt');
const certs = join(base, 'certs');
const client = join(base, 'client');
let port = 0;
const BRIDGE = `fdt${process.pid % 100000}`;
let dockerd: ChildProcess | undefined;

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, input?: Buffer): string {
  const r = spawnSync(cmd, args, { env, input, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout.trim();
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => res(p));
    });
    srv.on('error', rej);
  });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as `docker` docs describe. */
function makeCertificates(): void {
  mkdirSync(certs, { recursive: true });
  mkdirSync(client, { recursive: true });
  const o = (...args: string[]) => sh('openssl', args);
  const c = (f: string) => join(certs, f);
  o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', c('ca-key.pem'), '-out', c('ca.pem'), '-days', '2', '-subj', '/CN=flume test CA');
  o('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', c('server-key.pem'), '-out', c('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(c('server.ext'), 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n');
  o('x509', '-req', '-in', c('server.csr'), '-CA', c('ca.pem'), '-CAkey', c('ca-key.pem'), '-CAcreateserial', '-out', c('server-cert.pem'), '-days', '2', '-extfile', c('server.ext'));
  o('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(client, 'key.pem'), '-out', c('client.csr'), '-subj', '/CN=flume client');
  writeFileSync(c('client.ext'), 'extendedKeyUsage = clientAuth\n');
  o('x509', '-req', '-in', c('client.csr'), '-CA', c('ca.pem'), '-CAkey', c('ca-key.pem'), '-CAcreateserial', '-out', join(client, 'cert.pem'), '-days', '2', '-extfile', c('client.ext'));
  cpSync(c('ca.pem'), join(client, 'ca.pem'));
}

const tlsEnv = (): NodeJS.ProcessEnv => ({ ...process.env, DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: client });

async function waitForEngine(): Promise<void> {
  const end = Date.now() + 90_000;
  for (;;) {
    const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { env: tlsEnv(), encoding: 'utf8', timeout: 10_000 });
    if (r.status === 0) return;
    if (dockerd?.exitCode !== null) throw new Error(`the test dockerd exited (${String(dockerd?.exitCode)}):\n${readFileSync(join(base, 'dockerd.log'), 'utf8').slice(-3000)}`);
    if (Date.now() > end) throw new Error(`the test dockerd did not answer over TLS in 90 s:\n${readFileSync(join(base, 'dockerd.log'), 'utf8').slice(-3000)}`);
    await new Promise((r2) => setTimeout(r2, 300));
  }
}

/** The image the services' dockerd has: Debian's static busybox, imported without a registry. */
function importBusybox(): void {
  const rf = join(base, 'rootfs');
  mkdirSync(join(rf, 'bin'), { recursive: true });
  cpSync('/bin/busybox', join(rf, 'bin', 'busybox'));
  for (const a of ['sh', 'sleep', 'echo']) symlinkSync('busybox', join(rf, 'bin', a));
  const tar = spawnSync('tar', ['-C', rf, '-c', '.'], { maxBuffer: 64 << 20 });
  sh('docker', ['import', '-c', 'CMD ["/bin/sh"]', '-', IMAGE], tlsEnv(), tar.stdout);
}

/** A flume process whose output lines are collected. */
function flume(program: string, env: NodeJS.ProcessEnv) {
  const proc = spawn(process.execPath, [bin, program], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { out: '', err: '' };
  proc.stdout.setEncoding('utf8').on('data', (s: string) => (state.out += s));
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (state.err += s));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return {
    state,
    lines: () => state.out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
    async waitFor(what: string, pred: (ps: Record<string, unknown>[]) => boolean): Promise<void> {
      const end = Date.now() + 60_000;
      while (!pred(this.lines())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stderr:\n${state.err}`);
        if (proc.exitCode !== null) throw new Error(`flume exited (${proc.exitCode}) before ${what}; stderr:\n${state.err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop(): Promise<number | null> {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

describe('Docker over tcp:// with TLS (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)', () => {
  before(async () => {
    if (!existsSync(DOCKERD)) throw new Error(`no ${DOCKERD}: install it with scripts/services/docker.sh install (Debian package docker.io)`);
    makeCertificates();
    port = await freePort();
    const c = (f: string) => join(certs, f);
    const log = openSync(join(base, 'dockerd.log'), 'w');
    // A bridge of its own: with --bridge=none dockerd deletes the host's docker0, which the services' dockerd uses.
    sh('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    sh('ip', ['addr', 'add', '10.213.77.1/24', 'dev', BRIDGE]);
    dockerd = spawn(
      DOCKERD,
      [
        '--host', `tcp://127.0.0.1:${port}`, '--tlsverify', '--tlscacert', c('ca.pem'), '--tlscert', c('server-cert.pem'), '--tlskey', c('server-key.pem'),
        '--data-root', join(base, 'data'), '--exec-root', join(base, 'x'), '--pidfile', join(base, 'dockerd.pid'),
        '--iptables=false', '--ip6tables=false', `--bridge=${BRIDGE}`, '--storage-driver=vfs',
      ],
      { stdio: ['ignore', log, log] },
    );
    await waitForEngine();
    importBusybox();
  });

  after(async () => {
    if (dockerd && dockerd.exitCode === null) {
      spawnSync('docker', ['rm', '-f', 'flume-tls-worker'], { env: tlsEnv(), timeout: 30_000 });
      dockerd.kill('SIGTERM');
      await new Promise((r) => dockerd!.once('exit', r));
    }
    spawnSync('ip', ['link', 'delete', BRIDGE], { timeout: 30_000 });
    rmSync(base, { recursive: true, force: true });
  });

  it('docker-events and docker-stats read the engine through DOCKER_HOST with TLS', async () => {
    const events = flume("read('docker-events', types=['container']) | filter(action == 'start')", tlsEnv());
    // The source is connected once it has subscribed; a start before that would not be an event of this run.
    await new Promise((r) => setTimeout(r, 2000));
    const id = sh('docker', ['run', '-d', '--network', 'none', '--name', 'flume-tls-worker', IMAGE, 'sh', '-c', 'while :; do :; done'], tlsEnv());
    await events.waitFor('the start event', (ps) => ps.some((p) => p['id'] === id));
    const stats = flume("read('docker-stats', every='1s')", tlsEnv());
    await stats.waitFor('a stats point with a cpu figure', (ps) => ps.some((p) => p['id'] === id && typeof p['cpu'] === 'number'));
    assert.equal(await stats.stop(), 143, stats.state.err);
    assert.equal(await events.stop(), 143, events.state.err);
    const s = stats.lines().find((p) => p['id'] === id && typeof p['cpu'] === 'number')!;
    assert.equal(s['name'], 'flume-tls-worker');
    assert.ok((s['cpu'] as number) > 0, JSON.stringify(s));
    assert.doesNotMatch(stats.state.err + events.state.err, /lost the Docker engine/);
  });

  it('without the client certificate the engine refuses, and flume says so once', async () => {
    const env = { ...tlsEnv(), DOCKER_CERT_PATH: certs };
    // certs/ has ca.pem but no cert.pem/key.pem: a compile-time error names the missing file.
    const r = spawnSync(process.execPath, [bin, "read('docker-events')"], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /cannot read .*cert\.pem for TLS to the Docker engine: ENOENT/);
    // Plain HTTP to a TLS engine: refused at every try, reported once as an outage.
    const plain = flume("read('docker-events')", { ...process.env, DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '', DOCKER_CERT_PATH: '' });
    await new Promise((res) => setTimeout(res, 3000));
    assert.equal(await plain.stop(), 143);
    assert.equal(plain.state.err.match(/lost the Docker engine at tcp:\/\/127\.0\.0\.1/g)?.length, 1, plain.state.err);
  });
});
