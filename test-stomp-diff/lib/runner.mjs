// Plays one STOMP scenario against a target (ActiveMQ or Wharf) over a raw TCP socket or over
// WebSocket and records what a client observes: per connection, every frame in order with every
// header exactly as it arrived on the wire (no unescaping), its body, and whether the broker
// closed the connection; plus the scenario's own observations (timings with a tolerance).
// The parser here is deliberately independent of Wharf's: it is the client's view.
import net from 'node:net';
import crypto from 'node:crypto';
import { WebSocket } from 'ws';

const NUL = 0;
const LF = 10;
const CR = 13;

/** A minimal STOMP frame reader: frames and heart-beat EOLs from a byte stream. */
class Reader {
  constructor() {
    this.buf = Buffer.alloc(0);
  }
  push(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
  }
  /** The next event: {beat:true} | {command, headers:[[k,v]], body:Buffer} | null (need more). */
  next() {
    const b = this.buf;
    if (b.length === 0) return null;
    if (b[0] === LF) {
      this.buf = b.subarray(1);
      return { beat: true };
    }
    if (b[0] === CR && b.length > 1 && b[1] === LF) {
      this.buf = b.subarray(2);
      return { beat: true };
    }
    const headEnd = findHeadEnd(b);
    if (headEnd < 0) return null;
    const head = b.subarray(0, headEnd.at).toString('utf8');
    const lines = head.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    const command = lines[0];
    const headers = [];
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      headers.push(i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1)]);
    }
    const start = headEnd.at + headEnd.len;
    const cl = headers.find(([k]) => k === 'content-length');
    let end;
    if (cl && /^\d+$/.test(cl[1])) {
      end = start + Number(cl[1]);
      if (b.length < end + 1) return null;
    } else {
      end = b.indexOf(NUL, start);
      if (end < 0) return null;
    }
    const body = Buffer.from(b.subarray(start, end));
    this.buf = b.subarray(end + 1);
    return { command, headers, body };
  }
}

function findHeadEnd(b) {
  for (let i = 0; i < b.length - 1; i++) {
    if (b[i] !== LF) continue;
    if (b[i + 1] === LF) return { at: i, len: 2 };
    if (b[i + 1] === CR && i + 2 < b.length && b[i + 2] === LF) return { at: i, len: 3 };
  }
  return -1;
}

export function encode(command, headers = {}, body = '') {
  const list = Array.isArray(headers) ? headers : Object.entries(headers);
  let head = `${command}\n`;
  for (const [k, v] of list) if (v !== undefined) head += `${k}:${v}\n`;
  head += '\n';
  const b = Buffer.isBuffer(body) ? body : Buffer.from(String(body), 'utf8');
  return Buffer.concat([Buffer.from(head, 'utf8'), b, Buffer.from([NUL])]);
}

function bodyView(command, body) {
  if (body.length === 0) return '';
  const text = body.toString('utf8');
  const clean = Buffer.from(text, 'utf8').equals(body) && !body.includes(NUL);
  if (clean && body.length <= 512) return text;
  return { bytes: body.length, sha256: crypto.createHash('sha256').update(body).digest('hex').slice(0, 16) };
}

const DEFAULT_WAIT = 3000;

/** One client connection, TCP or WebSocket; records what it receives. */
export class Conn {
  constructor(name, scenario) {
    this.name = name;
    this.scenario = scenario;
    this.log = [];          // recorded entries
    this.frames = [];       // frames as objects, for the scenario's logic
    this.cursor = 0;
    this.beats = [];        // ms since open, of each heart-beat EOL
    this.isClosed = false;
    this.clientClosed = false;
    this.closedAt = null;
    this.openedAt = Date.now();
    this.lastFrameAt = null;
    this.waiters = new Set();
    this.reader = new Reader();
  }

  open(target, ws) {
    return new Promise((resolve, reject) => {
      if (ws) {
        if (!target.wsUrl) throw new Error(`${target.name} has no WebSocket connector`);
        const sock = new WebSocket(target.wsUrl, ['v12.stomp', 'v11.stomp', 'v10.stomp']);
        sock.binaryType = 'nodebuffer';
        this.sock = sock;
        this.write = (data) => sock.readyState === WebSocket.OPEN && sock.send(data);
        this.destroy = () => sock.terminate();
        sock.on('message', (data) => this.onBytes(Buffer.isBuffer(data) ? data : Buffer.from(data)));
        sock.on('close', () => this.onClose());
        sock.on('error', (err) => (this.opened ? this.onClose() : reject(err)));
        sock.once('open', () => {
          this.opened = true;
          this.openedAt = Date.now();
          resolve(this);
        });
      } else {
        const sock = net.connect(target.port, target.host);
        this.sock = sock;
        this.write = (data) => !sock.destroyed && sock.write(data);
        this.destroy = () => sock.destroy();
        sock.setNoDelay(true);
        sock.on('data', (d) => this.onBytes(d));
        sock.on('close', () => this.onClose());
        sock.on('error', (err) => (this.opened ? undefined : reject(err)));
        sock.once('connect', () => {
          this.opened = true;
          this.openedAt = Date.now();
          resolve(this);
        });
      }
    });
  }

  onBytes(chunk) {
    this.reader.push(chunk);
    for (;;) {
      let ev;
      try {
        ev = this.reader.next();
      } catch {
        ev = null;
      }
      if (!ev) break;
      const now = Date.now();
      if (ev.beat) {
        this.beats.push(now - this.openedAt);
        continue;
      }
      const f = { command: ev.command, headers: ev.headers, body: ev.body, at: now };
      f.h = Object.fromEntries(ev.headers.slice().reverse());
      this.frames.push(f);
      this.lastFrameAt = now;
      this.log.push({ frame: ev.command, headers: ev.headers, body: bodyView(ev.command, ev.body) });
    }
    this.wake();
  }

  onClose() {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closedAt = Date.now();
    if (!this.clientClosed) this.log.push({ closed: true });
    this.wake();
  }

  wake() {
    for (const w of [...this.waiters]) w();
  }

  /** Resolve when `pred()` is truthy, the connection closes, or `ms` pass; returns pred(). */
  until(pred, ms = DEFAULT_WAIT) {
    return new Promise((resolve) => {
      const check = () => {
        const v = pred();
        if (v || this.isClosed) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(v || null);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        resolve(pred() || null);
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  /** Send a frame. With a `receipt` header, wait for its RECEIPT (or an ERROR, or the close). */
  async send(command, headers = {}, body = '', opts = {}) {
    const from = this.frames.length;
    this.write(encode(command, headers, body));
    const list = Array.isArray(headers) ? headers : Object.entries(headers);
    const receipt = list.find(([k]) => k === 'receipt')?.[1];
    if (receipt === undefined || opts.noWait) return null;
    return this.until(() => this.frames.slice(from).find((f) => (f.command === 'RECEIPT' || f.command === 'ERROR') && (f.h['receipt-id'] === receipt || (f.command === 'ERROR' && f.h['receipt-id'] === undefined))), opts.timeout);
  }

  raw(data) {
    this.write(Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'));
  }

  /** The next frame not yet taken by next()/nextMessage(), or null (closed or timed out). */
  async next(ms = DEFAULT_WAIT) {
    const f = await this.until(() => this.frames[this.cursor], ms);
    if (f) this.cursor++;
    return f;
  }

  /** The next MESSAGE frame after the cursor (frames in between are skipped, still recorded). */
  async nextMessage(ms = DEFAULT_WAIT) {
    const f = await this.until(() => this.frames.slice(this.cursor).find((x) => x.command === 'MESSAGE'), ms);
    if (f) this.cursor = this.frames.indexOf(f) + 1;
    return f;
  }

  /** Wait until `n` frames of `command` (any, if omitted) arrived in total. */
  async count(n, command, ms = DEFAULT_WAIT) {
    await this.until(() => this.frames.filter((f) => !command || f.command === command).length >= n, ms);
    return this.frames.filter((f) => !command || f.command === command);
  }

  messages() {
    return this.frames.filter((f) => f.command === 'MESSAGE');
  }

  /** Wait for the broker to close this connection; true when it did within `ms`. */
  async waitClosed(ms = DEFAULT_WAIT) {
    await this.until(() => this.isClosed, ms);
    return this.isClosed;
  }

  close() {
    if (this.isClosed) return;
    this.clientClosed = true;
    this.destroy();
  }
}

/** What a scenario function gets: connections, names unique to the scenario, observations. */
export class ScenarioContext {
  constructor(scenario, target, { ws = false, prefix } = {}) {
    this.scenario = scenario;
    this.target = target;
    this.ws = ws;
    this.conns = [];
    this.observations = {};
    this.prefix = prefix ?? `sd.${scenario.name}`;
  }
  /** A name unique to this scenario (destinations, client ids, subscription names). */
  n(x = '') {
    return x ? `${this.prefix}.${x}` : this.prefix;
  }
  q(x = 'q') {
    return `/queue/${this.n(x)}`;
  }
  topic(x = 't') {
    return `/topic/${this.n(x)}`;
  }
  async open(name) {
    const c = new Conn(name, this);
    this.conns.push(c);
    await c.open(this.target, this.ws);
    return c;
  }
  /** Open and CONNECT (1.2 by default); waits for the broker's first frame or the close. */
  async connect(name, headers = {}) {
    const c = await this.open(name);
    const h = { 'accept-version': '1.2', host: 'localhost', ...headers };
    for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
    c.write(encode(headers.command ?? 'CONNECT', Object.entries(h).filter(([k]) => k !== 'command')));
    await c.next();
    return c;
  }
  observe(key, value) {
    this.observations[key] = value;
  }
  /** A duration compared with a tolerance: |actual - recorded| <= max(abs, rel * recorded). */
  time(key, ms, { abs = 250, rel = 0.3 } = {}) {
    this.observations[key] = { ms, abs, rel };
  }
  /** Close every connection (client side, not recorded), then restart the broker. */
  async restart() {
    for (const c of this.conns) c.close();
    await this.target.restart();
  }
  sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
  }
}

/** Run one scenario; returns the raw (unnormalised) observation. */
export async function play(scenario, target, opts = {}) {
  const t = new ScenarioContext(scenario, target, opts);
  let error = null;
  try {
    await scenario.run(t);
    await t.sleep(scenario.settle ?? 150);
  } catch (err) {
    error = String(err?.stack ?? err);
  } finally {
    for (const c of t.conns) c.close();
  }
  const connections = {};
  for (const c of t.conns) {
    let name = c.name;
    for (let i = 2; connections[name]; i++) name = `${c.name}#${i}`;
    connections[name] = c.log;
  }
  return { scenario: scenario.name, prefix: t.prefix, connections, observations: t.observations, ...(error ? { error } : {}) };
}
