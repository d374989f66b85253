// tcp:// and ssl:// links: length-prefixed frames (docs/ARCHITECTURE.md: the core API) through the streaming decoder;
// frames written in one tick leave in one socket write.
import net from 'node:net';
import tls from 'node:tls';
import { ConnectionClosedError, FrameDecoder, ErrorCode, type ProtocolError } from '@wharf/protocol';
import type { ClientTransport, OpenOptions, TransportListener } from './transport';
import type { Endpoint } from './url';

/** Write at once when this much is queued, without waiting for the tick to end. */
const FLUSH_BYTES = 256 * 1024;

class SocketTransport implements ClientTransport {
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  private ended = false;
  private reported = false;
  private drainWaiters: Array<() => void> = [];
  private readonly flushCb = (): void => this.flush();

  constructor(private readonly socket: net.Socket, readonly remoteAddress: string, private readonly listener: TransportListener, maxFrameSize?: number) {
    const decoder = new FrameDecoder({
      command: (cmd) => {
        if (!this.reported) listener.command(cmd);
      },
      error: (err: ProtocolError) => {
        // An unknown command type leaves the stream in sync: skip it, as the broker does.
        if (err.code === ErrorCode.UNKNOWN_COMMAND) return;
        this.fail(err);
      },
    }, maxFrameSize);
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('drain', () => this.wakeDrainWaiters());
    socket.on('error', (err) => this.fail(new ConnectionClosedError(`connection to ${remoteAddress} failed: ${err.message}`)));
    socket.on('close', () => this.fail(this.ended ? undefined : new ConnectionClosedError(`connection to ${remoteAddress} was closed by the broker`)));
  }

  write(body: Buffer): void {
    if (this.ended) return;
    this.out.push(body);
    this.outBytes += body.length + 4;
    if (this.outBytes >= FLUSH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flushCb);
    }
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.out.length === 0 || this.ended) return;
    const frames = this.out;
    const buf = Buffer.allocUnsafe(this.outBytes);
    this.out = [];
    this.outBytes = 0;
    let off = 0;
    for (const f of frames) {
      buf.writeUInt32BE(f.length, off);
      f.copy(buf, off + 4);
      off += 4 + f.length;
    }
    this.socket.write(buf);
  }

  get writable(): boolean {
    return this.ended || !this.socket.writableNeedDrain;
  }

  drained(): Promise<void> {
    if (this.writable) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private wakeDrainWaiters(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  close(): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    this.socket.end();
    // A peer that never closes its side must not keep the process alive.
    const t = setTimeout(() => this.socket.destroy(), 2000);
    t.unref();
  }

  private fail(err?: Error): void {
    if (this.reported) return;
    this.reported = true;
    this.ended = true;
    this.out = [];
    this.outBytes = 0;
    this.socket.destroy();
    this.wakeDrainWaiters();
    this.listener.closed(err);
  }
}

export function openSocketTransport(endpoint: Endpoint, opts: OpenOptions, listener: TransportListener): Promise<ClientTransport> {
  const secure = endpoint.scheme === 'ssl';
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    let done = false;
    const onError = (err: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      reject(new ConnectionClosedError(`could not connect to ${endpoint.uri}: ${err.message}`));
    };
    const onConnect = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(new SocketTransport(socket, endpoint.uri, listener, opts.maxFrameSize));
    };
    if (secure) {
      const tlsOpts: tls.ConnectionOptions = {
        host: endpoint.host,
        port: endpoint.port,
        servername: net.isIP(endpoint.host) ? undefined : endpoint.host,
        ...opts.tls,
      };
      if (opts.trustAll) tlsOpts.rejectUnauthorized = false;
      if (!opts.verifyHostName) tlsOpts.checkServerIdentity = () => undefined;
      socket = tls.connect(tlsOpts, onConnect);
    } else {
      socket = net.connect({ host: endpoint.host, port: endpoint.port }, onConnect);
    }
    socket.on('error', onError);
    const timer = setTimeout(() => onError(new Error(`no connection after ${opts.connectTimeout} ms`)), opts.connectTimeout > 0 ? opts.connectTimeout : 2 ** 31 - 1);
    timer.unref();
  });
}
