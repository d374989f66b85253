// A bare STOMP 1.2 client for the OpenWire tests.
import assert from 'node:assert/strict';
import net from 'node:net';

/** A bare STOMP 1.2 client: enough to subscribe, send and read MESSAGE frames. */
export class Stomp {
  private buf = Buffer.alloc(0);
  private waiting: Array<(f: { command: string; headers: Map<string, string>; body: Buffer }) => void> = [];
  private frames: Array<{ command: string; headers: Map<string, string>; body: Buffer }> = [];
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.parse();
    });
  }
  static async open(port: number): Promise<Stomp> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    const c = new Stomp(socket);
    c.write('CONNECT', { 'accept-version': '1.2', host: 'localhost' });
    assert.equal((await c.next()).command, 'CONNECTED');
    return c;
  }
  private parse(): void {
    for (;;) {
      while (this.buf.length && (this.buf[0] === 0x0a || this.buf[0] === 0x0d)) this.buf = this.buf.subarray(1);
      const end = this.buf.indexOf('\n\n');
      if (end < 0) return;
      const lines = this.buf.subarray(0, end).toString('utf8').split('\n');
      const headers = new Map<string, string>();
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        const k = l.slice(0, i);
        if (!headers.has(k)) headers.set(k, l.slice(i + 1).replace(/\\c/g, ':').replace(/\\n/g, '\n').replace(/\\\\/g, '\\'));
      }
      const len = headers.get('content-length');
      const start = end + 2;
      const stop = len !== undefined ? start + Number(len) : this.buf.indexOf(0, start);
      if (stop < 0 || this.buf.length < stop + 1) return;
      const f = { command: lines[0]!, headers, body: Buffer.from(this.buf.subarray(start, stop)) };
      this.buf = this.buf.subarray(stop + 1);
      const w = this.waiting.shift();
      if (w) w(f);
      else this.frames.push(f);
    }
  }
  write(command: string, headers: Record<string, string>, body = ''): void {
    this.socket.write(`${command}\n${Object.entries(headers).map(([k, v]) => `${k}:${v}`).join('\n')}\n\n${body}\u0000`);
  }
  next(): Promise<{ command: string; headers: Map<string, string>; body: Buffer }> {
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no STOMP frame within 10 s')), 10000);
      this.waiting.push((x) => {
        clearTimeout(t);
        resolve(x);
      });
    });
  }
  close(): void {
    this.socket.destroy();
  }
}
