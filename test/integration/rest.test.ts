/**
 * write('rest') as a user runs it: the built CLI fed on stdin and asked over
 * HTTP, and Statspout's REST repository in one line from the real Docker
 * engine (scripts/services/docker.sh).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dockerSocket } from './services.js';
import { eventually, FlumeProcess, root, sleepingContainer } from './flume-process.js';

const RUN = `r${process.pid}${Date.now().toString(36)}`;

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as unknown };
}

describe('write rest', () => {
  it('answers while points stream in, and stops at the end of the stream', async () => {
    const f = new FlumeProcess(`read('stdio') | write('rest', listen='127.0.0.1:0', by=[host])`);
    f.send([{ time: '2024-03-01T00:00:00Z', host: 'a', load: 1 }]);
    const url = await f.servingUrl('rest');
    assert.deepEqual(await getJson(`${url}/`), { status: 200, body: ['a'] });
    f.send([
      { time: '2024-03-01T00:00:01Z', host: 'b', load: 2 },
      { time: '2024-03-01T00:00:02Z', host: 'a', load: 3 },
    ]);
    await eventually('the newer point of a', async () => ((await getJson(`${url}/a`)).body as { load: number }).load === 3 || undefined);
    assert.deepEqual(await getJson(`${url}/a`), { status: 200, body: { time: '2024-03-01T00:00:02.000Z', host: 'a', load: 3 } });
    assert.deepEqual(await getJson(`${url}/c`), { status: 404, body: { error: 'unknown key', key: 'c' } });
    const all = await (await fetch(`${url}/?format=jsonl`)).text();
    assert.equal(all, '{"time":"2024-03-01T00:00:02.000Z","host":"a","load":3}\n{"time":"2024-03-01T00:00:01.000Z","host":"b","load":2}\n');
    assert.equal(await f.end(), 0, f.stderr);
    await assert.rejects(fetch(`${url}/`));
  });

  it("Statspout's REST repository in one line: read('docker-stats') | write('rest', by=[name])", async () => {
    const socket = await dockerSocket();
    const dockerHost = `unix://${socket}`;
    const name = `${RUN}-rest`;
    const container = sleepingContainer(dockerHost, name, RUN);
    const id = container.id;
    const program = readFileSync(join(root, 'examples', 'statspout', 'rest.flume'), 'utf8');
    assert.match(program, /^read\('docker-stats'\) \| write\('rest', by=\[name\]\)$/m);
    const f = new FlumeProcess(program, { DOCKER_HOST: dockerHost, FLUME_REST_LISTEN: '127.0.0.1:0' });
    try {
      const url = await f.servingUrl('rest');
      const keys = await eventually('the container among the keys', async () => {
        const r = await getJson(`${url}/`);
        return (r.body as string[]).includes(name) ? r.body : undefined;
      });
      assert.ok(Array.isArray(keys));
      const p = (await getJson(`${url}/${encodeURIComponent(name)}`)).body as Record<string, unknown>;
      assert.equal(p['id'], id);
      assert.equal(p['name'], name);
      assert.equal(p['pids'], 1);
      assert.equal(typeof p['cpu'], 'number');
      assert.match(p['time'] as string, /^\d{4}-\d\d-\d\dT/);
    } finally {
      assert.equal(await f.signal('SIGTERM'), 143, f.stderr);
      container.remove();
    }
  });
});
