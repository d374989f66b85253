// Client-side redelivery (docs/ACTIVEMQ-BEHAVIOUR.md: redelivery and dead letters): ActiveMQ's RedeliveryPolicy lives in the client.
// A rolled-back, recovered or failed delivery is redelivered locally after a delay; past
// maximumRedeliveries the client poison-acks it and the broker moves it to the DLQ.
import { ConfigError, DEFAULT_REDELIVERY_POLICY, rejectUnknownKeys, type RedeliveryPolicyData } from '@wharf/protocol';
import { messageFromWire, type Message, type MessageAcknowledger } from './messages/index';

/** -1: no limit (RedeliveryPolicy.NO_MAXIMUM_REDELIVERIES). */
export const NO_MAXIMUM_REDELIVERIES = -1;

export { DEFAULT_REDELIVERY_POLICY };

const FIELDS = Object.keys(DEFAULT_REDELIVERY_POLICY) as Array<keyof RedeliveryPolicyData>;

/** ActiveMQ's RedeliveryPolicy, with its defaults and Java-style accessors. */
export class RedeliveryPolicy implements RedeliveryPolicyData {
  maximumRedeliveries = DEFAULT_REDELIVERY_POLICY.maximumRedeliveries;
  initialRedeliveryDelay = DEFAULT_REDELIVERY_POLICY.initialRedeliveryDelay;
  redeliveryDelay = DEFAULT_REDELIVERY_POLICY.redeliveryDelay;
  useExponentialBackOff = DEFAULT_REDELIVERY_POLICY.useExponentialBackOff;
  backOffMultiplier = DEFAULT_REDELIVERY_POLICY.backOffMultiplier;
  maximumRedeliveryDelay = DEFAULT_REDELIVERY_POLICY.maximumRedeliveryDelay;
  /**
   * True once the application configured this policy. A connection whose factory policy was
   * never configured uses the broker's destination policy instead (sent with each consumer).
   */
  configured = false;

  constructor(init?: Partial<RedeliveryPolicyData>) {
    if (init) this.assign(init);
  }

  /** Copy the given fields (validated) into this policy. */
  assign(init: Partial<RedeliveryPolicyData>): this {
    if (!(init instanceof RedeliveryPolicy)) rejectUnknownKeys('redeliveryPolicy', init, FIELDS);
    for (const k of FIELDS) {
      const v = init[k];
      if (v === undefined) continue;
      if (k === 'useExponentialBackOff') {
        if (typeof v !== 'boolean') throw new ConfigError(`redeliveryPolicy.${k} must be a boolean, got ${String(v)}`);
        this.useExponentialBackOff = v;
      } else {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`redeliveryPolicy.${k} must be a number, got ${String(v)}`);
        (this as unknown as Record<string, number>)[k] = v;
      }
      this.configured = true;
    }
    return this;
  }

  copy(): RedeliveryPolicy {
    const p = new RedeliveryPolicy(this.toData());
    p.configured = this.configured;
    return p;
  }

  toData(): RedeliveryPolicyData {
    return {
      maximumRedeliveries: this.maximumRedeliveries,
      initialRedeliveryDelay: this.initialRedeliveryDelay,
      redeliveryDelay: this.redeliveryDelay,
      useExponentialBackOff: this.useExponentialBackOff,
      backOffMultiplier: this.backOffMultiplier,
      maximumRedeliveryDelay: this.maximumRedeliveryDelay,
    };
  }

  getMaximumRedeliveries(): number { return this.maximumRedeliveries; }
  setMaximumRedeliveries(v: number): void { this.assign({ maximumRedeliveries: v }); }
  getInitialRedeliveryDelay(): number { return this.initialRedeliveryDelay; }
  setInitialRedeliveryDelay(v: number): void { this.assign({ initialRedeliveryDelay: v }); }
  getRedeliveryDelay(): number { return this.redeliveryDelay; }
  setRedeliveryDelay(v: number): void { this.assign({ redeliveryDelay: v }); }
  isUseExponentialBackOff(): boolean { return this.useExponentialBackOff; }
  setUseExponentialBackOff(v: boolean): void { this.assign({ useExponentialBackOff: v }); }
  getBackOffMultiplier(): number { return this.backOffMultiplier; }
  setBackOffMultiplier(v: number): void { this.assign({ backOffMultiplier: v }); }
  getMaximumRedeliveryDelay(): number { return this.maximumRedeliveryDelay; }
  setMaximumRedeliveryDelay(v: number): void { this.assign({ maximumRedeliveryDelay: v }); }

  /** ActiveMQ RedeliveryPolicy.getNextRedeliveryDelay. */
  getNextRedeliveryDelay(previousDelay: number): number {
    return nextRedeliveryDelay(this, previousDelay);
  }

  toString(): string {
    return policyToString(this);
  }
}

/** ActiveMQ's getNextRedeliveryDelay(previous): redeliveryDelay, or previous × multiplier, capped. */
export function nextRedeliveryDelay(p: RedeliveryPolicyData, previousDelay: number): number {
  let next = p.redeliveryDelay;
  if (previousDelay > 0 && p.useExponentialBackOff && p.backOffMultiplier > 1) {
    next = previousDelay * p.backOffMultiplier;
    // ActiveMQ: never below redeliveryDelay, even when the cap was set lower.
    if (p.maximumRedeliveryDelay !== -1 && next > p.maximumRedeliveryDelay) next = Math.max(p.maximumRedeliveryDelay, p.redeliveryDelay);
  }
  return next;
}

/**
 * The delay before redelivery number `redelivery` (1 = the first redelivery, i.e. the second
 * delivery): initialRedeliveryDelay, then getNextRedeliveryDelay of the one before.
 */
export function redeliveryDelayFor(p: RedeliveryPolicyData, redelivery: number): number {
  if (redelivery <= 1) return p.initialRedeliveryDelay;
  let d = p.initialRedeliveryDelay;
  // The sequence settles once capped (or when it is not exponential): stop early.
  for (let i = 2; i <= redelivery; i++) {
    const next = nextRedeliveryDelay(p, d);
    if (next === d) break;
    d = next;
  }
  return d;
}

/** Does a delivery with this JMSXDeliveryCount exceed the policy (ActiveMQ: redeliveryCounter > max)? */
export function exceedsRedeliveries(p: RedeliveryPolicyData, deliveryCount: number): boolean {
  return p.maximumRedeliveries !== NO_MAXIMUM_REDELIVERIES && p.maximumRedeliveries >= 0 && deliveryCount - 1 > p.maximumRedeliveries;
}

export function policyToString(p: RedeliveryPolicyData): string {
  return `RedeliveryPolicy{maximumRedeliveries=${p.maximumRedeliveries}, initialRedeliveryDelay=${p.initialRedeliveryDelay}, `
    + `redeliveryDelay=${p.redeliveryDelay}, useExponentialBackOff=${p.useExponentialBackOff}, `
    + `backOffMultiplier=${p.backOffMultiplier}, maximumRedeliveryDelay=${p.maximumRedeliveryDelay}}`;
}

/** The poison cause ActiveMQ sends (it becomes the DLQ copy's dlqDeliveryFailureCause). */
export function poisonCause(p: RedeliveryPolicyData, deliveryCount: number, cause?: unknown): string {
  return `Delivery[${deliveryCount - 1}] exceeds redelivery policy limit:${policyToString(p)}, cause:${describeCause(cause)}`;
}

function describeCause(cause: unknown): string {
  if (cause === undefined || cause === null) return 'null';
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}

/**
 * The messages of `ms` to deliver again to `acker` (delivery count + 1, redelivered), as fresh
 * objects (ActiveMQ copies each delivery: read positions start again). Messages delivered over an
 * earlier link (epoch) are left out: the broker redelivers those itself. Those past the policy's
 * maximumRedeliveries go to `poison` instead.
 */
export function redeliveries(
  ms: Message[], acker: MessageAcknowledger, policy: RedeliveryPolicyData, epoch: number, cause: unknown,
  poison: (m: Message, cause: string) => void,
): Message[] {
  const back: Message[] = [];
  for (const old of ms) {
    if (old._epoch !== epoch) continue;
    const w = old._w;
    w.deliveryCount++;
    w.redelivered = true;
    if (exceedsRedeliveries(policy, w.deliveryCount)) {
      poison(old, poisonCause(policy, w.deliveryCount, cause));
      continue;
    }
    const m = messageFromWire(w);
    m._deliveryId = old._deliveryId;
    m._epoch = old._epoch;
    m._acker = acker;
    m._returned = true;
    m._failure = cause;
    back.push(m);
  }
  return back;
}
