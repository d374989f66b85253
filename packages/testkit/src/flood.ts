// A client that keeps sending to a broker which may have stopped reading it: frames go out as
// fast as the socket takes them (the next one after 'drain'), so the client itself never holds
// more than one frame, and what the broker has not read waits in the kernel's buffers.
import { once } from 'node:events';
import type { Socket } from 'node:net';

export class SocketFlood {
  /** Frames handed to the socket. */
  written = 0;
  /** A frame waits for 'drain': the socket's buffers are full. */
  waiting = false;
  /** Resolves once every frame is handed to the socket (rejects if it closes first). */
  readonly done: Promise<void>;
  finished = false;

  constructor(socket: Socket, readonly count: number, frame: (i: number) => Uint8Array) {
    this.done = (async () => {
      for (let i = 0; i < count; i++) {
        if (socket.destroyed) throw new Error(`socket closed after ${this.written} of ${count} frames`);
        const ok = socket.write(frame(i));
        this.written++;
        if (!ok) {
          this.waiting = true;
          await once(socket, 'drain');
          this.waiting = false;
        }
      }
      this.finished = true;
    })();
    this.done.catch(() => undefined);
  }
}

/**
 * Waits until the broker has stopped reading `flood`'s socket: across `rounds` consecutive
 * `serve()` calls (another client's round trip through the broker, so the broker's event loop
 * turned many times) the flood kept waiting for 'drain' and `accepted()` (what the broker took
 * of it) did not change. Resolves with that count; rejects if the flood got everything out.
 */
export async function floodHeld(flood: SocketFlood, accepted: () => number, serve: () => Promise<void>, rounds = 3, maxRounds = 1000): Promise<number> {
  let still = 0;
  for (let i = 0; i < maxRounds; i++) {
    if (flood.finished) throw new Error(`the broker read the whole flood (${flood.count} frames): it did not stop reading`);
    const before = accepted();
    const written = flood.written;
    const waiting = flood.waiting;
    await serve();
    if (waiting && flood.waiting && flood.written === written && accepted() === before) {
      if (++still >= rounds) return before;
    } else still = 0;
  }
  throw new Error(`the broker kept reading the flood through ${maxRounds} round trips (${accepted()} of ${flood.count} accepted)`);
}
