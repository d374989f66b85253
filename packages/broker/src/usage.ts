// Producer flow control (ActiveMQ's systemUsage): persistent sends need store space (they page
// out of memory), non-persistent ones need memory.
import { DeliveryMode, type WireMessage } from '@wharf/protocol';
import type { Broker } from './broker';

/** Why a send of `msg` must wait now, or null. */
export function usageBlock(b: Broker, msg: WireMessage, transacted = false): string | null {
  // An open transaction's sends wait in memory until commit, whatever their delivery mode.
  if (transacted && b.memory.full) return memoryFull(b, msg);
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
  return b.memory.full ? memoryFull(b, msg) : null;
}

function memoryFull(b: Broker, msg: WireMessage): string {
  return `Usage Manager Memory Limit reached (${b.memory.used} of ${b.memory.limit} bytes). Stopping producer (${msg.producerId}) to prevent flooding ${msg.destination}: consume messages or raise memoryLimit`;
}

/** Resolves when memory was released or after `ms` (store space has no event: re-check). */
export function waitForUsage(b: Broker, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    void b.memory.whenAvailable().then(() => {
      clearTimeout(t);
      resolve();
    });
  });
}
