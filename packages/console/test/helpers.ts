// Test helpers: a real broker with the console in front of it, an HTTP client, and a minimal
// native-protocol client (hello, consumers, acks) so connections and consumers are real too.
import net from 'node:net';
import { Broker } from '@wharf/broker';
import { AckType, CommandType, FrameDecoder, PROTOCOL_VERSION, encodeFrame, type Command, type WireMessage } from '@wharf/protocol';
import { startConsole, type ConsoleHandle, type ConsoleOptions } from '../src/index';

let counter = 0;

export interface Harness {
  broker: Broker;
  console: ConsoleHandle;
  url: string;
  close(): Promise<void>;
}

export async function startHarness(opts: Partial<ConsoleOptions> = {}): Promise<Harness> {
  const broker = new Broker({
    brokerName: `console-test-${process.pid}-${++counter}`,
    persistent: false,
    transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }],
    logLevel: 'silent',
  });
  await broker.start();
  let c: ConsoleHandle;
  try {
    c = await startConsole(broker, { host: '127.0.0.1', port: 0, ...opts });
  } catch (err) {
    await broker.stop();
    throw err;
  }
  return {
    broker,
    console: c,
    url: c.url,
    async close() {
      await c.close();
      await broker.stop();
    },
  };
}

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function http<T = any>(url: string, method = 'GET', body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export function basic(user: string, pass: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

export async function waitFor(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Just enough of the native protocol to be a real client of the broker in tests. */
export class NativeClient {
  private corr = 0;
  private readonly waiting = new Map<number, { resolve(c: Command): void; reject(e: Error): void }>();
  readonly dispatches: Array<{ consumerId: number; deliveryId: number; message: WireMessage }> = [];
  private nextSession = 0;
  private nextConsumer = 0;

  private constructor(private readonly socket: net.Socket) {
    const decoder = new FrameDecoder({
      command: (cmd) => this.onCommand(cmd),
      error: (err) => socket.destroy(err),
    });
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('error', () => undefined);
  }

  static async connect(broker: Broker, clientId?: string): Promise<NativeClient> {
    const u = new URL(broker.connectorUrl('tcp'));
    const socket = net.connect(Number(u.port), u.hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new NativeClient(socket);
    await c.request({ type: CommandType.HELLO, corr: 0, version: PROTOCOL_VERSION, heartbeat: 0, ...(clientId ? { clientId } : {}) } as Command);
    return c;
  }

  private onCommand(cmd: Command): void {
    if (cmd.type === CommandType.DISPATCH) {
      const d = cmd as unknown as { consumerId: number; deliveryId: number; message: WireMessage | null };
      if (d.message) this.dispatches.push({ consumerId: d.consumerId, deliveryId: d.deliveryId, message: d.message });
      return;
    }
    const corr = (cmd as { corr?: number }).corr;
    if (corr === undefined) return;
    const w = this.waiting.get(corr);
    if (!w) return;
    this.waiting.delete(corr);
    if (cmd.type === CommandType.ERROR) w.reject(new Error((cmd as unknown as { message: string }).message));
    else w.resolve(cmd);
  }

  private request(cmd: Command): Promise<Command> {
    const corr = ++this.corr;
    return new Promise((resolve, reject) => {
      this.waiting.set(corr, { resolve, reject });
      this.socket.write(encodeFrame({ ...cmd, corr } as Command));
    });
  }

  private send(cmd: Command): void {
    this.socket.write(encodeFrame(cmd));
  }

  /** Open a session and a consumer; resolves with the consumer id. */
  async consume(destination: string, opts: { prefetch?: number; durableName?: string } = {}): Promise<number> {
    const sessionId = ++this.nextSession;
    this.send({ type: CommandType.SESSION_OPEN, sessionId, ackMode: 2 } as Command);
    const consumerId = ++this.nextConsumer;
    await this.request({
      type: CommandType.CONSUMER_OPEN, corr: 0, sessionId, consumerId, destination, prefetch: opts.prefetch ?? 100,
      ...(opts.durableName ? { durableName: opts.durableName } : {}),
    } as Command);
    return consumerId;
  }

  async closeConsumer(consumerId: number): Promise<void> {
    await this.request({ type: CommandType.CONSUMER_CLOSE, corr: 0, consumerId } as Command);
  }

  /** Acknowledge (consume) deliveries; POISON sends them to the dead letter queue. */
  async ack(consumerId: number, deliveryIds: number[], ackType: number = AckType.STANDARD, cause?: string): Promise<void> {
    await this.request({ type: CommandType.ACK, corr: 0, consumerId, ackType, deliveryIds, ...(cause ? { cause } : {}) } as Command);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 200).unref();
    });
  }
}
