// Shared helpers of the STOMP tests (this file holds no tests): brokers on free ports, a raw
// socket STOMP client, @stomp/stompjs over TCP and WebSocket, stompit with promises.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { WebSocket } from 'ws';
import type { Client, IMessage, IFrame, StompHeaders } from '@stomp/stompjs' with { 'resolution-mode': 'import' };
import { Broker, type BrokerConfig } from '@wharf/broker';
import { StompParser, encodeFrame, stompProtocol, type StompFrame, type StompVersion } from '../src';

let counter = 0;

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-stomp-'));
}

export async function startBroker(config: Partial<BrokerConfig> = {}): Promise<Broker> {
  const b = new Broker({
    brokerName: `stomp-${process.pid}-${++counter}`,
    persistent: false,
    dataDirectory: path.join(os.tmpdir(), 'wharf-unused'),
    transportConnectors: [
      { name: 'openwire', uri: 'tcp://127.0.0.1:0' },
      { name: 'stomp', uri: 'stomp://127.0.0.1:0' },
      { name: 'ws', uri: 'ws://127.0.0.1:0' },
    ],
    logLevel: 'silent',
    ...config,
  }, { protocols: [stompProtocol] });
  await b.start();
  return b;
}

export function portOf(b: Broker, scheme: string): number {
  return Number(new URL(b.connectorUrl(scheme)).port);
}

/** Poll until `fn` is truthy (for broker state that has no event). */
export async function waitFor<T>(fn: () => T, what: string, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A FIFO of values pushed by callbacks, awaited one at a time. */
export class AsyncQueue<T> {
  private items: T[] = [];
  private waiters: Array<(v: T) => void> = [];
  push(v: T): void {
    const w = this.waiters.shift();
    if (w) w(v);
    else this.items.push(v);
  }
  get size(): number {
    return this.items.length;
  }
  next(timeoutMs = 5000, what = 'a message'): Promise<T> {
    const v = this.items.shift();
    if (v !== undefined) return Promise.resolve(v);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(fn), 1);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const fn = (x: T): void => {
        clearTimeout(t);
        resolve(x);
      };
      this.waiters.push(fn);
    });
  }
}

// ---- raw sockets ----------------------------------------------------------------------------

/** A STOMP client on a bare socket: what it writes is exactly what the test says. */
export class RawStomp {
  readonly frames = new AsyncQueue<StompFrame>();
  readonly parser = new StompParser();
  readonly closed: Promise<void>;
  heartbeats = 0;
  isClosed = false;
  private constructor(readonly socket: net.Socket) {
    this.parser.version = '1.2';
    socket.on('data', (chunk: Buffer) => {
      for (const ev of this.parser.parse(chunk)) {
        if (ev.type === 'frame') this.frames.push(ev.frame);
        else if (ev.type === 'heartbeat') this.heartbeats++;
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.isClosed = true;
      resolve();
    }));
  }

  static connect(port: number): Promise<RawStomp> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawStomp(s)));
      s.once('error', reject);
    });
  }

  /** Open a socket and CONNECT; resolves with the CONNECTED frame. */
  static async open(port: number, headers: Record<string, string> = { 'accept-version': '1.2' }): Promise<{ c: RawStomp; connected: StompFrame }> {
    const c = await RawStomp.connect(port);
    c.send('CONNECT', headers);
    const connected = await c.next();
    if (connected.command !== 'CONNECTED') throw new Error(`expected CONNECTED, got ${connected.command}: ${connected.headers.get('message')}`);
    return { c, connected };
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  send(command: string, headers: Record<string, string>, body?: string | Buffer, version: StompVersion = '1.2'): void {
    this.write(encodeFrame(command, Object.entries(headers), body, version));
  }

  next(timeoutMs = 5000): Promise<StompFrame> {
    return this.frames.next(timeoutMs, 'a frame');
  }

  /** Send with a receipt and wait for it. */
  async request(command: string, headers: Record<string, string>, body?: string | Buffer): Promise<StompFrame> {
    const receipt = `r-${++counter}`;
    this.send(command, { ...headers, receipt }, body);
    const f = await this.next();
    if (f.command !== 'RECEIPT' || f.headers.get('receipt-id') !== receipt) {
      throw new Error(`expected RECEIPT ${receipt}, got ${f.command} ${f.headers.get('message') ?? ''}`);
    }
    return f;
  }

  /**
   * Expect an ERROR frame for a fault the client can recover from: the connection stays open
   * (as on ActiveMQ), which a following request with a receipt proves.
   */
  async expectErrorAndCarryOn(pattern: RegExp): Promise<StompFrame> {
    const f = await this.next();
    if (f.command !== 'ERROR') throw new Error(`expected ERROR, got ${f.command}`);
    if (!pattern.test(f.headers.get('message') ?? '')) throw new Error(`ERROR message '${f.headers.get('message')}' does not match ${pattern}`);
    return f;
  }

  /** Expect an ERROR frame followed by the broker closing the socket. */
  async expectErrorAndClose(pattern: RegExp): Promise<StompFrame> {
    const f = await this.next();
    if (f.command !== 'ERROR') throw new Error(`expected ERROR, got ${f.command}`);
    if (!pattern.test(f.headers.get('message') ?? '')) throw new Error(`ERROR message '${f.headers.get('message')}' does not match ${pattern}`);
    await this.closed;
    return f;
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---- @stomp/stompjs -------------------------------------------------------------------------

/** stompjs speaks to a WebSocket-like object; this one is a TCP socket (STOMP over TCP). */
class TcpStompSocket {
  url: string;
  onclose: ((ev?: unknown) => unknown) | null = null;
  onerror: ((ev: unknown) => unknown) | null = null;
  onmessage: ((ev: { data: ArrayBuffer }) => unknown) | null = null;
  onopen: ((ev?: unknown) => unknown) | null = null;
  binaryType = 'arraybuffer';
  readyState = 0;
  private readonly socket: net.Socket;
  constructor(port: number) {
    this.url = `tcp://127.0.0.1:${port}`;
    this.socket = net.connect(port, '127.0.0.1', () => {
      this.readyState = 1;
      this.onopen?.();
    });
    this.socket.on('data', (b: Buffer) => {
      const data = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      this.onmessage?.({ data });
    });
    this.socket.on('error', (err) => this.onerror?.(err));
    this.socket.on('close', () => {
      this.readyState = 3;
      this.onclose?.({ code: 1000, reason: '', wasClean: true });
    });
  }
  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (typeof data === 'string') this.socket.write(data);
    else if (ArrayBuffer.isView(data)) this.socket.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    else this.socket.write(Buffer.from(data as ArrayBuffer));
  }
  close(): void {
    this.readyState = 2;
    this.socket.end();
  }
  terminate(): void {
    this.socket.destroy();
  }
}

// @stomp/stompjs declares ESM types for its CommonJS bundle: load the bundle, type it from the ESM.
const { Client: StompClient } = require('@stomp/stompjs') as typeof import('@stomp/stompjs', { with: { 'resolution-mode': 'import' } });

export type Transport = 'tcp' | 'ws';

export interface StompJs {
  client: Client;
  errors: AsyncQueue<IFrame>;
  /** Subscribe; messages arrive in the returned queue; `ready` is its RECEIPT. */
  subscribe(destination: string, headers?: StompHeaders): { messages: AsyncQueue<IMessage>; ready: Promise<void>; unsubscribe: (h?: StompHeaders) => void };
  /** Publish with a receipt and wait for it. */
  publish(destination: string, body: string | Uint8Array, headers?: StompHeaders): Promise<void>;
  close(): Promise<void>;
}

export async function stompjs(b: Broker, transport: Transport, connectHeaders: StompHeaders = {}, heartbeat = 0): Promise<StompJs> {
  const port = portOf(b, transport === 'tcp' ? 'stomp' : 'ws');
  const errors = new AsyncQueue<IFrame>();
  const client: Client = new StompClient({
    webSocketFactory: () => (transport === 'tcp' ? new TcpStompSocket(port) : new WebSocket(`ws://127.0.0.1:${port}/`, ['v12.stomp', 'v11.stomp', 'v10.stomp'])),
    connectHeaders,
    reconnectDelay: 0,
    heartbeatIncoming: heartbeat,
    heartbeatOutgoing: heartbeat,
    debug: () => undefined,
  });
  client.onStompError = (f) => errors.push(f);
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (f) => reject(new Error(`STOMP ERROR: ${f.headers.message}`));
    client.onWebSocketError = (e: unknown) => reject(e instanceof Error ? e : new Error('socket error'));
    client.activate();
  });
  client.onStompError = (f) => errors.push(f);
  let receipts = 0;
  return {
    client,
    errors,
    subscribe(destination, headers = {}) {
      const messages = new AsyncQueue<IMessage>();
      const receipt = headers.receipt ?? `sub-${++receipts}`;
      const ready = new Promise<void>((resolve) => client.watchForReceipt(receipt, () => resolve()));
      const sub = client.subscribe(destination, (m) => messages.push(m), { ...headers, receipt });
      return { messages, ready, unsubscribe: (h?: StompHeaders) => sub.unsubscribe(h) };
    },
    publish(destination, body, headers = {}) {
      const receipt = `pub-${++receipts}`;
      const done = new Promise<void>((resolve) => client.watchForReceipt(receipt, () => resolve()));
      const text = typeof body === 'string';
      client.publish({
        destination, headers: { ...headers, receipt },
        ...(text ? { body, skipContentLengthHeader: !('content-length' in headers) } : { binaryBody: body }),
      });
      return done;
    },
    close: () => client.deactivate(),
  };
}

// ---- stompit --------------------------------------------------------------------------------

export interface StompitMessage {
  headers: Record<string, string>;
  readString(encoding: string, cb: (err: Error | null, body?: string) => void): void;
}
export interface StompitClient {
  headers: Record<string, string>;
  send(headers: Record<string, string>, options?: { onReceipt?: () => void; onError?: (e: Error) => void }): { write(b: string | Buffer): void; end(cb?: () => void): void };
  subscribe(headers: Record<string, string>, cb: (err: Error | null, m: StompitMessage) => void): { unsubscribe(h?: Record<string, string>): void };
  ack(m: StompitMessage, headers?: Record<string, string>): void;
  nack(m: StompitMessage, headers?: Record<string, string>): void;
  begin(headers?: Record<string, string>): { id: string; send(h: Record<string, string>): { write(b: string): void; end(): void }; commit(o?: { onReceipt?: () => void }): void; abort(o?: { onReceipt?: () => void }): void };
  disconnect(cb?: (err: Error | null) => void): void;
  destroy(err?: Error): void;
  on(ev: string, fn: (...a: unknown[]) => void): void;
}
// stompit ships no type declarations; the interface above is what these tests use of it.
const stompitModule = require('stompit') as { connect(o: object, cb: (err: Error | null, c: StompitClient) => void): void };

export function stompit(b: Broker, connectHeaders: Record<string, string> = {}): Promise<StompitClient> {
  return new Promise((resolve, reject) => {
    stompitModule.connect({ host: '127.0.0.1', port: portOf(b, 'stomp'), connectHeaders: { host: '/', ...connectHeaders } }, (err, c) => {
      if (err) reject(err);
      else {
        c.on('error', () => undefined);
        resolve(c);
      }
    });
  });
}

export function readString(m: StompitMessage): Promise<string> {
  return new Promise((resolve, reject) => m.readString('utf-8', (err, s) => (err ? reject(err) : resolve(s ?? ''))));
}

export function stompitSend(c: StompitClient, headers: Record<string, string>, body: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const f = c.send(headers, { onReceipt: () => resolve(), onError: reject });
    f.write(body);
    f.end();
  });
}

export function stompitDisconnect(c: StompitClient): Promise<void> {
  return new Promise((resolve) => c.disconnect(() => resolve()));
}
