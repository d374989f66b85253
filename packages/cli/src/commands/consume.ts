// `wharf consume`: receive messages, like ActiveMQ's `activemq consumer`.
import { Session, type Message, type MessageConsumer } from '@wharf/client';
import { compileSelector } from '@wharf/protocol';
import { bool, destinationOf, num, parseToolArgs, str, type OptionSpec } from '../args';
import { UsageError, messageOf, type Io } from '../io';
import { CONSUME_HELP } from '../help';
import { Progress, summary } from '../progress';
import { closeQuietly, connect, operationError, type Connected } from './connect';
import { formatMessage } from './show';

const OPTIONS: OptionSpec = {
  count: { type: 'string' },
  timeout: { type: 'string' },
  selector: { type: 'string' },
  ack: { type: 'string' },
  batch: { type: 'string' },
  durable: { type: 'string' },
  print: { type: 'boolean' },
};

export const ACK_MODES = {
  auto: Session.AUTO_ACKNOWLEDGE,
  client: Session.CLIENT_ACKNOWLEDGE,
  dups_ok: Session.DUPS_OK_ACKNOWLEDGE,
  individual: Session.INDIVIDUAL_ACKNOWLEDGE,
  transacted: Session.SESSION_TRANSACTED,
} as const;
type AckName = keyof typeof ACK_MODES;

function ackOf(text: string | undefined): AckName {
  if (text === undefined) return 'auto';
  // ActiveMQ's tools take the JMS constant names too (CLIENT_ACKNOWLEDGE).
  const t = text.toLowerCase().replace(/-/g, '_').replace(/_acknowledge$/, '').replace(/^session_/, '');
  if (t in ACK_MODES) return t as AckName;
  throw new UsageError(`--ack: expected auto, client, dups_ok, individual or transacted, got '${text}'`);
}

export function checkSelector(selector: string | undefined): void {
  if (selector === undefined) return;
  try {
    compileSelector(selector);
  } catch (err) {
    throw new UsageError(`--selector: ${messageOf(err)} — write a JMS selector such as "color = 'red' AND weight > 2"`);
  }
}

export async function runConsume(argv: readonly string[], io: Io): Promise<number> {
  const v = parseToolArgs('consume', argv, OPTIONS);
  if (bool(v, 'help', false)) {
    io.out(CONSUME_HELP);
    return 0;
  }
  const dest = destinationOf(v, 'consume');
  const count = num(v, 'count', 0, 0);
  const timeout = num(v, 'timeout', 10_000, 0, Number.MAX_SAFE_INTEGER, 'duration');
  const selector = str(v, 'selector');
  checkSelector(selector);
  const ack = ackOf(str(v, 'ack'));
  const batch = num(v, 'batch', 1, 1);
  const durable = str(v, 'durable');
  if (durable !== undefined && dest.kind !== 'topic') throw new UsageError(`--durable: durable subscriptions are for topics, got ${dest.url} — use --topic NAME`);
  if (durable !== undefined && str(v, 'client-id') === undefined) {
    throw new UsageError('--durable needs --client-id ID: a durable subscription belongs to a client ID (use the same one to resume it)');
  }
  const print = bool(v, 'print', false);
  // Messages go to stdout with --print; the summary then goes to stderr to keep stdout clean.
  const report = print ? io.err : io.out;

  let conn: Connected | undefined;
  const progress = new Progress(io, 'consumed', count, bool(v, 'quiet', false) || print);
  let pending: Message | undefined;
  let unacked = 0;
  try {
    conn = await connect(v);
    const transacted = ack === 'transacted';
    const session = conn.connection.createSession(transacted, ACK_MODES[ack]);
    let consumer: MessageConsumer;
    if (durable !== undefined) consumer = await session.createDurableSubscriber(session.createTopic(dest.name), durable, selector);
    else consumer = await session.createConsumer(dest.kind === 'topic' ? session.createTopic(dest.name) : session.createQueue(dest.name), selector);
    conn.connection.start();
    while (count === 0 || progress.count < count) {
      const m = timeout > 0 ? await consumer.receive(timeout) : await consumer.receive();
      if (!m) break;
      progress.tick();
      if (print) io.out(formatMessage(progress.count, m));
      if (ack === 'individual') await m.acknowledge();
      else if (ack === 'client' || transacted) {
        pending = m;
        if (++unacked >= batch) {
          if (transacted) await session.commit();
          else await m.acknowledge();
          pending = undefined;
          unacked = 0;
        }
      }
    }
    if (pending && transacted) await session.commit();
    else if (pending) await pending.acknowledge();
  } catch (err) {
    progress.stop();
    await closeQuietly(conn);
    throw operationError(`receiving from ${dest.url} failed after ${progress.count} message${progress.count === 1 ? '' : 's'}`, err);
  }
  progress.stop();
  const ms = progress.activeMs();
  await closeQuietly(conn);
  report(`${summary('consumed', progress.count, ms)} from ${dest.url}`);
  if (count > 0 && progress.count < count) {
    io.err(`wharf: only ${progress.count} of ${count} messages arrived within ${timeout} ms — raise --timeout, or check that something produces to ${dest.url}`);
    return 1;
  }
  return 0;
}
