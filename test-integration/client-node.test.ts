// The client as Node code uses it: properties beside the JMS getters, AbortSignal, `for await`
// with break, `await using`, and option objects that refuse misspelt names.
import { strict as assert } from 'node:assert';
import { AbortError, ConfigError, ConnectionFactory, Session, type Message } from '@wharf/client';
import { checkFor } from '@wharf/testkit';
import { world, type World } from './helpers';

describe('client - Node idioms', function () {
  this.timeout(20000);
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(() => w.ledger.closeAll());

  it('client - message properties beside the JMS getters', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('NODE.PROPS');
    const reply = s.createQueue('NODE.REPLY');
    const out = s.createTextMessage('hello');
    out.correlationId = 'corr-1';
    out.replyTo = reply;
    out.type = 'greeting';
    out.setStringProperty('color', 'red');
    out.setIntProperty('weight', 3);
    await (await s.createProducer(q)).send(out, { priority: 7 });
    const m = (await (await s.createConsumer(q)).receive(5000))!;
    assert.equal(m.text, 'hello');
    assert.equal(m.body, 'hello');
    assert.equal(m.correlationId, 'corr-1');
    assert.equal(m.replyTo?.toString(), reply.toString());
    assert.equal(m.type, 'greeting');
    assert.equal(m.priority, 7);
    assert.equal(m.redelivered, false);
    assert.equal(m.deliveryCount, 1);
    assert.equal(m.persistent, true);
    assert.equal(m.messageId, m.getJMSMessageID());
    assert.equal(m.destination?.toString(), q.toString());
    assert.deepEqual(m.properties, { color: 'red', weight: 3, JMSXDeliveryCount: 1 });
    assert.ok(Object.isFrozen(m.properties));
  });

  it('client - an aborted receive rejects with an AbortError and takes no message', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('NODE.ABORT');
    const consumer = await s.createConsumer(q);
    const ac = new AbortController();
    const waiting = consumer.receive({ signal: ac.signal });
    ac.abort();
    await assert.rejects(waiting, (err: Error) => err instanceof AbortError && err.name === 'AbortError' && (err as AbortError).code === 'ABORT_ERR');
    await assert.rejects(consumer.receive(1000, { signal: AbortSignal.abort() }), { name: 'AbortError' });
    // The consumer still works after an abort, and the message was not taken by the aborted wait.
    await (await s.createProducer(q)).send(s.createTextMessage('after'));
    assert.equal((await consumer.receive(5000))?.text, 'after');
  });

  it('client - aborting iteration ends the loop with an AbortError and closes the consumer', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const consumer = await s.createConsumer(s.createQueue('NODE.ITER.ABORT'));
    const ac = new AbortController();
    const seen: Message[] = [];
    const loop = (async () => {
      for await (const m of consumer.messages({ signal: ac.signal })) seen.push(m);
    })();
    ac.abort(new Error('shutting down'));
    await assert.rejects(loop, (err: AbortError) => err.name === 'AbortError' && (err.cause as Error).message === 'shutting down');
    assert.equal(consumer.isClosed(), true);
    assert.equal(seen.length, 0);
  });

  it('client - break out of for await closes the consumer and releases its prefetched messages', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('NODE.BREAK');
    const p = await s.createProducer(q);
    for (let i = 0; i < 20; i++) await p.send(s.createTextMessage(`m${i}`));
    const first = await s.createConsumer(q);
    const queue = w.broker.queues.get('queue://NODE.BREAK')!;
    // All 20 are prefetched by the first consumer before it takes one.
    await checkFor(5000, () => queue.inflightCount === 20, 'the first consumer prefetched all 20');
    let got: string | null = null;
    for await (const m of first) {
      got = m.text;
      break;
    }
    assert.equal(got, 'm0');
    assert.equal(first.isClosed(), true);
    const second = await s.createConsumer(q);
    const rest: string[] = [];
    for (let i = 0; i < 19; i++) rest.push((await second.receive(5000))?.text ?? 'none');
    assert.deepEqual(rest, Array.from({ length: 19 }, (_, i) => `m${i + 1}`));
  });

  it('client - await using closes consumers, sessions and connections', async () => {
    const f = new ConnectionFactory(w.url);
    let conn: Awaited<ReturnType<ConnectionFactory['createConnection']>>;
    let sess: Session;
    {
      await using c = await f.createConnection();
      conn = c;
      await c.start();
      await using s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      sess = s;
      {
        await using consumer = await s.createConsumer(s.createQueue('NODE.USING'));
        assert.equal(w.broker.queues.get('queue://NODE.USING')?.consumers.length, 1);
        void consumer;
      }
      assert.equal(w.broker.queues.get('queue://NODE.USING')?.consumers.length, 0);
    }
    assert.equal(sess.isClosed(), true);
    assert.equal(conn.isClosed(), true);
    await checkFor(5000, () => w.broker.connections.size === 0, 'the broker saw the connection close');
  });

  it('client - unknown option names are refused, naming the closest valid one', async () => {
    assert.throws(() => new ConnectionFactory(w.url, { clientId: 'x' } as never), (err: ConfigError) =>
      err instanceof ConfigError && /unknown ConnectionFactory option 'clientId' — did you mean 'clientID'\?/.test(err.message));
    assert.throws(() => new ConnectionFactory(w.url, { prefetchPolicy: { queuePrefech: 1 } } as never), /unknown prefetchPolicy option 'queuePrefech' — did you mean 'queuePrefetch'\?/);
    assert.throws(() => new ConnectionFactory(w.url, { redeliveryPolicy: { maximumRedelivery: 1 } } as never), /unknown redeliveryPolicy option 'maximumRedelivery' — did you mean 'maximumRedeliveries'\?/);
    assert.throws(() => new ConnectionFactory(`${w.url}?jms.useAsyncSnd=true`), /jms\.useAsyncSnd \(did you mean 'jms\.useAsyncSend'\?\)/);
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const consumer = await s.createConsumer(s.createQueue('NODE.OPTS'));
    assert.throws(() => consumer.receive({ timeout: 10, signl: AbortSignal.abort() } as never), /unknown receive option 'signl' — did you mean 'signal'\?/);
  });
});
