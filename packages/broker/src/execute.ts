// Executing a route plan: the store write first, then the entries go to their sources; or, for
// queues that allow it, dispatch while the write is queued (concurrent store and dispatch).
import { OpType, type StoreOp } from '@wharf/store';
import type { Broker } from './broker';
import { Queue } from './queue';
import type { RoutePlan } from './router';

/** Commit a plan's store ops (one group-committed write), then enqueue its entries. */
export function executePlan(b: Broker, plan: RoutePlan, onFail?: () => void, extraOps?: StoreOp[]): Promise<void> | undefined {
  const ops = extraOps && extraOps.length ? [...plan.ops, ...extraOps] : plan.ops;
  if (ops.length === 0) {
    b.applyPlan(plan);
    return undefined;
  }
  if (ops === plan.ops && canDispatchConcurrently(b, plan)) {
    // Concurrent store and dispatch: the entries go to their consumers now; the producer is
    // answered when the write is on disk, or when every message was consumed before it.
    // Each message carries its own delivered mark, so it can go out before it is written.
    const withMarks: StoreOp[] = [];
    for (const op of ops) {
      withMarks.push(op);
      if (op.t === OpType.PUT_MESSAGE) withMarks.push({ t: OpType.MARK_DELIVERED, dest: op.dest, seq: op.seq });
    }
    for (let i = 0; i < plan.entries.length; i++) {
      const e = plan.entries[i]!;
      const q = plan.sources[i]!;
      e.premarked = true;
      if (e.seq > q.premarkMax) q.premarkMax = e.seq;
    }
    const write = b.store.commit(withMarks, { sync: true, dispatchable: true }).then(
      () => undefined,
      (err: Error) => {
        onFail?.();
        throw err;
      },
    );
    // Handled before the entries go out: should that throw, the caller never sees this write,
    // and its failure must not be left unhandled.
    write.catch(() => undefined);
    b.applyPlan(plan);
    return write;
  }
  const queues = plan.sources;
  for (const q of queues) if (q instanceof Queue) q.storing++;
  return b.store.commit(ops, { sync: true }).then(
    () => {
      for (const q of queues) if (q instanceof Queue) q.storing--;
      b.applyPlan(plan);
    },
    (err: Error) => {
      for (const q of queues) if (q instanceof Queue) q.storing--;
      onFail?.();
      throw err;
    },
  );
}

/**
 * A plan may be dispatched before its write (ActiveMQ's concurrentStoreAndDispatchQueues) when
 * the store can take a queued put back, and every entry is a persistent message for a queue
 * with a consumer, held in memory (not paging), with no earlier send still waiting for its
 * write (which would then be enqueued after this one: FIFO).
 */
function canDispatchConcurrently(b: Broker, plan: RoutePlan): boolean {
  if (!b.concurrentDispatch || plan.entries.length === 0 || b.memory.full) return false;
  for (let i = 0; i < plan.entries.length; i++) {
    const q = plan.sources[i];
    const e = plan.entries[i]!;
    if (!(q instanceof Queue) || !e.stored || !q.holdsInMemory(e)) return false;
  }
  return true;
}
