// A bare OpenWire client over a socket, built on the codec: it speaks the commands a test sends
// and collects what the broker answers, to drive the broker with exact (or hostile) frames.
import net from 'node:net';
import tls from 'node:tls';
import { WireFormat, FrameReader, DataType, negotiate, wireFormatInfo, type Struct, type WireFormatPrefs } from '../src/index';

export const CLIENT_PREFS: WireFormatPrefs = {
  version: 12, tightEncodingEnabled: true, cacheEnabled: true, cacheSize: 1024, sizePrefixDisabled: false, stackTraceEnabled: false,
  tcpNoDelayEnabled: true, maxInactivityDuration: 30000, maxInactivityDurationInitalDelay: 10000, maxFrameSize: 104857600,
};

export class RawOpenWire {
  wf = new WireFormat({ version: 12 });
  private readonly frames = new FrameReader(0x7fffffff);
  private readonly got: Struct[] = [];
  private waiters: Array<() => void> = [];
  closed = false;
  readonly closedP: Promise<void>;
  private commandId = 0;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.frames.push(d);
      for (let f = this.frames.next(); f; f = this.frames.next()) {
        const c = this.wf.decode(f);
        if (!c) continue;
        if (c.type === DataType.WIREFORMAT_INFO) this.wf = new WireFormat(negotiate(this.prefs, c));
        this.got.push(c);
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closedP = new Promise((resolve) => socket.on('close', () => {
      this.closed = true;
      this.wake();
      resolve();
    }));
  }

  prefs: WireFormatPrefs = CLIENT_PREFS;

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static async connect(port: number, prefs: WireFormatPrefs = CLIENT_PREFS, secure = false): Promise<RawOpenWire> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s: net.Socket = secure
        ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(s))
        : net.connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    const c = new RawOpenWire(socket);
    c.prefs = prefs;
    // Our WireFormatInfo goes out loose (the state before negotiation), as the Java client's.
    socket.write(new WireFormat({ version: 12 }).encode(wireFormatInfo(prefs)));
    await c.waitFor((x) => x.type === DataType.BROKER_INFO, 'BrokerInfo');
    return c;
  }

  /** Wait for a command matching `pred` (taken out of the received list). */
  async waitFor(pred: (c: Struct) => boolean, what: string, timeoutMs = 5000): Promise<Struct> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.got.findIndex(pred);
      if (i >= 0) return this.got.splice(i, 1)[0]!;
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(c: Struct): number {
    const id = ++this.commandId;
    this.socket.write(this.wf.encode({ commandId: id, responseRequired: false, ...c }));
    return id;
  }

  /** Send with responseRequired and wait for its Response or ExceptionResponse. */
  async request(c: Struct): Promise<Struct> {
    const id = ++this.commandId;
    this.socket.write(this.wf.encode({ ...c, commandId: id, responseRequired: true }));
    return this.waitFor((x) => (x.type === DataType.RESPONSE || x.type === DataType.EXCEPTION_RESPONSE) && x.correlationId === id, `response to ${id}`);
  }

  writeRaw(b: Buffer): void {
    this.socket.write(b);
  }

  close(): void {
    this.socket.destroy();
  }
}
