import { strict as assert } from 'node:assert';
import { InvalidDestinationError } from '@wharf/protocol';
import { ActiveMQQueue, ActiveMQTopic, Queue, TemporaryQueue, Topic, destinationFromUrl } from '../src/destinations';

describe('destinations', () => {
  it('destinations - canonical URLs and names', () => {
    const q = new Queue('ORDERS.IN');
    assert.equal(q.toString(), 'queue://ORDERS.IN');
    assert.equal(q.getQueueName(), 'ORDERS.IN');
    assert.equal(new Topic('NEWS').toString(), 'topic://NEWS');
    assert.equal(new Queue('queue://X').getQueueName(), 'X');
    assert.throws(() => new Queue('topic://X'), InvalidDestinationError);
    assert.throws(() => new Queue('a..b'), InvalidDestinationError);
    assert.throws(() => new Queue(''), InvalidDestinationError);
  });

  it('destinations - composites stay whole (seed: new ActiveMQQueue("FOO.A,FOO.B,FOO.C"))', () => {
    const q = new ActiveMQQueue('FOO.A,FOO.B,FOO.C');
    assert.equal(q.toString(), 'queue://FOO.A,FOO.B,FOO.C');
    assert.ok(q.isComposite());
    assert.deepEqual(q.getCompositeDestinations().map(String), ['queue://FOO.A', 'queue://FOO.B', 'queue://FOO.C']);
    const mixed = new ActiveMQQueue('cd.queue,topic://cd.mark');
    assert.deepEqual(mixed.getCompositeDestinations().map(String), ['queue://cd.queue', 'topic://cd.mark']);
    assert.throws(() => new ActiveMQTopic('a,,b'), InvalidDestinationError);
    assert.throws(() => new Queue('A,b..c'), InvalidDestinationError);
  });

  it('destinations - consumer options on the name', () => {
    const q = new Queue('TEST.EXCL?consumer.exclusive=true&consumer.prefetchSize=10&consumer.priority=5');
    assert.equal(q.toString(), 'queue://TEST.EXCL');
    assert.deepEqual(q.options, { exclusive: true, prefetchSize: 10, priority: 5 });
    assert.throws(() => new Queue('Q?consumer.prefetchSize=-1'), InvalidDestinationError);
    assert.throws(() => new Queue('Q?foo=1'), /unknown destination option 'foo'/);
    assert.doesNotThrow(() => new Queue('Q?consumer.dispatchAsync=false'));
  });

  it('destinations - from wire URLs, temporary ones included', () => {
    const t = destinationFromUrl('temp-queue://ID:b-1-x-1:3');
    assert.ok(t instanceof TemporaryQueue);
    assert.ok(t.isTemporary() && t.isQueue());
    assert.equal(t.toString(), 'temp-queue://ID:b-1-x-1:3');
    assert.ok(destinationFromUrl('topic://A.B') instanceof Topic);
    assert.ok(destinationFromUrl('queue://A').equals(new Queue('A')));
  });
});
