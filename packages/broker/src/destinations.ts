// Making and removing destinations. A new queue takes the wildcard queue consumers that match
// it; a new topic, the wildcard durable subscriptions. A removed destination's consumers are
// closed with an error naming why, its durable subscriptions go with it, and the store forgets it.
import { InvalidDestinationError, destinationMatches, destinationOf, isQueueKind, isTemporary, type Destination } from '@wharf/protocol';
import { OpType, type StoreOp } from '@wharf/store';
import type { Broker } from './broker';
import { destinationUsage } from './source';
import { Queue } from './queue';
import { Topic } from './topic';

export function createQueue(b: Broker, d: Destination, persist: boolean): Queue {
  const q = new Queue(b, d, b.policyFor(d));
  b.queues.set(d.url, q);
  for (const c of b.wildcardQueueConsumers) if (destinationMatches(c.destination, d)) q.addConsumer(c);
  if (persist && !isTemporary(d.kind)) storeDestination(b, d);
  // Recovery creates every stored queue: nobody listens to advisories then, and the router
  // has nothing cached.
  if (!b.recovering) {
    b.advisories.destinationCreated(d);
    b.emit('destination', d.url);
  }
  return q;
}

export function createTopic(b: Broker, d: Destination, persist: boolean): Topic {
  const t = new Topic(d, destinationUsage(b, b.policyFor(d)));
  b.topics.set(d.url, t);
  const advisory = d.name.startsWith('ActiveMQ.Advisory.');
  if (persist && !isTemporary(d.kind) && !advisory) storeDestination(b, d);
  for (const sub of b.wildcardDurables) {
    if (destinationMatches(sub.destination, d)) t.durables.add(sub);
  }
  if (!advisory) b.advisories.destinationCreated(d);
  return t;
}

function storeDestination(b: Broker, d: Destination): void {
  if (!b.durableStore) return;
  void b.store.commit([{ t: OpType.PUT_DESTINATION, dest: { url: d.url, createdAt: Date.now() } }], { sync: false }).catch((err: Error) => b.onStoreFailure(err));
}

/** Remove a destination with its messages (console delete, temp destination end). */
export async function removeDestination(b: Broker, url: string): Promise<boolean> {
  const d = destinationOf(url);
  const ops: StoreOp[] = [];
  if (isQueueKind(d.kind)) {
    const q = b.queues.get(url);
    if (!q) return false;
    for (const c of [...q.consumers]) c.conn.closeConsumerFromBroker(c, new InvalidDestinationError(`destination ${url} was removed`));
    q.close();
    b.queues.delete(url);
  } else {
    const t = b.topics.get(url);
    if (!t) return false;
    for (const s of [...t.subs]) s.consumer.conn.closeConsumerFromBroker(s.consumer, new InvalidDestinationError(`destination ${url} was removed`));
    for (const s of [...t.durables]) {
      if (s.active) s.active.conn.closeConsumerFromBroker(s.active, new InvalidDestinationError(`destination ${url} was removed`));
      if (s.destination.url === url) {
        s.close();
        b.durables.delete(s.record.key);
      }
    }
    b.topics.delete(url);
  }
  if (b.durableStore && !isTemporary(d.kind)) {
    ops.push({ t: OpType.REMOVE_DESTINATION, url });
    await b.store.commit(ops, { sync: true });
  }
  return true;
}
