// Bad input over real sockets: garbage, oversize frames, unknown types, lying lengths and a
// silent peer close that connection only (with a ConnectionError where the protocol allows);
// other clients keep working. Errors a Java application can catch carry JMS exception classes.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Broker } from '@wharf/broker';
import { ConnectionFactory } from '@wharf/client';
import { startBroker, stopBroker } from './broker';
import { DataType, type Struct } from '../src/index';
import { CLIENT_PREFS, RawOpenWire } from './raw-client';

const cid: Struct = { type: DataType.CONNECTION_ID, value: 'ID:bad-input-1' };

function portOf(b: Broker): number {
  return Number(/:(\d+)$/.exec(b.connectorUrl('tcp'))![1]);
}

async function connected(port: number, clientId?: string): Promise<RawOpenWire> {
  const c = await RawOpenWire.connect(port);
  const r = await c.request({ type: DataType.CONNECTION_INFO, connectionId: { ...cid, value: `ID:bad-${Math.random()}` }, clientId: clientId ?? null, brokerPath: null });
  assert.equal(r.type, DataType.RESPONSE);
  return c;
}

/** A native and an OpenWire round trip on the same broker: the others keep working. */
async function othersStillWork(b: Broker): Promise<void> {
  const conn = await new ConnectionFactory(b.connectorUrl('tcp')).createConnection();
  try {
    conn.start();
    const s = conn.createSession(false, 1);
    const q = s.createQueue(`still.works.${Math.random()}`);
    const p = await s.createProducer(q);
    const c = await s.createConsumer(q);
    await p.send(s.createTextMessage('ok'));
    assert.equal((await c.receive(5000))?.getBody(), 'ok');
  } finally {
    await conn.close();
  }
  const ow = await connected(portOf(b));
  const ka = await ow.request({ type: DataType.SESSION_INFO, sessionId: { type: DataType.SESSION_ID, connectionId: 'ID:x', value: 1 } });
  assert.equal(ka.type, DataType.RESPONSE);
  ow.close();
}

describe('openwire - bad input', function () {
  this.timeout(30000);
  let b: Broker;
  before(async () => {
    b = await startBroker({ maxFrameSize: 64 * 1024 });
  });
  after(async () => {
    if (b) await stopBroker(b);
  });

  it('openwire bad input - garbage after the WireFormatInfo closes that connection with a ConnectionError; others keep working', async () => {
    const c = await connected(portOf(b));
    c.writeRaw(Buffer.from([0, 0, 0, 5, 0xfe, 1, 2, 3, 4]));
    const err = await c.waitFor((x) => x.type === DataType.CONNECTION_ERROR, 'ConnectionError');
    assert.match(String((err.exception as { message: string }).message), /Unknown data type: 254/);
    await c.closedP;
    await othersStillWork(b);
  });

  it('openwire bad input - a frame over maxFrameSize closes the connection before it is read', async () => {
    const c = await connected(portOf(b));
    const head = Buffer.alloc(5);
    head.writeInt32BE(64 * 1024 * 1024, 0);
    head[4] = DataType.TEXT_MESSAGE;
    c.writeRaw(head);
    const err = await c.waitFor((x) => x.type === DataType.CONNECTION_ERROR, 'ConnectionError');
    assert.match(String((err.exception as { message: string }).message), /larger than max allowed/);
    await c.closedP;
    await othersStillWork(b);
  });

  it('openwire bad input - a lying length inside a frame closes the connection; nothing is allocated for it', async () => {
    const c = await connected(portOf(b));
    // A tight-encoded SessionInfo whose session id's connection id string claims 60000 bytes.
    const frame = Buffer.from([0, 0, 0, 12, DataType.SESSION_INFO, 1, 0b0000_0011, 0, 0, 0, 1, 0, 0, 0xea, 0x60, 0]);
    frame.writeInt32BE(frame.length - 4, 0);
    c.writeRaw(frame);
    await c.closedP;
    await othersStillWork(b);
  });

  it('openwire bad input - a command before the WireFormatInfo, or a bad magic, closes the connection', async () => {
    for (const bytes of [
      Buffer.from([0, 0, 0, 13, 1, 0x41, 0x63, 0x74, 0x69, 0x76, 0x65, 0x4d, 0x58, 0, 0, 0, 12]), // "ActiveMX"
      Buffer.from([0, 0, 0, 2, 10, 0]),
    ]) {
      const s = net.connect(portOf(b), '127.0.0.1');
      s.on('error', () => undefined);
      s.on('data', () => undefined);
      s.write(bytes);
      await new Promise((resolve) => s.on('close', resolve));
    }
    await othersStillWork(b);
  });

  it('openwire bad input - a peer that says nothing after negotiating is closed after maxInactivityDuration', async () => {
    const c = await RawOpenWire.connect(portOf(b), { ...CLIENT_PREFS, maxInactivityDuration: 300, maxInactivityDurationInitalDelay: 0 });
    // It reads the broker's KeepAliveInfo but never writes: the broker gives up on it.
    await c.waitFor((x) => x.type === DataType.KEEP_ALIVE_INFO, 'KeepAliveInfo');
    await c.closedP;
    await othersStillWork(b);
  });

  it('openwire bad input - random and mutated frames from many connections never disturb the others', async () => {
    const port = portOf(b);
    const rnd = fc.sample(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 })), { numRuns: 40, seed: 14 });
    for (const [junk, which, edits] of rnd) {
      const c = await connected(port);
      // A valid command of the negotiated encoding, mutated, or plain junk with a plausible size.
      const valid = c.wf.encode({
        type: DataType.TEXT_MESSAGE, commandId: 9, responseRequired: true,
        producerId: { type: DataType.PRODUCER_ID, connectionId: 'ID:f', value: 1, sessionId: 1 },
        destination: { type: DataType.QUEUE, physicalName: 'FUZZ' },
        messageId: { type: DataType.MESSAGE_ID, textView: null, producerId: null, producerSequenceId: 1, brokerSequenceId: 0 },
        persistent: false, priority: 4, content: new Uint8Array([0, 0, 0, 1, 0x61]), marshalledProperties: null,
      });
      let frame: Buffer;
      if (which % 2 === 0) {
        frame = Buffer.from(valid);
        for (const [at, v] of edits) frame[4 + (at % (frame.length - 4))] = v;
      } else {
        frame = Buffer.concat([Buffer.alloc(4), Buffer.from(junk)]);
        frame.writeInt32BE(junk.length, 0);
      }
      c.writeRaw(frame);
      c.send({ type: DataType.KEEP_ALIVE_INFO, responseRequired: true });
      // Either the connection survives (and answers the keep-alive) or the broker closes it.
      await c.waitFor((x) => x.type === DataType.KEEP_ALIVE_INFO, 'KeepAliveInfo', 5000).catch(() => undefined);
      c.close();
    }
    await othersStillWork(b);
  });

  it('openwire over ssl:// - the TLS connector recognises OpenWire too', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-ow-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
        '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    } catch {
      fs.rmSync(dir, { recursive: true, force: true });
      this.skip();
    }
    const secure = await startBroker({ transportConnectors: [{ name: 'openwire-ssl', uri: 'ssl://127.0.0.1:0', key: path.join(dir, 'key.pem'), cert: path.join(dir, 'cert.pem') }] });
    try {
      const port = Number(/:(\d+)$/.exec(secure.connectorUrl('ssl'))![1]);
      const c = await RawOpenWire.connect(port, CLIENT_PREFS, true);
      const r = await c.request({ type: DataType.CONNECTION_INFO, connectionId: { ...cid, value: 'ID:tls' }, clientId: null, brokerPath: null });
      assert.equal(r.type, DataType.RESPONSE);
      c.close();
    } finally {
      await stopBroker(secure);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('openwire bad input - a wrong password is refused with JMSSecurityException and the connection closes', async () => {
    const secured = await startBroker({ users: [{ username: 'app', password: 'secret' }] });
    try {
      const c = await RawOpenWire.connect(portOf(secured));
      const r = await c.request({ type: DataType.CONNECTION_INFO, connectionId: { ...cid, value: 'ID:sec' }, clientId: null, userName: 'app', password: 'wrong', brokerPath: null });
      assert.equal(r.type, DataType.EXCEPTION_RESPONSE);
      assert.equal((r.exception as { className: string }).className, 'javax.jms.JMSSecurityException');
      await c.closedP;
      const ok = await RawOpenWire.connect(portOf(secured));
      const r2 = await ok.request({ type: DataType.CONNECTION_INFO, connectionId: { ...cid, value: 'ID:sec2' }, clientId: null, userName: 'app', password: 'secret', brokerPath: null });
      assert.equal(r2.type, DataType.RESPONSE);
      ok.close();
    } finally {
      await stopBroker(secured);
    }
  });

  it('openwire bad input - a malformed XATransactionId (sizes, missing parts) closes only that connection', async () => {
    const xid = (over: Partial<Struct>): Struct => ({
      type: DataType.XA_TRANSACTION_ID, formatId: 1, globalTransactionId: Buffer.from('g'), branchQualifier: Buffer.from('b'), ...over,
    });
    const bad: Array<[Struct, RegExp]> = [
      [xid({ globalTransactionId: Buffer.alloc(65, 1) }), /globalTransactionId must be 1 to 64 bytes, got 65/],
      [xid({ globalTransactionId: Buffer.alloc(0) }), /globalTransactionId must be 1 to 64 bytes, got 0/],
      [xid({ globalTransactionId: null }), /globalTransactionId must be 1 to 64 bytes, got null/],
      [xid({ branchQualifier: Buffer.alloc(65, 1) }), /branchQualifier must be 0 to 64 bytes, got 65/],
      [xid({ branchQualifier: null }), /branchQualifier must be 0 to 64 bytes, got null/],
    ];
    for (const [transactionId, why] of bad) {
      const c = await connected(portOf(b));
      c.send({ type: DataType.TRANSACTION_INFO, responseRequired: true, connectionId: { ...cid }, transactionId, txType: 0 });
      const err = await c.waitFor((x) => x.type === DataType.CONNECTION_ERROR, 'ConnectionError');
      assert.match(String((err.exception as { message: string }).message), why);
      await c.closedP;
    }
    // In a message's transactionId too.
    const c = await connected(portOf(b));
    c.send({
      type: DataType.TEXT_MESSAGE, responseRequired: true, producerId: { type: DataType.PRODUCER_ID, connectionId: 'ID:c', sessionId: 1, value: 1 },
      destination: { type: DataType.QUEUE, physicalName: 'xa.bad' }, messageId: { type: DataType.MESSAGE_ID, producerId: { type: DataType.PRODUCER_ID, connectionId: 'ID:c', sessionId: 1, value: 1 }, producerSequenceId: 1, brokerSequenceId: 0 },
      transactionId: xid({ globalTransactionId: Buffer.alloc(200, 7) }), text: 'x',
    });
    const err = await c.waitFor((x) => x.type === DataType.CONNECTION_ERROR, 'ConnectionError');
    assert.match(String((err.exception as { message: string }).message), /globalTransactionId must be 1 to 64 bytes, got 200/);
    await c.closedP;
    await othersStillWork(b);
  });

  it('openwire bad input - refusals answer with JMS exception class names and keep the connection', async () => {
    const c = await connected(portOf(b), 'taken-id');
    const other = await RawOpenWire.connect(portOf(b));
    const dup = await other.request({ type: DataType.CONNECTION_INFO, connectionId: { ...cid, value: 'ID:dup' }, clientId: 'taken-id', brokerPath: null });
    assert.equal(dup.type, DataType.EXCEPTION_RESPONSE);
    assert.equal((dup.exception as { className: string }).className, 'javax.jms.InvalidClientIDException');

    const sid = { type: DataType.SESSION_ID, connectionId: 'ID:c', value: 1 };
    assert.equal((await c.request({ type: DataType.SESSION_INFO, sessionId: sid })).type, DataType.RESPONSE);
    const bad = await c.request({
      type: DataType.CONSUMER_INFO, consumerId: { type: DataType.CONSUMER_ID, connectionId: 'ID:c', sessionId: 1, value: 1 },
      destination: { type: DataType.QUEUE, physicalName: 'Q' }, prefetchSize: 10, selector: 'a = = 1', brokerPath: null,
    });
    assert.equal(bad.type, DataType.EXCEPTION_RESPONSE);
    assert.equal((bad.exception as { className: string }).className, 'javax.jms.InvalidSelectorException');
    const badDest = await c.request({
      type: DataType.CONSUMER_INFO, consumerId: { type: DataType.CONSUMER_ID, connectionId: 'ID:c', sessionId: 1, value: 2 },
      destination: { type: DataType.QUEUE, physicalName: 'a..b' }, prefetchSize: 10, brokerPath: null,
    });
    assert.equal((badDest.exception as { className: string }).className, 'javax.jms.InvalidDestinationException');
    // Still open: a KeepAliveInfo asking for an answer gets one.
    c.send({ type: DataType.KEEP_ALIVE_INFO, responseRequired: true });
    await c.waitFor((x) => x.type === DataType.KEEP_ALIVE_INFO, 'KeepAliveInfo');
    assert.equal(c.closed, false);
    c.close();
    other.close();
  });
});
