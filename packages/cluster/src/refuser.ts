// The client port of a node that is not serving (slave, candidate, master still syncing): every
// native-protocol HELLO is answered with ERROR WHARF_NOT_MASTER naming the master (in the text,
// and in `members`: the group's client URLs, master first, which failover clients add to their
// URIs), and the connection closes, so failover clients move on to the next URL at once.
import { createServer, type Server, type Socket } from 'node:net';
import { CommandType, ErrorCode, FrameDecoder, encodeFrame } from '@wharf/protocol';
import type { Refuser } from './node';

export interface RefuserOptions {
  host: string;
  port: number;
  reason(): string;
  /** The group's client URLs, the master first: sent with the error (ERROR.members). */
  members?(): string[];
}

export async function startRefuser(opts: RefuserOptions): Promise<Refuser & { port: number }> {
  const sockets = new Set<Socket>();
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
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
  });
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
