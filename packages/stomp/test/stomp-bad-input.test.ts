// Bad input over raw sockets: every fault gets an ERROR frame with a `message` header, then the
// broker closes that connection and keeps serving the others.
import { strict as assert } from 'node:assert';
import type { Broker } from '@wharf/broker';
import { WebSocket } from 'ws';
import { RawStomp, portOf, startBroker, stompjs } from './stomp-harness.test';
import { StompParser, encodeFrame, type StompFrame } from '../src';

const MAX = 64 * 1024;

describe('stomp bad input', function () {
  let b: Broker;
  let port: number;
  const raws: RawStomp[] = [];
  const raw = async (): Promise<RawStomp> => {
    const c = await RawStomp.connect(port);
    raws.push(c);
    return c;
  };
  const connected = async (headers: Record<string, string> = { 'accept-version': '1.2' }): Promise<RawStomp> => {
    const { c } = await RawStomp.open(port, headers);
    raws.push(c);
    return c;
  };

  before(async () => {
    b = await startBroker({ maxFrameSize: MAX });
    port = portOf(b, 'stomp');
  });
  afterEach(async () => {
    for (const c of raws.splice(0)) c.close();
    // After every fault, another STOMP client still works.
    const ok = await stompjs(b, 'tcp');
    const sub = ok.subscribe('/queue/still-serving');
    await ok.publish('/queue/still-serving', 'ok');
    assert.equal((await sub.messages.next()).body, 'ok');
    await ok.close();
  });
  after(async () => {
    await b.stop();
  });

  it('stomp bad input - garbage bytes before CONNECT', async () => {
    const c = await raw();
    c.write(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x0a, 0xff, 0x0a]));
    await c.expectErrorAndClose(/malformed frame/);
  });

  it('stomp bad input - a header line without a colon is skipped, as ActiveMQ does', async () => {
    const c = await connected();
    c.write('SEND\ndestination:/queue/a\nno colon here\nreceipt:nc\n\nx\0');
    const f = await c.next();
    assert.deepEqual([f.command, f.headers.get('receipt-id')], ['RECEIPT', 'nc']);
  });

  it('stomp bad input - a frame before CONNECT gets an ERROR; a CONNECT afterwards still works', async () => {
    const c = await raw();
    c.send('SEND', { destination: '/queue/a' }, 'x');
    await c.expectErrorAndCarryOn(/^Not connected\.$/);
    c.send('CONNECT', { 'accept-version': '1.2' });
    assert.equal((await c.next()).command, 'CONNECTED');
    await c.request('SEND', { destination: '/queue/a' }, 'x');
  });

  it('stomp bad input - an unknown command', async () => {
    const c = await connected();
    c.send('FROBNICATE', { receipt: 'r1' });
    const f = await c.expectErrorAndClose(/Unknown STOMP action: FROBNICATE/);
    assert.equal(f.headers.get('receipt-id'), 'r1');
  });

  it('stomp bad input - SEND without a destination names the failed receipt; the connection carries on', async () => {
    const c = await connected();
    c.send('SEND', { receipt: 'r-send' }, 'x');
    const f = await c.expectErrorAndCarryOn(/SEND received without a Destination/);
    assert.equal(f.headers.get('receipt-id'), 'r-send');
    assert.equal(f.headers.get('content-type'), 'text/plain');
    await c.request('SEND', { destination: '/queue/a' }, 'x');
  });

  it('stomp bad input - a bad selector on SUBSCRIBE: ERROR naming the selector, the connection carries on', async () => {
    const c = await connected();
    c.send('SUBSCRIBE', { id: '1', destination: '/queue/a', selector: 'a = = 1', receipt: 'r-sub' });
    const f = await c.expectErrorAndCarryOn(/^a = = 1$/);
    assert.equal(f.headers.get('receipt-id'), 'r-sub');
    await c.request('SEND', { destination: '/queue/a' }, 'x');
  });

  it('stomp bad input - SUBSCRIBE without an id in 1.2', async () => {
    const c = await connected();
    c.send('SUBSCRIBE', { destination: '/queue/a' });
    await c.expectErrorAndCarryOn(/without a subscription id/);
    await c.request('SEND', { destination: '/queue/a' }, 'x');
  });

  it('stomp bad input - an oversize body (declared and streamed) and oversize headers', async () => {
    const c = await connected();
    c.write(`SEND\ndestination:/queue/a\ncontent-length:${MAX + 1}\n\n`);
    await c.expectErrorAndClose(/frame too large/);
    const d = await connected();
    d.write(`SEND\ndestination:/queue/a\n\n${'x'.repeat(MAX + 10)}`);
    await d.expectErrorAndClose(/frame too large/);
    const e = await connected();
    e.write(`SEND\ndestination:/queue/a\nbig:${'y'.repeat(MAX + 10)}\n\n\0`);
    await e.expectErrorAndClose(/frame too large/);
  });

  it('stomp bad input - an undefined header escape in 1.2 is kept as written (as ActiveMQ)', async () => {
    const c = await connected();
    await c.request('SUBSCRIBE', { id: 's', destination: '/queue/escape' });
    c.write('SEND\ndestination:/queue/escape\nx:bad\\tescape\n\n\0');
    const m = await c.next();
    assert.equal(m.headers.get('x'), 'bad\\tescape');
  });

  it('stomp bad input - no common version', async () => {
    const c = await raw();
    c.send('CONNECT', { 'accept-version': '2.0,3.0' });
    await c.expectErrorAndClose(/^Invalid Protocol version\[2\.0,3\.0\], supported versions are: \[1\.2, 1\.1, 1\.0\]$/);
  });

  it('stomp bad input - unknown transaction, unexpected ACK, NACK on an auto subscription', async () => {
    const c = await connected();
    c.send('SEND', { destination: '/queue/a', transaction: 'nope' }, 'x');
    await c.expectErrorAndCarryOn(/Invalid transaction id: nope/);
    await c.request('SEND', { destination: '/queue/a' }, 'x');
    const d = await connected();
    d.send('ACK', { id: '12345' });
    await d.expectErrorAndCarryOn(/Unexpected ACK/);
    await d.request('SEND', { destination: '/queue/a' }, 'x');
    const e = await connected();
    await e.request('SUBSCRIBE', { id: 's', destination: '/queue/nack-auto' });
    await e.request('SEND', { destination: '/queue/nack-auto' }, 'x');
    const m = await e.next();
    assert.equal(m.headers.get('ack'), undefined, 'no ack header on an ack:auto subscription');
    e.send('NACK', { id: 'nothing-to-nack' });
    await e.expectErrorAndCarryOn(/Unexpected NACK/);
    await e.request('SEND', { destination: '/queue/a' }, 'x');
  });

  it('stomp bad input - a clientID already in use', async () => {
    await connected({ 'accept-version': '1.2', 'client-id': 'dup-client' });
    const c = await raw();
    c.send('CONNECT', { 'accept-version': '1.2', 'client-id': 'dup-client' });
    await c.expectErrorAndClose(/already connected/);
  });

  it('stomp bad input - a silent client that promised heart-beats is closed (no ERROR, as ActiveMQ)', async () => {
    const c = await connected({ 'accept-version': '1.2', 'heart-beat': '100,0' });
    await c.closed;
    assert.equal(c.frames.size, 0);
  });

  it('stomp bad input - a session written one byte per TCP packet', async () => {
    const c = await raw();
    c.socket.setNoDelay(true);
    const bin = Buffer.from([0, 1, 0, 2]);
    const session = Buffer.concat([
      Buffer.from('CONNECT\naccept-version:1.1,1.2\n\n\0\n'),
      Buffer.from('SUBSCRIBE\nid:1\ndestination:/queue/split\nreceipt:sub\n\n\0\r\n'),
      Buffer.from(`SEND\ndestination:/queue/split\ncontent-length:${bin.length}\n\n`), bin, Buffer.from('\0\n\n'),
      Buffer.from('SEND\ndestination:/queue/split\nh:a\\cb\n\ntext\0'),
    ]);
    for (let i = 0; i < session.length; i++) {
      await new Promise<void>((resolve) => c.socket.write(session.subarray(i, i + 1), () => resolve()));
    }
    assert.equal((await c.next()).command, 'CONNECTED');
    assert.equal((await c.next()).headers.get('receipt-id'), 'sub');
    const m1 = await c.next();
    assert.deepEqual([...m1.body], [0, 1, 0, 2]);
    const m2 = await c.next();
    assert.equal(m2.body.toString(), 'text');
    assert.equal(m2.headers.get('h'), 'a:b');
  });

  it('stomp bad input - a whole session in one TCP packet', async () => {
    const c = await raw();
    let data = 'CONNECT\naccept-version:1.2\n\n\0';
    data += 'SUBSCRIBE\nid:1\ndestination:/queue/batch\n\n\0';
    for (let i = 0; i < 50; i++) data += `SEND\ndestination:/queue/batch\n\nm${i}\0\n`;
    data += 'SEND\ndestination:/queue/other\nreceipt:last\n\n\0';
    c.write(data);
    assert.equal((await c.next()).command, 'CONNECTED');
    const bodies: string[] = [];
    let receipt = '';
    for (let i = 0; i < 51; i++) {
      const f = await c.next();
      if (f.command === 'RECEIPT') receipt = f.headers.get('receipt-id')!;
      else bodies.push(f.body.toString());
    }
    assert.equal(receipt, 'last');
    assert.deepEqual(bodies, Array.from({ length: 50 }, (_, i) => `m${i}`));
    c.send('DISCONNECT', { receipt: 'bye' });
    assert.equal((await c.next()).headers.get('receipt-id'), 'bye');
    await c.closed;
  });

  it('stomp bad input - wrong credentials when users are configured', async () => {
    const secured = await startBroker({ users: [{ username: 'app', password: 'secret' }] });
    try {
      const c = await RawStomp.connect(portOf(secured, 'stomp'));
      c.send('CONNECT', { 'accept-version': '1.2', login: 'app', passcode: 'wrong' });
      await c.expectErrorAndClose(/password is invalid/);
      const { c: ok } = await RawStomp.open(portOf(secured, 'stomp'), { 'accept-version': '1.2', login: 'app', passcode: 'secret' });
      ok.close();
    } finally {
      await secured.stop();
    }
  });

  it('stomp bad input - over WebSocket: the highest stomp subprotocol is chosen; garbage gets ERROR and a close', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${portOf(b, 'ws')}/`, ['v10.stomp', 'v11.stomp', 'v12.stomp']);
    const frames: StompFrame[] = [];
    const parser = new StompParser();
    ws.on('message', (data: Buffer) => frames.push(...parser.parse(data).flatMap((e) => (e.type === 'frame' ? [e.frame] : []))));
    const closed = new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    assert.equal(ws.protocol, 'v12.stomp');
    ws.send(encodeFrame('CONNECT', [['accept-version', '1.2']], undefined, '1.2'));
    ws.send(Buffer.from('NOT A STOMP FRAME\u0001\n\n\0'));
    await closed;
    assert.deepEqual(frames.map((f) => f.command), ['CONNECTED', 'ERROR']);
    assert.match(frames[1]!.headers.get('message')!, /malformed frame/);
  });
});
