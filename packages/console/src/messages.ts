// A WireMessage as the console shows it: JSON-safe headers, properties and body text.
import { BodyKind, DeliveryMode, type WireMessage } from '@wharf/protocol';
import type { BodyKindName, MessageDetail, MessageSummary } from './view';

const PREVIEW_CHARS = 160;
/** Bodies larger than this are cut when a message is opened (the API answers stay small). */
const DETAIL_MAX_CHARS = 256 * 1024;

const KIND_NAMES: Record<number, BodyKindName> = {
  [BodyKind.NONE]: 'none',
  [BodyKind.TEXT]: 'text',
  [BodyKind.BYTES]: 'bytes',
  [BodyKind.MAP]: 'map',
  [BodyKind.STREAM]: 'stream',
  [BodyKind.OBJECT]: 'object',
};

export interface DeliveryState {
  redelivered: boolean;
  deliveryCount: number;
  inflight: boolean;
}

function jsonSafe(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`;
  return String(v);
}

/** JSON.stringify replacer: bigints as decimal text, bytes as base64 (JSON has neither). */
export function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return v;
}

function bodyText(m: WireMessage): { text: string; encoding: MessageDetail['bodyEncoding']; size: number } {
  const b = m.body;
  if (b === null || b === undefined) return { text: '', encoding: 'utf8', size: 0 };
  if (typeof b === 'string') return { text: b, encoding: 'utf8', size: b.length };
  if (b instanceof Uint8Array) return { text: Buffer.from(b).toString('base64'), encoding: 'base64', size: b.byteLength };
  const text = JSON.stringify(b, replacer, 2) ?? '';
  return { text, encoding: 'json', size: text.length };
}

function summary(m: WireMessage, s: DeliveryState, body: ReturnType<typeof bodyText>): MessageSummary {
  const properties: MessageSummary['properties'] = {};
  for (const [k, v] of Object.entries(m.properties)) properties[k] = jsonSafe(v);
  const preview = body.encoding === 'json' ? JSON.stringify(m.body, replacer) ?? '' : body.text;
  return {
    id: m.messageId,
    destination: m.destination,
    timestamp: m.timestamp,
    priority: m.priority,
    persistent: m.deliveryMode === DeliveryMode.PERSISTENT,
    redelivered: s.redelivered,
    deliveryCount: s.deliveryCount,
    expiration: m.expiration,
    state: s.inflight ? 'inflight' : 'pending',
    ...(m.correlationId !== undefined ? { correlationId: m.correlationId } : {}),
    ...(m.type !== undefined ? { type: m.type } : {}),
    ...(m.replyTo !== undefined ? { replyTo: m.replyTo } : {}),
    ...(m.groupId !== undefined ? { groupId: m.groupId } : {}),
    ...(m.originalDestination !== undefined ? { originalDestination: m.originalDestination } : {}),
    properties,
    bodyKind: KIND_NAMES[m.bodyKind] ?? 'none',
    bodyPreview: preview.length > PREVIEW_CHARS ? `${preview.slice(0, PREVIEW_CHARS)}…` : preview,
    bodySize: body.size,
  };
}

export function describeMessage(m: WireMessage, s: DeliveryState): MessageSummary {
  return summary(m, s, bodyText(m));
}

export function messageDetail(m: WireMessage, s: DeliveryState): MessageDetail {
  const body = bodyText(m);
  const text = body.text.length > DETAIL_MAX_CHARS ? `${body.text.slice(0, DETAIL_MAX_CHARS)}…` : body.text;
  return { ...summary(m, s, body), body: text, bodyEncoding: body.encoding };
}
