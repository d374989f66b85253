// A client inside the process, through the broker's core API only (ProtocolHost.openConnection,
// native commands in, the broker's commands out through a ServerTransport), as a protocol
// adapter drives it: no sockets. Test helper for core.test.ts and admin.test.ts.
import {
  AckMode, BodyKind, CommandType, DeliveryMode, PROTOCOL_VERSION,
  type AckModeValue, type AckTypeValue, type Command, type Dispatch, type ErrorCommand, type WireMessage,
} from '@wharf/protocol';
import { Broker, type BrokerConfig, type ProtocolConnection } from '../src';

let brokers = 0;

/** A broker with no transport connectors and the memory store (unless the config says otherwise). */
export async function coreBroker(config: Partial<BrokerConfig> = {}): Promise<Broker> {
  const b = new Broker({
    brokerName: `core-${process.pid}-${++brokers}`, persistent: false, transportConnectors: [], logLevel: 'silent', advisorySupport: false, ...config,
  });
  await b.start();
  return b;
}

export function textMessage(destination: string, body: string, over: Partial<WireMessage> = {}): WireMessage {
  return {
    messageId: `ID:core-${body}-${Math.random().toString(36).slice(2)}`, destination, deliveryMode: DeliveryMode.PERSISTENT, priority: 4,
    timestamp: Date.now(), expiration: 0, deliveryTime: 0, redelivered: false, deliveryCount: 0, producerId: 'core-producer', producerSeq: 0,
    properties: {}, bodyKind: BodyKind.TEXT, body, ...over,
  };
}

/** One connection: sends commands, collects dispatches, answers receipts and errors by corr. */
export class CoreClient {
  readonly conn: ProtocolConnection;
  readonly dispatches: Dispatch[] = [];
  readonly errors: ErrorCommand[] = [];
  /** Every command the broker sent. */
  readonly received: Command[] = [];
  closedByBroker = false;
  private corr = 0;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve(data: unknown): void; reject(err: Error): void }>();
  readonly producerId: string;

  constructor(broker: Broker, name = 'core') {
    this.producerId = `ID:${name}-${Math.random().toString(36).slice(2)}`;
    this.conn = broker.openConnection({
      remoteAddress: name,
      send: (cmd: Command) => this.onCommand(cmd),
      close: () => {
        this.closedByBroker = true;
      },
    }, 'test');
  }

  private onCommand(cmd: Command): void {
    this.received.push(cmd);
    if (cmd.type === CommandType.DISPATCH) this.dispatches.push(cmd);
    else if (cmd.type === CommandType.RECEIPT || cmd.type === CommandType.WELCOME) this.waiting.get(cmd.corr)?.resolve((cmd as { data?: unknown }).data);
    else if (cmd.type === CommandType.ERROR) {
      if (cmd.corr !== undefined && this.waiting.has(cmd.corr)) this.waiting.get(cmd.corr)!.reject(new Error(`${cmd.code}: ${cmd.message}`));
      else this.errors.push(cmd);
    }
  }

  /** Send a command with a fresh corr and wait for its RECEIPT (rejects on its ERROR). */
  request(cmd: Command & { corr?: number }): Promise<unknown> {
    const corr = ++this.corr;
    const p = new Promise<unknown>((resolve, reject) => this.waiting.set(corr, { resolve, reject }));
    void p.finally(() => this.waiting.delete(corr)).catch(() => undefined);
    this.conn.handle({ ...cmd, corr } as Command);
    return p;
  }

  async open(clientId?: string): Promise<void> {
    await this.request({ type: CommandType.HELLO, corr: 0, version: PROTOCOL_VERSION, heartbeat: 0, ...(clientId ? { clientId } : {}) });
  }

  session(sessionId: number, ackMode: AckModeValue = AckMode.CLIENT_ACKNOWLEDGE): void {
    this.conn.handle({ type: CommandType.SESSION_OPEN, sessionId, ackMode });
  }

  /** A persistent text message sent and stored (resolves on the broker's receipt). */
  send(destination: string, body: string, over: Partial<WireMessage> = {}, txId?: string): Promise<unknown> {
    const message = textMessage(destination, body, { producerId: this.producerId, producerSeq: ++this.seq, messageId: `${this.producerId}:${this.seq}`, ...over });
    return this.request({ type: CommandType.SEND, producerId: this.producerId, message, ...(txId ? { txId } : {}) } as Command);
  }

  consume(sessionId: number, consumerId: number, destination: string, prefetch: number, more: Record<string, unknown> = {}): Promise<unknown> {
    return this.request({ type: CommandType.CONSUMER_OPEN, corr: 0, sessionId, consumerId, destination, prefetch, ...more } as Command);
  }

  ack(consumerId: number, deliveryIds: number[], ackType: AckTypeValue, more: Record<string, unknown> = {}): Promise<unknown> {
    return this.request({ type: CommandType.ACK, consumerId, ackType, deliveryIds, ...more } as Command);
  }

  /** Bodies of the messages dispatched to a consumer, in order. */
  bodies(consumerId: number): string[] {
    return this.dispatches.filter((d) => d.consumerId === consumerId && d.message).map((d) => String(d.message!.body));
  }

  deliveries(consumerId: number): Dispatch[] {
    return this.dispatches.filter((d) => d.consumerId === consumerId && d.message);
  }
}

/** Wait until `fn` holds (broker state that settles after a store write has no event). */
export async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
