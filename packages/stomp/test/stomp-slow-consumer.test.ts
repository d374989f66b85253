// Slow STOMP subscribers under ActiveMQ's abortSlowConsumerStrategy: a subscriber that takes
// its prefetch window and never acknowledges is aborted. Wharf tells it with an ERROR frame
// (ActiveMQ 5.17 sends a STOMP client nothing: its subscription just stops, see
// docs/ACTIVEMQ-DIFFERENCES.md); with abortConnection the connection closes.
import { strict as assert } from 'node:assert';
import type { Broker, SlowConsumerStrategyConfig } from '@wharf/broker';
import { RawStomp, portOf, startBroker, waitFor } from './stomp-harness.test';

describe('stomp slow consumers', function () {
  this.timeout(30000);
  let b: Broker | null = null;
  const clients: RawStomp[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await b?.stop();
    b = null;
  });

  async function open(): Promise<RawStomp> {
    const { c } = await RawStomp.open(portOf(b!, 'stomp'));
    clients.push(c);
    return c;
  }

  /** A subscriber with prefetch 2 that never acknowledges, and 10 messages sent to its topic. */
  async function slowSubscriber(strategy: SlowConsumerStrategyConfig): Promise<RawStomp> {
    b = await startBroker({ destinationPolicy: [{ topic: '>', slowConsumerStrategy: strategy }] });
    const slow = await open();
    await slow.request('SUBSCRIBE', { id: 's1', destination: '/topic/prices', ack: 'client', 'activemq.prefetchSize': '2' });
    const producer = await open();
    for (let i = 0; i < 10; i++) producer.send('SEND', { destination: '/topic/prices' }, `p${i}`);
    await producer.request('SEND', { destination: '/queue/sync' }, 'x');
    for (let i = 0; i < 2; i++) assert.equal((await slow.next()).body.toString(), `p${i}`, 'its window: two messages');
    return slow;
  }

  it('stomp slow consumer - a subscriber that never acknowledges gets an ERROR naming the abort; the connection stays usable', async () => {
    const slow = await slowSubscriber({ type: 'abortSlowConsumer', maxSlowDuration: 200, checkPeriod: 50 });
    await slow.expectErrorAndCarryOn(/slow consumer aborted: slow too often \(>-1\) or too long \(>200 ms\)/);
    assert.equal(b!.topics.get('topic://prices')!.subs.size, 0, 'the subscription is gone on the broker');
    await slow.request('SUBSCRIBE', { id: 's2', destination: '/queue/after', ack: 'auto' });
    await slow.request('SEND', { destination: '/queue/after' }, 'still here');
    assert.equal((await slow.next()).body.toString(), 'still here');
  });

  it('stomp slow consumer - abortConnection: an ERROR, then the connection closes', async () => {
    const slow = await slowSubscriber({ type: 'abortSlowConsumer', maxSlowDuration: 200, checkPeriod: 50, abortConnection: true });
    await slow.expectErrorAndClose(/connection aborted: 1 consumer\(s\) slow/);
    await waitFor(() => b!.topics.get('topic://prices')!.subs.size === 0, 'the subscription is gone');
  });
});
