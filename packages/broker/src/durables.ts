// Durable topic subscriptions: attach (recovery, first subscribe), open with JMS's replace rules,
// unsubscribe, drop with the backlog's store references.
import { IllegalStateError, InvalidDestinationError, destinationMatches, destinationOf, isWildcard } from '@wharf/protocol';
import { OpType, type StoreOp, type SubscriptionRecord } from '@wharf/store';
import type { Broker } from './broker';
import type { ServerConnection } from './connection';
import type { ServerConsumer } from './consumer';
import { DurableSubscription } from './topic';

/** What a consumer-open asks of its durable subscription. */
export interface DurableOpen {
  durableName?: string;
  selector?: string;
  noLocal?: boolean;
  selectorOptions?: { convertStringExpressions?: boolean };
}

export function attachDurable(b: Broker, record: SubscriptionRecord & { dest?: string }): DurableSubscription {
  const d = destinationOf(record.destination);
  const topic = isWildcard(d.name) ? null : b.getTopic(d, true)!;
  const sub = new DurableSubscription(b, d, b.policyFor(d), record, topic?.usage);
  b.durables.set(record.key, sub);
  if (!topic) {
    b.wildcardDurables.add(sub);
    for (const t of b.topics.values()) if (destinationMatches(d, t.destination)) t.durables.add(sub);
  } else {
    topic.durables.add(sub);
  }
  return sub;
}

/** Attach a consumer to its durable subscription, creating or replacing the subscription. */
export async function openDurable(b: Broker, conn: ServerConnection, c: ServerConsumer, cmd: DurableOpen): Promise<void> {
  const key = c.durableKey!;
  const name = cmd.durableName!;
  let sub = b.durables.get(key);
  // The stored selector keeps its options in ActiveMQ's text form, so a restart compiles it alike.
  const convert = cmd.selectorOptions?.convertStringExpressions && cmd.selector && !cmd.selector.trimStart().startsWith('convert_string_expressions:');
  const selector = (convert ? `convert_string_expressions:${cmd.selector}` : cmd.selector) || undefined;
  if (sub) {
    if (sub.active && !sub.active.closed) {
      throw new IllegalStateError(`Durable consumer is in use for client: ${conn.clientId} and subscriptionName: ${name}`);
    }
    // JMS: a changed topic, selector or noLocal replaces the subscription.
    if (sub.record.destination !== c.destination.url || (sub.record.selector ?? '') !== (selector ?? '') || !!sub.record.noLocal !== !!cmd.noLocal) {
      await dropDurable(b, sub);
      sub = undefined;
    }
  }
  if (!sub) {
    const record: SubscriptionRecord = {
      key, clientId: conn.clientId!, name, destination: c.destination.url, createdAt: Date.now(),
      ...(selector ? { selector } : {}), ...(cmd.noLocal ? { noLocal: true } : {}),
    };
    if (b.durableStore) await b.store.commit([{ t: OpType.PUT_SUBSCRIPTION, dest: record.destination, sub: record }], { sync: true });
    sub = b.attachDurable(record, true);
  }
  if (c.closed) return;
  sub.addConsumer(c);
}

/** Remove a durable subscription with its backlog (Session.unsubscribe). */
export async function unsubscribe(b: Broker, clientId: string, name: string): Promise<void> {
  const key = `${clientId}:${name}`;
  const sub = b.durables.get(key);
  if (!sub) throw new InvalidDestinationError(`no durable subscription '${name}' for client ${clientId}`);
  if (sub.active) throw new IllegalStateError(`Durable consumer is in use for client: ${clientId} and subscriptionName: ${name}`);
  await dropDurable(b, sub);
}

export async function dropDurable(b: Broker, sub: DurableSubscription): Promise<void> {
  const ops: StoreOp[] = [];
  const topics = new Set<string>([sub.destination.url]);
  for (const e of sub.pending.toArray()) {
    topics.add(e.storeDest);
    if (e.shared && --e.shared.refs <= 0 && e.stored) ops.push({ t: OpType.REMOVE_MESSAGE, dest: e.storeDest, seq: e.seq });
  }
  for (const t of topics) ops.unshift({ t: OpType.REMOVE_SUBSCRIPTION, dest: t, key: sub.record.key });
  sub.close();
  b.durables.delete(sub.record.key);
  b.wildcardDurables.delete(sub);
  for (const t of b.topics.values()) t.durables.delete(sub);
  if (b.durableStore) await b.store.commit(ops, { sync: true });
}
