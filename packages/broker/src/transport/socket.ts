// Native protocol over a stream socket (tcp or tls): frames in through the streaming decoder,
// frames out batched per event-loop turn (one write for many dispatches).
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { encodeFrame, FrameDecoder, ErrorCode, ProtocolError, type Command } from '@wharf/protocol';
import { FrameClock } from './frame-clock';
import { CONGESTED_BYTES, ReadHold, endSocket } from './socket-hold';
import type { ConnectorLimits } from './limits';
import type { Broker } from '../broker';
import { ServerConnection, type ServerTransport } from '../connection';
import { peerDN } from '../security/tls';

/** Why reading is stopped (ReadHold bits): flow control or login (pause()), congested output. */
const HELD_BY_BROKER = 1;
const HELD_BY_OUTPUT = 2;

/** Write out what a socket's transport still holds (before the socket is destroyed). */
const flushers = new WeakMap<Socket, () => void>();
export function flushSocket(socket: Socket): void {
  flushers.get(socket)?.();
}

export class SocketTransport implements ServerTransport {
  readonly remoteAddress: string;
  readonly peerDN: string | null;
  private out: Buffer[] = [];
  private flushScheduled = false;
  private ended = false;
  readonly conn: ServerConnection;
  readonly connectAttemptTimeout?: number;
  private readonly reading: ReadHold;
  private readonly frameClock: FrameClock;

  /** `initial`: bytes already read from the socket (protocol detection). */
  constructor(private readonly socket: Socket, broker: Broker, initial?: Buffer, limits?: ConnectorLimits) {
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    if (limits?.connectAttemptTimeout !== undefined) this.connectAttemptTimeout = limits.connectAttemptTimeout;
    this.peerDN = socket instanceof TLSSocket ? peerDN(socket) : null;
    socket.setNoDelay(true);
    flushers.set(socket, this.flushCb);
    this.conn = new ServerConnection(broker, this);
    const decoder = new FrameDecoder(
      {
        command: (cmd) => this.conn.handle(cmd),
        error: (err: ProtocolError) => {
          // An unknown command in a well-formed frame leaves the stream usable.
          const fatal = err.code !== ErrorCode.UNKNOWN_COMMAND;
          broker.log.info({ conn: this.conn.id, remote: this.remoteAddress, err: err.message }, fatal ? 'protocol error: closing' : 'protocol error');
          this.conn.sendError(err, undefined, fatal);
        },
      },
      broker.config.maxFrameSize,
    );
    // The client could not send while it was not read: its frame's time starts again.
    this.reading = new ReadHold(socket, () => this.frameClock.restart());
    this.frameClock = new FrameClock(broker.config.maxFrameReadTime, () => {
      if (this.ended || this.reading.held) return false;
      broker.log.info({ conn: this.conn.id, remote: this.remoteAddress }, 'frame not complete in time: closing (maxFrameReadTime)');
      this.conn.sendError(new ProtocolError(`a frame took longer than ${broker.config.maxFrameReadTime} ms to arrive (maxFrameReadTime)`), undefined, true);
      return true;
    });
    const read = (chunk: Buffer): void => {
      decoder.push(chunk);
      this.frameClock.partial(decoder.buffered > 0);
    };
    socket.on('data', read);
    if (initial && initial.length) read(initial);
    socket.on('error', () => undefined);
    socket.on('drain', () => {
      if (!this.conn.congested) return;
      this.reading.set(HELD_BY_OUTPUT, false);
      this.conn.setCongested(false);
    });
    socket.on('close', () => {
      this.frameClock.stop();
      this.ended = true;
      this.conn.close(undefined, false);
    });
  }

  send(cmd: Command): void {
    if (this.ended) return;
    this.out.push(encodeFrame(cmd));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // After the poll phase: frames produced by every socket read of this loop turn (many
      // producers' messages to one consumer) leave in one write.
      setImmediate(this.flushCb);
    }
  }

  private readonly flushCb = (): void => this.flush();

  private flush(): void {
    this.flushScheduled = false;
    if (this.ended || this.out.length === 0) return;
    const bufs = this.out;
    this.out = [];
    this.socket.write(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs));
    if (this.socket.writableLength > CONGESTED_BYTES && !this.conn.congested) {
      // write() returned false: 'drain' will come.
      this.conn.setCongested(true);
      this.reading.set(HELD_BY_OUTPUT, true);
    }
  }

  close(): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    endSocket(this.socket);
  }

  pause(): void {
    this.reading.set(HELD_BY_BROKER, true);
  }
  resume(): void {
    this.reading.set(HELD_BY_BROKER, false);
  }
}
