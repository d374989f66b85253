// Replication over TCP: length-prefixed msgpack frames (frames.ts) on plain sockets, or on
// mutual TLS when the group has `replicationTls` (every member presents a certificate of the
// group's CA and accepts only such). The bind URL is `tcp://host:port` (port 0: any free port);
// the URL handed out names `advertiseHost` when given (ActiveMQ's `hostname`), else the bound
// address.
import fs from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import tls from 'node:tls';
import { MIN_TLS_VERSION, keepAccepting } from '@wharf/broker';
import { encodeFrame, FrameReader, type ReplicationFrame } from './frames';
import { BaseLink, type ReplicationLink, type ReplicationTransport } from './transport';

export function parseTcpUrl(url: string): { host: string; port: number } {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(url.trim());
  if (!m) throw new Error(`replication URL must be tcp://host:port, got '${url}'`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`replication URL ${url}: port out of range`);
  return { host, port };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

class TcpLink extends BaseLink {
  private readonly reader = new FrameReader();

  constructor(private readonly socket: Socket, readonly remote: string) {
    super();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.reader.push(chunk, (f) => this.deliver(f));
      } catch (err) {
        this.close(`bad frame from ${remote}: ${(err as Error).message}`);
      }
    });
    socket.on('error', (err) => this.ended(`${remote}: ${err.message}`));
    socket.on('close', () => this.ended(`connection to ${remote} closed`));
  }

  send(frame: ReplicationFrame): void {
    if (this.closed) return;
    this.socket.write(encodeFrame(frame));
  }

  get writable(): boolean {
    return !this.closed && !this.socket.writableNeedDrain;
  }

  drained(): Promise<void> {
    if (this.writable || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  close(reason = 'closed locally'): void {
    this.ended(reason);
    // Flush what was sent last (a REFUSE says why), but never wait on a dead peer.
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 500).unref();
  }
}

/** The part of a logger a transport needs. */
export interface AcceptLog {
  warn(obj: object, msg: string): void;
}

/** PEM file paths of a member's key and certificate and of the group's CA. */
export interface ReplicationTlsConfig {
  key: string;
  cert: string;
  ca: string;
}

/**
 * The TLS material, read at each listen and connect (a renewed certificate is used by the next
 * link). Members reach each other by advertised names that certificates need not carry: the
 * group's CA is what identifies a member, so host names are not checked.
 */
function tlsOptions(c: ReplicationTlsConfig): tls.SecureContextOptions & { requestCert: true; rejectUnauthorized: true; minVersion: tls.SecureVersion } {
  return { key: fs.readFileSync(c.key), cert: fs.readFileSync(c.cert), ca: fs.readFileSync(c.ca), requestCert: true, rejectUnauthorized: true, minVersion: MIN_TLS_VERSION };
}

export class TcpReplicationTransport implements ReplicationTransport {
  private server?: Server;
  private readonly links = new Set<TcpLink>();

  /** `log`: where a failed accept of the replication port is told (it is never fatal). */
  constructor(private readonly opts: { advertiseHost?: string; tls?: ReplicationTlsConfig; log?: AcceptLog } = {}) {}

  async listen(bind: string, accept: (link: ReplicationLink) => void): Promise<string> {
    const { host, port } = parseTcpUrl(bind);
    const onSocket = (socket: Socket): void => {
      const link = this.track(new TcpLink(socket, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`));
      accept(link);
    };
    const server = this.opts.tls ? tls.createServer(tlsOptions(this.opts.tls), onSocket) : createServer(onSocket);
    keepAccepting(server, (err) => this.opts.log?.warn({ replication: bind, err: err.message }, 'replication: accepting a connection failed'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const addr = server.address();
    const bound = addr && typeof addr === 'object' ? addr.port : port;
    let advertised = this.opts.advertiseHost ?? host;
    if (advertised === '0.0.0.0' || advertised === '::') advertised = '127.0.0.1';
    return `tcp://${formatHost(advertised)}:${bound}`;
  }

  connect(url: string, timeoutMs: number): Promise<ReplicationLink> {
    const { host, port } = parseTcpUrl(url);
    return new Promise((resolve, reject) => {
      const t = this.opts.tls;
      const socket = t ? tls.connect({ host, port, ...tlsOptions(t), checkServerIdentity: () => undefined }) : connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection to ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once(t ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(this.track(new TcpLink(socket, url)));
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(`cannot connect to ${url}: ${err.message}`));
      });
    });
  }

  async close(): Promise<void> {
    for (const l of this.links) l.close('transport closed');
    this.links.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private track(link: TcpLink): TcpLink {
    this.links.add(link);
    link.onEnd = () => this.links.delete(link);
    return link;
  }
}
