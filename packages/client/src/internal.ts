// @wharf/client/internal: what the network bridge of @wharf/cluster needs of the client beyond
// the JMS API. Applications use the public entry (index.ts) only; this entry may change with
// the bridge.
import type { WireMessage } from '@wharf/protocol';
import type { Destination } from './destinations';
import type { Message } from './messages/index';
import type { MessageConsumer } from './consumer';
import type { MessageProducer } from './producer';
import type { Session } from './session';

/** The message as it travels (ids, broker path, body), without a copy. */
export function wireOf(m: Message): WireMessage {
  return m._w;
}

/**
 * Send a message received from another broker on, unchanged (same ids, so a re-send after a
 * failover is dropped as a duplicate), with `brokerPath`. Resolves once the broker has it.
 */
export function forwardMessage(p: MessageProducer, wire: WireMessage, brokerPath: string[]): Promise<void> {
  return p._forward(wire, brokerPath);
}

/**
 * A consumer that forwards what it gets to the broker `network.target`; the broker keeps from it
 * what has been there, or has crossed `network.ttl` brokers (ConsumerOpen.network).
 */
export function createNetworkConsumer(
  s: Session, destination: Destination, network: { target: string; ttl: number; path: string[] }, opts: { prefetch: number; priority: number },
): Promise<MessageConsumer> {
  return s._createNetworkConsumer(destination, network, opts);
}
