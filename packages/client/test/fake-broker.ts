// A scripted broker for client tests without the real one: it speaks the native protocol over
// vm://, answers requests with receipts, records what the client sent, and dispatches on demand.
import {
  CommandType, DEFAULT_PRIORITY, DeliveryMode, decodeCommand, encodeCommand, vmRegister, vmUnregister,
  type Command, type VmAcceptor, type VmEndpoint, type WireMessage,
} from '@wharf/protocol';

let n = 0;

export interface FakeBroker {
  name: string;
  url: string;
  received: Command[];
  /** Commands of one type sent by the client so far. */
  of<T extends Command['type']>(type: T): Array<Extract<Command, { type: T }>>;
  dispatch(consumerId: number, body: string, extra?: Partial<WireMessage> & { redelivered?: boolean; deliveryCount?: number }): number;
  dispatchNull(consumerId: number): void;
  send(cmd: Command): void;
  /** Answer a request later instead of at once. */
  hold(type: Command['type']): void;
  answer(corr: number, data?: unknown): void;
  fail(corr: number | undefined, code: string, message: string, fatal?: boolean): void;
  /** Wait until the client has sent a command matching `pred`. */
  waitFor(pred: (c: Command) => boolean, ms?: number): Promise<Command>;
  close(): void;
}

export function fakeBroker(opts: { heartbeat?: number; silent?: boolean; refuse?: { code: string; message: string; members?: string[] } } = {}): FakeBroker {
  const name = `fake-${process.pid}-${++n}`;
  const received: Command[] = [];
  const held = new Set<number>();
  let client: VmEndpoint | null = null;
  let deliveryId = 0;
  let seq = 0;
  const watchers: Array<{ pred: (c: Command) => boolean; resolve(c: Command): void }> = [];
  const send = (cmd: Command): void => {
    const bytes = encodeCommand(cmd);
    queueMicrotask(() => client?.deliver(bytes));
  };
  const acceptor: VmAcceptor = (c) => {
    client = c;
    return {
      deliver(bytes) {
        const cmd = decodeCommand(bytes);
        received.push(cmd);
        for (const w of [...watchers]) {
          if (w.pred(cmd)) {
            watchers.splice(watchers.indexOf(w), 1);
            w.resolve(cmd);
          }
        }
        if (cmd.type === CommandType.HELLO && opts.refuse) {
          // A node that does not serve (a slave): refuse, naming the members, and hang up.
          send({ type: CommandType.ERROR, corr: cmd.corr, ...opts.refuse, fatal: true });
          queueMicrotask(() => queueMicrotask(() => client?.closed()));
          return;
        }
        if (cmd.type === CommandType.HELLO) {
          send({ type: CommandType.WELCOME, corr: cmd.corr, version: 1, brokerName: 'fake', connectionId: 'ID:fake-1', heartbeat: opts.heartbeat ?? 0, maxFrameSize: 1 << 20 });
          return;
        }
        if (cmd.type === CommandType.PING) return opts.silent ? undefined : send({ type: CommandType.PONG });
        const corr = (cmd as { corr?: number }).corr;
        if (corr === undefined || held.has(cmd.type)) return;
        if (cmd.type === CommandType.CONSUMER_OPEN) {
          send({ type: CommandType.RECEIPT, corr, data: { prefetch: cmd.prefetch, redelivery: { maximumRedeliveries: 6, initialRedeliveryDelay: 0, redeliveryDelay: 0, useExponentialBackOff: false, backOffMultiplier: 5, maximumRedeliveryDelay: -1 } } });
        } else send({ type: CommandType.RECEIPT, corr });
      },
      closed() {
        client = null;
      },
    };
  };
  vmRegister(name, acceptor);
  return {
    name,
    url: `vm://${name}`,
    received,
    of: <T extends Command['type']>(type: T) => received.filter((c) => c.type === type) as Array<Extract<Command, { type: T }>>,
    dispatch(consumerId, body, extra = {}) {
      const id = ++deliveryId;
      const { redelivered, deliveryCount, ...fields } = extra;
      const s = ++seq;
      const message: WireMessage = {
        messageId: `ID:p:${s}`, destination: 'queue://Q', deliveryMode: DeliveryMode.PERSISTENT, priority: DEFAULT_PRIORITY,
        timestamp: Date.now(), expiration: 0, deliveryTime: 0, redelivered: false, deliveryCount: 0, producerId: 'p', producerSeq: s,
        properties: {}, bodyKind: 1, body, ...fields,
      };
      send({ type: CommandType.DISPATCH, consumerId, deliveryId: id, message, redelivered, deliveryCount: deliveryCount ?? 1 });
      return id;
    },
    dispatchNull(consumerId) {
      send({ type: CommandType.DISPATCH, consumerId, deliveryId: 0, message: null });
    },
    send,
    hold(type) {
      held.add(type);
    },
    answer(corr, data) {
      send(data === undefined ? { type: CommandType.RECEIPT, corr } : { type: CommandType.RECEIPT, corr, data });
    },
    fail(corr, code, message, fatal) {
      send({ type: CommandType.ERROR, corr, code, message, fatal });
      if (fatal) queueMicrotask(() => queueMicrotask(() => client?.closed()));
    },
    waitFor(pred, ms = 2000) {
      const found = received.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        watchers.push(w);
        setTimeout(() => {
          const i = watchers.indexOf(w);
          if (i >= 0) {
            watchers.splice(i, 1);
            reject(new Error('timed out waiting for a command from the client'));
          }
        }, ms);
      });
    },
    close() {
      vmUnregister(name, acceptor);
      const c = client;
      client = null;
      c?.closed();
    },
  };
}
