// One line per message for `consume --print` and `browse`: number, id, flags, properties, body.
import { BytesMessage, DeliveryMode, StreamMessage, TextMessage, type Message } from '@wharf/client';

const MAX_BODY = 2000;

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x)) ?? String(v);

function bodyText(m: Message): string {
  if (m instanceof TextMessage) return m.getText() ?? '(null text)';
  if (m instanceof BytesMessage) return `(bytes message, ${m.getBodyLength()} bytes)`;
  // JMS 2.0: a stream message has no getBody().
  if (m instanceof StreamMessage) return '(stream message)';
  try {
    const body = m.getBody();
    return body === null || body === undefined ? '(no body)' : json(body);
  } catch (err) {
    return `(unreadable body: ${(err as Error).message})`;
  }
}

/** The application's properties; JMSXDeliveryCount is shown as a flag instead. */
function propsOf(m: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of m.getPropertyNames()) if (n !== 'JMSXDeliveryCount') out[n] = m.getObjectProperty(n);
  return out;
}

export function formatMessage(n: number, m: Message): string {
  const flags: string[] = [`priority=${m.getJMSPriority()}`];
  if (m.getJMSDeliveryMode() === DeliveryMode.NON_PERSISTENT) flags.push('non-persistent');
  if (m.getJMSRedelivered()) flags.push(`redelivered deliveries=${String(m.getObjectProperty('JMSXDeliveryCount'))}`);
  const props = propsOf(m);
  const propText = Object.keys(props).length ? ` ${json(props)}` : '';
  let body = bodyText(m);
  if (body.length > MAX_BODY) body = `${body.slice(0, MAX_BODY)}... (${body.length} characters)`;
  return `[${n}] ${m.getJMSMessageID() ?? '(no id)'} ${flags.join(' ')}${propText}: ${body}`;
}
