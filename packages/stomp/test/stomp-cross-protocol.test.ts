// A message crosses protocols: STOMP in, native (@wharf/client) out, and back. Text vs bytes is
// chosen by content-length, as ActiveMQ does.
import { strict as assert } from 'node:assert';
import type { Broker } from '@wharf/broker';
import { startBroker, stompjs, type StompJs } from './stomp-harness.test';

// The broker package has no build dependency on the client (the dependency graph of docs/ARCHITECTURE.md), so the client is
// loaded at run time; these are the parts of its JMS API the tests use.
interface NativeMessage {
  constructor: { name: string };
  getBody(): unknown;
  getJMSCorrelationID(): string | null;
  getJMSType(): string | null;
  getJMSPriority(): number;
  getJMSDeliveryMode(): number;
  getJMSReplyTo(): { toString(): string } | null;
  getStringProperty(name: string): string | null;
  setStringProperty(name: string, v: string): void;
  setJMSReplyTo(d: unknown): void;
  setJMSCorrelationID(id: string): void;
}
interface NativeSession {
  createQueue(name: string): unknown;
  createTemporaryQueue(): Promise<unknown>;
  createTextMessage(text: string): NativeMessage;
  createBytesMessage(): NativeMessage & { writeBytes(b: Uint8Array): void };
  createMapMessage(entries: Record<string, unknown>): NativeMessage;
  createProducer(d: unknown): Promise<{ send(m: NativeMessage, o?: object): Promise<void>; send(d: unknown, m: NativeMessage): Promise<void> }>;
  createConsumer(d: unknown, selector?: string): Promise<{ receive(ms: number): Promise<NativeMessage | null> }>;
}
interface NativeConnection {
  start(): void;
  createSession(transacted: boolean, ackMode: number): NativeSession;
  close(): Promise<void>;
}
const client = require('@wharf/client') as { ConnectionFactory: new (url: string) => { createConnection(): Promise<NativeConnection> } };

let seq = 0;
const unique = (p: string): string => `${p}.${++seq}`;

describe('stomp cross protocol', function () {
  let b: Broker;
  let native: NativeConnection;
  let session: NativeSession;
  let stomp: StompJs;
  before(async () => {
    b = await startBroker();
    native = await new client.ConnectionFactory(b.connectorUrl('tcp')).createConnection();
    native.start();
    session = native.createSession(false, 1);
    stomp = await stompjs(b, 'tcp');
  });
  after(async () => {
    await stomp.close();
    await native.close();
    await b.stop();
  });

  it('stomp cross protocol - STOMP without content-length → native TextMessage with headers and properties', async () => {
    const q = unique('s2n');
    const consumer = await session.createConsumer(session.createQueue(q));
    await stomp.publish(`/queue/${q}`, 'hello native', { persistent: 'true', priority: '6', 'correlation-id': 'c-1', type: 'greeting', color: 'red' });
    const m = (await consumer.receive(5000))!;
    assert.equal(m.constructor.name, 'TextMessage');
    assert.equal(m.getBody(), 'hello native');
    assert.equal(m.getJMSCorrelationID(), 'c-1');
    assert.equal(m.getJMSType(), 'greeting');
    assert.equal(m.getJMSPriority(), 6);
    assert.equal(m.getJMSDeliveryMode(), 2);
    assert.equal(m.getStringProperty('color'), 'red');
  });

  it('stomp cross protocol - STOMP with content-length → native BytesMessage', async () => {
    const q = unique('s2n-bytes');
    const consumer = await session.createConsumer(session.createQueue(q));
    await stomp.publish(`/queue/${q}`, new Uint8Array([0, 1, 2, 0]));
    await stomp.publish(`/queue/${q}`, 'text, but sized', { 'content-length': String(Buffer.byteLength('text, but sized')) });
    const m1 = (await consumer.receive(5000))!;
    assert.equal(m1.constructor.name, 'BytesMessage');
    assert.deepEqual([...(m1.getBody() as Uint8Array)], [0, 1, 2, 0]);
    const m2 = (await consumer.receive(5000))!;
    assert.equal(m2.constructor.name, 'BytesMessage', 'content-length makes bytes even for text (ActiveMQ)');
    assert.equal(Buffer.from(m2.getBody() as Uint8Array).toString(), 'text, but sized');
  });

  it('stomp cross protocol - native text, bytes and map messages → STOMP MESSAGE frames', async () => {
    const q = unique('n2s');
    const sub = stomp.subscribe(`/queue/${q}`);
    const producer = await session.createProducer(session.createQueue(q));
    const text = session.createTextMessage('from native');
    text.setStringProperty('num', '10');
    text.setJMSCorrelationID('n-1');
    text.setJMSReplyTo(session.createQueue('replies'));
    await producer.send(text);
    const bytes = session.createBytesMessage();
    bytes.writeBytes(new Uint8Array([9, 0, 8]));
    await producer.send(bytes);
    await producer.send(session.createMapMessage({ a: 1, s: 'x', ok: true }));
    const t = await sub.messages.next();
    assert.equal(t.body, 'from native');
    assert.equal(t.headers['content-length'], undefined);
    assert.equal(t.headers.num, '10');
    assert.equal(t.headers['correlation-id'], 'n-1');
    assert.equal(t.headers['reply-to'], '/queue/replies');
    assert.equal(t.headers.persistent, 'true', 'native sends are persistent by default');
    const bm = await sub.messages.next();
    assert.equal(bm.headers['content-length'], '3');
    assert.deepEqual([...bm.binaryBody], [9, 0, 8]);
    const mm = await sub.messages.next();
    assert.equal(mm.headers.transformation, 'jms-map-json');
    assert.deepEqual(JSON.parse(mm.body), { a: 1, s: 'x', ok: true });
  });

  it('stomp cross protocol - native request with a temporary reply queue, answered over STOMP', async () => {
    const q = unique('rpc');
    const requests = stomp.subscribe(`/queue/${q}`, { selector: 'num > 5' });
    const replyQueue = await session.createTemporaryQueue();
    const replies = await session.createConsumer(replyQueue);
    const producer = await session.createProducer(session.createQueue(q));
    const req = session.createTextMessage('question');
    req.setStringProperty('num', '42');
    req.setJMSReplyTo(replyQueue);
    await producer.send(req);
    const got = await requests.messages.next();
    assert.match(got.headers['reply-to']!, /^\/remote-temp-queue\//);
    await stomp.publish(got.headers['reply-to']!, 'answer', { 'correlation-id': got.headers['message-id']! });
    const answer = (await replies.receive(5000))!;
    assert.equal(answer.getBody(), 'answer');
    assert.equal(answer.getJMSCorrelationID(), got.headers['message-id']);
  });
});
