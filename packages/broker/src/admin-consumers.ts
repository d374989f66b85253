// The consumers of one destination, for the console's queue and topic pages (ActiveMQ's
// subscription MBeans of a destination): who consumes, from where, with what window.
import { parseDestination } from '@wharf/protocol';
import type { Broker } from './broker';

export interface ConsumerStats {
  /** connectionId:sessionId:consumerId. */
  id: string;
  connectionId: string;
  clientId: string | null;
  remoteAddress: string;
  /** The destination it subscribed to (a wildcard or composite when it was one). */
  destination: string;
  selector?: string;
  prefetch: number;
  /** Messages dispatched to it and not yet acknowledged. */
  inflight: number;
  exclusive: boolean;
  priority: number;
  durableName?: string;
  /** A network bridge's consumer (forwards to another broker). */
  network: boolean;
}

/** Consumers receiving from `url` (also through wildcards and composites). */
export function destinationConsumers(broker: Broker, url: string): ConsumerStats[] {
  const want = parseDestination(url).url;
  const out: ConsumerStats[] = [];
  for (const c of broker.connections.values()) {
    for (const k of c.consumers.values()) {
      if (k.closed || !k.sources.some((s) => s.destination.url === want)) continue;
      out.push({
        id: k.label,
        connectionId: c.id,
        clientId: c.clientId,
        remoteAddress: c.remoteAddress,
        destination: k.destination.url,
        ...(k.selector ? { selector: k.selector.text } : {}),
        prefetch: k.prefetch,
        inflight: k.inflight.size,
        exclusive: k.exclusive,
        priority: k.priority,
        ...(k.durableKey ? { durableName: k.durableKey } : {}),
        network: k.networkPath !== null,
      });
    }
  }
  return out;
}
