// The replication TCP transport against peers that reset (RST) their connection at the worst
// moment: in the middle of a frame, while a large write goes to them, in the middle of the TLS
// handshake, right after accepting a connection. Each ends that link only, with its cause; the
// port accepts the next link and the process goes on.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { TestPki } from '@wharf/testkit';
import { FrameType, type ReplicationFrame } from '../src/replication/frames';
import { TcpReplicationTransport } from '../src/replication/tcp-transport';
import type { ReplicationLink } from '../src/replication/transport';

/** The links a transport accepts, in order, each awaited. */
class Accepted {
  private readonly links: ReplicationLink[] = [];
  private readonly waiters: Array<(l: ReplicationLink) => void> = [];
  readonly accept = (l: ReplicationLink): void => {
    const w = this.waiters.shift();
    if (w) w(l);
    else this.links.push(l);
  };

  next(): Promise<ReplicationLink> {
    const l = this.links.shift();
    return l ? Promise.resolve(l) : new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** Starts `link`; resolves with its frames so far and, once it ends, why. */
function watch(link: ReplicationLink): { frames: ReplicationFrame[]; closed: Promise<string> } {
  const frames: ReplicationFrame[] = [];
  const closed = new Promise<string>((resolve) => link.start({ frame: (f) => frames.push(f), closed: resolve }));
  return { frames, closed };
}

async function socketTo(url: string): Promise<net.Socket> {
  const { port } = new URL(url.replace('tcp:', 'http:'));
  const s = net.connect(Number(port), '127.0.0.1');
  s.on('error', () => undefined);
  await once(s, 'connect');
  return s;
}

describe('replication tcp - abrupt resets', function () {
  this.timeout(30_000);
  const closing: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const f of closing.splice(0).reverse()) await f();
  });

  async function listening(opts: ConstructorParameters<typeof TcpReplicationTransport>[0] = {}): Promise<{ url: string; accepted: Accepted; warnings: string[] }> {
    const warnings: string[] = [];
    const t = new TcpReplicationTransport({ ...opts, log: { warn: (_o, msg) => warnings.push(msg) } });
    closing.push(() => t.close());
    const accepted = new Accepted();
    const url = await t.listen('tcp://127.0.0.1:0', accepted.accept);
    return { url, accepted, warnings };
  }

  /** A real link to `url` carries a frame: the port still serves. */
  async function serves(url: string, accepted: Accepted, opts: ConstructorParameters<typeof TcpReplicationTransport>[0] = {}): Promise<void> {
    const client = new TcpReplicationTransport(opts);
    closing.push(() => client.close());
    const link = await client.connect(url, 5000);
    const theirs = await accepted.next();
    const got = new Promise<ReplicationFrame>((resolve) => theirs.start({ frame: resolve, closed: () => undefined }));
    link.send({ t: FrameType.ACK, received: 7, durable: 7 });
    assert.deepEqual(await got, { t: FrameType.ACK, received: 7, durable: 7 });
    link.close();
  }

  it('replication tcp - a peer that resets in the middle of a frame ends only its link, with the cause', async () => {
    const { url, accepted } = await listening();
    const s = await socketTo(url);
    const link = watch(await accepted.next());
    s.write(Buffer.from([0, 0, 0x10, 0, 0x85, 0xa1])); // a 4 KiB frame's length and its first bytes
    s.resetAndDestroy();
    assert.match(await link.closed, /ECONNRESET|closed/);
    assert.deepEqual(link.frames, []);
    await serves(url, accepted);
  });

  it('replication tcp - a peer that resets while a large write goes to it ends only its link; what is sent after is dropped', async () => {
    const { url, accepted } = await listening();
    const s = await socketTo(url);
    s.pause(); // reads nothing: the link's output fills the socket buffers
    const theirs = await accepted.next();
    const link = watch(theirs);
    const item = new Uint8Array(1024 * 1024);
    while (theirs.writable) theirs.send({ t: FrameType.BATCHES, epoch: 1, items: [item], sync: [false] });
    const drained = theirs.drained();
    s.resetAndDestroy();
    assert.match(await link.closed, /ECONNRESET/);
    await drained; // a writer waiting for room is let go when the link ends
    assert.equal(theirs.closed, true);
    theirs.send({ t: FrameType.BATCHES, epoch: 1, items: [item], sync: [false] });
    await serves(url, accepted);
  });

  it('replication tcp - a member that connects to a peer resetting the connection gets a failed or closed link, never a crash', async () => {
    const resetting = net.createServer((c) => c.resetAndDestroy());
    resetting.listen(0, '127.0.0.1');
    await once(resetting, 'listening');
    closing.push(() => void resetting.close());
    const client = new TcpReplicationTransport();
    closing.push(() => client.close());
    for (let i = 0; i < 5; i++) {
      const outcome = await client.connect(`tcp://127.0.0.1:${(resetting.address() as net.AddressInfo).port}`, 5000)
        .then((link) => watch(link).closed, (err: Error) => err.message);
      assert.match(outcome, /ECONNRESET|closed|cannot connect/);
    }
  });

  it('replication tcp - with replicationTls, a peer that resets in the middle of the TLS handshake ends only that connection', async function () {
    if (!TestPki.available()) this.skip();
    const pki = new TestPki(fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-repl-reset-')));
    closing.push(() => fs.rmSync(pki.dir, { recursive: true, force: true }));
    const ca = pki.ca('ca');
    const member = pki.issue(ca, 'member', '/CN=member');
    const tlsCfg = { key: member.key, cert: member.cert, ca: ca.cert };
    const { url, accepted } = await listening({ tls: tlsCfg });
    for (let i = 0; i < 3; i++) {
      const plain = await socketTo(url);
      // A TLS client on the plain socket: its ClientHello goes out, the server answers, then RST.
      const t = tls.connect({ socket: plain, rejectUnauthorized: false });
      t.on('error', () => undefined);
      await once(t, 'keylog').catch(() => undefined);
      plain.resetAndDestroy();
      await once(plain, 'close');
    }
    await serves(url, accepted, { tls: tlsCfg });
  });
});
