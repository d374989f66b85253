// OpenWire messages to and from Wharf's message model. Bodies are decoded as ActiveMQ's client
// stores them (ActiveMQTextMessage, ...Map, ...Stream, ...Bytes; ObjectMessage bodies stay opaque
// bytes, never deserialised), and Java's property types survive the trip through Wharf in
// `javaTypes`, so a Java short sent through Wharf reaches a Java consumer as a short.
import zlib from 'node:zlib';
import { BodyKind, DeliveryMode, MessageFormatError, type JavaKind, type JavaTypes, type PropertyValue, type WireMessage } from '@wharf/protocol';
import { DataType } from './schema';
import { Reader, Writer } from './io';
import { readPrimitive, readPrimitiveMap, writePrimitive, writePrimitiveMap, Typed, type Primitive, type PrimitiveMap } from './primitive';
import type { Struct } from './codec';
import { OpenWireError } from './errors';

/** Largest body a compressed message may inflate to (ActiveMQ's default maxInflatedDataSize). */
export const MAX_INFLATED = 100 * 1024 * 1024;

const KIND_TO_TYPE: Record<string, number> = { queue: DataType.QUEUE, topic: DataType.TOPIC, 'temp-queue': DataType.TEMP_QUEUE, 'temp-topic': DataType.TEMP_TOPIC };

/** An ActiveMQDestination as a Wharf URL (composites keep their commas). */
export function destinationUrl(d: unknown): string | undefined {
  if (d === null || typeof d !== 'object') return undefined;
  const s = d as Struct;
  const name = s.physicalName;
  if (typeof name !== 'string') throw new MessageFormatError('destination without a name');
  switch (s.type) {
    case DataType.QUEUE: return `queue://${name}`;
    case DataType.TOPIC: return `topic://${name}`;
    case DataType.TEMP_QUEUE: return `temp-queue://${name}`;
    case DataType.TEMP_TOPIC: return `temp-topic://${name}`;
    default: throw new MessageFormatError(`data type ${s.type} is not a destination`);
  }
}

/**
 * Destination and producer-id structs are shared per name (read-only): the marshal cache keys
 * them once per object, so a dispatch reuses the key instead of rebuilding it.
 */
const shared = new Map<string, Struct>();
function sharedStruct(key: string, make: () => Struct): Struct {
  let s = shared.get(key);
  if (!s) {
    if (shared.size >= 10000) shared.clear();
    shared.set(key, (s = make()));
  }
  return s;
}

export function destinationStruct(url: string): Struct {
  return sharedStruct(url, () => makeDestination(url));
}

function makeDestination(url: string): Struct {
  const i = url.indexOf('://');
  const kind = url.slice(0, i);
  const type = KIND_TO_TYPE[kind];
  if (i < 0 || type === undefined) return { type: DataType.QUEUE, physicalName: url };
  return { type, physicalName: url.slice(i + 3) };
}

/** Java's ProducerId.toString(): connectionId:sessionId:value. */
export function producerKey(p: Struct): string {
  return `${String(p.connectionId)}:${String(p.sessionId)}:${String(p.value)}`;
}

/** Java's MessageId.toString(). */
export function messageIdText(m: Struct): string {
  if (typeof m.textView === 'string') return m.textView;
  const p = m.producerId as Struct | null;
  return `${p ? producerKey(p) : ''}:${String(m.producerSequenceId)}`;
}

/** Split `prefix:session:value:seq` at its last three colons (no regex: this runs per dispatch). */
function splitMessageId(text: string): [string, string, string, string] | null {
  const c3 = text.lastIndexOf(':');
  const c2 = c3 > 0 ? text.lastIndexOf(':', c3 - 1) : -1;
  const c1 = c2 > 0 ? text.lastIndexOf(':', c2 - 1) : -1;
  if (c1 <= 0) return null;
  const session = text.slice(c1 + 1, c2);
  const value = text.slice(c2 + 1, c3);
  const seq = text.slice(c3 + 1);
  if (!INT.test(session) || !INT.test(value) || !/^\d{1,15}$/.test(seq)) return null;
  return [text.slice(0, c1), session, value, seq];
}
const INT = /^-?\d{1,15}$/;

/** A Wharf message id as a Java MessageId; ids of Wharf's form parse, others travel as text. */
export function messageIdStruct(text: string, brokerSequenceId: number, version: number): Struct {
  const m = splitMessageId(text);
  if (m) {
    const [conn, session, value, seq] = m;
    return {
      type: DataType.MESSAGE_ID, textView: null,
      producerId: sharedStruct(`p|${conn}|${session}|${value}`, () => ({ type: DataType.PRODUCER_ID, connectionId: conn, value: Number(value), sessionId: Number(session) })),
      producerSequenceId: Number(seq), brokerSequenceId,
    };
  }
  return {
    type: DataType.MESSAGE_ID, textView: version >= 10 ? text : null,
    producerId: { type: DataType.PRODUCER_ID, connectionId: text, value: 0, sessionId: 0 },
    producerSequenceId: 0, brokerSequenceId,
  };
}

function inflateBytesBody(content: Uint8Array): Buffer {
  if (content.byteLength < 4) throw new MessageFormatError('compressed BytesMessage body has no length');
  const length = new DataView(content.buffer, content.byteOffset, 4).getInt32(0);
  const body = inflate(content.subarray(4));
  if (length < 0 || length > body.byteLength) throw new MessageFormatError(`compressed BytesMessage body says ${length} bytes but inflates to ${body.byteLength}`);
  return body.subarray(0, length);
}

function inflate(content: Uint8Array): Buffer {
  try {
    return zlib.inflateSync(content, { maxOutputLength: MAX_INFLATED });
  } catch (err) {
    throw new OpenWireError(`compressed body does not inflate within ${MAX_INFLATED} bytes: ${(err as Error).message}`);
  }
}

// ---- Java values to Wharf values ------------------------------------------------------------

function toWharf(v: Primitive, name: string, types: Record<string, JavaKind>): PropertyValue {
  if (v instanceof Typed) {
    types[name] = v.kind;
    if (v.kind === 'char') return String.fromCharCode(Number(v.value));
    return v.value;
  }
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  // A Map or List value (ActiveMQ's client takes them in MapMessage bodies and properties):
  // Wharf's maps hold one level, so it travels as its OpenWire encoding and is a Map or List
  // again for a Java consumer (other clients read the bytes).
  types[name] = 'nested';
  const w = new Writer();
  writePrimitive(w, v);
  return w.toBuffer();
}

/** A nested value back from its encoding; bytes that do not decode (not written here) stay bytes. */
function nestedValue(v: Uint8Array): Primitive {
  try {
    const r = new Reader(v);
    const out = readPrimitive(r);
    return r.remaining === 0 ? out : v;
  } catch {
    return v;
  }
}

function toJava(v: PropertyValue | undefined, kind: string | undefined): Primitive {
  if (v === undefined) return null;
  if (kind !== undefined) {
    switch (kind) {
      case 'nested':
        if (v instanceof Uint8Array) return nestedValue(v);
        break;
      case 'char':
        if (typeof v === 'string' && v.length === 1) return new Typed('char', v.charCodeAt(0));
        break;
      case 'long':
        if (typeof v === 'number' || typeof v === 'bigint') return new Typed('long', v);
        break;
      case 'byte':
      case 'short':
      case 'float':
      case 'double':
        if (typeof v === 'number') return new Typed(kind, v);
        break;
      default:
    }
  }
  return v as Primitive;
}

export interface Decoded {
  message: WireMessage;
  /** What a message of this size counts against the producer's window (Java's Message.getSize). */
  size: number;
}

/** A Java message (types 23-29) as a Wharf message. */
export function fromOpenWire(s: Struct): Decoded {
  const dest = destinationUrl(s.destination);
  if (!dest) throw new MessageFormatError('message has no destination');
  const mid = s.messageId as Struct | null;
  if (!mid || typeof mid !== 'object') throw new MessageFormatError('message has no message id');
  const pid = (s.producerId as Struct | null) ?? (mid.producerId as Struct | null);
  const messageId = messageIdText(mid);
  const producerSeq = Number(mid.producerSequenceId);
  const propTypes: Record<string, JavaKind> = {};
  const properties: Record<string, PropertyValue> = {};
  const rawProps = s.marshalledProperties as Uint8Array | null;
  if (rawProps) {
    const map = readPrimitiveMap(new Reader(rawProps));
    if (map) for (const k of Object.keys(map)) properties[k] = toWharf(map[k]!, k, propTypes);
  }
  let content = s.content as Uint8Array | null;
  // Compressed bodies are zlib streams; a BytesMessage puts its body length first, and that
  // length is the body: ActiveMQ's client deflates the whole of its write buffer, so a small
  // body inflates followed by the buffer's unused (zero) bytes, which its readers never see.
  if (content && s.compressed === true) content = s.type === DataType.BYTES_MESSAGE ? inflateBytesBody(content) : inflate(content);
  const bodyTypes: Record<string, JavaKind> = {};
  let bodyKind: WireMessage['bodyKind'] = BodyKind.NONE;
  let body: unknown = null;
  switch (s.type) {
    case DataType.TEXT_MESSAGE:
      bodyKind = BodyKind.TEXT;
      if (content) {
        const r = new Reader(content);
        const n = r.i32();
        body = n < 0 ? null : r.utfBody(n);
      }
      break;
    case DataType.BYTES_MESSAGE:
      bodyKind = BodyKind.BYTES;
      body = content ? Buffer.from(content) : new Uint8Array(0);
      break;
    case DataType.MAP_MESSAGE: {
      bodyKind = BodyKind.MAP;
      const out: Record<string, PropertyValue> = {};
      const map = content ? readPrimitiveMap(new Reader(content)) : null;
      if (map) for (const k of Object.keys(map)) out[k] = toWharf(map[k]!, k, bodyTypes);
      body = out;
      break;
    }
    case DataType.STREAM_MESSAGE: {
      bodyKind = BodyKind.STREAM;
      const out: PropertyValue[] = [];
      if (content) {
        const r = new Reader(content);
        while (r.remaining > 0) out.push(toWharf(readPrimitive(r), String(out.length), bodyTypes));
      }
      body = out;
      break;
    }
    case DataType.OBJECT_MESSAGE:
      bodyKind = BodyKind.OBJECT;
      body = content ? Buffer.from(content) : null;
      break;
    default:
      break;
  }
  const m: WireMessage = {
    messageId,
    destination: dest,
    deliveryMode: s.persistent === true ? DeliveryMode.PERSISTENT : DeliveryMode.NON_PERSISTENT,
    priority: Math.min(9, Math.max(0, Number(s.priority) || 0)),
    timestamp: Number(s.timestamp) || 0,
    expiration: Number(s.expiration) || 0,
    deliveryTime: 0,
    redelivered: false,
    deliveryCount: 0,
    producerId: pid ? producerKey(pid).replace(/^ID:/, '') : messageId.replace(/^ID:/, '').replace(/:\d+$/, ''),
    producerSeq: Number.isFinite(producerSeq) ? producerSeq : 0,
    properties,
    bodyKind,
    body,
  };
  if (typeof s.correlationId === 'string') m.correlationId = s.correlationId;
  const replyTo = destinationUrl(s.replyTo);
  if (replyTo) m.replyTo = replyTo;
  if (typeof s.jmsType === 'string') m.type = s.jmsType;
  if (typeof s.groupId === 'string') {
    m.groupId = s.groupId;
    m.groupSeq = Number(s.groupSequence) || 0;
  }
  if (typeof s.userId === 'string') m.userId = s.userId;
  const orig = destinationUrl(s.originalDestination);
  if (orig) m.originalDestination = orig;
  const path = s.brokerPath as Struct[] | null;
  if (Array.isArray(path) && path.length) m.brokerPath = path.map((b) => String(b?.value ?? ''));
  const javaTypes: JavaTypes = {};
  if (Object.keys(propTypes).length) javaTypes.p = propTypes;
  if (Object.keys(bodyTypes).length) javaTypes.b = bodyTypes;
  if (javaTypes.p || javaTypes.b) m.javaTypes = javaTypes;
  const size = 1024 + (rawProps?.length ?? 0) + ((s.content as Uint8Array | null)?.length ?? 0);
  return { message: m, size };
}

// ---- Wharf messages to Java ------------------------------------------------------------------

const TYPE_OF_BODY: Record<number, number> = {
  [BodyKind.NONE]: DataType.MESSAGE, [BodyKind.TEXT]: DataType.TEXT_MESSAGE, [BodyKind.BYTES]: DataType.BYTES_MESSAGE,
  [BodyKind.MAP]: DataType.MAP_MESSAGE, [BodyKind.STREAM]: DataType.STREAM_MESSAGE, [BodyKind.OBJECT]: DataType.OBJECT_MESSAGE,
};

function encodeBody(m: WireMessage, w: Writer): { type: number; content: Uint8Array | null } {
  const types = m.javaTypes?.b;
  const b = m.body;
  switch (m.bodyKind) {
    case BodyKind.TEXT:
      if (typeof b !== 'string') return { type: DataType.TEXT_MESSAGE, content: null };
      w.reset();
      w.utfBig(b);
      return { type: DataType.TEXT_MESSAGE, content: w.toBuffer() };
    case BodyKind.BYTES:
      return { type: DataType.BYTES_MESSAGE, content: b instanceof Uint8Array ? b : null };
    case BodyKind.MAP: {
      if (b === null || typeof b !== 'object') return { type: DataType.MAP_MESSAGE, content: null };
      const src = b as Record<string, PropertyValue>;
      const map: PrimitiveMap = {};
      for (const k of Object.keys(src)) map[k] = toJava(src[k], types?.[k]);
      w.reset();
      writePrimitiveMap(w, map);
      return { type: DataType.MAP_MESSAGE, content: w.toBuffer() };
    }
    case BodyKind.STREAM: {
      if (!Array.isArray(b)) return { type: DataType.STREAM_MESSAGE, content: null };
      w.reset();
      (b as PropertyValue[]).forEach((v, i) => writePrimitive(w, toJava(v, types?.[String(i)])));
      return { type: DataType.STREAM_MESSAGE, content: w.toBuffer() };
    }
    case BodyKind.OBJECT:
      if (b instanceof Uint8Array) return { type: DataType.OBJECT_MESSAGE, content: b };
      // A native client's JSON object body: a Java client cannot deserialise it, so it reads text.
      w.reset();
      w.utfBig(JSON.stringify(b));
      return { type: DataType.TEXT_MESSAGE, content: w.toBuffer() };
    default:
      return { type: TYPE_OF_BODY[m.bodyKind] ?? DataType.MESSAGE, content: null };
  }
}

export interface ToJavaContext {
  version: number;
  brokerSequenceId: number;
  redeliveryCounter: number;
  scratch: Writer;
}

/** A Wharf message as the Java message struct a MessageDispatch carries. */
interface Encoded { type: number; content: Uint8Array | null; marshalledProperties: Uint8Array | null }

/**
 * A message's body and properties in OpenWire form, made once per message: a topic message for
 * many Java subscribers, or a redelivery, reuses them (a stored message is never changed).
 */
const encodedBodies = new WeakMap<WireMessage, Encoded>();

function encoded(m: WireMessage, w: Writer): Encoded {
  let e = encodedBodies.get(m);
  if (e) return e;
  const { type, content } = encodeBody(m, w);
  let marshalledProperties: Uint8Array | null = null;
  const keys = Object.keys(m.properties);
  if (keys.length) {
    const types = m.javaTypes?.p;
    const map: PrimitiveMap = {};
    for (const k of keys) map[k] = toJava(m.properties[k], types?.[k]);
    w.reset();
    writePrimitiveMap(w, map);
    marshalledProperties = w.toBuffer();
  }
  e = { type, content, marshalledProperties };
  encodedBodies.set(m, e);
  return e;
}

export function toOpenWire(m: WireMessage, ctx: ToJavaContext): Struct {
  const { type, content, marshalledProperties } = encoded(m, ctx.scratch);
  const messageId = messageIdStruct(m.messageId, ctx.brokerSequenceId, ctx.version);
  return {
    type,
    commandId: 0, responseRequired: false,
    producerId: messageId.producerId,
    destination: destinationStruct(m.destination),
    transactionId: null,
    originalDestination: m.originalDestination ? destinationStruct(m.originalDestination) : null,
    messageId,
    originalTransactionId: null,
    groupId: m.groupId ?? null,
    groupSequence: m.groupSeq ?? 0,
    correlationId: m.correlationId ?? null,
    persistent: m.deliveryMode === DeliveryMode.PERSISTENT,
    expiration: m.expiration,
    priority: m.priority,
    replyTo: m.replyTo ? destinationStruct(m.replyTo) : null,
    timestamp: m.timestamp,
    jmsType: m.type ?? null,
    content,
    marshalledProperties,
    dataStructure: null,
    targetConsumerId: null,
    compressed: false,
    redeliveryCounter: ctx.redeliveryCounter,
    brokerPath: m.brokerPath ? m.brokerPath.map((value) => ({ type: DataType.BROKER_ID, value })) : null,
    arrival: 0,
    userId: m.userId ?? null,
    receivedByDFBridge: false,
    droppable: false,
    cluster: null,
    brokerInTime: 0,
    brokerOutTime: 0,
    jmsxGroupFirstForConsumer: false,
  };
}
