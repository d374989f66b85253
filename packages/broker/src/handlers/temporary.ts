// Temporary destinations of a server connection: created and deleted by their owner, removed
// when it closes.
import { IllegalStateError, InvalidDestinationError, isQueueKind, isTemporary, parseDestination } from '@wharf/protocol';
import type { ServerConnection } from '../connection';

export function onTempCreate(conn: ServerConnection, corr: number, destination: string): void {
  const d = parseDestination(destination);
  if (!isTemporary(d.kind)) throw new InvalidDestinationError(`${destination} is not a temporary destination`);
  conn.broker.security.authorizeTempCreate(conn, d);
  if (isQueueKind(d.kind)) {
    if (conn.broker.queues.has(d.url)) throw new InvalidDestinationError(`${d.url} already exists`);
    conn.broker.getQueue(d, true)!.owner = conn.id;
  } else {
    if (conn.broker.topics.has(d.url)) throw new InvalidDestinationError(`${d.url} already exists`);
    conn.broker.getTopic(d, true)!.owner = conn.id;
  }
  conn.temps.add(d.url);
  conn.receipt(corr);
}

export function onTempDelete(conn: ServerConnection, corr: number, destination: string): void {
  const d = parseDestination(destination);
  if (!conn.temps.has(d.url)) throw new InvalidDestinationError(`${d.url} is not a temporary destination of this connection`);
  const inUse = isQueueKind(d.kind) ? (conn.broker.queues.get(d.url)?.consumers.length ?? 0) > 0 : (conn.broker.topics.get(d.url)?.consumerCount ?? 0) > 0;
  if (inUse) throw new IllegalStateError(`temporary destination ${d.url} has active consumers`);
  conn.temps.delete(d.url);
  conn.broker.removeDestination(d.url).then(() => conn.receipt(corr), (err) => conn.sendError(err, corr));
}
