/**
 * write('prometheus') against the real Prometheus and Pushgateway that
 * scripts/services/prometheus.sh starts: the served endpoint added as a
 * file_sd target and read back through /api/v1/query, the exposition checked
 * by promtool, a push read back from the gateway and from Prometheus, and
 * Statspout in one line (docker-stats of a real container, scraped).
 * Every series carries a label unique to this run: the TSDB outlives runs.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dockerSocket, prometheusService } from './services.js';
import { bin, eventually, FlumeProcess, root, sleepingContainer } from './flume-process.js';

const RUN = `p${process.pid}${Date.now().toString(36)}`;
let prom: { url: string; pushgateway: string; targets: string };
const targetFiles: string[] = [];

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(promql: string): Promise<Sample[]> {
  const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: Sample[] }; error?: string };
  if (body.status !== 'success') throw new Error(`query ${promql}: ${body.error}`);
  return body.data.result;
}

/** Poll a query until `ok` holds for its result (a new target's first sample takes 5-7 s). */
function queryUntil(what: string, promql: string, ok: (r: Sample[]) => boolean): Promise<Sample[]> {
  return eventually(what, async () => {
    const r = await query(promql);
    return ok(r) ? r : undefined;
  }, 90_000, 500);
}

/** Make Prometheus scrape `url`'s host (file_sd), labelled with this run. */
function addTarget(name: string, url: string): void {
  const file = join(prom.targets, `${RUN}-${name}.json`);
  writeFileSync(file, JSON.stringify([{ targets: [new URL(url).host], labels: { flume_run: RUN } }]));
  targetFiles.push(file);
}

function valueOf(r: Sample[], label: string, v: string): string | undefined {
  return r.find((s) => s.metric[label] === v)?.value[1];
}

before(async () => {
  prom = await prometheusService();
});

after(() => {
  for (const f of targetFiles) rmSync(f, { force: true });
});

describe('write prometheus against a real Prometheus', () => {
  it('is scraped by Prometheus: values, nested fields and escaped label values read back through the query API', async () => {
    const web = `web-${RUN}`;
    const odd = `db "${RUN}"\\x`;
    const f = new FlumeProcess(`read('stdio') | write('prometheus', listen='127.0.0.1:0', by=[name], prefix='flume_it')`);
    f.send([{ name: web, cpu: 42.5, mem: { rss: 1024 }, image: 'local/busybox:1' }, { name: odd, cpu: 7 }]);
    const url = await f.servingUrl('prometheus');
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    addTarget('served', url);
    const cpu = await queryUntil('both cpu series', `flume_it_cpu{flume_run="${RUN}"}`, (r) => r.length === 2);
    assert.equal(valueOf(cpu, 'name', web), '42.5');
    assert.equal(valueOf(cpu, 'name', odd), '7');
    const rss = await query(`flume_it_mem_rss{flume_run="${RUN}"}`);
    assert.deepEqual(
      rss.map((s) => [s.metric['name'], s.value[1]]),
      [[web, '1024']],
    );
    // The latest value replaces the one before.
    f.send([{ name: web, cpu: 43 }]);
    await queryUntil('the new value', `flume_it_cpu{flume_run="${RUN}",name="${web}"}`, (r) => r[0]?.value[1] === '43');
    // The body as Prometheus's own linter sees it.
    const body = await (await fetch(url)).text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    assert.equal(check.error, undefined, 'promtool comes with Debian prometheus: scripts/services/prometheus.sh install');
    assert.equal(check.status, 0, `promtool check metrics: ${check.stdout}${check.stderr}\n${body}`);
    assert.equal(await f.end(), 0);
  });

  it('pushes to the Pushgateway (PUT: a job replaces what it pushed before); Prometheus reads it from there', async () => {
    const job = `flume_it_${RUN}`;
    const push = (points: object[]): void => {
      const r = spawnSync(process.execPath, [bin, `read('stdio') | write('prometheus', push='${prom.pushgateway}', job='${job}', by=[host], flush='200ms')`], {
        cwd: root,
        input: points.map((p) => JSON.stringify(p)).join('\n') + '\n',
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(r.status, 0, r.stderr);
    };
    try {
      push([
        { host: 'a', load: 1.5, ready: 1 },
        { host: 'b', load: 0.25 },
      ]);
      // Ours, without the gateway's own push_time_seconds and push_failure_time_seconds.
      const pushed = async (): Promise<string[]> =>
        (await (await fetch(`${prom.pushgateway}/metrics`)).text())
          .split('\n')
          .filter((l) => l.includes(`job="${job}"`) && !l.startsWith('push_'))
          .sort();
      const ours = await pushed();
      assert.deepEqual(ours, [
        `load{host="a",instance="",job="${job}"} 1.5`,
        `load{host="b",instance="",job="${job}"} 0.25`,
        `ready{host="a",instance="",job="${job}"} 1`,
      ]);
      const load = await queryUntil('the pushed values in Prometheus', `load{job="${job}"}`, (r) => r.length === 2);
      assert.equal(valueOf(load, 'host', 'a'), '1.5');
      assert.equal(valueOf(load, 'host', 'b'), '0.25');
      // A second run of the job replaces the group: host a and b are gone from the gateway.
      push([{ host: 'c', load: 3 }]);
      assert.deepEqual(await pushed(), [`load{host="c",instance="",job="${job}"} 3`]);
    } finally {
      await fetch(`${prom.pushgateway}/metrics/job/${job}`, { method: 'DELETE' });
    }
  });

  it("Statspout in one line: read('docker-stats') | write('prometheus', by=[name]) scraped by Prometheus", async () => {
    const socket = await dockerSocket();
    const dockerHost = `unix://${socket}`;
    const name = `${RUN}-statspout`;
    const container = sleepingContainer(dockerHost, name, RUN);
    // The example file as a user runs it; only where it listens is changed (FLUME_<ADAPTER>_<OPTION> defaults).
    const program = readFileSync(join(root, 'examples', 'statspout', 'prometheus.flume'), 'utf8');
    assert.match(program, /^read\('docker-stats'\) \| write\('prometheus', by=\[name\]\)$/m);
    const f = new FlumeProcess(program, { DOCKER_HOST: dockerHost, FLUME_PROMETHEUS_LISTEN: '127.0.0.1:0' });
    try {
      const url = await f.servingUrl('prometheus');
      addTarget('statspout', url);
      const pids = await queryUntil('the container in Prometheus', `pids{flume_run="${RUN}",name="${name}"}`, (r) => r.length === 1);
      assert.equal(pids[0]!.value[1], '1');
      const mem = await query(`mem{flume_run="${RUN}",name="${name}"}`);
      assert.ok(Number(mem[0]?.value[1]) > 0, `mem: ${JSON.stringify(mem)}`);
      const limit = await query(`mem_limit{flume_run="${RUN}",name="${name}"}`);
      assert.ok(Number(limit[0]?.value[1]) >= Number(mem[0]!.value[1]));
      assert.equal((await query(`cpu{flume_run="${RUN}",name="${name}"}`)).length, 1);
    } finally {
      assert.equal(await f.signal('SIGINT'), 130, f.stderr);
      container.remove();
    }
  });
});
