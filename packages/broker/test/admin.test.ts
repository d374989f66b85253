// The broker's admin operations (broker.admin), in process: browse with paging and a selector,
// one message copied, moved or deleted, a dead letter queue moved back to where its messages
// came from, purge, closing a connection, stopping and resuming service, announcing members.
import { strict as assert } from 'node:assert';
import { AckType, CommandType, PROTOCOL_VERSION, type Command } from '@wharf/protocol';
import type { Broker } from '../src';
import { CoreClient, coreBroker, textMessage } from './core-client';

describe('broker admin', () => {
  let b: Broker;
  beforeEach(async () => {
    b = await coreBroker();
  });
  afterEach(async () => {
    await b.stop();
  });

  async function fill(queue: string, n: number): Promise<void> {
    const c = new CoreClient(b, 'filler');
    await c.open();
    for (let i = 1; i <= n; i++) await c.send(queue, `m${i}`, { properties: { n: i } });
  }

  const bodies = (views: Array<{ message: { body: unknown } }>): string[] => views.map((v) => String(v.message.body));

  it('admin - browse pages through a queue in order, and a selector picks before paging', async () => {
    await fill('queue://ADM.BROWSE', 10);
    assert.deepEqual(bodies(await b.admin.browse('queue://ADM.BROWSE', { limit: 3 })), ['m1', 'm2', 'm3']);
    assert.deepEqual(bodies(await b.admin.browse('queue://ADM.BROWSE', { offset: 3, limit: 3 })), ['m4', 'm5', 'm6']);
    assert.deepEqual(bodies(await b.admin.browse('queue://ADM.BROWSE', { selector: 'n > 5', offset: 1, limit: 2 })), ['m7', 'm8']);
    await assert.rejects(b.admin.browse('queue://ADM.NONE'), /does not exist/);
    assert.equal(b.admin.queues().find((q) => q.url === 'queue://ADM.BROWSE')?.depth, 10, 'browsing takes nothing');
  });

  it('admin - one message is copied, moved or deleted by id; the others stay in order', async () => {
    await fill('queue://ADM.ONE', 4);
    const ids = (await b.admin.browse('queue://ADM.ONE')).map((v) => v.message.messageId);
    assert.equal(await b.admin.copyMessage('queue://ADM.ONE', ids[0]!, 'queue://ADM.COPY'), true);
    assert.equal(await b.admin.moveMessage('queue://ADM.ONE', ids[1]!, 'queue://ADM.MOVED'), true);
    assert.equal(await b.admin.deleteMessage('queue://ADM.ONE', ids[2]!), true);
    assert.equal(await b.admin.deleteMessage('queue://ADM.ONE', 'ID:no-such-message'), false);
    assert.deepEqual(bodies(await b.admin.browse('queue://ADM.ONE')), ['m1', 'm4']);
    assert.deepEqual(bodies(await b.admin.browse('queue://ADM.COPY')), ['m1']);
    assert.deepEqual(bodies(await b.admin.browse('queue://ADM.MOVED')), ['m2']);
    // A consumer of the target gets the moved message like any other.
    const c = new CoreClient(b);
    await c.open();
    c.session(1);
    await c.consume(1, 1, 'queue://ADM.MOVED', 10);
    assert.deepEqual(c.bodies(1), ['m2']);
  });

  it('admin - a dead letter queue goes back to the original destinations, without the dead letter properties', async () => {
    const c = new CoreClient(b);
    await c.open();
    c.session(1);
    await c.send('queue://ADM.ORDERS', 'poison');
    await c.consume(1, 1, 'queue://ADM.ORDERS', 10);
    const d = c.deliveries(1)[0]!;
    await c.ack(1, [d.deliveryId], AckType.POISON, { cause: 'listener threw' });
    const dlq = await b.admin.browse('queue://ActiveMQ.DLQ');
    assert.deepEqual(bodies(dlq), ['poison']);
    assert.equal(dlq[0]!.message.properties.dlqDeliveryFailureCause, 'listener threw');
    // A message without an original destination stays in the DLQ.
    await c.send('queue://ActiveMQ.DLQ', 'sent here directly');
    assert.equal(await b.admin.moveMessages('queue://ActiveMQ.DLQ'), 1);
    assert.deepEqual(bodies(await b.admin.browse('queue://ActiveMQ.DLQ')), ['sent here directly']);
    const back = await b.admin.browse('queue://ADM.ORDERS');
    assert.deepEqual(bodies(back), ['poison']);
    assert.equal(back[0]!.message.properties.dlqDeliveryFailureCause, undefined);
    assert.equal(back[0]!.message.originalDestination, undefined);
  });

  it('admin - purge empties a queue; delete destination removes it and closes its consumers', async () => {
    await fill('queue://ADM.PURGE', 5);
    assert.equal(await b.admin.purge('queue://ADM.PURGE'), 5);
    assert.equal(b.admin.queues().find((q) => q.url === 'queue://ADM.PURGE')?.depth, 0);
    const c = new CoreClient(b);
    await c.open();
    c.session(1);
    await c.consume(1, 1, 'queue://ADM.PURGE', 10);
    assert.equal(await b.admin.deleteDestination('queue://ADM.PURGE'), true);
    assert.equal(b.admin.hasQueue('queue://ADM.PURGE'), false);
    assert.match(c.errors[0]?.message ?? '', /consumer 1 closed: destination queue:\/\/ADM.PURGE was removed/);
  });

  it('admin - a closed connection is told why; a broker not serving refuses HELLO with the reason, then serves again', async () => {
    const c = new CoreClient(b);
    await c.open();
    const id = b.admin.connections()[0]!.id;
    assert.equal(b.admin.closeConnection(id, 'maintenance'), true);
    assert.equal(c.closedByBroker, true);
    assert.match(c.errors[0]?.message ?? '', /maintenance/);
    assert.equal(b.admin.closeConnection(id), false);

    b.admin.stopServing('this node is a slave');
    assert.equal(b.admin.info().serving, false);
    const refused = new CoreClient(b);
    await assert.rejects(refused.open(), /this node is a slave/);
    b.admin.resumeServing();
    const ok = new CoreClient(b);
    await ok.open();
    assert.equal(b.admin.info().notServingReason, '');
  });

  it('admin - announced members reach connected clients of every protocol at once and later native ones in WELCOME', async () => {
    const got: Command[] = [];
    const conn = b.openConnection({ remoteAddress: 'native', send: (cmd) => got.push(cmd), close: () => undefined }, 'native');
    conn.handle({ type: CommandType.HELLO, corr: 1, version: PROTOCOL_VERSION, heartbeat: 0 });
    const other = new CoreClient(b);
    await other.open();
    b.admin.announceMembers(['tcp://a:61616', 'tcp://b:61616']);
    assert.deepEqual(got.filter((c) => c.type === CommandType.CLUSTER_UPDATE), [{ type: CommandType.CLUSTER_UPDATE, members: ['tcp://a:61616', 'tcp://b:61616'] }]);
    // Other protocols turn it into theirs (OpenWire's ConnectionControl) or ignore it.
    assert.equal(other.received.filter((c) => c.type === CommandType.CLUSTER_UPDATE).length, 1, 'every protocol gets CLUSTER_UPDATE');
    const later: Command[] = [];
    const conn2 = b.openConnection({ remoteAddress: 'native', send: (cmd) => later.push(cmd), close: () => undefined }, 'native');
    conn2.handle({ type: CommandType.HELLO, corr: 1, version: PROTOCOL_VERSION, heartbeat: 0 });
    const welcome = later.find((c) => c.type === CommandType.WELCOME) as { members?: string[] } | undefined;
    assert.deepEqual(welcome?.members, ['tcp://a:61616', 'tcp://b:61616']);
  });

  it('admin - send routes a message as a client would; a repeated producer sequence is dropped', async () => {
    const m = textMessage('queue://ADM.SEND', 'once', { producerId: 'console-x', producerSeq: 1 });
    await b.admin.send(m);
    await b.admin.send({ ...m });
    assert.deepEqual(bodies(await b.admin.browse('queue://ADM.SEND')), ['once']);
  });
});
