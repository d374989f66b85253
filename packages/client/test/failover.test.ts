import { strict as assert } from 'node:assert';
import { CommandType, ErrorCode, type Command } from '@wharf/protocol';
import { ConnectionFactory, Session, TransactionRolledBackError, type TextMessage } from '../src/index';
import { fakeBroker, type FakeBroker } from './fake-broker';

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('failover transport', () => {
  const brokers: FakeBroker[] = [];
  afterEach(() => {
    for (const b of brokers.splice(0)) b.close();
  });
  /** Two scripted brokers, closed after the test. */
  const twoBrokers = (): [FakeBroker, FakeBroker] => {
    const pair: [FakeBroker, FakeBroker] = [fakeBroker(), fakeBroker()];
    brokers.push(...pair);
    return pair;
  };

  it('failover - reconnects to the next URI, replays state and re-sends the unanswered send with its ids', async () => {
    const a = fakeBroker();
    const b = fakeBroker();
    brokers.push(a, b);
    const f = new ConnectionFactory(`failover:(${a.url},${b.url})?randomize=false&initialReconnectDelay=5`);
    const conn = await f.createConnection();
    const exceptions: Error[] = [];
    conn.setExceptionListener((e) => exceptions.push(e));
    const events: string[] = [];
    conn.setTransportListener({ transportInterrupted: () => events.push('interrupted'), transportResumed: () => events.push('resumed') });
    conn.start();
    assert.equal(a.of(CommandType.HELLO)[0]!.failover, undefined);
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createQueue('Q'));
    const cons = await s.createConsumer(s.createQueue('Q'));
    const ts = conn.createSession(true, Session.SESSION_TRANSACTED);
    const tp = await ts.createProducer(ts.createQueue('T'));
    await tp.send(ts.createTextMessage('in a transaction'));
    a.hold(CommandType.SEND);
    const sent = p.send(s.createTextMessage('important'));
    const first = await a.waitFor((c) => c.type === CommandType.SEND && c.corr !== undefined) as Extract<Command, { type: 9 }>;
    a.close(); // the broker dies before answering

    await sent; // answered by b after the failover
    const hello = b.of(CommandType.HELLO)[0]!;
    assert.equal(hello.failover, true);
    const order = b.received.map((c) => c.type);
    assert.ok(order.indexOf(CommandType.SESSION_OPEN) < order.indexOf(CommandType.PRODUCER_OPEN));
    assert.equal(b.of(CommandType.SESSION_OPEN).length, 2);
    assert.equal(b.of(CommandType.PRODUCER_OPEN).length, 2);
    const reopened = b.of(CommandType.CONSUMER_OPEN);
    assert.equal(reopened.length, 1);
    assert.equal(reopened[0]!.consumerId, a.of(CommandType.CONSUMER_OPEN)[0]!.consumerId, 'same consumer id');
    const again = b.of(CommandType.SEND)[0]!;
    assert.equal(again.message.messageId, first.message.messageId, 'same message id');
    assert.equal(again.message.producerSeq, first.message.producerSeq);
    assert.ok(order.indexOf(CommandType.CONSUMER_OPEN) < order.indexOf(CommandType.SEND), 'state first, then the re-send');

    b.dispatch(reopened[0]!.consumerId, 'after failover');
    assert.equal((await cons.receive(1000) as TextMessage).getText(), 'after failover');
    await assert.rejects(ts.commit(), TransactionRolledBackError);
    await tp.send(ts.createTextMessage('next transaction'));
    await ts.commit();
    assert.equal(b.of(CommandType.TX_COMMIT).length, 1);
    assert.equal(exceptions.length, 0, 'a failover is not an exception');
    assert.deepEqual(events, ['interrupted', 'resumed']);
    await conn.close();
  });

  it('failover - a commit in flight when the link drops fails with TransactionRolledBackError', async () => {
    const [a, b] = twoBrokers();
    const conn = await new ConnectionFactory(`failover:(${a.url},${b.url})?randomize=false&initialReconnectDelay=1`).createConnection();
    const ts = conn.createSession(true, Session.SESSION_TRANSACTED);
    await (await ts.createProducer(ts.createQueue('T'))).send(ts.createTextMessage('x'));
    a.hold(CommandType.TX_COMMIT);
    const commit = ts.commit();
    await a.waitFor((c) => c.type === CommandType.TX_COMMIT);
    a.close();
    await assert.rejects(commit, (e: Error) => e instanceof TransactionRolledBackError && /in doubt due to failover/.test(e.message));
    await conn.close();
  });

  it('failover - sends wait for a broker, up to the timeout option', async () => {
    const a = fakeBroker();
    brokers.push(a);
    const conn = await new ConnectionFactory(`failover:(${a.url})?initialReconnectDelay=5&maxReconnectDelay=20&timeout=100`).createConnection();
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createQueue('Q'));
    a.close();
    await tick();
    await assert.rejects(p.send(s.createTextMessage('x')), /Failover timeout of 100 ms reached/);
    await conn.close();
  });

  it('failover - a send in flight when the link drops fails after the timeout option if no broker comes back', async () => {
    const a = fakeBroker();
    brokers.push(a);
    const conn = await new ConnectionFactory(`failover:(${a.url})?initialReconnectDelay=5&maxReconnectDelay=20&timeout=100`).createConnection();
    conn.setExceptionListener(() => undefined);
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createQueue('Q'));
    a.hold(CommandType.SEND);
    const send = p.send(s.createTextMessage('x'));
    await a.waitFor((c) => c.type === CommandType.SEND);
    a.close();
    await assert.rejects(send, /Failover timeout of 100 ms reached/);
    await conn.close();
  });

  it('failover - a send in flight is re-sent, not timed out, when a broker is back within the timeout', async () => {
    const [a, b] = twoBrokers();
    const conn = await new ConnectionFactory(`failover:(${a.url},${b.url})?randomize=false&initialReconnectDelay=1&timeout=2000`).createConnection();
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createQueue('Q'));
    a.hold(CommandType.SEND);
    const send = p.send(s.createTextMessage('x'));
    await a.waitFor((c) => c.type === CommandType.SEND);
    a.close();
    await send;
    assert.equal(b.of(CommandType.SEND).length, 1, 'the send was carried by the second broker');
    await conn.close();
  });

  it('failover - startupMaxReconnectAttempts bounds the first connection', async () => {
    const f = new ConnectionFactory('failover:(vm://nobody-here)?startupMaxReconnectAttempts=2&initialReconnectDelay=1');
    await assert.rejects(f.createConnection(), /after 2 attempt/);
  });

  it("failover - a client that knows only a slave learns the master from the slave's refusal", async () => {
    const master = fakeBroker();
    brokers.push(master);
    const slave = fakeBroker({ refuse: { code: ErrorCode.NOT_MASTER, message: 'node n1 is a slave; the master is n2', members: [master.url] } });
    brokers.push(slave);
    const conn = await new ConnectionFactory(`failover:(${slave.url})?initialReconnectDelay=1`).createConnection();
    assert.equal(master.of(CommandType.HELLO).length, 1, 'connected to the master it was told about');
    await conn.close();
    // With updateURIsSupported=false the client keeps to its own list.
    const strict = new ConnectionFactory(`failover:(${slave.url})?initialReconnectDelay=1&updateURIsSupported=false&startupMaxReconnectAttempts=3`);
    await assert.rejects(strict.createConnection(), /after 3 attempt/);
    assert.equal(master.of(CommandType.HELLO).length, 1);
  });

  it('failover - learns members from WELCOME and cluster updates', async () => {
    const a = fakeBroker();
    const b = fakeBroker();
    brokers.push(a, b);
    const conn = await new ConnectionFactory(`failover:(${a.url})?initialReconnectDelay=1`).createConnection();
    a.send({ type: CommandType.CLUSTER_UPDATE, members: [b.url] });
    await tick();
    a.close();
    await b.waitFor((c) => c.type === CommandType.HELLO);
    await conn.close();
  });
});
