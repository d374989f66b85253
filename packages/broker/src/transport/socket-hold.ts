// What every stream-socket transport (native, OpenWire, STOMP) does alike about a peer that
// does not read or does not close: the congestion threshold, reading stopped for several
// reasons at once, and the end of a socket whose peer never closes its side.
import type { Socket } from 'node:net';

/**
 * Output waiting for the network past which a connection is congested: the broker stops reading
 * it and holds dispatch to its consumers until the socket drains (what ActiveMQ's blocking
 * transport write does to a connection whose peer does not read). A MiB, not the socket's
 * 16 KiB high-water mark: one loop turn's dispatches of large messages often exceed that.
 */
export const CONGESTED_BYTES = 1024 * 1024;

/** Reading of a socket stopped for any of several reasons (bits): it reads only when none holds it. */
export class ReadHold {
  private by = 0;

  /** `resumed`: called when reading starts again. */
  constructor(private readonly socket: Socket, private readonly resumed?: () => void) {}

  get held(): boolean {
    return this.by !== 0;
  }

  set(reason: number, on: boolean): void {
    const before = this.by;
    this.by = on ? before | reason : before & ~reason;
    if (before === 0 && this.by !== 0) this.socket.pause();
    else if (before !== 0 && this.by === 0) {
      this.resumed?.();
      this.socket.resume();
    }
  }
}

/**
 * End a socket, destroyed after `ms` if its peer does not close its side; the timer is cleared
 * at close (pending, it would hold the connection and its buffers for its whole delay).
 */
export function endSocket(socket: Socket, ms = 2000): void {
  socket.end();
  if (socket.closed) return;
  const t = setTimeout(() => socket.destroy(), ms).unref();
  socket.once('close', () => clearTimeout(t));
}
