// Connection limits with ActiveMQ's names: maximumConnections per connector, the handshake
// timeout (connectAttemptTimeout) and the maximum frame read time.
import { strict as assert } from 'node:assert';
import net from 'node:net';
import { Session } from '@wharf/client';
import { CommandType, type Command } from '@wharf/protocol';
import { stompProtocol } from '@wharf/stomp';
import { hello, raw, text, world, type World } from './helpers';

/** A raw socket; resolves `closed` with what the broker wrote before closing. */
async function socketTo(port: number): Promise<{ sock: net.Socket; closed: Promise<string> }> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  sock.on('error', () => undefined);
  let got = '';
  sock.on('data', (d) => (got += d.toString('latin1')));
  return { sock, closed: new Promise((r) => sock.once('close', () => r(got))) };
}

const portOf = (url: string): number => Number(new URL(url.replace(/^[a-z]+:/, 'http:')).port);

describe('limits', () => {
  let w: World;
  afterEach(() => w.ledger.closeAll());

  it('limits - maximumConnections: a connection beyond it is closed on accept; open ones keep working; a freed place is usable', async () => {
    w = await world({
      transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0?maximumConnections=2' }, { name: 'stomp', uri: 'stomp://127.0.0.1:0?maximumConnections=1' }],
    }, { protocols: [stompProtocol] });
    const a = await w.connect();
    const b = await w.connect();
    const extra = await socketTo(portOf(w.url));
    assert.equal(await extra.closed, '', 'closed without a word, as ActiveMQ does');
    const s = a.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('LIMIT');
    await (await s.createProducer(q)).send(s.createTextMessage('still'));
    assert.equal(text(await (await s.createConsumer(q)).receive(2000)), 'still');
    await b.close();
    const c = await w.connect();
    assert.ok(c.getBrokerName());

    const stompPort = portOf(w.broker.connectorUrl('stomp'));
    const first = await socketTo(stompPort);
    w.ledger.defer(() => first.sock.destroy());
    first.sock.write('CONNECT\naccept-version:1.2\nhost:x\n\n\0');
    await new Promise<void>((r) => first.sock.once('data', () => r()));
    const second = await socketTo(stompPort);
    assert.equal(await second.closed, '');
  });

  it('limits - a connection without a handshake within connectAttemptTimeout is closed (native and STOMP)', async () => {
    w = await world({
      connectAttemptTimeout: 150,
      transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }, { name: 'slow', uri: 'tcp://127.0.0.1:0?transport.connectAttemptTimeout=0' }, { name: 'stomp', uri: 'stomp://127.0.0.1:0' }],
    }, { protocols: [stompProtocol] });
    // Silent on the native port: closed before its protocol is even known.
    const idle = await raw(w.url);
    await idle.closed;

    const stomp = await socketTo(portOf(w.broker.connectorUrl('stomp')));
    stomp.sock.write('CONN'); // a byte now and then, never a whole CONNECT
    assert.match(await stomp.closed, /no handshake within 150 ms/);

    // The connector's own transport.connectAttemptTimeout=0 turns it off there.
    const slowUrl = w.broker.connectors.find((c) => c.name === 'slow')!.url;
    const late = await raw(slowUrl);
    w.ledger.defer(() => late.sock.destroy());
    await new Promise<void>((r) => setTimeout(r, 300)); // longer than the broker-wide timeout
    await hello(late);
  });

  it('limits - a frame that does not complete within maxFrameReadTime closes the connection', async () => {
    w = await world({ maxFrameReadTime: 150 });
    const p = await raw(w.url);
    await hello(p);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1000);
    p.sock.write(Buffer.concat([header, Buffer.alloc(10)]));
    const err = (await p.next()) as Extract<Command, { type: 20 }>;
    assert.equal(err.type, CommandType.ERROR);
    assert.match(err.message, /longer than 150 ms to arrive \(maxFrameReadTime\)/);
    await p.closed;
  });
});
