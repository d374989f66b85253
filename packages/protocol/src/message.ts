// The message model (docs/ARCHITECTURE.md: the message model): one plain object on the wire, in the store and in the client.
// Field names are short-lived in memory but encoded by msgpackr with record structures, so the
// names cost nothing per message on the wire.

export type PropertyValue = boolean | number | bigint | string | Uint8Array | null;
export type Properties = Record<string, PropertyValue>;

/** JMS DeliveryMode values (javax.jms.DeliveryMode). */
export const DeliveryMode = { NON_PERSISTENT: 1, PERSISTENT: 2 } as const;
export type DeliveryModeValue = (typeof DeliveryMode)[keyof typeof DeliveryMode];

/** Body kinds. Wire values: ONLY ADD TO THE END. */
export const BodyKind = { NONE: 0, TEXT: 1, BYTES: 2, MAP: 3, STREAM: 4, OBJECT: 5 } as const;
export type BodyKindValue = (typeof BodyKind)[keyof typeof BodyKind];

/** 'nested': a Java Map or List value, kept as its OpenWire encoding (bytes) in one-level maps. */
export type JavaKind = 'byte' | 'char' | 'short' | 'long' | 'double' | 'float' | 'nested';

export interface JavaTypes {
  p?: Record<string, JavaKind>;
  b?: Record<string, JavaKind>;
}

export type MapBody = Record<string, PropertyValue>;
export type StreamBody = PropertyValue[];

export const DEFAULT_PRIORITY = 4;

export interface WireMessage {
  /** `ID:<producerId>:<seq>` */
  messageId: string;
  /** Canonical destination URL, e.g. `queue://ORDERS`. */
  destination: string;
  deliveryMode: DeliveryModeValue;
  /** 0–9 */
  priority: number;
  /** Send time, ms since the epoch. */
  timestamp: number;
  /** Absolute expiry time in ms since the epoch, 0 = never. */
  expiration: number;
  /** Earliest delivery time (JMS 2 delivery delay), 0 = now. */
  deliveryTime: number;
  correlationId?: string;
  replyTo?: string;
  type?: string;
  redelivered: boolean;
  /** JMSXDeliveryCount: 1 on the first delivery. */
  deliveryCount: number;
  groupId?: string;
  groupSeq?: number;
  producerId: string;
  producerSeq: number;
  /** Broker names this message crossed (network loop prevention). */
  brokerPath?: string[];
  /** Set on copies (DLQ, virtual topic, mirror): where the message was first sent. */
  originalDestination?: string;
  /** JMSXUserID */
  userId?: string;
  properties: Properties;
  bodyKind: BodyKindValue;
  /**
   * Java types of properties (p) and Map/Stream body entries (b, by key or index) that a plain
   * JavaScript value does not tell (byte, short, char, long, float, double, nested): set by the
   * OpenWire adapter so a Java short sent through Wharf reaches a Java consumer as a short.
   */
  javaTypes?: JavaTypes;
  /** text: string; bytes: Uint8Array; map: MapBody; stream: StreamBody; object: JSON data. */
  body: unknown;
}

export function isPersistent(m: WireMessage): boolean {
  return m.deliveryMode === DeliveryMode.PERSISTENT;
}

export function isExpired(m: WireMessage, now: number): boolean {
  return m.expiration > 0 && m.expiration <= now;
}

/**
 * A message's size for memory accounting and flow control: what its body and properties hold,
 * whatever the body kind (a map, stream or object body is walked, never guessed), plus a fixed
 * overhead for the headers. Strings count two bytes a character (their size in memory).
 */
export function estimateSize(m: WireMessage): number {
  let size = 200 + m.messageId.length + m.destination.length;
  const b = m.body;
  if (typeof b === 'string') size += b.length * 2;
  else if (b instanceof Uint8Array) size += b.byteLength;
  else if (b != null) size += valueSize(b, 0);
  for (const k in m.properties) size += k.length * 2 + valueSize(m.properties[k], 0);
  return size;
}

function valueSize(v: unknown, depth: number): number {
  if (typeof v === 'string') return 16 + v.length * 2;
  if (v === null || typeof v !== 'object') return 8;
  if (v instanceof Uint8Array) return 16 + v.byteLength;
  // The schema bounds nesting; a deeper structure (made in process) is counted as far as this.
  if (depth > 64) return 16;
  let n = 16;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) n += valueSize(v[i], depth + 1);
  } else {
    const o = v as Record<string, unknown>;
    for (const k in o) n += k.length * 2 + valueSize(o[k], depth + 1);
  }
  return n;
}

/** A copy for a second destination (DLQ, virtual topic, mirror, composite fan-out). */
export function copyMessage(m: WireMessage, destination: string): WireMessage {
  return {
    ...m,
    destination,
    originalDestination: m.originalDestination ?? m.destination,
    properties: { ...m.properties },
  };
}
