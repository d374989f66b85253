// The byte channels under STOMP: a TCP (or TLS) socket, and a WebSocket. Each is a StompSink
// for the converter; the servers accept connections and hand each one a StompConnection.
import net from 'node:net';
import tls from 'node:tls';
import http from 'node:http';
import https from 'node:https';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { CONGESTED_BYTES, endSocket, guardAccepts, limitConnections, listen, closeServer, peerDN, tlsServerOptions, watchTls, type Connector, type ProtocolHost, type TransportConnectorConfig } from '@wharf/broker';
import { StompConnection } from './converter';
import type { StompOptions, StompSink } from './options';

/**
 * TCP: frames written in one tick go out together. Frames are views of the encoder's slab
 * (writer.ts); those that follow each other there are sent as one view of it, so a tick's
 * frames are neither copied again nor written one by one.
 */
class SocketSink implements StompSink {
  readonly remoteAddress: string;
  readonly peerDN: string | null;
  readonly stream = true;
  private out: Buffer[] = [];
  /** The run of adjacent frames being gathered: its slab and byte range. */
  private run: Buffer | null = null;
  private runStart = 0;
  private runEnd = 0;
  private scheduled = false;
  private ended = false;
  private drainFns: Array<() => void> = [];
  private congestion: (() => void) | null = null;

  constructor(private readonly socket: net.Socket) {
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.peerDN = socket instanceof tls.TLSSocket ? peerDN(socket) : null;
    socket.on('drain', () => {
      const fns = this.drainFns;
      this.drainFns = [];
      for (const fn of fns) fn();
    });
  }

  write(data: Buffer): void {
    if (this.ended) return;
    if (this.run !== null && data.buffer === this.run.buffer && data.byteOffset === this.runEnd) {
      this.runEnd += data.length;
    } else {
      this.closeRun();
      this.run = data;
      this.runStart = data.byteOffset;
      this.runEnd = data.byteOffset + data.length;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  private closeRun(): void {
    const run = this.run;
    if (run === null) return;
    this.run = null;
    const n = this.runEnd - this.runStart;
    this.out.push(n === run.length ? run : Buffer.from(run.buffer, this.runStart, n));
  }

  private flush(): void {
    this.scheduled = false;
    this.closeRun();
    if (this.ended || this.out.length === 0) return;
    this.writeOut();
    if (this.congestion !== null && this.congested()) this.congestion();
  }

  private writeOut(): void {
    const bufs = this.out;
    this.out = [];
    // Behind data still queued for a slow reader, the frames are copied: a view would hold its
    // whole slab (frames of every connection) for as long as this reader takes.
    if (this.socket.writableLength > 0) {
      this.socket.write(Buffer.concat(bufs));
      return;
    }
    if (bufs.length === 1) {
      this.socket.write(bufs[0]!);
      return;
    }
    // Corked, the writes leave in one writev.
    this.socket.cork();
    for (const b of bufs) this.socket.write(b);
    this.socket.uncork();
  }

  end(): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    endSocket(this.socket);
  }

  /**
   * Congested past a MiB waiting for the network, not at the socket's 16 KiB high-water mark:
   * one tick's MESSAGE frames often exceed that, and holding auto-acks for every drain would
   * stall dispatch. Past the threshold write() has returned false, so 'drain' will come.
   */
  congested(): boolean {
    return this.socket.writableLength > CONGESTED_BYTES;
  }

  onDrain(fn: () => void): void {
    if (this.congested()) this.drainFns.push(fn);
    else process.nextTick(fn);
  }

  onCongestion(fn: () => void): void {
    this.congestion = fn;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }
}

const WS_HIGH_WATER = 1024 * 1024;

/** WebSocket: one STOMP frame per message; text frames unless the body is bytes. */
class WebSocketSink implements StompSink {
  private buffered = 0;
  private drainFns: Array<() => void> = [];
  private congestion: (() => void) | null = null;

  constructor(private readonly ws: WebSocket, readonly remoteAddress: string, readonly peerDN: string | null) {}

  write(data: Buffer, binary: boolean): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    // A frame is a view of the encoder's slab (writer.ts): queued behind others, it is copied
    // so as not to hold the whole slab while a slow reader catches up.
    if (this.buffered > 0) data = Buffer.from(data);
    this.buffered += data.length;
    this.ws.send(data, { binary }, () => {
      this.buffered -= data.length;
      if (this.buffered < WS_HIGH_WATER && this.drainFns.length) {
        const fns = this.drainFns;
        this.drainFns = [];
        for (const fn of fns) fn();
      }
    });
    if (this.congestion !== null && this.buffered >= WS_HIGH_WATER) this.congestion();
  }

  end(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const t = setTimeout(() => this.ws.terminate(), 2000).unref();
    this.ws.once('close', () => clearTimeout(t));
  }

  congested(): boolean {
    return this.buffered >= WS_HIGH_WATER;
  }

  onDrain(fn: () => void): void {
    if (this.congested()) this.drainFns.push(fn);
    else process.nextTick(fn);
  }

  onCongestion(fn: () => void): void {
    this.congestion = fn;
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }
}

function hostPart(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** One STOMP connection on a socket; `head`: bytes already read from it (protocol detection). */
export function acceptStompSocket(broker: ProtocolHost, socket: net.Socket, opts: StompOptions, head?: Buffer): StompConnection {
  socket.setNoDelay(true);
  const stomp = new StompConnection(broker, new SocketSink(socket), opts);
  socket.on('data', (chunk: Buffer) => stomp.onData(chunk));
  socket.on('error', () => undefined);
  socket.on('close', () => stomp.onClosed());
  if (head && head.length) stomp.onData(head);
  return stomp;
}

/** `stomp://`, `stomp+nio://`, `stomp+ssl://`, `stomp+nio+ssl://`. */
export async function startStompServer(broker: ProtocolHost, cfg: TransportConnectorConfig, host: string, port: number, scheme: string, opts: StompOptions): Promise<Connector> {
  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket): void => {
    if (socket.destroyed) return; // refused by the descriptor reserve
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    acceptStompSocket(broker, socket, opts);
  };
  const secure = scheme.endsWith('ssl');
  const server = secure ? tls.createServer(tlsServerOptions(cfg), onSocket) : net.createServer(onSocket);
  guardAccepts(server, broker.log, cfg.name);
  limitConnections(server, broker.log, cfg);
  const unwatch = secure ? watchTls(server as tls.Server, cfg, broker.log) : () => undefined;
  const bound = await listen(server, host, port, `connector ${cfg.name}`).catch((err: Error) => {
    unwatch();
    throw err;
  });
  return {
    name: cfg.name, url: `${scheme}://${hostPart(host)}:${bound}`,
    close: () => {
      unwatch();
      return closeServer(server, sockets);
    },
  };
}

const SUBPROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp', 'stomp'];

/** `ws://` and `wss://`: STOMP over WebSocket, subprotocols v10.stomp, v11.stomp, v12.stomp. */
export async function startWebSocketServer(broker: ProtocolHost, cfg: TransportConnectorConfig, host: string, port: number, scheme: string, opts: StompOptions): Promise<Connector> {
  const secure = scheme === 'wss';
  const server = secure ? https.createServer(tlsServerOptions(cfg)) : http.createServer();
  const unwatch = secure ? watchTls(server as https.Server, cfg, broker.log) : () => undefined;
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('STOMP over WebSocket: use a WebSocket client\n');
  });
  const sockets = new Set<net.Socket>();
  guardAccepts(server, broker.log, cfg.name);
  limitConnections(server, broker.log, cfg);
  server.on('connection', (s: net.Socket) => {
    if (s.destroyed) return;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({
    server,
    perMessageDeflate: false,
    // Room for the largest body plus headers; bigger frames get a STOMP ERROR from the parser.
    maxPayload: opts.maxFrameSize + 1024 * 1024 + 16,
    handleProtocols: (offered: Set<string>) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  // The WebSocketServer re-emits every 'error' of the HTTP server (a port in use, a failed
  // accept) as its own: unheard, that would end the process. listen() and guardAccepts
  // already report them.
  wss.on('error', () => undefined);
  wss.on('connection', (ws: WebSocket, req: http.IncomingMessage) => {
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`;
    const dn = req.socket instanceof tls.TLSSocket ? peerDN(req.socket) : null;
    const stomp = new StompConnection(broker, new WebSocketSink(ws, remote, dn), opts);
    ws.on('message', (data: RawData) => {
      if (Buffer.isBuffer(data)) stomp.onData(data);
      else if (Array.isArray(data)) stomp.onData(Buffer.concat(data));
      else stomp.onData(Buffer.from(data));
    });
    ws.on('error', () => undefined);
    ws.on('close', () => stomp.onClosed());
  });
  const bound = await listen(server, host, port, `connector ${cfg.name}`).catch((err: Error) => {
    unwatch();
    throw err;
  });
  return {
    name: cfg.name,
    url: `${scheme}://${hostPart(host)}:${bound}`,
    close: async () => {
      unwatch();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await closeServer(server, sockets);
    },
  };
}
