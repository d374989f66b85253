// ObjectMessage: JSON-like data (docs/ARCHITECTURE.md, the message model: data, never code). Java serialisation has no meaning
// here; the value is checked and copied when set, as Java serialises it when set.
import { BodyKind, type WireMessage } from '@wharf/protocol';
import { Message, newWireMessage } from './message';
import { MessageFormatError } from '../errors';

/** Plain data: objects, arrays, strings, numbers, booleans, null, bigint, Date, Uint8Array. */
export function checkObjectData(value: unknown, path = 'object', ancestors: unknown[] = []): void {
  if (value === null || value === undefined) return;
  const t = typeof value;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint') return;
  if (t === 'function') throw new MessageFormatError(`ObjectMessage: ${path} is a function; only data can be sent`);
  if (t === 'symbol') throw new MessageFormatError(`ObjectMessage: ${path} is a symbol; only data can be sent`);
  if (value instanceof Date || value instanceof Uint8Array) return;
  if (ancestors.includes(value)) throw new MessageFormatError(`ObjectMessage: ${path} refers back to an enclosing object (cyclic data cannot be sent)`);
  if (ancestors.length > 200) throw new MessageFormatError(`ObjectMessage: ${path} is nested more than 200 levels deep`);
  ancestors.push(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkObjectData(value[i], `${path}[${i}]`, ancestors);
  } else {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
      throw new MessageFormatError(`ObjectMessage: ${path} is a ${name} instance; only plain objects, arrays and values can be sent`);
    }
    for (const k of Object.keys(value as object)) checkObjectData((value as Record<string, unknown>)[k], `${path}.${k}`, ancestors);
  }
  ancestors.pop();
}

export class ObjectMessage extends Message {
  constructor(wire?: WireMessage) {
    super(wire ?? newWireMessage(BodyKind.OBJECT));
  }
  /** The data sent (a received message's data is shared by successive calls). */
  getObject<T = unknown>(): T | null {
    return (this._w.body ?? null) as T | null;
  }
  setObject(value: unknown): void {
    this.checkBodyWritable();
    checkObjectData(value);
    this._w.body = value === undefined || value === null ? null : structuredClone(value);
  }
  override getBody(): unknown {
    return this.getObject();
  }
}
