// gcInactiveDestinations: destinations with no consumers and no messages for
// inactiveTimoutBeforeGC are removed (store record too); busy ones stay.
import { strict as assert } from 'node:assert';
import { Session } from '@wharf/client';
import { checkFor } from '@wharf/testkit';
import { world, type World } from './helpers';

describe('destinations - inactive destination GC', function () {
  this.timeout(30000);
  let w: World | undefined;
  afterEach(async () => {
    await w?.ledger.closeAll();
    w = undefined;
  });

  it('destinations - gcInactiveDestinations removes queues and topics idle for inactiveTimoutBeforeGC; those with messages or consumers stay', async () => {
    w = await world({
      persistent: true,
      schedulePeriodForDestinationPurge: 50,
      destinationPolicy: [{ queue: '>', gcInactiveDestinations: true, inactiveTimoutBeforeGC: 200 }, { topic: '>', gcInactiveDestinations: true, inactiveTimoutBeforeGC: 200 }],
    });
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    // IDLE: used and emptied. FULL: holds a message. BUSY: has a consumer. T: a topic nobody listens to.
    const idle = s.createQueue('GC.IDLE');
    await (await s.createProducer(idle)).send(s.createTextMessage('x'));
    const idleConsumer = await s.createConsumer(idle);
    assert.ok(await idleConsumer.receive(5000));
    await idleConsumer.close();
    await (await s.createProducer(s.createQueue('GC.FULL'))).send(s.createTextMessage('kept'));
    await s.createConsumer(s.createQueue('GC.BUSY'));
    await (await s.createProducer(s.createTopic('GC.T'))).send(s.createTextMessage('t'));
    const b = w.broker;
    assert.ok(b.queues.has('queue://GC.IDLE') && b.topics.has('topic://GC.T'));

    await checkFor(10000, () => !b.queues.has('queue://GC.IDLE') && !b.topics.has('topic://GC.T'), 'the idle queue and topic to be removed');
    assert.ok(b.queues.has('queue://GC.FULL'), 'a queue with a message stays');
    assert.ok(b.queues.has('queue://GC.BUSY'), 'a queue with a consumer stays');
    const stored = (await b.store.recover()).destinations.map((d) => d.url);
    assert.ok(!stored.includes('queue://GC.IDLE'), 'its store record is gone too');
    assert.ok(stored.includes('queue://GC.FULL'));
  });
});
