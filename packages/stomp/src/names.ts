// Command and header names matched on their bytes, so that the usual frame costs no string for
// them, and the last value of headers that repeat from one frame to the next (the parser's).

/** The commands of either side. */
const KNOWN_COMMANDS = [
  'SEND', 'ACK', 'NACK', 'SUBSCRIBE', 'UNSUBSCRIBE', 'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT', 'CONNECT', 'STOMP',
  'MESSAGE', 'RECEIPT', 'ERROR', 'CONNECTED',
].map((c) => [c, Buffer.from(c, 'latin1')] as const);

/** Header names clients send most: no string is made or hashed for them. */
const KNOWN_HEADERS = [
  'destination', 'receipt', 'persistent', 'content-length', 'content-type', 'transaction', 'id', 'ack', 'subscription',
  'message-id', 'priority', 'expires', 'reply-to', 'correlation-id', 'type', 'selector', 'redelivered', 'timestamp',
].map((c) => [c, Buffer.from(c, 'latin1')] as const);

/**
 * Known headers whose value usually repeats from one frame to the next (a producer's
 * destination): the last value's bytes and string are kept, and a frame with the same bytes gets
 * the same string, neither decoded again nor hashed again where it is looked up.
 */
const REPEATING = new Set(['destination', 'persistent', 'content-type', 'transaction', 'ack', 'priority', 'reply-to', 'type', 'selector', 'subscription']);
const CACHED_HEADER = KNOWN_HEADERS.map(([name]) => REPEATING.has(name));
/** Longer values are not kept. */
const CACHED_VALUE_BYTES = 256;

/** The index in `list` of the name in buf[start, end), or -1. */
function known(list: ReadonlyArray<readonly [string, Buffer]>, buf: Buffer, start: number, end: number): number {
  const len = end - start;
  for (let k = 0; k < list.length; k++) {
    const bytes = list[k]![1];
    if (bytes.length !== len) continue;
    let i = 0;
    while (i < len && buf[start + i] === bytes[i]) i++;
    if (i === len) return k;
  }
  return -1;
}

export function knownCommand(buf: Buffer, start: number, end: number): string | undefined {
  const i = known(KNOWN_COMMANDS, buf, start, end);
  return i < 0 ? undefined : KNOWN_COMMANDS[i]![0];
}

/** The index of the known header named by buf[start, end), or -1 (see headerName). */
export function knownHeader(buf: Buffer, start: number, end: number): number {
  return known(KNOWN_HEADERS, buf, start, end);
}

export function headerName(k: number): string {
  return KNOWN_HEADERS[k]![0];
}

interface CachedValue { bytes: Buffer; value: string; unescaped: boolean }

/** The last value of each repeating known header, for one parser. */
export class LastValues {
  private readonly values: Array<CachedValue | undefined> = KNOWN_HEADERS.map(() => undefined);

  /** The string of the value in buf[start, end) when it is the last one of known header `k`. */
  get(k: number, buf: Buffer, start: number, end: number, unescaped: boolean): string | undefined {
    if (!CACHED_HEADER[k]) return undefined;
    const last = this.values[k];
    if (last === undefined || last.unescaped !== unescaped) return undefined;
    const a = last.bytes;
    const len = end - start;
    if (a.length !== len) return undefined;
    for (let i = 0; i < len; i++) if (a[i] !== buf[start + i]) return undefined;
    return last.value;
  }

  set(k: number, buf: Buffer, start: number, end: number, value: string, unescaped: boolean): void {
    if (!CACHED_HEADER[k] || end - start > CACHED_VALUE_BYTES) return;
    this.values[k] = { bytes: Buffer.from(buf.subarray(start, end)), value, unescaped };
  }
}
