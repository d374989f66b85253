// The client port of a node that is not serving (slave, candidate, master still syncing): every
// native-protocol HELLO is answered with ERROR WHARF_NOT_MASTER naming the master (in the text,
// and in `members`: the group's client URLs, master first, which failover clients add to their
// URIs), and the connection closes, so failover clients move on to the next URL at once.
// A connection a protocol package recognises from its first bytes (OpenWire) is refused in that
// protocol by the package's detector (ProtocolDetector.refuse).
import { createServer, type Server, type Socket } from 'node:net';
import { CommandType, ErrorCode, FrameDecoder, encodeFrame } from '@wharf/protocol';
import { keepAccepting, type ProtocolPackage } from '@wharf/broker';
import type { Refuser } from './node';

export interface RefuserOptions {
  host: string;
  port: number;
  reason(): string;
  /** The group's client URLs, the master first: sent with the error (ERROR.members). */
  members?(): string[];
  /** Packages whose detectors may refuse their own protocol's connections. */
  protocols?: readonly ProtocolPackage[];
  /** Tell refused clients of other protocols the members too (the connector's updateClusterClients). */
  tellProtocolClients?: boolean;
  /** Where a failed accept is told (it is never fatal). */
  log?: { warn(obj: object, msg: string): void };
}

/** The detectors that refuse in their protocol, or none. */
function refusingDetectors(protocols: readonly ProtocolPackage[] | undefined): Array<NonNullable<ProtocolPackage['detect']>> {
  return (protocols ?? []).flatMap((p) => (p.detect?.refuse ? [p.detect] : []));
}

export async function startRefuser(opts: RefuserOptions): Promise<Refuser & { port: number }> {
  const sockets = new Set<Socket>();
  const detectors = refusingDetectors(opts.protocols);
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const timer = setTimeout(() => socket.destroy(), 10_000);
    timer.unref();
    let answered = false;
    const refuse = (corr: number | undefined): void => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      const members = opts.members?.() ?? [];
      socket.end(encodeFrame({
        type: CommandType.ERROR, corr, code: ErrorCode.NOT_MASTER, message: opts.reason(), fatal: true, ...(members.length ? { members } : {}),
      }));
    };
    const decoder = new FrameDecoder({
      command: (cmd) => refuse((cmd as { corr?: number }).corr),
      error: () => refuse(undefined),
    }, 64 * 1024);
    // Until every detector has said no, the first bytes are held (a few bytes at most).
    let head: Buffer | null = detectors.length ? Buffer.alloc(0) : null;
    const onData = (chunk: Buffer): void => {
      if (head === null) return decoder.push(chunk);
      head = Buffer.concat([head, chunk]);
      let undecided = false;
      for (const d of detectors) {
        const m = d.matches(head);
        if (m === true) {
          answered = true;
          clearTimeout(timer);
          socket.off('data', onData);
          const members = opts.tellProtocolClients === false ? [] : (opts.members?.() ?? []);
          d.refuse!(socket, head, { reason: opts.reason(), members });
          return;
        }
        if (m === undefined) undecided = true;
      }
      if (undecided) return;
      const held = head;
      head = null;
      decoder.push(held);
    };
    socket.on('data', onData);
  });
  keepAccepting(server, (err) => opts.log?.warn({ port: opts.port, err: err.message }, 'refuser: accepting a connection failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : opts.port;
  return {
    port,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
