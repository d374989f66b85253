// Store recovery at start: destinations with their paged-out counts, durable subscriptions with
// their backlogs. Queue messages stay in the store and page in on demand; a durable
// subscription's backlog is loaded, with one shared message object per stored topic message.
import { destinationMatches, destinationOf, isQueueKind, isWildcard, type WireMessage } from '@wharf/protocol';
import type { Broker } from './broker';
import { Entry, type SharedRef } from './entry';
import { holdEntry, restorePrepared } from './handlers/xa';

/** Rebuild the broker's destinations and subscriptions from its store; returns the highest sequence seen. */
export async function recoverBroker(b: Broker): Promise<number> {
  const state = await b.store.recover();
  b.audit.storedHighWater = state.producerSeqs;
  let maxSeq = 0;
  for (const d of state.destinations) {
    if (d.lastSeq > maxSeq) maxSeq = d.lastSeq;
    const dest = destinationOf(d.url);
    if (isQueueKind(dest.kind)) {
      const q = b.getQueue(dest, true, false)!;
      q.recoveredDeliveredMark = d.deliveredSeq;
      q.deliveredMark = d.deliveredSeq;
      if (d.count > 0) {
        q.pagedCount = d.count;
        q.pagedMaxSeq = d.lastSeq;
        q.storeCursor = d.firstSeq - 1;
        q.enqueued += 0;
        q.scheduleDispatch();
      }
    } else {
      b.getTopic(dest, true, false);
    }
  }
  const held = await restorePrepared(b, state.prepared ?? []);
  // Durable subscriptions, with their backlogs. A topic message is stored once: the shared
  // reference count is rebuilt from the subscriptions that still hold it.
  const shared = new Map<string, { ref: SharedRef; msg: WireMessage }>();
  for (const s of state.subscriptions) {
    const sub = b.attachDurable(s, false);
    sub.recoveredDeliveredMark = s.deliveredSeq;
    sub.deliveredMark = s.deliveredSeq;
    const topics = isWildcard(destinationOf(s.destination).name)
      ? [...b.topics.keys()].filter((t) => destinationMatches(destinationOf(s.destination), destinationOf(t)))
      : [s.dest];
    for (const t of topics) {
      let after = 0;
      for (;;) {
        const seqs = await b.store.loadSubscriptionRefs(t, s.key, after, 1000);
        for (const seq of seqs) {
          const k = `${t}|${seq}`;
          let item = shared.get(k);
          if (!item) {
            const msg = await b.store.getMessage(t, seq);
            if (!msg) continue;
            item = { ref: { refs: 0 }, msg };
            shared.set(k, item);
          }
          item.ref.refs++;
          const e = new Entry(seq, item.msg, sub, b.sizeOf(item.msg), true, null, item.ref);
          e.storeDest = t;
          if (seq <= s.deliveredSeq) e.redelivered = true;
          const br = held.get(`${t}\0${s.key}\0${seq}`);
          if (br) holdEntry(b, br, e);
          else sub.enqueue(e);
          if (seq > maxSeq) maxSeq = seq;
        }
        if (seqs.length < 1000) break;
        after = seqs[seqs.length - 1]!;
      }
    }
  }
  if (state.destinations.length || state.subscriptions.length) {
    b.log.info({ destinations: state.destinations.length, subscriptions: state.subscriptions.length, position: state.position }, 'recovered store');
  }
  return maxSeq;
}
