// Removing a destination: its consumers are closed with an error naming why, its durable
// subscriptions go with it, and the store forgets it.
import { InvalidDestinationError, destinationOf, isQueueKind, isTemporary } from '@wharf/protocol';
import { OpType, type StoreOp } from '@wharf/store';
import type { Broker } from './broker';

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
