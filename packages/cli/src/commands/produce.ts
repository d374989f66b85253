// `wharf produce`: send N messages, like ActiveMQ's `activemq producer`.
import { DeliveryMode, Session, type Message } from '@wharf/client';
import { bool, destinationOf, num, parseToolArgs, properties, str, type OptionSpec } from '../args';
import { UsageError, type Io } from '../io';
import { PRODUCE_HELP } from '../help';
import { Progress, summary } from '../progress';
import { closeQuietly, connect, operationError, type Connected } from './connect';

const OPTIONS: OptionSpec = {
  count: { type: 'string' },
  message: { type: 'string' },
  size: { type: 'string' },
  persistent: { type: 'boolean' },
  ttl: { type: 'string' },
  priority: { type: 'string' },
  transacted: { type: 'boolean' },
  batch: { type: 'string' },
  property: { type: 'string', multiple: true },
};

/** A text of exactly `size` characters (ASCII, so also bytes), numbered so messages differ. */
export function sizedText(i: number, size: number): string {
  const head = `Message ${i} `;
  if (size <= head.length) return head.slice(0, size);
  return head + 'x'.repeat(size - head.length);
}

function setProperty(m: Message, k: string, v: string | number | boolean): void {
  if (typeof v === 'boolean') m.setBooleanProperty(k, v);
  else if (typeof v === 'number') {
    if (Number.isInteger(v)) m.setLongProperty(k, v);
    else m.setDoubleProperty(k, v);
  } else m.setStringProperty(k, v);
}

export async function runProduce(argv: readonly string[], io: Io): Promise<number> {
  const v = parseToolArgs('produce', argv, OPTIONS);
  if (bool(v, 'help', false)) {
    io.out(PRODUCE_HELP);
    return 0;
  }
  const dest = destinationOf(v, 'produce');
  const count = num(v, 'count', 1, 0);
  const text = str(v, 'message');
  const size = str(v, 'size') === undefined ? undefined : num(v, 'size', 0, 0, 100 * 1024 * 1024, 'size');
  if (text !== undefined && size !== undefined) throw new UsageError('give --message TEXT or --size BYTES, not both');
  const persistent = bool(v, 'persistent', true);
  const ttl = num(v, 'ttl', 0, 0, Number.MAX_SAFE_INTEGER, 'duration');
  const priority = num(v, 'priority', 4, 0, 9);
  const batch = num(v, 'batch', 1, 1);
  const transacted = bool(v, 'transacted', false) || str(v, 'batch') !== undefined;
  const props = properties(v);

  let conn: Connected | undefined;
  const progress = new Progress(io, 'produced', count, bool(v, 'quiet', false));
  try {
    conn = await connect(v);
    const session = conn.connection.createSession(transacted, transacted ? Session.SESSION_TRANSACTED : Session.AUTO_ACKNOWLEDGE);
    const target = dest.kind === 'topic' ? session.createTopic(dest.name) : session.createQueue(dest.name);
    const producer = await session.createProducer(target);
    const options = { deliveryMode: persistent ? DeliveryMode.PERSISTENT : DeliveryMode.NON_PERSISTENT, priority, timeToLive: ttl };
    let inTx = 0;
    for (let i = 1; i <= count; i++) {
      const body = text ?? (size !== undefined ? sizedText(i, size) : `Message ${i} from wharf produce`);
      const m = session.createTextMessage(body);
      for (const [k, x] of Object.entries(props)) setProperty(m, k, x);
      await producer.send(m, options);
      if (transacted && ++inTx >= batch) {
        await session.commit();
        inTx = 0;
      }
      progress.tick();
    }
    if (transacted && inTx > 0) await session.commit();
  } catch (err) {
    progress.stop();
    await closeQuietly(conn);
    throw operationError(`sending to ${dest.url} failed after ${progress.count} message${progress.count === 1 ? '' : 's'}`, err);
  }
  progress.stop();
  const ms = progress.elapsed();
  await closeQuietly(conn);
  io.out(`${summary('produced', count, ms)} to ${dest.url}`);
  return 0;
}
