// Destination policies (ActiveMQ's policyEntry): resolved once per destination, wildcard entries
// first and exact names last so the more specific entry wins field by field.
import { isQueueKind, isWildcard, wildcardMatches, type Destination, type RedeliveryPolicyData } from '@wharf/protocol';
import { DEFAULT_REDELIVERY, type DeadLetterStrategyConfig, type PendingMessageLimitStrategyConfig, type PolicyEntryConfig, type SlowConsumerStrategyConfig } from './config';

export interface ResolvedPolicy {
  redelivery: RedeliveryPolicyData;
  deadLetter: DeadLetterStrategyConfig;
  queuePrefetch: number;
  topicPrefetch: number;
  durableTopicPrefetch: number;
  /** Bytes of messages kept in memory before persistent queue messages stay in the store. */
  memoryLimit: number;
  /**
   * A policy entry's own memoryLimit: non-persistent sends to the destination block (or fail)
   * past it, whatever other destinations hold. 0 (none set): only the broker's limit applies,
   * as ActiveMQ's destination usage falls back to the broker's.
   */
  destinationMemoryLimit: number;
  producerFlowControl: boolean;
  expireMessagesPeriod: number;
  maxPageSize: number;
  /** null: no limit (ActiveMQ's default). */
  pendingMessageLimitStrategy: PendingMessageLimitStrategyConfig | null;
  gcInactiveDestinations: boolean;
  inactiveTimoutBeforeGC: number;
  /** Dispatch pending messages by priority first (ActiveMQ's prioritizedMessages, default false: FIFO). */
  prioritizedMessages: boolean;
  /** null: slow consumers are left alone (ActiveMQ's default). */
  slowConsumerStrategy: SlowConsumerStrategyConfig | null;
  advisoryForSlowConsumers: boolean;
}

export const DEFAULT_POLICY: ResolvedPolicy = {
  redelivery: DEFAULT_REDELIVERY,
  deadLetter: { type: 'shared', deadLetterQueue: 'ActiveMQ.DLQ', processExpired: true, processNonPersistent: false },
  queuePrefetch: 1000,
  topicPrefetch: 32767,
  durableTopicPrefetch: 100,
  memoryLimit: 32 * 1024 * 1024,
  destinationMemoryLimit: 0,
  producerFlowControl: true,
  expireMessagesPeriod: 30000,
  maxPageSize: 200,
  pendingMessageLimitStrategy: null,
  gcInactiveDestinations: false,
  inactiveTimoutBeforeGC: 60000,
  prioritizedMessages: false,
  slowConsumerStrategy: null,
  advisoryForSlowConsumers: false,
};

function matches(entry: PolicyEntryConfig, d: Destination): boolean {
  const pattern = isQueueKind(d.kind) ? entry.queue : entry.topic;
  if (pattern === undefined) return false;
  return pattern === d.name || pattern === '>' || (isWildcard(pattern) && wildcardMatches(pattern, d.name));
}

/**
 * Which entries apply to `d` (their indexes): destinations with the same key share one resolved
 * policy, however many destinations there are.
 */
export function policyKey(entries: PolicyEntryConfig[], d: Destination): string {
  let key = isQueueKind(d.kind) ? 'q' : 't';
  for (let i = 0; i < entries.length; i++) if (matches(entries[i]!, d)) key += `,${i}`;
  return key;
}

export function resolvePolicy(entries: PolicyEntryConfig[], d: Destination): ResolvedPolicy {
  const found = entries.filter((e) => matches(e, d));
  found.sort((a, b) => Number(!isWildcard(a.queue ?? a.topic ?? '')) - Number(!isWildcard(b.queue ?? b.topic ?? '')));
  const p: ResolvedPolicy = { ...DEFAULT_POLICY, redelivery: { ...DEFAULT_REDELIVERY } };
  for (const e of found) {
    if (e.redeliveryPolicy) p.redelivery = { ...p.redelivery, ...e.redeliveryPolicy };
    if (e.deadLetterStrategy) p.deadLetter = e.deadLetterStrategy;
    if (e.queuePrefetch !== undefined) p.queuePrefetch = e.queuePrefetch;
    if (e.topicPrefetch !== undefined) p.topicPrefetch = e.topicPrefetch;
    if (e.durableTopicPrefetch !== undefined) p.durableTopicPrefetch = e.durableTopicPrefetch;
    if (e.memoryLimit !== undefined) p.memoryLimit = p.destinationMemoryLimit = e.memoryLimit;
    if (e.producerFlowControl !== undefined) p.producerFlowControl = e.producerFlowControl;
    if (e.expireMessagesPeriod !== undefined) p.expireMessagesPeriod = e.expireMessagesPeriod;
    if (e.maxPageSize !== undefined) p.maxPageSize = e.maxPageSize;
    if (e.pendingMessageLimitStrategy !== undefined) p.pendingMessageLimitStrategy = e.pendingMessageLimitStrategy;
    if (e.gcInactiveDestinations !== undefined) p.gcInactiveDestinations = e.gcInactiveDestinations;
    if (e.inactiveTimoutBeforeGC !== undefined) p.inactiveTimoutBeforeGC = e.inactiveTimoutBeforeGC;
    if (e.prioritizedMessages !== undefined) p.prioritizedMessages = e.prioritizedMessages;
    // The entry's own object: destinations under one entry share one strategy (its slow list and timer).
    if (e.slowConsumerStrategy !== undefined) p.slowConsumerStrategy = e.slowConsumerStrategy;
    if (e.advisoryForSlowConsumers !== undefined) p.advisoryForSlowConsumers = e.advisoryForSlowConsumers;
  }
  return p;
}

/** The redelivery delay before delivery number `redeliveries + 1` (ActiveMQ getNextRedeliveryDelay). */
export function redeliveryDelay(policy: RedeliveryPolicyData, redeliveries: number, previous: number): number {
  if (redeliveries <= 1) return policy.initialRedeliveryDelay;
  let next = policy.redeliveryDelay;
  if (policy.useExponentialBackOff && previous > 0) next = previous * policy.backOffMultiplier;
  if (policy.maximumRedeliveryDelay > 0 && next > policy.maximumRedeliveryDelay) next = policy.maximumRedeliveryDelay;
  return next;
}

/**
 * The dead letter queue for a message that failed on destination `d`, or null when the
 * strategy discards it. ActiveMQ: SharedDeadLetterStrategy / IndividualDeadLetterStrategy.
 */
export function deadLetterQueueFor(strategy: DeadLetterStrategyConfig, d: Destination, persistent: boolean, expired: boolean): string | null {
  if (strategy.type === 'discarding') return null;
  const processExpired = strategy.processExpired ?? true;
  const processNonPersistent = strategy.processNonPersistent ?? false;
  if (expired && !processExpired) return null;
  if (!persistent && !processNonPersistent) return null;
  if (strategy.type === 'shared') return `queue://${strategy.deadLetterQueue ?? 'ActiveMQ.DLQ'}`;
  const isQ = isQueueKind(d.kind);
  const prefix = isQ ? strategy.queuePrefix ?? 'ActiveMQ.DLQ.Queue.' : strategy.topicPrefix ?? 'ActiveMQ.DLQ.Topic.';
  const suffix = (isQ ? strategy.queueSuffix : strategy.topicSuffix) ?? '';
  const useQueue = isQ ? strategy.useQueueForQueueMessages ?? true : strategy.useQueueForTopicMessages ?? true;
  return `${useQueue ? 'queue' : 'topic'}://${prefix}${d.name}${suffix}`;
}

export function isDeadLetterName(name: string): boolean {
  return name === 'ActiveMQ.DLQ' || name.startsWith('ActiveMQ.DLQ.') || name.startsWith('DLQ.');
}
