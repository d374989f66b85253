// STOMP ⇄ Wharf message and destination mapping, with ActiveMQ Classic's conventions
// (docs/ACTIVEMQ-BEHAVIOUR.md: STOMP: FrameTranslator, LegacyFrameTranslator). Pure functions: the converter
// supplies ids, the connection id and the negotiated version.
import {
  BodyKind, DEFAULT_PRIORITY, DeliveryMode, InvalidDestinationError, MessageFormatError,
  type Properties, type WireMessage,
} from '@wharf/protocol';
import type { HeaderList } from './parser';
import { Escape, type HeaderTarget } from './writer';

// ---- destinations ---------------------------------------------------------------------------

const PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['/queue/', 'queue'],
  ['/topic/', 'topic'],
  ['/temp-queue/', 'temp-queue'],
  ['/temp-topic/', 'temp-topic'],
  ['/remote-temp-queue/', 'remote-temp-queue'],
  ['/remote-temp-topic/', 'remote-temp-topic'],
];

export interface StompDestination {
  /** The Wharf URL: `queue://X`, `temp-queue://<connectionId>:X`, or a composite list. */
  url: string;
  /** Temporary destinations of this connection named here (created on first use). */
  temps: string[];
}

function one(text: string, connectionId: string, temps: string[], inherited: string): { url: string; kind: string } {
  for (const [prefix, kind] of PREFIXES) {
    if (!text.startsWith(prefix)) continue;
    const name = text.slice(prefix.length);
    if (name.length === 0) throw new InvalidDestinationError(`Illegal destination name: [${text}] has no name after the prefix`);
    switch (kind) {
      case 'temp-queue':
      case 'temp-topic': {
        const url = `${kind}://${connectionId}:${name}`;
        temps.push(url);
        return { url, kind };
      }
      // Another connection's temporary destination, by its full name (a reply-to we sent out).
      case 'remote-temp-queue': return { url: `temp-queue://${name}`, kind };
      case 'remote-temp-topic': return { url: `temp-topic://${name}`, kind };
      default: return { url: `${kind}://${name}`, kind };
    }
  }
  // As ActiveMQ: a name without a known prefix is a queue of that name, and a later part of a
  // composite without a prefix has the kind of the part before it (`/queue/A,B` is two queues).
  const kind = inherited === 'topic' ? 'topic' : 'queue';
  return { url: `${kind}://${text}`, kind };
}

/** Whether `text` starts with one of the STOMP destination prefixes (`/queue/`, `/topic/`, ...). */
export function hasStompPrefix(text: string): boolean {
  for (const [prefix] of PREFIXES) if (text.startsWith(prefix)) return true;
  return false;
}

/** `/queue/A` → `queue://A`; a comma list becomes a composite (`/queue/A,/topic/B`, `/queue/A,B`). */
export function fromStompDestination(text: string, connectionId: string): StompDestination {
  const temps: string[] = [];
  if (!text.includes(',')) return { url: one(text, connectionId, temps, 'queue').url, temps };
  let kind = 'queue';
  const parts = text.split(',').map((p) => {
    const d = one(p.trim(), connectionId, temps, kind);
    kind = d.kind;
    return d.url;
  });
  return { url: parts.join(','), temps };
}

/** `queue://A` → `/queue/A`; this connection's temporaries keep their short STOMP name. */
export function toStompDestination(url: string, connectionId: string): string {
  let kind = url.startsWith('topic://') ? 'topic' : 'queue';
  return url.split(',').map((raw, i) => {
    const part = raw.trim();
    const m = /^([a-z-]+):\/\/(.*)$/s.exec(part);
    let name = part;
    if (m) {
      kind = m[1]!;
      name = m[2]!;
    }
    if (kind === 'temp-queue' || kind === 'temp-topic') {
      const own = `${connectionId}:`;
      return name.startsWith(own) ? `/${kind}/${name.slice(own.length)}` : `/remote-${kind}/${name}`;
    }
    // ActiveMQ writes a composite as the first part in STOMP form, the others qualified:
    // `/queue/A,queue://B`.
    return i === 0 ? `/${kind}/${name}` : `${kind}://${name}`;
  }).join(',');
}

// ---- SEND → message ---------------------------------------------------------------------------

export interface SendContext {
  messageId: string;
  producerId: string;
  producerSeq: number;
  /** The Wharf URL of the `destination` header. */
  destination: string;
  /** The Wharf URL of `reply-to`, or undefined when it is absent or not a STOMP destination. */
  replyTo?: string;
  now: number;
}

/**
 * A number header ActiveMQ parses with Long/Integer.parseLong: one that does not parse ends the
 * connection there, without an ERROR frame (the converter closes it on this error).
 */
export class HeaderNumberError extends MessageFormatError {}

const INTEGER = /^[-+]?\d{1,16}$/;

function integer(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!INTEGER.test(v)) throw new HeaderNumberError(`header ${name}:${v} is not an integer`);
  return Number(v);
}

/**
 * What one pass over a SEND's headers finds (the headers the translation consumes; every other
 * header becomes a property). Reused: sendToMessage is never re-entered.
 */
const seen = {
  priority: undefined as string | undefined,
  expires: undefined as string | undefined,
  timestamp: undefined as string | undefined,
  groupSeq: undefined as string | undefined,
  groupId: undefined as string | undefined,
  persistent: undefined as string | undefined,
  correlationId: undefined as string | undefined,
  type: undefined as string | undefined,
  replyTo: undefined as string | undefined,
  transformation: undefined as string | undefined,
  contentLength: false,
  /** The first scheduling header that is not a number (refused after the integer headers, as before). */
  badNumber: undefined as string | undefined,
  properties: null as Properties | null,
};

function visitHeader(v: string, k: string): void {
  switch (k) {
    // Consumed by the translation, never properties.
    case 'destination': case 'receipt': case 'transaction': case 'message-id': case 'redelivered':
    case 'subscription': case 'JMSXUserID':
      return;
    case 'content-length': seen.contentLength = true; return;
    case 'persistent': seen.persistent = v; return;
    case 'priority': seen.priority = v; return;
    case 'expires': seen.expires = v; return;
    case 'timestamp': seen.timestamp = v; return;
    case 'correlation-id': seen.correlationId = v; return;
    case 'type': seen.type = v; return;
    case 'reply-to': seen.replyTo = v; return;
    case 'JMSXGroupID': seen.groupId = v; return;
    case 'JMSXGroupSeq': seen.groupSeq = v; return;
    case 'transformation': seen.transformation = v; return;
    case 'AMQ_SCHEDULED_DELAY': case 'AMQ_SCHEDULED_PERIOD': case 'AMQ_SCHEDULED_REPEAT': {
      const n = Number(v.trim());
      if (v.trim() === '' || !Number.isFinite(n)) seen.badNumber ??= k;
      else seen.properties![k] = n;
      return;
    }
    default:
      seen.properties![k] = v;
  }
}

/**
 * Build the message of a SEND frame. A `content-length` header makes a bytes message, its
 * absence a text message, as ActiveMQ does; `transformation: jms-map-json` / `jms-object-json`
 * make a map / object message from a JSON body and `jms-byte` forces bytes. The headers are
 * read in one pass (Map#forEach: no entry arrays, no lookup per header the translation knows).
 */
export function sendToMessage(headers: Map<string, string>, body: Buffer, ctx: SendContext): WireMessage {
  const h = seen;
  h.priority = h.expires = h.timestamp = h.groupSeq = h.groupId = h.persistent = undefined;
  h.correlationId = h.type = h.replyTo = h.transformation = h.badNumber = undefined;
  h.contentLength = false;
  const properties: Properties = {};
  h.properties = properties;
  headers.forEach(visitHeader);
  h.properties = null;
  // ActiveMQ clamps an out-of-range priority to 0-9 rather than refusing the message.
  const given = integer('priority', h.priority) ?? DEFAULT_PRIORITY;
  const priority = given > 9 ? 9 : given < 0 ? 0 : given;
  const expiration = integer('expires', h.expires) ?? 0;
  const timestamp = integer('timestamp', h.timestamp) ?? ctx.now;
  const groupSeq = integer('JMSXGroupSeq', h.groupSeq);
  if (h.badNumber !== undefined) throw new HeaderNumberError(`header ${h.badNumber}:${headers.get(h.badNumber)} is not a number`);
  if (h.replyTo !== undefined && ctx.replyTo === undefined) properties['reply-to'] = h.replyTo;
  const msg: WireMessage = {
    messageId: ctx.messageId,
    destination: ctx.destination,
    // ActiveMQ compares with "true" exactly: `persistent:TRUE` is a non-persistent message.
    deliveryMode: h.persistent === 'true' ? DeliveryMode.PERSISTENT : DeliveryMode.NON_PERSISTENT,
    priority,
    timestamp,
    expiration: expiration > 0 ? expiration : 0,
    deliveryTime: 0,
    redelivered: false,
    deliveryCount: 0,
    producerId: ctx.producerId,
    producerSeq: ctx.producerSeq,
    properties,
    bodyKind: BodyKind.TEXT,
    body: '',
  };
  if (h.correlationId !== undefined) msg.correlationId = h.correlationId;
  if (ctx.replyTo !== undefined) msg.replyTo = ctx.replyTo;
  if (h.type !== undefined) msg.type = h.type;
  if (h.groupId !== undefined) msg.groupId = h.groupId;
  if (groupSeq !== undefined) msg.groupSeq = groupSeq;
  setBody(msg, h.transformation, h.contentLength, body);
  return msg;
}

function setBody(msg: WireMessage, transformation: string | undefined, contentLength: boolean, body: Buffer): void {
  if (transformation === 'jms-map-json' || transformation === 'jms-object-json') {
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new MessageFormatError(`transformation ${transformation}: the body is not JSON (${(err as Error).message})`);
    }
    if (transformation === 'jms-map-json') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new MessageFormatError('transformation jms-map-json needs a JSON object body');
      }
      for (const [k, v] of Object.entries(value)) {
        if (v !== null && typeof v === 'object') throw new MessageFormatError(`transformation jms-map-json: entry '${k}' is not a primitive`);
      }
      msg.bodyKind = BodyKind.MAP;
    } else {
      msg.bodyKind = BodyKind.OBJECT;
    }
    msg.body = value;
  } else if (contentLength || transformation === 'jms-byte') {
    msg.bodyKind = BodyKind.BYTES;
    msg.body = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  } else {
    msg.bodyKind = BodyKind.TEXT;
    msg.body = body.utf8Slice(0, body.length);
  }
}

// ---- message → MESSAGE --------------------------------------------------------------------

/** MESSAGE headers the broker sets; properties of the same name are not copied over them. */
const MESSAGE_RESERVED = new Set([
  'message-id', 'destination', 'subscription', 'ack', 'correlation-id', 'expires', 'redelivered', 'priority',
  'reply-to', 'timestamp', 'type', 'JMSXUserID', 'original-destination', 'persistent', 'JMSXGroupID',
  'JMSXGroupSeq', 'content-length', 'transformation', 'browser',
]);

export interface MessageContext {
  connectionId: string;
  subscription?: string;
  /** STOMP 1.2 `ack` header value. */
  ackId?: string;
  redelivered: boolean;
  /** 1.0 cannot carry ':' in header names (no escaping). */
  version: '1.0' | '1.1' | '1.2';
  /** toStompDestination for this connection, memoised by the caller. */
  stompName?: (url: string) => string;
  /**
   * The last timestamp written and its text: messages sent in the same millisecond follow each
   * other, and a 13-digit number is not in V8's number-to-string cache.
   */
  timestamp?: number;
  timestampText?: string;
}

/**
 * Headers and body of the MESSAGE frame for `msg`. Text stays text; bytes get content-length;
 * map, stream and object bodies are sent as JSON with a `transformation` header.
 */
export function messageToFrame(msg: WireMessage, ctx: MessageContext): { headers: HeaderList; body: string | Uint8Array } {
  const headers: HeaderList = [];
  const body = messageHeaders(msg, ctx, {
    header: (name, value, escape) => headers.push(escape === Escape.NONE ? [name, value, true] : [name, value]),
  });
  return { headers, body };
}

/** messageToFrame writing its headers into `out` (a connection's frame writer); returns the body. */
export function messageHeaders(msg: WireMessage, ctx: MessageContext, out: HeaderTarget): string | Uint8Array {
  const name = ctx.stompName ?? ((url: string): string => toStompDestination(url, ctx.connectionId));
  out.header('message-id', msg.messageId, Escape.ID);
  out.header('destination', name(msg.destination), Escape.VALUE);
  if (ctx.subscription !== undefined) out.header('subscription', ctx.subscription, Escape.VALUE);
  if (ctx.ackId !== undefined) out.header('ack', ctx.ackId, Escape.NONE);
  if (msg.correlationId !== undefined) out.header('correlation-id', msg.correlationId, Escape.VALUE);
  out.header('expires', String(msg.expiration), Escape.NONE);
  if (ctx.redelivered) out.header('redelivered', 'true', Escape.NONE);
  out.header('priority', String(msg.priority), Escape.NONE);
  if (msg.replyTo !== undefined) out.header('reply-to', name(msg.replyTo), Escape.VALUE);
  if (msg.timestamp !== ctx.timestamp) {
    ctx.timestamp = msg.timestamp;
    ctx.timestampText = String(msg.timestamp);
  }
  out.header('timestamp', ctx.timestampText!, Escape.NONE);
  if (msg.type !== undefined) out.header('type', msg.type, Escape.VALUE);
  if (msg.userId !== undefined) out.header('JMSXUserID', msg.userId, Escape.VALUE);
  if (msg.originalDestination !== undefined) out.header('original-destination', name(msg.originalDestination), Escape.VALUE);
  if (msg.deliveryMode === DeliveryMode.PERSISTENT) out.header('persistent', 'true', Escape.NONE);
  // ActiveMQ does not write JMSXGroupID / JMSXGroupSeq back into MESSAGE frames.
  for (const k in msg.properties) {
    // A `reply-to` that was not a destination travels as a property and comes out as itself.
    if ((MESSAGE_RESERVED.has(k) && !(k === 'reply-to' && msg.replyTo === undefined)) || (ctx.version === '1.0' && k.includes(':'))) continue;
    const v = propertyText(msg.properties[k]);
    if (v !== undefined) out.header(k, v, Escape.BOTH);
  }
  switch (msg.bodyKind) {
    case BodyKind.TEXT: {
      const text = typeof msg.body === 'string' ? msg.body : '';
      // A NUL inside a text body would end the frame early: give its length.
      if (text.includes('\u0000')) out.header('content-length', String(Buffer.byteLength(text)), Escape.NONE);
      return text;
    }
    case BodyKind.BYTES: {
      const b = msg.body instanceof Uint8Array ? msg.body : new Uint8Array(0);
      out.header('content-length', String(b.byteLength), Escape.NONE);
      return b;
    }
    case BodyKind.MAP:
      out.header('transformation', 'jms-map-json', Escape.NONE);
      return toJson(msg.body ?? {});
    case BodyKind.STREAM:
      out.header('transformation', 'jms-stream-json', Escape.NONE);
      return toJson(msg.body ?? []);
    case BodyKind.OBJECT:
      out.header('transformation', 'jms-object-json', Escape.NONE);
      return toJson(msg.body ?? null);
    default:
      return '';
  }
}

function propertyText(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return String(v);
}

/** JSON where bigints become numbers (or strings past 2^53) and bytes become base64. */
function toJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, k: string, v: unknown) {
    const raw = this[k]; // before Buffer#toJSON turned it into { type, data }
    if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    return v;
  });
}
