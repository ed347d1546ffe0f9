/**
 * `read('syslog', listen='127.0.0.1:5514', protocol='udp'|'tcp')`: RFC 3164
 * and RFC 5424 messages as points (SPEC §14.3), over the udp and tcp
 * listeners. A message that is not syslog follows `on_error`.
 */
import { defineAdapter, type CreateContext } from '../../runtime/defs.js';
import type { RunContext, SourceInstance } from '../../runtime/component.js';
import type { Point } from '../../runtime/point.js';
import { commonReadOptions, makeMalformedSink, makeTimeMover, type CommonReadOptions } from '../common.js';
import type { MalformedSink } from '../formats/types.js';
import { listenerOptions, parseListen } from './listen.js';
import { parseSyslog, SyslogError, SyslogFramer } from './syslog-parse.js';
import { TcpListener, type StreamDecoder } from './tcp.js';
import { datagramOptions, UdpListener } from './udp.js';

/** Messages → points: parsed, malformed ones per on_error, time moved (or stamped on arrival). */
class SyslogDecoder {
  private n = 0;
  private readonly errors: MalformedSink;
  private readonly move: (batch: Point[], lines?: readonly number[]) => Point[];
  private readonly lines: number[] = [];

  constructor(common: CommonReadOptions, ctx: RunContext, where: string) {
    this.errors = makeMalformedSink(common.on_error, ctx, () => where);
    this.now = () => ctx.clock.now();
    // The message's own timestamp is `time` already (epoch ms); another time= field is moved as any reader does.
    const time = common.time;
    this.move =
      time === null
        ? (batch) => {
            for (const p of batch) delete p.time;
            return batch;
          }
        : time === 'time'
          ? (batch) => {
              for (const p of batch) if (p.time === undefined) p.time = this.now();
              return batch;
            }
          : makeTimeMover(time, common.time_unit, ctx.now, this.errors, { arrival: this.now });
  }
  private readonly now: () => number;

  points(messages: readonly string[]): Point[] {
    const out: Point[] = [];
    this.lines.length = 0;
    for (const m of messages) {
      this.n++;
      try {
        out.push(parseSyslog(m, this.now()));
        this.lines.push(this.n);
      } catch (e) {
        if (!(e instanceof SyslogError)) throw e;
        const before = out.length;
        this.errors.malformed(this.n, m, `not syslog: ${e.message}`, out);
        for (let i = before; i < out.length; i++) this.lines.push(this.n);
      }
    }
    return this.move(out, this.lines);
  }
}

class SyslogStream implements StreamDecoder {
  private readonly framer = new SyslogFramer();
  private readonly messages: string[] = [];
  constructor(private readonly dec: SyslogDecoder) {}
  feed(chunk: Buffer): Point[] {
    this.messages.length = 0;
    this.framer.push(chunk, this.messages);
    return this.dec.points(this.messages);
  }
  end(): Point[] {
    this.messages.length = 0;
    this.framer.end(this.messages);
    return this.dec.points(this.messages);
  }
}

export const syslog = defineAdapter({
  name: 'syslog',
  summary: 'A syslog listener (RFC 3164 and RFC 5424, over UDP or TCP).',
  description:
    "Listens on `listen` (default 127.0.0.1:5514) for syslog messages over `protocol` 'udp' (one message per " +
    "datagram) or 'tcp' (octet-counted frames, RFC 6587, or one message per line; both may mix). Each message becomes " +
    '`{time, host, app, procid, msgid, facility, severity, message}`, plus `sd` (structured data: ' +
    '`{id: {param: value}}`) for RFC 5424 messages that carry it. `facility` and `severity` are names (`user`, ' +
    '`local0`, ...; `emerg` ... `debug`); fields the message does not carry (`-` in RFC 5424, msgid in RFC 3164) are null. ' +
    "RFC 3164 timestamps have no year or zone: they are read in the receiver's local time zone, in the year that puts " +
    'them at most a day ahead of now. A message without a timestamp is stamped on arrival. A message that is not ' +
    "syslog (no `<PRI>`, a bad header) follows `on_error`: skipped and counted as `malformed` (the default), " +
    "`'keep'` as `{_raw, _error, _line}`, `'fail'` stops the run. `parse(field='message', ...)` structures the messages further.",
  read: {
    options: {
      listen: { type: 'string', default: '127.0.0.1:5514', doc: "Address to listen on: 'host:port', or a port alone for 127.0.0.1." },
      protocol: { type: 'string', choices: ['udp', 'tcp'], default: 'udp', doc: "'udp' (one message per datagram) or 'tcp' (octet-counted or newline framing)." },
      ...listenerOptions,
      ...datagramOptions,
      on_error: {
        type: 'string',
        default: 'skip',
        choices: ['skip', 'fail', 'keep'],
        doc: "Messages that are not syslog: 'skip' (count and report), 'fail' (stop the run), 'keep' (emit {_raw, _error, _line}).",
      },
    },
    create(opts, ctx: CreateContext): SourceInstance {
      const common = commonReadOptions(opts);
      const address = parseListen(opts.listen);
      const live = common.time !== null;
      if (opts.protocol === 'tcp') {
        return new TcpListener(
          {
            adapter: 'syslog',
            address,
            maxConnections: opts.max_connections,
            queue: opts.queue,
            live,
            decoder: (remote) => new SyslogStream(new SyslogDecoder(common, ctx, remote)),
          },
          ctx,
        );
      }
      const dec = new SyslogDecoder(common, ctx, 'udp');
      const one: string[] = [''];
      return new UdpListener(
        {
          adapter: 'syslog',
          address,
          queue: opts.queue,
          live,
          recvBuffer: opts.recv_buffer,
          decode(datagram) {
            one[0] = datagram.toString('utf8');
            return dec.points(one);
          },
        },
        ctx,
      );
    },
  },
  examples: [
    {
      title: 'Errors and worse from syslog over UDP, per host and minute.',
      program:
        "read('syslog', listen='127.0.0.1:5514') | filter(severity == 'err' or severity == 'crit' or severity == 'alert' or severity == 'emerg') | reduce(n=count(), every='1m', by=[host])",
      needs: 'netclients',
    },
  ],
});
