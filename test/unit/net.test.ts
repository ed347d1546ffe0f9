/**
 * The listeners' pure parts: syslog parsing (RFC 3164 and RFC 5424, the RFCs'
 * own examples), TCP syslog framing, listen addresses and sizes, Link headers;
 * and that ajv is loaded only by programs that validate.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { parseSyslog, SyslogError, SyslogFramer } from '../../src/adapters/net/syslog-parse.js';
import { parseListen, parseSize } from '../../src/adapters/net/listen.js';
import { nextLink } from '../../src/adapters/http/poller.js';

const NOW = Date.UTC(2003, 11, 1);

describe('syslog: RFC 3164', () => {
  it("RFC 3164's own example: <34> is auth.crit, the tag is the app", () => {
    const p = parseSyslog("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", NOW);
    assert.deepEqual(p, {
      time: new Date(2003, 9, 11, 22, 14, 15).getTime(),
      host: 'mymachine',
      app: 'su',
      procid: null,
      msgid: null,
      facility: 'auth',
      severity: 'crit',
      message: "'su root' failed for lonvick on /dev/pts/8",
    });
  });
  it('tag[pid], a space-padded day, a trailing newline', () => {
    const p = parseSyslog('<13>Mar  1 01:02:03 web1 nginx[4242]: GET / 200\n', NOW);
    assert.equal(p.time, new Date(2003, 2, 1, 1, 2, 3).getTime());
    assert.equal(p.app, 'nginx');
    assert.equal(p.procid, '4242');
    assert.equal(p.facility, 'user');
    assert.equal(p.severity, 'notice');
    assert.equal(p.message, 'GET / 200');
  });
  it('a time more than a day ahead of now is last year (no year in RFC 3164)', () => {
    const p = parseSyslog('<13>Dec 31 23:59:59 h a: m', Date.UTC(2004, 0, 1, 12));
    assert.equal(p.time, new Date(2003, 11, 31, 23, 59, 59).getTime());
  });
  it('no timestamp: no host either, and no time (stamped on arrival by the reader)', () => {
    const p = parseSyslog('<191>app: hello', NOW);
    assert.deepEqual(p, { host: null, app: 'app', procid: null, msgid: null, facility: 'local7', severity: 'debug', message: 'hello' });
  });
});

describe('syslog: RFC 5424', () => {
  it("RFC 5424's example with structured data: <165> is local4.notice, the BOM is removed", () => {
    const p = parseSyslog(
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \uFEFFAn application event log entry...',
      NOW,
    );
    assert.deepEqual(p, {
      time: Date.UTC(2003, 9, 11, 22, 14, 15, 3),
      host: 'mymachine.example.com',
      app: 'evntslog',
      procid: null,
      msgid: 'ID47',
      facility: 'local4',
      severity: 'notice',
      message: 'An application event log entry...',
      sd: { 'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' } },
    });
  });
  it('a time zone offset, several SD elements, escaped characters in values', () => {
    const p = parseSyslog('<14>1 2003-08-24T05:14:15.000003-07:00 h app 77 - [a x="q\\"u\\]o\\\\te"][b@1 y=""] msg', NOW);
    assert.equal(p.time, Date.UTC(2003, 7, 24, 12, 14, 15, 0));
    assert.equal(p.procid, '77');
    assert.equal(p.msgid, null);
    assert.deepEqual(p.sd, { a: { x: 'q"u]o\\te' }, 'b@1': { y: '' } });
    assert.equal(p.message, 'msg');
  });
  it('every field nil: nulls, no time, an empty message, no sd', () => {
    assert.deepEqual(parseSyslog('<13>1 - - - - - -', NOW), { host: null, app: null, procid: null, msgid: null, facility: 'user', severity: 'notice', message: '' });
  });
  it('not syslog: no <PRI>, PRI out of range, a cut header, a bad timestamp, bad structured data', () => {
    for (const bad of ['hello', '<192>x', '<13>1 2003-10-11T22:14:15Z host', '<13>1 yesterday h a - - - m', '<13>1 - h a - - [x y=1] m']) {
      assert.throws(() => parseSyslog(bad, NOW), SyslogError, bad);
    }
  });
});

describe('syslog over TCP: framing', () => {
  it('octet-counted (multibyte characters counted in bytes) and newline frames, fed one byte at a time', () => {
    const m1 = '<13>1 - h a - - - h\u00e9llo\nsecond line of the same message';
    const m2 = '<14>x: y';
    const bytes = Buffer.from(`${Buffer.byteLength(m1)} ${m1}${m2}\n${Buffer.byteLength(m2)} ${m2}`);
    const f = new SyslogFramer();
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i++) f.push(bytes.subarray(i, i + 1), out);
    f.end(out);
    assert.deepEqual(out, [m1, m2, m2]);
  });
  it('an unterminated last line is a message at end of connection', () => {
    const f = new SyslogFramer();
    const out: string[] = [];
    f.push(Buffer.from('<13>a: one\r\n<13>a: two'), out);
    assert.deepEqual(out, ['<13>a: one\r']);
    f.end(out);
    assert.deepEqual(out, ['<13>a: one\r', '<13>a: two']);
  });
});

describe('listen addresses, sizes, Link headers', () => {
  it('a port alone listens on 127.0.0.1; hosts and IPv6 are kept', () => {
    assert.deepEqual(parseListen('8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseListen(':0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseListen('0.0.0.0:5514'), { host: '0.0.0.0', port: 5514 });
    assert.deepEqual(parseListen('[::1]:9000'), { host: '::1', port: 9000 });
    assert.throws(() => parseListen('localhost'), /not an address/);
    assert.throws(() => parseListen('1.2.3.4:70000'), /not an address/);
  });
  it('sizes in binary units', () => {
    assert.equal(parseSize('1MB', 'max_body'), 1048576);
    assert.equal(parseSize('512kb', 'max_body'), 524288);
    assert.equal(parseSize(100, 'max_body'), 100);
    assert.throws(() => parseSize('lots', 'max_body'), /max_body="lots" is not a size/);
  });
  it('rel="next" among several links, relative targets resolved against the page', () => {
    const base = 'http://h/api/items?page=1';
    assert.equal(nextLink('<http://h/api/items?page=1>; rel="prev", <?page=3>; rel="next"', base), 'http://h/api/items?page=3');
    assert.equal(nextLink('</x>; rel=next', base), 'http://h/x');
    assert.equal(nextLink('</x>; rel="last"', base), undefined);
    assert.equal(nextLink(null, base), undefined);
  });
});

describe('start-up never loads ajv', () => {
  it('the registry loads without ajv; compiling validate() loads it', async () => {
    const cache = createRequire(import.meta.url).cache;
    const ajvLoaded = (): boolean => Object.keys(cache).some((k) => k.includes('/node_modules/ajv/'));
    const { Registry } = await import('../../src/registry.js');
    const { compile } = await import('../../src/compile.js');
    assert.equal(ajvLoaded(), false, 'ajv loaded by the registry');
    compile("emit(limit=1) | validate(schema='test/spec/schemas/reading.json')", Registry.builtin(), { implicitSink: null });
    assert.equal(ajvLoaded(), true);
  });
});
