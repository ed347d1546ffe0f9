/**
 * `read('tcp', listen=…)`: newline-delimited records in any format, one
 * decoder per connection (SPEC §14.3). A full queue stops reading the
 * connections (TCP's own backpressure reaches the senders).
 */
import type { Server, Socket } from 'node:net';
import { defineAdapter, type CreateContext } from '../../runtime/defs.js';
import type { RunContext, SourceInstance, SourceOutput } from '../../runtime/component.js';
import type { Point } from '../../runtime/point.js';
import { commonReadOptions, createParserEarly, lookupFormat, RecordDecoder } from '../common.js';
import { Inbox, listen, listenerOptions, parseListen, serve, type ListenAddress } from './listen.js';

/** A connection's bytes → points (a format's records, syslog frames, ...). */
export interface StreamDecoder {
  feed(chunk: Buffer): Point[];
  end(): Point[];
}

export interface TcpPlan {
  adapter: string;
  address: ListenAddress;
  maxConnections: number;
  queue: number;
  live: boolean;
  decoder(remote: string): StreamDecoder;
}

/** How long connections may go on after Ctrl-C (the senders are told with a FIN) before they are closed. */
const DRAIN_GRACE_MS = 2000;

export class TcpListener implements SourceInstance {
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly plan: TcpPlan,
    private readonly ctx: RunContext,
  ) {}

  async run(out: SourceOutput): Promise<void> {
    const p = this.plan;
    const { createServer } = await import('node:net');
    const inbox = new Inbox(p.queue, this.ctx, p.live);
    const server = createServer((socket) => this.connection(socket, inbox));
    server.maxConnections = p.maxConnections;
    this.ctx.log(`read('${p.adapter}'): listening on tcp ${await listen(server, p.address, p.adapter)}`);
    await serve(
      this.ctx.signal,
      inbox,
      out,
      () => this.stop(server),
      () => {
        for (const s of this.sockets) s.destroy();
        server.close();
      },
    );
  }

  private connection(socket: Socket, inbox: Inbox): void {
    this.sockets.add(socket);
    const dec = this.plan.decoder(`${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`);
    const take = (points: Point[]): void => {
      inbox.put(points);
      if (inbox.full && !socket.isPaused()) {
        socket.pause();
        void inbox.room().then(() => socket.resume());
      }
    };
    socket.on('data', (chunk: Buffer) => inbox.guard(() => take(dec.feed(chunk)), () => socket.destroy()));
    socket.on('end', () => inbox.guard(() => take(dec.end()), () => socket.destroy()));
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** Ctrl-C: stop accepting, half-close every connection, read what the senders still send for a moment. */
  private stop(server: Server): Promise<void> {
    return new Promise((resolve) => {
      const grace = setTimeout(() => {
        for (const s of this.sockets) s.destroy();
      }, DRAIN_GRACE_MS);
      server.close(() => {
        clearTimeout(grace);
        resolve();
      });
      for (const s of this.sockets) s.end();
    });
  }
}

export const tcp = defineAdapter({
  name: 'tcp',
  summary: 'A TCP listener: newline-delimited records in any format.',
  description:
    'Listens on `listen` (127.0.0.1 unless an address is named) and reads each connection as a stream of ' +
    'records in `format` (jsonl by default; one per line). Points take `time` from the `time` field, else the ' +
    'moment of arrival. At most `max_connections` connections at once. When `queue` points are waiting, reading ' +
    'stops until the pipeline catches up (the senders wait: TCP backpressure). Malformed records follow `on_error`. ' +
    'Ctrl-C stops accepting, ends the connections and writes everything received.',
  bytes: true,
  read: {
    options: {
      listen: { type: 'string', required: true, doc: "Address to listen on: 'host:port', or a port alone for 127.0.0.1." },
      ...listenerOptions,
    },
    create(opts, ctx: CreateContext): SourceInstance {
      const common = commonReadOptions(opts);
      const format = lookupFormat(ctx.services, common.format ?? 'jsonl', 'read');
      createParserEarly(format, opts);
      const arrival = (): number => ctx.clock.now();
      return new TcpListener(
        {
          adapter: 'tcp',
          address: parseListen(opts.listen),
          maxConnections: opts.max_connections,
          queue: opts.queue,
          live: common.time !== null,
          decoder: (remote) => new RecordDecoder({ format, opts, common, ctx, where: remote, arrival }),
        },
        ctx,
      );
    },
  },
  examples: [
    {
      title: 'Count JSON lines sent to port 5170, per host and minute.',
      program: "read('tcp', listen='127.0.0.1:5170') | reduce(n=count(), every='1m', by=[host])",
      needs: 'netclients',
    },
  ],
});
