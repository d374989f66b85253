// A reserve of file descriptors. At the process's descriptor limit everything that opens a file
// or a socket fails: LevelDB cannot open a table or start a new log (and its error sticks),
// the console cannot accept, replication cannot reconnect. So client connections may only use
// descriptors up to the limit minus a reserve kept for the store (its table cache is bounded
// by storeMaxOpenFiles), the console, replication links and logs; beyond that, a new client
// connection is closed as soon as it is accepted. Connections already open keep working.
import { readdirSync } from 'node:fs';
import type net from 'node:net';
import { fdLimit, storeMaxOpenFiles } from '@wharf/store';
import type { Logger } from '../logger';

/** Descriptors kept beyond the store's table cache: console, replication, logs, new log files. */
const OTHER_RESERVE = 64;
/** While this far below the threshold, accepted sockets are counted, not listed. */
const SLACK = 32;
const WARN_EVERY_MS = 5000;

export class FdReserve {
  readonly limit: number;
  readonly reserve: number;
  private counted = 0;
  private since = 0;
  private countedAt = 0;
  private lastWarn = 0;
  private refused = 0;

  constructor(limit = fdLimit()) {
    this.limit = limit;
    this.reserve = storeMaxOpenFiles(limit) + OTHER_RESERVE;
  }

  /** Whether one more client connection (already accepted: it holds a descriptor) may stay. */
  admit(): boolean {
    if (!Number.isFinite(this.limit)) return true;
    const threshold = this.limit - this.reserve;
    const now = Date.now();
    if (this.counted + this.since + SLACK >= threshold || now - this.countedAt > 1000) {
      this.counted = openDescriptors();
      this.since = 0;
      this.countedAt = now;
    } else this.since++;
    return this.counted + this.since <= threshold;
  }

  refusedOne(log: Logger, what: string): void {
    this.refused++;
    const now = Date.now();
    if (now - this.lastWarn < WARN_EVERY_MS) return;
    this.lastWarn = now;
    log.warn(
      { connector: what, limit: this.limit, reserve: this.reserve, refused: this.refused },
      'file descriptor reserve reached: new client connections are closed until others end (raise ulimit -n)',
    );
  }
}

function openDescriptors(): number {
  try {
    return readdirSync('/proc/self/fd').length - 1; // less the descriptor listing it
  } catch {
    return 0;
  }
}

const shared = new FdReserve();

/**
 * Close new connections of `server` beyond the descriptor reserve, and keep an accept that
 * fails (EMFILE at the limit anyway) from ending the process: it is logged, the server listens on.
 */
export function guardAccepts(server: net.Server, log: Logger, what: string, reserve: FdReserve = shared): void {
  server.prependListener('connection', (socket: net.Socket) => {
    if (reserve.admit()) return;
    socket.destroy();
    reserve.refusedOne(log, what);
  });
  keepAccepting(server, (err) => log.warn({ connector: what, err: err.message }, 'accepting a connection failed'));
}

/**
 * A listening server emits 'error' when an accept fails (EMFILE or ENFILE once libuv's spare
 * descriptor is gone, ENOBUFS), and an 'error' nobody listens to ends the process. Every
 * listening server of the process (connectors, console, replication, refusers) has this
 * listener for its whole life: the failure is `logged`, the server listens on. Errors before
 * listening are listen()'s to report.
 */
export function keepAccepting(server: net.Server, logged: (err: NodeJS.ErrnoException) => void): void {
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (server.listening) logged(err);
  });
}
