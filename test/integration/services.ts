/**
 * Where the real services of the integration tests are. `make test` (through
 * scripts/services/run.sh) starts them and exports their addresses; a test whose
 * service is not there fails with how to start it, never skips.
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';

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

/** Debian's chromium (installed by `make setup`), for opening html charts headless. */
export function chromiumPath(): string {
  const path = process.env['FLUME_TEST_CHROMIUM'] ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`chromium is not installed at ${path}.\nInstall it with: make setup   (or: apt-get install -y chromium)`);
  }
  return path;
}

/** The Elasticsearch server's URL (FLUME_TEST_ELASTIC_URL), checked with /_cluster/health. */
export async function elasticUrl(): Promise<string> {
  const url = process.env['FLUME_TEST_ELASTIC_URL'] ?? 'http://127.0.0.1:9200';
  try {
    const status = await httpStatus({ url }, '/_cluster/health');
    if (status !== 200) serviceMissing('elasticsearch', url, `/_cluster/health answered ${status}`);
  } catch (e) {
    serviceMissing('elasticsearch', url, (e as Error).message);
  }
  return url;
}

/** Resolves with why host:port does not accept a TCP connection, or undefined when it does. */
function tcpProblem(host: string, port: number, timeoutMs = 3000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: timeoutMs }, () => {
      s.destroy();
      resolve(undefined);
    });
    s.on('timeout', () => {
      s.destroy();
      resolve(`no answer in ${timeoutMs} ms`);
    });
    s.on('error', (e) => resolve(e.message));
  });
}

/** The test Kafka broker (FLUME_TEST_KAFKA_BROKERS=host:port), checked with a TCP connect. */
export async function kafkaBrokers(): Promise<string> {
  const brokers = process.env['FLUME_TEST_KAFKA_BROKERS'] ?? '127.0.0.1:9092';
  const [host, port] = brokers.split(',')[0]!.split(':');
  const problem = await tcpProblem(host!, Number(port));
  if (problem !== undefined) serviceMissing('kafka', brokers, problem);
  return brokers;
}

/** The InfluxDB 1.x server's URL (FLUME_TEST_INFLUXDB_URL), checked with /ping. */
export async function influxdbUrl(): Promise<string> {
  const url = process.env['FLUME_TEST_INFLUXDB_URL'] ?? 'http://127.0.0.1:8086';
  try {
    const status = await httpStatus({ url }, '/ping');
    if (status !== 204) serviceMissing('influxdb', url, `/ping answered ${status}`);
  } catch (e) {
    serviceMissing('influxdb', url, (e as Error).message);
  }
  return url;
}

/** The test Prometheus and Pushgateway (scripts/services/prometheus.sh), checked with /-/ready, and the file_sd directory for targets. */
export async function prometheusService(): Promise<{ url: string; pushgateway: string; targets: string }> {
  const url = process.env['FLUME_TEST_PROMETHEUS_URL'] ?? 'http://127.0.0.1:9090';
  const pushgateway = process.env['FLUME_TEST_PUSHGATEWAY_URL'] ?? 'http://127.0.0.1:9091';
  const targets = process.env['FLUME_TEST_PROMETHEUS_TARGETS'] ?? '/tmp/flume-services/prometheus/targets';
  for (const u of [url, pushgateway]) {
    try {
      const status = await httpStatus({ url: u }, '/-/ready');
      if (status !== 200) serviceMissing('prometheus', u, `/-/ready answered ${status}`);
    } catch (e) {
      serviceMissing('prometheus', u, (e as Error).message);
    }
  }
  if (!existsSync(targets)) serviceMissing('prometheus', url, `no targets directory ${targets}`);
  return { url, pushgateway, targets };
}

/** The test MongoDB server (FLUME_TEST_MONGODB_URL; FerretDB from scripts/services/mongodb.sh), checked with a TCP connect. */
export async function mongodbUrl(): Promise<string> {
  const url = process.env['FLUME_TEST_MONGODB_URL'] ?? 'mongodb://127.0.0.1:27017';
  const { hostname, port } = new URL(url);
  const problem = await tcpProblem(hostname, Number(port || 27017));
  if (problem !== undefined) serviceMissing('mongodb', url, problem);
  return url;
}
