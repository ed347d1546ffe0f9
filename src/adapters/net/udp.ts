/**
 * `read('udp', listen=…)`: one record per datagram, or per line in it
 * (SPEC §14.3). UDP has no backpressure: a datagram arriving while the queue
 * is full is dropped and counted (`overflow`), never silently.
 */
import type { Socket } from 'node:dgram';
import { defineAdapter, type CreateContext } from '../../runtime/defs.js';
import type { RunContext, SourceInstance, SourceOutput } from '../../runtime/component.js';
import type { Point } from '../../runtime/point.js';
import { commonReadOptions, createParserEarly, lookupFormat, RecordDecoder } from '../common.js';
import { boundAddress, cannotListen, Inbox, listenerOptions, parseListen, serve, type ListenAddress } from './listen.js';

export interface UdpPlan {
  adapter: string;
  address: ListenAddress;
  queue: number;
  live: boolean;
  /** Kernel receive buffer asked for (the kernel may cap it at net.core.rmem_max). */
  recvBuffer: number;
  /** One datagram → its points. */
  decode(datagram: Buffer, remote: string): Point[];
}

export class UdpListener implements SourceInstance {
  constructor(
    private readonly plan: UdpPlan,
    private readonly ctx: RunContext,
  ) {}

  async run(out: SourceOutput): Promise<void> {
    const p = this.plan;
    const { createSocket } = await import('node:dgram');
    const inbox = new Inbox(p.queue, this.ctx, p.live);
    const socket = createSocket({ type: p.address.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: p.recvBuffer });
    await bind(socket, p);
    this.ctx.log(`read('${p.adapter}'): listening on udp ${boundAddress(p.address, socket.address())}`);
    socket.on('message', (msg, rinfo) => {
      if (inbox.full) {
        this.ctx.drop('overflow', `a datagram from ${rinfo.address}:${rinfo.port} arrived while ${p.queue} points were waiting`);
        return;
      }
      inbox.guard(() => inbox.put(p.decode(msg, `${rinfo.address}:${rinfo.port}`)));
    });
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      socket.close();
    };
    // Ctrl-C: what the socket has received is in the queue already; stop receiving and drain.
    await serve(this.ctx.signal, inbox, out, async () => close(), close);
  }
}

function bind(socket: Socket, p: UdpPlan): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (e: Error): void => reject(cannotListen(p.adapter, p.address, e));
    socket.once('error', failed);
    socket.bind(p.address.port, p.address.host, () => {
      socket.off('error', failed);
      socket.on('error', () => undefined);
      resolve();
    });
  });
}

/** Options of datagram listeners. */
export const datagramOptions = {
  recv_buffer: {
    type: 'integer',
    default: 8388608,
    doc: 'Kernel receive buffer (bytes) asked for: datagrams arriving faster than they are read wait there (the kernel caps it at net.core.rmem_max).',
  },
} as const;

export const udp = defineAdapter({
  name: 'udp',
  summary: 'A UDP listener: one record per datagram (or per line in it), in any format.',
  description:
    'Listens on `listen` (127.0.0.1 unless an address is named); each datagram holds one record, or several ' +
    'on separate lines, in `format` (jsonl by default). Points take `time` from the `time` field, else the moment of ' +
    'arrival. UDP cannot make senders wait: a datagram arriving while `queue` points are waiting is dropped and counted ' +
    '(`overflow`), and datagrams the kernel dropped before flume read them are not seen at all (raise `recv_buffer` and ' +
    'net.core.rmem_max for bursts). Malformed records follow `on_error`. Ctrl-C stops receiving and writes everything received.',
  bytes: true,
  read: {
    options: {
      listen: { type: 'string', required: true, doc: "Address to listen on: 'host:port', or a port alone for 127.0.0.1." },
      queue: listenerOptions.queue,
      ...datagramOptions,
    },
    create(opts, ctx: CreateContext): SourceInstance {
      const common = commonReadOptions(opts);
      const format = lookupFormat(ctx.services, common.format ?? 'jsonl', 'read');
      createParserEarly(format, opts);
      const arrival = (): number => ctx.clock.now();
      // One decoder for the socket: each datagram is ended with a newline so a record never spans two.
      const dec = new RecordDecoder({ format, opts, common, ctx, arrival, where: 'udp' });
      return new UdpListener(
        {
          adapter: 'udp',
          address: parseListen(opts.listen),
          queue: opts.queue,
          live: common.time !== null,
          recvBuffer: opts.recv_buffer,
          decode(datagram) {
            const points = dec.feed(datagram);
            if (datagram.length === 0 || datagram[datagram.length - 1] !== 10) for (const p of dec.feed('\n')) points.push(p);
            return points;
          },
        },
        ctx,
      );
    },
  },
  examples: [
    {
      title: 'JSON datagrams sent to port 5170, counted per minute.',
      program: "read('udp', listen='127.0.0.1:5170') | reduce(n=count(), every='1m')",
      needs: 'netclients',
    },
  ],
});
