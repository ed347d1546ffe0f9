/** The elastic adapter's pure parts: filter translation, reduce plans, documents, index names, backoff. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpression } from '../../src/lang/parse.js';
import { splitFilter, translate, type FieldInfo } from '../../src/adapters/elastic/query.js';
import { reducePlan } from '../../src/adapters/elastic/aggregate.js';
import { indexFor, parseErrorTarget, toDocument } from '../../src/adapters/elastic/write.js';

const fields = new Map<string, FieldInfo>([
  ['status', { type: 'long', strict: true }],
  ['loose', { type: 'long', strict: false }],
  ['ratio', { type: 'float', strict: true }],
  ['host', { type: 'keyword', ignoreAbove: 10 }],
  ['msg', { type: 'text', keyword: { name: 'msg.keyword', ignoreAbove: 256 } }],
  ['ok', { type: 'boolean' }],
]);
const q = (text: string) => translate(parseExpression(text), fields);

describe('elastic query translation', () => {
  it('translates number comparisons on strict numeric fields, either way round', () => {
    assert.deepEqual(q('status >= 500'), { range: { status: { gte: 500 } } });
    assert.deepEqual(q('500 > status'), { range: { status: { lt: 500 } } });
    assert.deepEqual(q('status == -1'), { term: { status: -1 } });
  });
  it('keeps numbers on coercing or float fields on the client', () => {
    assert.equal(q('loose > 1'), undefined);
    assert.equal(q('ratio == 0.1'), undefined);
  });
  it('matches strings by equality on keyword fields and text .keyword, within ignore_above', () => {
    assert.deepEqual(q("host == 'a'"), { term: { host: 'a' } });
    assert.deepEqual(q("msg != 'hi'"), { bool: { must_not: [{ term: { 'msg.keyword': 'hi' } }] } });
    assert.equal(q("host == 'longer than ten'"), undefined);
    assert.equal(q("host < 'b'"), undefined);
    assert.deepEqual(q("host in ['a', 'b']"), { terms: { host: ['a', 'b'] } });
  });
  it('translates null, booleans and the logic of translatable parts', () => {
    assert.deepEqual(q('host == null'), { bool: { must_not: [{ exists: { field: 'host' } }] } });
    assert.deepEqual(q('ok == true'), { term: { ok: true } });
    assert.deepEqual(q("not (status == 1 or host == 'x')"), {
      bool: { must_not: [{ bool: { should: [{ term: { status: 1 } }, { term: { host: 'x' } }], minimum_should_match: 1 } }] },
    });
    assert.equal(q("status == 1 or host =~ /x/"), undefined);
    assert.equal(q('time > 5'), undefined);
    assert.equal(q('unknown == 1'), undefined);
  });
  it('splits the top-level and between server and client', () => {
    const s = splitFilter(parseExpression("status >= 500 and v % 2 == 0 and host == 'a'"), fields);
    assert.deepEqual(s.server, [{ range: { status: { gte: 500 } } }, { term: { host: 'a' } }]);
    assert.equal(s.client.length, 1);
  });
});

describe('elastic reduce pushdown plan', () => {
  const named = (text: string) =>
    text.split(';').map((part) => {
      const [name, value] = part.split('=');
      return { name: name!.trim(), value: parseExpression(value!.trim()), span: { start: 0, end: 0 } };
    });
  it('takes count/sum/avg/min/max with fixed windows and by', () => {
    const p = reducePlan({ $named: named('n=count(); s=sum(v); a=mean(v)'), every: { months: 0, ms: 60_000 }, by: ['host'], align: 'epoch', reset: true }, '@timestamp');
    assert.deepEqual(p, {
      every: 60_000,
      by: ['host'],
      metrics: [
        { name: 'n', op: 'count' },
        { name: 's', op: 'sum', field: 'v' },
        { name: 'a', op: 'avg', field: 'v' },
      ],
    });
  });
  it('refuses what an aggregation would not reproduce', () => {
    const base = { by: [], align: 'epoch', reset: true };
    assert.equal(reducePlan({ ...base, $named: named('x=sum(v) * 2') }, '@timestamp'), undefined);
    assert.equal(reducePlan({ ...base, $named: named('x=count(v)') }, '@timestamp'), undefined);
    assert.equal(reducePlan({ ...base, $named: named('x=median(v)') }, '@timestamp'), undefined);
    assert.equal(reducePlan({ ...base, $named: named('x=count()'), every: { months: 1, ms: 0 } }, '@timestamp'), undefined);
    assert.equal(reducePlan({ ...base, $named: named('x=count()'), align: 'first' }, '@timestamp'), undefined);
    assert.equal(reducePlan({ ...base, $named: named('x=count()'), over: { months: 0, ms: 1000 }, every: { months: 0, ms: 1000 } }, '@timestamp'), undefined);
    assert.equal(reducePlan({ ...base, $named: named('x=count()'), every: { months: 0, ms: 1000 } }, null), undefined);
  });
});

describe('elastic write helpers', () => {
  it('stores time under the time field as ISO and keeps the other fields', () => {
    assert.deepEqual(toDocument({ time: 0, a: 1, b: { c: 'x' } }, '@timestamp'), { '@timestamp': '1970-01-01T00:00:00.000Z', a: 1, b: { c: 'x' } });
    assert.deepEqual(toDocument({ a: 1 }, '@timestamp'), { a: 1 });
  });
  it('fills strftime patterns in index names from the point time (UTC)', () => {
    assert.equal(indexFor('logs-%Y.%m.%d', Date.parse('2024-02-29T23:59:59Z')), 'logs-2024.02.29');
    assert.equal(indexFor('plain', 0), 'plain');
  });
  it("reads errors= as an index name or 'file:path'", () => {
    assert.deepEqual(parseErrorTarget('bad-docs'), { kind: 'index', index: 'bad-docs' });
    assert.deepEqual(parseErrorTarget('file:/tmp/x.jsonl'), { kind: 'file', path: '/tmp/x.jsonl' });
    assert.equal(parseErrorTarget(null), undefined);
    assert.throws(() => parseErrorTarget('file:'), /needs a path/);
  });
});
