// `wharf browse`: print the messages on a queue without consuming them (`activemq browse`).
import { Session } from '@wharf/client';
import { bool, destinationOf, num, parseToolArgs, str, type OptionSpec } from '../args';
import type { Io } from '../io';
import { BROWSE_HELP } from '../help';
import { closeQuietly, connect, operationError, type Connected } from './connect';
import { checkSelector } from './consume';
import { formatMessage } from './show';

const OPTIONS: OptionSpec = {
  selector: { type: 'string' },
  limit: { type: 'string' },
};

export async function runBrowse(argv: readonly string[], io: Io): Promise<number> {
  const v = parseToolArgs('browse', argv, OPTIONS);
  if (bool(v, 'help', false)) {
    io.out(BROWSE_HELP);
    return 0;
  }
  const dest = destinationOf(v, 'browse', true);
  const selector = str(v, 'selector');
  checkSelector(selector);
  const limit = num(v, 'limit', 0, 0);

  let conn: Connected | undefined;
  let n = 0;
  try {
    conn = await connect(v);
    conn.connection.start();
    const session = conn.connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const browser = await session.createBrowser(session.createQueue(dest.name), selector);
    for await (const m of browser) {
      io.out(formatMessage(++n, m));
      if (limit > 0 && n >= limit) break;
    }
  } catch (err) {
    await closeQuietly(conn);
    throw operationError(`browsing ${dest.url} failed after ${n} message${n === 1 ? '' : 's'}`, err);
  }
  await closeQuietly(conn);
  io.err(`${n} message${n === 1 ? '' : 's'} on ${dest.url}${selector ? ` matching ${selector}` : ''}${limit > 0 && n >= limit ? ` (--limit ${limit} reached)` : ''}`);
  return 0;
}
