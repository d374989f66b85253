// Hostile native commands, each a few bytes, that used to end the broker process: each is now an
// ERROR for the connection that sent it, and the broker goes on serving everyone else.
import { strict as assert } from 'node:assert';
import { CommandType, encodeValue, type Command, type WireMessage } from '@wharf/protocol';
import { stompProtocol } from '@wharf/stomp';
import { checkFor } from '@wharf/testkit';
import { healthCheck, hello, raw, stompSubscribe, wireMessage, world, type RawPeer, type World } from './helpers';

type ErrorCmd = Extract<Command, { type: 20 }>;

function message(over: Record<string, unknown>): WireMessage {
  return wireMessage({ messageId: 'ID:evil:1:1', destination: 'queue://EVIL', producerId: 'evil:1', ...over });
}

async function nextError(p: RawPeer): Promise<ErrorCmd> {
  for (;;) {
    const c = await p.next();
    if (c.type === CommandType.ERROR) return c;
  }
}

describe('hostile input', () => {
  let w: World;
  let healthy: () => Promise<void>;
  beforeEach(async () => {
    w = await world({ transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }, { name: 'stomp', uri: 'stomp://127.0.0.1:0' }] }, { protocols: [stompProtocol] });
    healthy = await healthCheck(w);
  });
  afterEach(() => w.ledger.closeAll());

  it('hostile input - a uint64 command type before HELLO is an error, not a crash', async () => {
    const p = await raw(w.url);
    p.sendBytes(encodeValue({ type: 18446744073709551615n, corr: 1 }));
    const err = await nextError(p);
    assert.match(err.message, /unknown command type 18446744073709551615n/);
    p.sock.destroy();
    await healthy();
  });

  it('hostile input - uint64 and map values in command fields are refused by the schema', async () => {
    const p = await raw(w.url);
    p.sendBytes(encodeValue({ type: CommandType.HELLO, corr: 1, version: 1n, heartbeat: 0 }));
    assert.match((await nextError(p)).message, /HELLO.version must be an integer >= 1, got 1n/);
    await p.closed;
    const q = await raw(w.url);
    await hello(q);
    q.sendBytes(encodeValue({ type: CommandType.SESSION_OPEN, sessionId: { a: 1 }, ackMode: 1 }));
    assert.match((await nextError(q)).message, /SESSION_OPEN.sessionId must be an integer/);
    q.send({ type: CommandType.PING });
    assert.equal((await q.next()).type, CommandType.PONG, 'a refused command leaves the connection usable');
    q.sock.destroy();
    await healthy();
  });

  for (const [field, value] of [['replyTo', 5], ['originalDestination', { a: 1 }], ['correlationId', ['a']], ['type', ['a']], ['groupId', ['a']], ['userId', ['a']]] as const) {
    it(`hostile input - a SEND whose ${field} is not a string is refused, and a STOMP subscriber is not crashed`, async () => {
      const port = Number(new URL(w.broker.connectorUrl('stomp')).port);
      const sub = await stompSubscribe(port, '/queue/EVIL', w.ledger);
      await sub.subscribed;
      const p = await raw(w.url);
      await hello(p);
      p.send({ type: CommandType.SEND, corr: 7, producerId: 'evil:1', message: message({ [field]: value }) });
      const err = await nextError(p);
      assert.equal(err.corr, 7);
      assert.match(err.message, new RegExp(`message ${field} must be`));
      p.send({ type: CommandType.SEND, corr: 8, producerId: 'evil:1', message: message({ producerSeq: 2, messageId: 'ID:evil:1:2', body: 'fine' }) });
      assert.equal((await p.next()).type, CommandType.RECEIPT);
      await checkFor(5000, () => sub.bodies.length > 0, 'the STOMP subscriber gets the good message');
      assert.deepEqual(sub.bodies, ['fine']);
      p.sock.destroy();
      await healthy();
    });
  }

  it('hostile input - an ordinary client may not open a network consumer, nor send a broker path', async () => {
    const p = await raw(w.url);
    await hello(p);
    p.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 1 });
    p.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'queue://EVIL', prefetch: 10, network: { target: 'x', ttl: 1, path: [] } });
    assert.match((await nextError(p)).message, /network consumer may only be opened by a network bridge/);
    p.send({ type: CommandType.PING });
    assert.equal((await p.next()).type, CommandType.PONG, 'refused, the connection stays usable');
    p.sock.destroy();
    const q = await raw(w.url);
    await hello(q);
    q.send({ type: CommandType.SEND, corr: 3, producerId: 'evil:1', message: message({ brokerPath: ['b1'] }) });
    assert.match((await nextError(q)).message, /brokerPath is set by brokers and network bridges only/);
    q.sock.destroy();
    await healthy();
  });

  it('hostile input - a bridge network consumer and a message with brokerPath 5 do not crash the filter', async () => {
    const bridge = await raw(w.url);
    await hello(bridge, { networkBridge: true });
    bridge.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 1 });
    bridge.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'queue://EVIL', prefetch: 10, network: { target: 'x', ttl: 2, path: ['x'] } });
    assert.equal((await bridge.next()).type, CommandType.RECEIPT);
    const p = await raw(w.url);
    await hello(p, { networkBridge: true });
    p.send({ type: CommandType.SEND, corr: 3, producerId: 'evil:1', message: message({ brokerPath: 5 }) });
    assert.match((await nextError(p)).message, /message brokerPath must be a list/);
    p.send({ type: CommandType.SEND, corr: 4, producerId: 'evil:1', message: message({ producerSeq: 2, messageId: 'ID:evil:1:2', brokerPath: ['y'] }) });
    assert.equal((await p.next()).type, CommandType.RECEIPT);
    const d = await bridge.next();
    assert.equal(d.type, CommandType.DISPATCH);
    bridge.sock.destroy();
    p.sock.destroy();
    await healthy();
  });

  it('hostile input - an object consumerId is refused on open and close, and the connection closes cleanly', async () => {
    const p = await raw(w.url);
    await hello(p);
    p.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 1 });
    p.sendBytes(encodeValue({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: { toString: 1 }, destination: 'queue://EVIL', prefetch: 10 }));
    assert.match((await nextError(p)).message, /CONSUMER_OPEN.consumerId must be an integer/);
    p.sendBytes(encodeValue({ type: CommandType.CONSUMER_CLOSE, corr: 3, consumerId: { toString: 1 } }));
    assert.match((await nextError(p)).message, /CONSUMER_CLOSE.consumerId must be an integer/);
    p.sock.destroy();
    await p.closed;
    await healthy();
  });
});
