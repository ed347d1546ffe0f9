/**
 * The Telemetry pipeline (examples/telemetry/telemetry.flume) against the real
 * Elasticsearch: clients POST events to the HTTP collector, each is validated
 * against its event type's schema, good events land in one index, bad ones
 * (with their _errors) in another, and a document Elasticsearch refuses (a
 * mapping conflict) in the errors= index. The example's own program is run,
 * with this run's index names and a free port.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { elasticUrl } from './services.js';
import { Listener, root } from './listener.js';

const run = Date.now().toString(36);
const ix = (name: string): string => `flume-test-telemetry-${name}-${run}`;
let url = '';

before(async () => {
  url = await elasticUrl();
});

after(async () => {
  Listener.killAll();
  for (const name of ['good', 'bad', 'rejected']) await fetch(`${url}/${ix(name)}`, { method: 'DELETE' }).catch(() => undefined);
});

async function search(index: string): Promise<Record<string, unknown>[]> {
  await fetch(`${url}/${index}/_refresh`, { method: 'POST' });
  const res = await fetch(`${url}/${index}/_search?size=100`);
  assert.equal(res.status, 200, `${index}: ${await res.clone().text()}`);
  const body = (await res.json()) as { hits: { hits: { _source: Record<string, unknown> }[] } };
  return body.hits.hits.map((h) => h._source);
}

describe('Telemetry: HTTP collector → validate by event type → good / bad / rejected indexes', () => {
  it('routes every event to exactly one place, and answers each client only once its events are stored', async () => {
    const program = readFileSync(join(root, 'examples', 'telemetry', 'telemetry.flume'), 'utf8')
      .replace("listen='127.0.0.1:8080'", "listen='127.0.0.1:0'")
      .replace(/'telemetry-(good|bad|rejected)'/g, (_m, name: string) => `'${ix(name)}'`);
    assert.match(program, new RegExp(ix('good')));
    const l = new Listener(program, [], { env: { FLUME_ELASTIC_URL: url } });
    const a = await l.ready();
    const post = async (events: unknown): Promise<number> => {
      const res = await fetch(`http://${a}/events`, { method: 'POST', body: JSON.stringify(events), headers: { 'Content-Type': 'application/json' } });
      assert.equal(res.status, 200, await res.clone().text());
      return ((await res.json()) as { accepted: number }).accepted;
    };
    assert.equal(
      await post([
        { event: 'click', user: 'ann', page: '/pricing', element: 'buy', x: 10, y: 20 },
        { event: 'signup', user: 'bob', email: 'bob@example.com', plan: 'pro' },
        { event: 'error', user: 'cy', message: 'TypeError: x is undefined', detail: { code: 7 } },
        { event: 'click', user: 'dee', page: '/' },
        { event: 'signup', user: 'eve', email: 'not-an-email' },
        { event: 'scroll', user: 'fay' },
      ]),
      6,
    );
    // Valid by its (lax) schema, but `detail` is an object in the index now: Elasticsearch refuses a string.
    assert.equal(await post({ event: 'error', user: 'gus', message: 'boom', detail: 'a string this time' }), 1);
    assert.equal(await l.interrupt(), 130, l.stderr);

    const good = await search(ix('good'));
    assert.deepEqual(good.map((d) => d.user).sort(), ['ann', 'bob', 'cy']);
    assert.ok(good.every((d) => d._errors === undefined));
    const bad = await search(ix('bad'));
    const errors = Object.fromEntries(bad.map((d) => [d.user, d._errors]));
    assert.deepEqual(Object.keys(errors).sort(), ['dee', 'eve', 'fay']);
    assert.deepEqual(errors['dee'], [{ path: '/element', message: "must have required property 'element'" }]);
    assert.deepEqual(errors['eve'], [{ path: '/email', message: 'must match format "email"' }]);
    assert.deepEqual(errors['fay'], [{ path: '/event', message: `no schema for event="scroll" (no examples/telemetry/schemas/scroll.json)` }]);
    const rejected = await search(ix('rejected'));
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.index, ix('good'));
    assert.match(String((rejected[0]!.error as { type: string }).type), /parsing_exception|illegal_argument/);
    assert.match(String(rejected[0]!.document), /"user":"gus"/);
  });
});
