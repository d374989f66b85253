import { strict as assert } from 'node:assert';
import { Session, InvalidSelectorError, InvalidDestinationError } from '@wharf/client';
import { CommandType, encodeValue, type Command } from '@wharf/protocol';
import { healthCheck, hello, raw, world, type World } from './helpers';

describe('bad input', () => {
  let w: World;
  let healthy: () => Promise<void>;
  beforeEach(async () => {
    w = await world({ maxFrameSize: 64 * 1024 });
    healthy = await healthCheck(w);
  });
  afterEach(() => w.ledger.closeAll());

  it('bad input - arbitrary bytes close that connection with an error; others keep working', async () => {
    const p = await raw(w.url);
    p.sock.write(Buffer.from([0, 0, 0, 5, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1]));
    const err = await p.next();
    assert.equal(err.type, CommandType.ERROR);
    await p.closed;
    await healthy();
  });

  it('bad input - oversize frame is refused naming maxFrameSize', async () => {
    const p = await raw(w.url);
    const hdr = Buffer.alloc(4);
    hdr.writeUInt32BE(10 * 1024 * 1024);
    p.sock.write(hdr);
    const err = (await p.next()) as Extract<Command, { type: 20 }>;
    assert.equal(err.type, CommandType.ERROR);
    assert.match(err.message, /exceeds maxFrameSize 65536/);
    await p.closed;
    await healthy();
  });

  it('bad input - a command before HELLO is refused', async () => {
    const p = await raw(w.url);
    p.send({ type: CommandType.PING });
    const err = (await p.next()) as Extract<Command, { type: 20 }>;
    assert.match(err.message, /expected HELLO/);
    await p.closed;
  });

  it('bad input - unknown command gets an error and the connection stays usable', async () => {
    const p = await raw(w.url);
    await hello(p);
    const body = encodeValue({ type: 4242, corr: 9 });
    const f = Buffer.alloc(4 + body.length);
    f.writeUInt32BE(body.length);
    body.copy(f, 4);
    p.sock.write(f);
    const err = (await p.next()) as Extract<Command, { type: 20 }>;
    assert.match(err.message, /unknown command type 4242/);
    p.send({ type: CommandType.PING });
    assert.equal((await p.next()).type, CommandType.PONG);
    p.sock.destroy();
    await healthy();
  });

  it('bad input - ack of an unknown message and a malformed send are errors, not crashes', async () => {
    const p = await raw(w.url);
    await hello(p);
    p.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 1 });
    p.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'queue://EMPTY', prefetch: 10 });
    assert.equal((await p.next()).type, CommandType.RECEIPT);
    p.send({ type: CommandType.ACK, corr: 3, consumerId: 1, ackType: 2, deliveryIds: [999] });
    const e1 = (await p.next()) as Extract<Command, { type: 20 }>;
    assert.equal(e1.corr, 3);
    assert.match(e1.message, /unknown message delivery 999/);
    p.send({ type: CommandType.SEND, corr: 4, producerId: 'x', message: { destination: 'queue://A' } as never });
    const e2 = (await p.next()) as Extract<Command, { type: 20 }>;
    assert.equal(e2.corr, 4);
    assert.match(e2.message, /messageId/);
    p.send({ type: CommandType.TX_COMMIT, corr: 5, sessionId: 1, txId: 't' });
    const e3 = (await p.next()) as Extract<Command, { type: 20 }>;
    assert.match(e3.message, /Not a transacted session/);
    p.sock.destroy();
    await healthy();
  });

  it('bad input - invalid selector and destination names are typed errors', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await assert.rejects(s.createConsumer(s.createQueue('Q'), "color = 'red' AND"), (e: Error) => e instanceof InvalidSelectorError && /column/.test(e.message));
    assert.throws(() => s.createQueue('a..b'), InvalidDestinationError);
    const p = await s.createProducer(null);
    await assert.rejects(p.send(s.createQueue('A.>'), s.createTextMessage('x')), InvalidDestinationError);
    await healthy();
  });
});
