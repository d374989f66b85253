// Producers and sends on a server connection: producer open/close (with advisories), producer
// flow control (sends wait, in order, for memory or store space), and accepted sends.
import { CommandType, JMSError, MessageFormatError, ResourceAllocationError, parseDestination, type Send, type WireMessage } from '@wharf/protocol';
import type { ServerConnection } from '../connection';
import { messageDefaults } from '../validate';
import { txFor } from './transactions';

/**
 * Blocked sends held before the connection stops reading (TCP backpressure to the producer): a
 * count for small messages, and bytes, since what waits here is not yet in the memory accounting
 * (1,000 sends of 100 KB would be 100 MB a connection). A few are held rather than none so that a
 * connection's own acks, read behind its blocked sends, can still free the memory they wait for.
 * Across connections the bytes are bounded too: past MAX_ALL_BLOCKED_BYTES every connection stops
 * reading at its first blocked send, as ActiveMQ's blocked transport thread reads nothing more
 * (otherwise 500 connections could hold 4 MB each, as seen in a fuzz run).
 */
const MAX_BLOCKED = 1000;
const MAX_BLOCKED_BYTES = 4 * 1024 * 1024;
const MAX_ALL_BLOCKED_BYTES = 16 * 1024 * 1024;

function holdBlocked(conn: ServerConnection, cmd: Send): void {
  conn.blocked.push({ cmd, since: Date.now() });
  addBlockedBytes(conn, conn.broker.sizeOf(cmd.message));
  if (!conn.readingHeld && (conn.blocked.length > MAX_BLOCKED || conn.blockedBytes > MAX_BLOCKED_BYTES || conn.broker.blockedBytes > MAX_ALL_BLOCKED_BYTES)) {
    conn.readingHeld = true;
    conn.transport.pause?.();
  }
}

/** Change a connection's blocked bytes and the broker's total with them. */
export function addBlockedBytes(conn: ServerConnection, n: number): void {
  conn.blockedBytes += n;
  conn.broker.blockedBytes += n;
}

export function onProducerOpen(conn: ServerConnection, corr: number, sessionId: number, producerId: string, destination?: string): void {
  if (typeof producerId !== 'string' || !producerId) throw new JMSError('producerId is required');
  let d = null;
  if (destination && destination.includes(',')) parseDestinationOrComposite(destination);
  else if (destination) d = parseDestination(destination);
  conn.producers.set(producerId, { sessionId, destination: d?.url ?? null });
  if (d) conn.broker.security.authorizeProducer(conn, d);
  if (d) {
    const n = [...conn.broker.connections.values()].reduce((a, c) => a + [...c.producers.values()].filter((p) => p.destination === d!.url).length, 0);
    conn.broker.advisories.producersChanged(d, n, producerId);
  }
  conn.receipt(corr);
}

export function onProducerClose(conn: ServerConnection, producerId: string): void {
  const p = conn.producers.get(producerId);
  conn.producers.delete(producerId);
  if (p?.destination) conn.broker.advisories.producersChanged(parseDestination(p.destination), 0, producerId);
}

/**
 * A bytes body that is a small view of a much larger buffer (a socket read chunk, a joined
 * frame, the Buffer pool's slab) would keep that whole buffer alive for as long as the message
 * is held, while memoryLimit counts only the body: such a body is copied out. Bodies that fill
 * their buffer, as the decoders make them, are kept as they are.
 * @internal exported for tests
 */
export function detachBody(msg: WireMessage): void {
  const body = msg.body;
  if (body instanceof Uint8Array && body.buffer.byteLength > 2 * body.byteLength + 1024) {
    const copy = new Uint8Array(body.byteLength);
    copy.set(body);
    msg.body = copy;
  }
}

export function onSend(conn: ServerConnection, cmd: Send): void {
  const msg = cmd.message;
  messageDefaults(msg);
  detachBody(msg);
  conn.broker.security.authorizeSend(conn, msg);
  const blocked = conn.blocked;
  if (blocked.length > 0) {
    // Keep the producer's order: sends queue behind the one waiting for space.
    holdBlocked(conn, cmd);
    return;
  }
  const why = conn.broker.usageBlock(msg, cmd.txId !== undefined);
  if (why) {
    if (cmd.failIfNoSpace || conn.broker.config.sendFailIfNoSpace) throw refuseSend(conn, cmd, why);
    conn.broker.log.info({ conn: conn.id, why }, 'producer blocked by flow control');
    holdBlocked(conn, cmd);
    drainBlocked(conn).catch((err: Error) => conn.sendError(err, undefined, true));
    return;
  }
  acceptSend(conn, cmd);
}

async function drainBlocked(conn: ServerConnection): Promise<void> {
  const b = conn.broker;
  const blocked = conn.blocked;
  const timeout = b.config.sendFailIfNoSpaceAfterTimeout;
  while (blocked.length > 0 && !conn.closed) {
    const head = blocked[0]!;
    if (head.cmd.type !== CommandType.SEND) {
      // A commit or rollback that arrived behind blocked sends: now in its turn.
      blocked.shift();
      try {
        conn.endTx(head.cmd);
      } catch (err) {
        conn.sendError(err, head.cmd.corr);
      }
      continue;
    }
    const send = head.cmd;
    const why = b.usageBlock(send.message, send.txId !== undefined);
    if (why) {
      if (timeout > 0 && Date.now() - head.since >= timeout) {
        blocked.shift();
        addBlockedBytes(conn, -b.sizeOf(send.message));
        conn.sendError(refuseSend(conn, send, `${why} (waited ${timeout} ms: sendFailIfNoSpaceAfterTimeout)`), send.corr);
        continue;
      }
      await b.waitForUsage(100, send.message);
      continue;
    }
    blocked.shift();
    addBlockedBytes(conn, -b.sizeOf(send.message));
    try {
      acceptSend(conn, send);
    } catch (err) {
      conn.sendError(err, send.corr);
    }
  }
  addBlockedBytes(conn, -conn.blockedBytes);
  if (conn.readingHeld) {
    conn.readingHeld = false;
    conn.transport.resume?.();
  }
}

/** A send refused for lack of space; a transaction that loses a send cannot commit. */
function refuseSend(conn: ServerConnection, cmd: Send, why: string): ResourceAllocationError {
  if (cmd.txId !== undefined) txFor(conn, cmd.txId, -1).failed ??= why;
  return new ResourceAllocationError(why);
}

function acceptSend(conn: ServerConnection, cmd: Send): void {
  const msg = cmd.message;
  conn.messagesIn++;
  if (cmd.txId) {
    // Transacted sends wait for commit; still reject a bad destination now.
    parseDestinationOrComposite(msg.destination);
    const tx = txFor(conn, cmd.txId, -1);
    tx.sends.push(msg);
    // Held in memory until commit: counted like any message, so flow control sees it.
    const size = conn.broker.sizeOf(msg);
    tx.bytes += size;
    conn.broker.memory.add(size);
    conn.receipt(cmd.corr);
    return;
  }
  const p = conn.broker.send(msg, conn);
  if (!p) {
    conn.receipt(cmd.corr);
    return;
  }
  if (cmd.corr === undefined) {
    p.catch((err: Error) => conn.sendError(err));
    return;
  }
  const corr = cmd.corr;
  p.then(() => conn.receipt(corr), (err: Error) => conn.sendError(err, corr));
}

export function parseDestinationOrComposite(text: string): void {
  if (typeof text !== 'string') throw new MessageFormatError('message destination must be a string');
  for (const part of text.split(',')) parseDestination(part.trim(), text.startsWith('topic://') ? 'topic' : 'queue');
}
