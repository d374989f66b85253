// Routing of one send: which sources get an entry, and which store ops make it durable.
// Composite destinations, virtual topics and mirrored queues are routing rules, all here
// (docs/ACTIVEMQ-BEHAVIOUR.md: virtual topics, composite and mirrored destinations; CompositeDestinationBroker, VirtualTopicInterceptor, MirroredQueue).
import {
  DeliveryMode, InvalidDestinationError, isComposite, isQueueKind, isTemporary, isWildcard, parseComposite,
  parseDestination, destinationOf, wildcardMatches, copyMessage, type Destination, type WireMessage,
} from '@wharf/protocol';
import { OpType, type StoreOp } from '@wharf/store';
import { Entry, type SharedRef } from './entry';
import type { MessageSource } from './source';
import type { Broker } from './broker';
import type { ServerConnection } from './connection';
import type { DurableSubscription } from './topic';
import type { Queue } from './queue';
import type { VirtualTopicConfig } from './config';
import { filterable } from './filter';
import { expiryCause } from './dead-letter';

/** ActiveMQ's VirtualTopic defaults (BrokerService.createDefaultDestinationInterceptor). */
export const VIRTUAL_TOPIC_DEFAULTS = { name: 'VirtualTopic.>', prefix: 'Consumer.*.', postfix: '' } as const;
/** MirroredQueue defaults. */
export const MIRRORED_QUEUE_DEFAULTS = { prefix: 'VirtualTopic.Mirror.', postfix: '' } as const;

export interface RoutePlan {
  ops: StoreOp[];
  sources: MessageSource[];
  entries: Entry[];
  /** Run after the entries are enqueued (statistics, advisories). */
  after: Array<() => void>;
}

export function emptyPlan(): RoutePlan {
  return { ops: [], sources: [], entries: [], after: [] };
}

export class Router {
  /** Consumer queues of each (virtual topic rule, topic name), rebuilt when queues come and go. */
  private readonly consumerQueues = new Map<string, Queue[]>();

  constructor(private readonly broker: Broker) {
    broker.on('destination', () => this.consumerQueues.clear());
  }

  merge(plans: RoutePlan[]): RoutePlan {
    if (plans.length === 1) return plans[0]!;
    const out = emptyPlan();
    for (const p of plans) {
      out.ops.push(...p.ops);
      out.sources.push(...p.sources);
      out.entries.push(...p.entries);
      out.after.push(...p.after);
    }
    return out;
  }

  /** Plan the routing of `msg`; throws InvalidDestinationError for a bad destination. */
  plan(msg: WireMessage, origin: ServerConnection | null, plan: RoutePlan = emptyPlan()): RoutePlan {
    const b = this.broker;
    for (const ic of b.interceptors) if (ic.intercept(msg, plan)) return plan;
    if (isComposite(msg.destination)) {
      // CompositeDestinationBroker: one copy per element, each remembering the composite.
      const kind = msg.destination.startsWith('topic://') ? 'topic' : 'queue';
      for (const d of parseComposite(msg.destination, kind)) {
        this.planOne({ ...msg, destination: d.url, originalDestination: msg.destination }, d, origin, plan);
      }
      return plan;
    }
    const d = destinationOf(msg.destination);
    this.planOne(msg, d, origin, plan);
    return plan;
  }

  private planOne(msg: WireMessage, d: Destination, origin: ServerConnection | null, plan: RoutePlan): void {
    if (msg.destination !== d.url) msg = { ...msg, destination: d.url };
    if (isWildcard(d.name)) {
      throw new InvalidDestinationError(`cannot send to wildcard destination ${d.url}`);
    }
    if (msg.expiration > 0 && msg.expiration <= Date.now()) {
      // Expired before arrival: the dead letter strategy decides (ActiveMQ checks on arrival), so
      // by default a persistent queue message goes to the DLQ and a non-persistent one is dropped.
      plan.after.push(() => {
        const b = this.broker;
        b.advisories.expired(d, msg);
        if (!isQueueKind(d.kind) || isTemporary(d.kind)) return;
        const q = b.getQueue(d, true);
        if (q) b.sendToDeadLetter(q, [new Entry(0, msg, q, 0, false, origin?.id ?? null)], expiryCause(msg), true);
      });
      return;
    }
    if (isQueueKind(d.kind)) this.planQueue(msg, d, origin, plan);
    else this.planTopic(msg, d, origin, plan);
  }

  private planQueue(msg: WireMessage, d: Destination, origin: ServerConnection | null, plan: RoutePlan): void {
    const b = this.broker;
    if (isTemporary(d.kind) && !b.queues.has(d.url)) {
      throw new InvalidDestinationError(`Cannot publish to a deleted Destination: ${d.url}`);
    }
    const q = b.getQueue(d, true)!;
    const seq = b.nextSeq();
    const stored = b.durableStore && msg.deliveryMode === DeliveryMode.PERSISTENT && !isTemporary(d.kind);
    if (stored) plan.ops.push({ t: OpType.PUT_MESSAGE, dest: d.url, seq, msg });
    plan.sources.push(q);
    plan.entries.push(new Entry(seq, msg, q, b.sizeOf(msg), stored, origin?.id ?? null));
    // MirroredQueue: every queue message is also published on the queue's mirror topic (temporary
    // queues too: BrokerService.useTempMirroredQueues defaults to true). Messages are never
    // changed after routing, so `copyMessage=false` needs no separate path here.
    const cfg = b.config;
    if (cfg.useMirroredQueues) {
      const m = cfg.mirroredQueue;
      const mirror = parseDestination(`topic://${m.prefix ?? MIRRORED_QUEUE_DEFAULTS.prefix}${d.name}${m.postfix ?? MIRRORED_QUEUE_DEFAULTS.postfix}`);
      this.planTopic(copyMessage(msg, mirror.url), mirror, origin, plan);
    }
  }

  private planTopic(msg: WireMessage, d: Destination, origin: ServerConnection | null, plan: RoutePlan): void {
    const b = this.broker;
    if (isTemporary(d.kind) && !b.topics.has(d.url)) {
      throw new InvalidDestinationError(`Cannot publish to a deleted Destination: ${d.url}`);
    }
    const t = b.getTopic(d, true)!;
    const seq = b.nextSeq();
    const originId = origin?.id ?? null;
    const size = b.sizeOf(msg);
    // Non-durable subscribers: exact and wildcard.
    for (const s of t.subs) this.offer(s, s.consumer.selector, s.consumer.noLocal, msg, seq, size, originId, null, plan);
    for (const s of b.wildcardTopicSubs) {
      if (s.closed || !wildcardMatches(s.destination.name, d.name) || s.destination.kind !== d.kind) continue;
      this.offer(s, s.consumer.selector, s.consumer.noLocal, msg, seq, size, originId, null, plan);
    }
    // Durable subscribers present now keep the message, active or not.
    const persistent = msg.deliveryMode === DeliveryMode.PERSISTENT && b.durableStore;
    let durable: DurableSubscription[] | null = null;
    for (const s of t.durables) {
      if (s.closed) continue;
      const sel = s.record.selector ? b.compileSelector(s.record.selector) : null;
      if (sel && !sel.matches(filterable(msg))) continue;
      if (s.record.noLocal && s.active && s.active.conn.id === originId) continue;
      (durable ??= []).push(s);
    }
    if (durable) {
      const shared: SharedRef | null = persistent ? { refs: durable.length } : null;
      if (persistent) plan.ops.push({ t: OpType.PUT_MESSAGE, dest: d.url, seq, msg, subs: durable.map((s) => s.record.key) });
      for (const s of durable) {
        const e = new Entry(seq, msg, s, size, persistent, originId, shared);
        plan.sources.push(s);
        plan.entries.push(e);
      }
    }
    plan.after.push(() => {
      t.enqueued++;
    });
    // Virtual topics: every consumer queue Consumer.<group>.VirtualTopic.X gets a copy.
    if (b.config.useVirtualTopics && !isTemporary(d.kind) && !d.name.startsWith('ActiveMQ.Advisory.')) {
      const rules = b.config.virtualTopics;
      for (let i = 0; i < rules.length; i++) {
        const vt = rules[i]!;
        if (!wildcardMatches(vt.name ?? VIRTUAL_TOPIC_DEFAULTS.name, d.name)) continue;
        for (const q of this.consumerQueuesFor(i, vt, d.name)) {
          if (q.closed) continue;
          // selectorAware: only queues with a consumer that wants this message get it
          // (SelectorAwareVirtualTopicInterceptor.shouldDispatch).
          if (vt.selectorAware && !q.consumers.some((c) => !c.closed && (!c.selector || c.selector.matches(filterable(msg))))) continue;
          this.planQueue(copyMessage(msg, q.destination.url), q.destination, origin, plan);
        }
      }
    }
  }

  /**
   * The existing queues `prefix + topic + postfix` matches as a wildcard
   * (VirtualTopic.getQueueConsumersWildcard), e.g. `Consumer.*.VirtualTopic.Orders`.
   */
  private consumerQueuesFor(rule: number, vt: VirtualTopicConfig, topic: string): Queue[] {
    const key = `${rule}|${topic}`;
    let list = this.consumerQueues.get(key);
    if (!list) {
      const pattern = `${vt.prefix ?? VIRTUAL_TOPIC_DEFAULTS.prefix}${topic}${vt.postfix ?? VIRTUAL_TOPIC_DEFAULTS.postfix}`;
      list = [];
      for (const q of this.broker.queues.values()) {
        if (!isTemporary(q.destination.kind) && wildcardMatches(pattern, q.destination.name)) list.push(q);
      }
      if (this.consumerQueues.size > 10000) this.consumerQueues.clear();
      this.consumerQueues.set(key, list);
    }
    return list;
  }

  private offer(
    s: MessageSource, selector: { matches(f: unknown): boolean } | null, noLocal: boolean, msg: WireMessage,
    seq: number, size: number, originId: string | null, shared: SharedRef | null, plan: RoutePlan,
  ): void {
    if (noLocal && originId !== null && s.consumers[0]?.conn.id === originId) return;
    if (selector && !selector.matches(filterable(msg))) return;
    plan.sources.push(s);
    plan.entries.push(new Entry(seq, msg, s, size, false, originId, shared));
  }
}
