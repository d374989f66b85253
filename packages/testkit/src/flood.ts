// A client that keeps sending to a broker which may have stopped reading it: sends go out as
// fast as the connection takes them (the next one once the one before is taken), so the client
// itself never holds more than one, and what the broker has not read waits in the kernel's buffers.
import { once } from 'node:events';
import type { Socket } from 'node:net';

/** `count` sends, each started once the one before has been taken (`send(i)` resolved). */
export class Flood {
  /** Sends started. */
  written = 0;
  /** A send waits to be taken: the connection's buffers are full. */
  waiting = false;
  /** Resolves once every send is taken (rejects if the connection closes first). */
  readonly done: Promise<void>;
  finished = false;

  constructor(readonly count: number, send: (i: number) => Promise<void> | void) {
    this.done = (async () => {
      for (let i = 0; i < count; i++) {
        const taken = send(i);
        this.written++;
        if (taken) {
          this.waiting = true;
          await taken;
          this.waiting = false;
        }
      }
      this.finished = true;
    })();
    this.done.catch(() => undefined);
  }
}

/** Frames written to a socket as fast as it takes them (the next one after 'drain'). */
export class SocketFlood extends Flood {
  constructor(socket: Socket, count: number, frame: (i: number) => Uint8Array) {
    super(count, (i) => {
      if (socket.destroyed) throw new Error(`socket closed after ${i} of ${count} frames`);
      return socket.write(frame(i)) ? undefined : once(socket, 'drain').then(() => undefined);
    });
  }
}

/**
 * Waits until the broker has stopped reading `flood`'s socket: across `rounds` consecutive
 * `serve()` calls (another client's round trip through the broker, so the broker's event loop
 * turned many times) the flood kept waiting for 'drain' and `accepted()` (what the broker took
 * of it) did not change. Resolves with that count; rejects if the flood got everything out.
 */
export async function floodHeld(flood: Flood, accepted: () => number, serve: () => Promise<void>, rounds = 3, maxRounds = 1000): Promise<number> {
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
