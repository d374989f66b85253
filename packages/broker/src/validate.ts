// Shape checks for messages arriving from clients: a clear error naming the fault, instead
// of a crash deep in routing or the store.
import { MessageFormatError, type WireMessage } from '@wharf/protocol';

const PROP_TYPES = new Set(['boolean', 'number', 'bigint', 'string']);

export function validateMessage(m: unknown): asserts m is WireMessage {
  if (m === null || typeof m !== 'object') throw new MessageFormatError('SEND without a message');
  const x = m as Record<string, unknown>;
  if (typeof x.destination !== 'string' || x.destination.length === 0) throw new MessageFormatError('message has no destination');
  if (typeof x.messageId !== 'string') throw new MessageFormatError('message has no messageId');
  if (typeof x.producerId !== 'string') throw new MessageFormatError('message has no producerId');
  if (typeof x.producerSeq !== 'number') throw new MessageFormatError('message has no producerSeq');
  if (x.deliveryMode !== 1 && x.deliveryMode !== 2) throw new MessageFormatError(`invalid deliveryMode ${String(x.deliveryMode)}`);
  if (typeof x.priority !== 'number' || x.priority < 0 || x.priority > 9) throw new MessageFormatError(`invalid priority ${String(x.priority)}: must be 0-9`);
  if (typeof x.timestamp !== 'number') x.timestamp = Date.now();
  if (typeof x.expiration !== 'number') x.expiration = 0;
  if (typeof x.deliveryTime !== 'number') x.deliveryTime = 0;
  if (typeof x.redelivered !== 'boolean') x.redelivered = false;
  if (typeof x.deliveryCount !== 'number') x.deliveryCount = 0;
  if (typeof x.bodyKind !== 'number' || x.bodyKind < 0 || x.bodyKind > 5) throw new MessageFormatError(`invalid bodyKind ${String(x.bodyKind)}`);
  if (x.properties === undefined || x.properties === null) x.properties = {};
  else if (typeof x.properties !== 'object' || Array.isArray(x.properties)) throw new MessageFormatError('message properties must be a map');
  else {
    for (const [k, v] of Object.entries(x.properties as Record<string, unknown>)) {
      if (v === null || PROP_TYPES.has(typeof v) || v instanceof Uint8Array) continue;
      throw new MessageFormatError(`property '${k}' has an unsupported type ${typeof v}`);
    }
  }
}
