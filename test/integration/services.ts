/**
 * Where the real services of the integration tests are. `make test` (through
 * scripts/services/run.sh) starts them and exports their addresses; a test whose
 * service is not there fails with how to start it, never skips.
 */
import { request } from 'node:http';

/** Fails the calling test with how to start the service. */
export function serviceMissing(name: string, where: string, why: string): never {
  throw new Error(
    `${name} is not reachable at ${where} (${why}).\n` +
      `Start it with: scripts/services/${name}.sh install && scripts/services/${name}.sh start\n` +
      `(make test starts and stops it by itself through scripts/services/run.sh)`,
  );
}

/** GET a path over a unix socket or a URL; resolves with the status code, rejects on a connection error. */
export function httpStatus(target: { socketPath: string } | { url: string }, path = '/', timeoutMs = 3000): Promise<number> {
  return new Promise((resolve, reject) => {
    const opts = 'socketPath' in target ? { socketPath: target.socketPath, path } : new URL(path, target.url);
    const req = request(opts, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The Docker engine's socket path (FLUME_TEST_DOCKER_HOST=unix://...), checked with /_ping. */
export async function dockerSocket(): Promise<string> {
  const host = process.env['FLUME_TEST_DOCKER_HOST'] ?? 'unix:///tmp/flume-services/docker/docker.sock';
  const socketPath = host.replace(/^unix:\/\//, '');
  try {
    const status = await httpStatus({ socketPath }, '/_ping');
    if (status !== 200) serviceMissing('docker', host, `/_ping answered ${status}`);
  } catch (e) {
    serviceMissing('docker', host, (e as Error).message);
  }
  return socketPath;
}
