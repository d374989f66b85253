// Consumers on a server connection: open (queue, topic, durable, wildcard, browser, network),
// browse, pull (prefetch 0), close (what a consumer holds comes back marked redelivered).
import {
  CommandType, IllegalStateError, InvalidDestinationError, JMSError, MessageFormatError, destinationMatches,
  isQueueKind, isTemporary, isWildcard, parseDestination, type ConsumerOpen,
} from '@wharf/protocol';
import type { ServerConnection } from '../connection';
import { ServerConsumer } from '../consumer';
import { networkSelector } from '../filter';
import { TopicSubscription } from '../topic';
import { groupBySource } from './transactions';
import { heldByPrepared } from './xa';
import type { Entry } from '../entry';

/** Most messages one browse returns (ActiveMQ's maxBrowsePageSize is 400; we allow more). */
const BROWSE_LIMIT = 10000;

export function onConsumerOpen(conn: ServerConnection, cmd: ConsumerOpen): void {
  const b = conn.broker;
  if (conn.consumers.has(cmd.consumerId)) throw new JMSError(`consumer ${cmd.consumerId} already exists`);
  const session = conn.sessions.get(cmd.sessionId);
  if (!session) throw new IllegalStateError(`session ${cmd.sessionId} is not open`);
  const d = parseDestination(cmd.destination);
  const selector = cmd.selector ? b.compileSelector(cmd.selector, cmd.selectorOptions?.convertStringExpressions) : null;
  const policy = b.policyFor(d);
  const isQ = isQueueKind(d.kind);
  let prefetch = cmd.prefetch;
  if (typeof prefetch !== 'number' || prefetch < 0) {
    prefetch = isQ ? policy.queuePrefetch : cmd.durableName ? policy.durableTopicPrefetch : policy.topicPrefetch;
  }
  if (isTemporary(d.kind)) {
    const owner = isQ ? b.queues.get(d.url)?.owner : b.topics.get(d.url)?.owner;
    if (owner === undefined) throw new InvalidDestinationError(`temporary destination ${d.url} does not exist`);
    if (owner !== conn.id) throw new InvalidDestinationError(`Cannot subscribe to a temporary destination of another connection: ${d.url}`);
  }
  b.security.authorizeConsumer(conn, d);
  const durableKey = cmd.durableName ? durableKeyOf(conn, cmd.durableName, isQ) : null;
  const network = cmd.network === undefined ? null : checkNetwork(cmd.network);
  const c = new ServerConsumer(conn, cmd.consumerId, cmd.sessionId, d, network ? networkSelector(network.target, network.ttl, selector) : selector,
    prefetch, session.ackMode, cmd.noLocal === true, cmd.exclusive === true, cmd.priority ?? 0, cmd.redelivery ?? null, durableKey);
  if (network) c.networkPath = network.path;

  if (cmd.browser) {
    if (!isQ) throw new InvalidDestinationError('a browser needs a queue');
    conn.consumers.set(c.id, c);
    conn.receipt(cmd.corr, { prefetch, redelivery: policy.redelivery });
    // A store failure is answered inside; what else fails ends this connection, with its cause logged.
    browse(conn, c).catch((err: Error) => conn.sendError(err, undefined, true));
    return;
  }
  if (durableKey) {
    // The id is taken now, while the subscription is written: another open with the same id
    // is refused, and a close of the connection meanwhile closes this consumer too (else it
    // would attach afterwards and hold the subscription active for ever).
    conn.consumers.set(c.id, c);
    b.openDurable(conn, c, cmd).then(() => {
      if (c.closed) return;
      conn.receipt(cmd.corr, { prefetch, redelivery: policy.redelivery });
      b.advisories.consumersChanged(d, 1, c, 'added');
    }, (err) => {
      if (conn.consumers.get(c.id) === c) conn.consumers.delete(c.id);
      c.closed = true;
      conn.sendError(err, cmd.corr);
    });
    return;
  }
  conn.consumers.set(c.id, c);
  if (isQ) {
    if (isWildcard(d.name)) {
      b.wildcardQueueConsumers.add(c);
      for (const q of b.queues.values()) if (destinationMatches(d, q.destination)) q.addConsumer(c);
    } else {
      b.getQueue(d, true)!.addConsumer(c);
    }
  } else {
    const topic = isWildcard(d.name) ? null : b.getTopic(d, true)!;
    const sub = new TopicSubscription(b, d, policy, c, topic?.usage);
    if (topic) topic.subs.add(sub);
    else b.wildcardTopicSubs.add(sub);
    sub.addConsumer(c);
    b.advisories.consumersChanged(d, b.topics.get(d.url)?.consumerCount ?? 1, c, 'added');
    b.advisories.replayConsumers(sub);
  }
  conn.receipt(cmd.corr, { prefetch, redelivery: policy.redelivery });
}

function durableKeyOf(conn: ServerConnection, name: string, isQueue: boolean): string {
  if (isQueue) throw new InvalidDestinationError('a durable subscription needs a topic, not a queue');
  if (!conn.clientId) throw new IllegalStateError('You cannot create a durable subscriber without specifying a unique clientID on a Connection');
  return `${conn.clientId}:${name}`;
}

async function browse(conn: ServerConnection, c: ServerConsumer): Promise<void> {
  const q = conn.broker.getQueue(c.destination, true)!;
  try {
    const entries = await q.browse(BROWSE_LIMIT);
    let sent = 0;
    for (const e of entries) {
      if (c.closed) return;
      if (e.msg.expiration > 0 && e.msg.expiration <= Date.now()) continue;
      if (c.selector && !c.selector.matches(conn.broker.filterableFor(e))) continue;
      conn.write({ type: CommandType.DISPATCH, consumerId: c.id, deliveryId: 0, message: e.msg, redelivered: e.redelivered || undefined, deliveryCount: e.deliveryCount });
      if (++sent >= BROWSE_LIMIT) break;
    }
  } catch (err) {
    conn.sendError(err);
  }
  if (!c.closed) conn.write({ type: CommandType.DISPATCH, consumerId: c.id, deliveryId: 0, message: null });
}

/** Close a consumer: what it still holds comes back marked redelivered. */
export function closeConsumer(conn: ServerConnection, c: ServerConsumer): void {
  if (c.closed) return;
  c.closed = true;
  conn.consumers.delete(c.id);
  if (c.pullTimer) clearTimeout(c.pullTimer);
  const b = conn.broker;
  const held = [...c.inflight.values()];
  const bySource = groupBySource(held);
  for (const [src, entries] of bySource) {
    const back: Entry[] = [];
    for (const e of entries) {
      // Acknowledged by a prepared XA branch: reserved for its outcome, not redelivered.
      if (heldByPrepared(b, e)) {
        src.detachInflight(e);
        src.reserved++;
      } else {
        e.txId = null;
        back.push(e);
      }
    }
    src.redeliver(back);
  }
  for (const s of [...c.sources]) {
    s.removeConsumer(c);
    if (s instanceof TopicSubscription) {
      s.close();
      b.topics.get(s.destination.url)?.subs.delete(s);
      b.wildcardTopicSubs.delete(s);
      b.advisories.consumersChanged(s.destination, b.topics.get(s.destination.url)?.consumerCount ?? 0, c, 'removed');
    } else if (c.durableKey) {
      b.advisories.consumersChanged(s.destination, 0, c, 'removed');
    }
  }
  b.wildcardQueueConsumers.delete(c);
}

export function onPull(conn: ServerConnection, consumerId: number, timeout: number): void {
  const c = conn.consumers.get(consumerId);
  if (!c) throw new JMSError(`unknown consumer ${consumerId}`);
  if (c.prefetch !== 0) return; // prefetching consumers need no pulls
  c.pullCredit = 1;
  for (const s of c.sources) {
    s.dispatch();
    if (c.pullCredit === 0) return;
  }
  if (timeout === 0) {
    c.pullCredit = 0;
    conn.write({ type: CommandType.DISPATCH, consumerId, deliveryId: 0, message: null });
  } else if (timeout > 0) {
    if (c.pullTimer) clearTimeout(c.pullTimer);
    c.pullTimer = setTimeout(() => {
      c.pullTimer = null;
      if (c.pullCredit > 0 && !c.closed) {
        c.pullCredit = 0;
        conn.write({ type: CommandType.DISPATCH, consumerId, deliveryId: 0, message: null });
      }
    }, timeout);
  }
}

/** A consumer's prefetch changes (ConsumerPrefetch): from 0 it stops pulling and is dispatched to. */
export function onConsumerPrefetch(conn: ServerConnection, consumerId: number, prefetch: number): void {
  const c = conn.consumers.get(consumerId);
  if (!c) throw new JMSError(`unknown consumer ${consumerId}`);
  c.prefetch = prefetch;
  if (prefetch > 0) {
    c.pullCredit = 0;
    if (c.pullTimer) clearTimeout(c.pullTimer);
    c.pullTimer = null;
  }
  for (const s of c.sources) s.dispatch();
}

/** ConsumerOpen.network, checked (a malformed one is the client's fault, named). */
function checkNetwork(n: unknown): { target: string; ttl: number; path: string[] } {
  const o = n as { target?: unknown; ttl?: unknown; path?: unknown } | null;
  if (typeof o !== 'object' || o === null || typeof o.target !== 'string' || o.target === '' || !Number.isInteger(o.ttl) || (o.ttl as number) < 1 ||
    !Array.isArray(o.path) || !o.path.every((x) => typeof x === 'string')) {
    throw new MessageFormatError('consumer network must be {target: broker name, ttl: integer >= 1, path: [broker names]}');
  }
  return { target: o.target, ttl: o.ttl as number, path: [...(o.path as string[])] };
}
