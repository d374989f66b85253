// Producer flow control (ActiveMQ's systemUsage): persistent sends need store space (they page
// out of memory), non-persistent ones need memory: the broker's, and their destination's when
// its policy entry sets a memoryLimit (one full destination blocks only its own producers).
import { DeliveryMode, type WireMessage } from '@wharf/protocol';
import type { Broker } from './broker';
import type { MemoryUsage } from './memory';

/** Why a send of `msg` must wait now, or null. */
export function usageBlock(b: Broker, msg: WireMessage, transacted = false): string | null {
  // An open transaction's sends wait in memory until commit, whatever their delivery mode.
  if (transacted && b.memory.full) return memoryFull(b.memory, msg, 'the broker');
  if (msg.deliveryMode === DeliveryMode.PERSISTENT && b.durableStore) {
    const limit = b.config.storeLimit;
    if (limit > 0) {
      const used = b.store.stats().bytes;
      if (used >= limit) {
        return `Usage Manager Store is Full (${Math.round((used / limit) * 100)}% of ${limit} bytes). Stopping producer (${msg.producerId}) to prevent flooding ${msg.destination}: consume messages or raise storeLimit`;
      }
    }
    return null;
  }
  if (b.memory.full) return memoryFull(b.memory, msg, 'the broker');
  const d = fullDestination(b, msg.destination);
  return d ? memoryFull(d, msg, msg.destination) : null;
}

/** The memory of a destination `url` names (or of one part of a composite) that is full. */
function fullDestination(b: Broker, url: string): MemoryUsage | null {
  if (url.includes(',')) {
    const topics = url.startsWith('topic://');
    for (const part of url.split(',')) {
      const p = part.trim();
      const u = fullDestination(b, p.includes('://') ? p : `${topics ? 'topic' : 'queue'}://${p}`);
      if (u) return u;
    }
    return null;
  }
  const src = url.startsWith('topic://') ? b.topics.get(url) : b.queues.get(url);
  if (!src || !src.usage.full) return null;
  // producerFlowControl false: the destination takes what the broker's memory allows.
  return b.policyFor(src.destination).producerFlowControl ? src.usage : null;
}

function memoryFull(u: MemoryUsage, msg: WireMessage, whose: string): string {
  return `Usage Manager Memory Limit reached (${whose}: ${u.used} of ${u.limit} bytes). Stopping producer (${msg.producerId}) to prevent flooding ${msg.destination}: consume messages or raise memoryLimit`;
}

/**
 * Resolves when the memory `msg` waits for was released, or after `ms` (store space has no
 * event: re-check).
 */
export function waitForUsage(b: Broker, ms: number, msg?: WireMessage): Promise<void> {
  const u = b.memory.full || !msg ? b.memory : fullDestination(b, msg.destination);
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    if (!u || !u.full) return;
    const wake = (): void => {
      clearTimeout(t);
      resolve();
    };
    u.whenAvailable().then(wake, wake);
  });
}
