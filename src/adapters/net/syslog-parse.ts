/**
 * Syslog messages (RFC 5424 and RFC 3164, as util-linux `logger`, rsyslog and
 * network devices send them) into points, and TCP framing (octet counting,
 * RFC 6587, or one message per line). Small and strict where the RFCs are:
 * a message without a `<PRI>` is not syslog.
 */
import type { Point } from '../../runtime/point.js';

const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'security', 'console', 'solaris-cron',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;
const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A message that is not syslog: why. */
export class SyslogError extends Error {}

/** `<PRI>` → facility and severity names. */
function pri(text: string): { facility: string; severity: string; rest: string } {
  const m = /^<(\d{1,3})>/.exec(text);
  if (m === null) throw new SyslogError('no <PRI> at the start');
  const n = Number(m[1]);
  if (n > 191) throw new SyslogError(`PRI ${n} out of range (0-191)`);
  return { facility: FACILITIES[n >> 3]!, severity: SEVERITIES[n & 7]!, rest: text.slice(m[0].length) };
}

const nil = (s: string | undefined): string | null => (s === undefined || s === '-' ? null : s);

/**
 * One message → `{time, host, app, procid, msgid, facility, severity, message}`
 * (+ `sd` when RFC 5424 structured data is present). `time` is epoch ms, absent
 * when the message has none (stamped on arrival later). `now` places RFC 3164's yearless
 * timestamps: the latest year that does not put them more than a day ahead.
 */
export function parseSyslog(raw: string, now: number): Point {
  const text = raw.endsWith('\r\n') ? raw.slice(0, -2) : raw.endsWith('\n') ? raw.slice(0, -1) : raw;
  const head = pri(text);
  const rest = head.rest;
  if (/^[1-9]\d{0,2} /.test(rest)) return rfc5424(rest.slice(rest.indexOf(' ') + 1), head.facility, head.severity);
  return rfc3164(rest, head.facility, head.severity, now);
}

function rfc5424(text: string, facility: string, severity: string): Point {
  // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]
  let pos = 0;
  const fields: string[] = [];
  for (let k = 0; k < 5; k++) {
    const sp = text.indexOf(' ', pos);
    if (sp < 0) throw new SyslogError('RFC 5424 header cut short (want TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA)');
    fields.push(text.slice(pos, sp));
    pos = sp + 1;
  }
  const [ts, host, app, procid, msgid] = fields;
  let time: number | undefined;
  if (ts !== '-') {
    time = Date.parse(ts!);
    if (Number.isNaN(time)) throw new SyslogError(`bad RFC 5424 timestamp ${JSON.stringify(ts)}`);
  }
  let sd: Record<string, Record<string, string>> | null = null;
  if (text[pos] === '-') pos++;
  else if (text[pos] === '[') {
    sd = {};
    pos = structuredData(text, pos, sd);
  } else throw new SyslogError('RFC 5424 structured data must be - or [...]');
  let message = text[pos] === ' ' ? text.slice(pos + 1) : text.slice(pos);
  if (message.startsWith('\uFEFF')) message = message.slice(1);
  const p: Point = { host: nil(host), app: nil(app), procid: nil(procid), msgid: nil(msgid), facility, severity, message };
  if (sd !== null) p.sd = sd;
  if (time !== undefined) p.time = time;
  return p;
}

/** `[id name="value" ...]...` from `pos`; returns the position after it. */
function structuredData(text: string, pos: number, sd: Record<string, Record<string, string>>): number {
  while (text[pos] === '[') {
    const idEnd = firstOf(text, pos + 1, ' ]');
    if (idEnd < 0) throw new SyslogError('unterminated structured data element');
    const params: Record<string, string> = {};
    sd[text.slice(pos + 1, idEnd)] = params;
    pos = idEnd;
    while (text[pos] === ' ') {
      const eq = text.indexOf('="', pos + 1);
      if (eq < 0) throw new SyslogError('structured data parameter without ="value"');
      const name = text.slice(pos + 1, eq);
      let value = '';
      let i = eq + 2;
      for (; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\' || text[i + 1] === ']')) i++;
        value += text[i];
      }
      if (i >= text.length) throw new SyslogError('unterminated structured data value');
      params[name] = value;
      pos = i + 1;
    }
    if (text[pos] !== ']') throw new SyslogError('structured data element not closed with ]');
    pos++;
  }
  return pos;
}

function firstOf(text: string, from: number, chars: string): number {
  for (let i = from; i < text.length; i++) if (chars.includes(text[i]!)) return i;
  return -1;
}

const BSD_TIME = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) /;
const ISO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) /;
const TAG = /^([^\s[:]{1,48})(?:\[([^\]]*)\])?: ?/;

function rfc3164(text: string, facility: string, severity: string, now: number): Point {
  let time: number | undefined;
  let rest = text;
  let m = BSD_TIME.exec(rest);
  if (m !== null) {
    const month = MONTHS.indexOf(m[1]!);
    if (month < 0) throw new SyslogError(`bad RFC 3164 month ${m[1]}`);
    time = (yearless(month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), now));
    rest = rest.slice(m[0].length);
  } else if ((m = ISO_TIME.exec(rest)) !== null) {
    time = Date.parse(m[1]!);
    rest = rest.slice(m[0].length);
  }
  // HOSTNAME follows a timestamp; without one (a bare `<13>tag: msg`, as some local senders do) there is none.
  let host: string | null = null;
  if (time !== undefined) {
    const sp = rest.indexOf(' ');
    host = sp < 0 ? rest : rest.slice(0, sp);
    rest = sp < 0 ? '' : rest.slice(sp + 1);
  }
  let app: string | null = null;
  let procid: string | null = null;
  const t = TAG.exec(rest);
  if (t !== null) {
    app = t[1]!;
    procid = t[2] ?? null;
    rest = rest.slice(t[0].length);
  }
  const p: Point = { host, app, procid, msgid: null, facility, severity, message: rest };
  if (time !== undefined) p.time = time;
  return p;
}

/** RFC 3164 times carry no year or zone: the receiver's local time, in the year that is not more than a day ahead of now. */
function yearless(month: number, day: number, h: number, min: number, s: number, now: number): number {
  const year = new Date(now).getFullYear();
  const t = new Date(year, month, day, h, min, s).getTime();
  return t > now + 86_400_000 ? new Date(year - 1, month, day, h, min, s).getTime() : t;
}

/**
 * TCP framing (RFC 6587): a frame starting with a digit is octet-counted
 * (`LEN SP MSG`), anything else ends at a newline. Bytes, so a count is
 * never confused by multibyte characters.
 */
export class SyslogFramer {
  private pending: Buffer = Buffer.alloc(0);

  /** The complete messages in the bytes so far. */
  push(chunk: Buffer, out: string[]): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let pos = 0;
    const buf = this.pending;
    while (pos < buf.length) {
      const c = buf[pos]!;
      if (c === 10 || c === 13) {
        pos++;
        continue;
      }
      if (c >= 48 && c <= 57) {
        const sp = buf.indexOf(32, pos);
        if (sp < 0 || sp - pos > 10) {
          if (sp < 0 && buf.length - pos <= 10) break;
          // Digits not followed by a space: not a count, a line that starts with a digit.
          const nl = buf.indexOf(10, pos);
          if (nl < 0) break;
          out.push(buf.toString('utf8', pos, nl));
          pos = nl + 1;
          continue;
        }
        const len = Number(buf.toString('latin1', pos, sp));
        if (!Number.isInteger(len)) {
          const nl = buf.indexOf(10, pos);
          if (nl < 0) break;
          out.push(buf.toString('utf8', pos, nl));
          pos = nl + 1;
          continue;
        }
        if (sp + 1 + len > buf.length) break;
        out.push(buf.toString('utf8', sp + 1, sp + 1 + len));
        pos = sp + 1 + len;
        continue;
      }
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      out.push(buf.toString('utf8', pos, nl));
      pos = nl + 1;
    }
    this.pending = pos >= buf.length ? Buffer.alloc(0) : buf.subarray(pos);
  }

  /** End of the connection: an unterminated last message. */
  end(out: string[]): void {
    const rest = this.pending.toString('utf8').trim();
    this.pending = Buffer.alloc(0);
    if (rest.length > 0) out.push(rest);
  }
}
