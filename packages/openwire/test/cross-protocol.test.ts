// A message crosses protocols: the Java client's Text, Map, Bytes, Stream, Object and plain
// messages are read by Wharf's native client and by a STOMP client with every JMS header and
// typed property; messages from the native client and from STOMP reach the Java client typed.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Broker } from '@wharf/broker';
import { ConnectionFactory, type Connection, type Message, type Session, type StreamMessage } from '@wharf/client';
import { startBroker, stopBroker } from './broker';
import { classpath, compileJava, runJava } from './java';
import { Stomp } from './stomp-client';

const CLASSES = path.join(__dirname, '..', 'java-build', 'codec');
const SRC = path.join(__dirname, '..', '..', 'test', 'java');

let seq = 0;
const unique = (p: string): string => `xp.${p}.${process.pid}.${++seq}`;

describe('openwire - cross protocol with the Java client', function () {
  this.timeout(120000);
  let broker: Broker;
  let url = '';
  let conn: Connection;
  let session: Session;
  before(async function () {
    if (!classpath()) this.skip();
    compileJava(SRC, CLASSES);
    broker = await startBroker({ transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }, { name: 'stomp', uri: 'stomp://127.0.0.1:0' }] });
    url = broker.connectorUrl('tcp');
    conn = await new ConnectionFactory(url).createConnection();
    conn.start();
    session = conn.createSession(false, 1);
  });
  after(async () => {
    await conn?.close();
    if (broker) await stopBroker(broker);
  });

  async function javaSend(queue: string): Promise<void> {
    const r = await runJava(CLASSES, 'CrossProtocol', ['send', url, queue]);
    assert.equal(r.code, 0, r.stderr);
  }

  it('openwire cross protocol - Java Text/Map/Bytes/Stream/Object messages reach the native client with headers and typed properties', async () => {
    const q = unique('j2n');
    const consumer = await session.createConsumer(session.createQueue(q));
    await javaSend(q);
    const got: Message[] = [];
    for (let i = 0; i < 6; i++) got.push((await consumer.receive(10000))!);
    assert.deepEqual(got.map((m) => m.constructor.name), ['TextMessage', 'MapMessage', 'BytesMessage', 'StreamMessage', 'ObjectMessage', 'Message']);
    for (const m of got) {
      const kind = m.getStringProperty('kind')!;
      assert.equal(m.getJMSCorrelationID(), `corr-${kind}`);
      assert.equal(m.getJMSType(), `type-${kind}`);
      assert.equal(String(m.getJMSReplyTo()), `queue://reply.${kind}`);
      assert.equal(m.getJMSPriority(), 6);
      assert.equal(m.getJMSDeliveryMode(), 2);
      assert.ok(m.getJMSExpiration() > Date.now());
      assert.match(m.getJMSMessageID()!, /^ID:.*:\d+:\d+:\d+$/);
      assert.equal(m.getObjectProperty('pBool'), true);
      assert.equal(m.getObjectProperty('pByte'), -3);
      assert.equal(m.getObjectProperty('pShort'), 300);
      assert.equal(m.getObjectProperty('pInt'), 70000);
      assert.equal(m.getObjectProperty('pLong'), 9007199254740993n);
      assert.equal(m.getObjectProperty('pFloat'), 1.5);
      assert.equal(m.getObjectProperty('pDouble'), 2.25);
    }
    assert.equal(got[0]!.getBody(), 'hello \u00e9');
    assert.deepEqual(got[1]!.getBody(), { short: 7, name: 'widget', price: 9.5 });
    assert.deepEqual([...(got[2]!.getBody() as Uint8Array)], [0, 1, 2, 255]);
    const stream = got[3] as StreamMessage;
    assert.deepEqual([stream.readObject(), stream.readObject(), stream.readObject()], [1, 'two', true]);
  });

  it('openwire cross protocol - a Java consumer gets what a Java producer sent, exactly (every body kind, nested List/Map values, compressed, big)', async () => {
    const q = unique('j2j');
    const sent = await runJava(CLASSES, 'BridgeJava', ['send', url, `queue:${q}`, 'j', '1']);
    assert.equal(sent.code, 0, sent.stderr);
    const got = await runJava(CLASSES, 'BridgeJava', ['receive', url, `queue:${q}`, '20']);
    assert.equal(got.code, 0, got.stderr);
    const lines = (out: string): string[] => out.split('\n').filter((l) => l !== '' && l !== 'consuming');
    const [s, g] = [lines(sent.stdout), lines(got.stdout)];
    assert.equal(s.length, 20);
    assert.deepEqual([...g].sort(), [...s].sort());
    // In order per producer (the two producers' connections may interleave either way).
    for (const p of ['j-p0', 'j-p1']) {
      const of = (l: string): boolean => l.includes(`|p.producer=String:${p}|`);
      assert.deepEqual(g.filter(of), s.filter(of), p);
    }
  });

  it('openwire cross protocol - Java messages reach a STOMP client with headers and properties', async () => {
    const q = unique('j2s');
    const stomp = await Stomp.open(Number(/:(\d+)$/.exec(broker.connectorUrl('stomp'))![1]));
    try {
      stomp.write('SUBSCRIBE', { destination: `/queue/${q}`, id: '1', ack: 'auto', receipt: 'sub' });
      assert.equal((await stomp.next()).command, 'RECEIPT');
      await javaSend(q);
      const frames = [];
      for (let i = 0; i < 6; i++) frames.push(await stomp.next());
      for (const f of frames) {
        assert.equal(f.command, 'MESSAGE');
        const kind = f.headers.get('kind')!;
        assert.equal(f.headers.get('correlation-id'), `corr-${kind}`);
        assert.equal(f.headers.get('type'), `type-${kind}`);
        assert.equal(f.headers.get('reply-to'), `/queue/reply.${kind}`);
        assert.equal(f.headers.get('priority'), '6');
        assert.equal(f.headers.get('persistent'), 'true');
        // As on ActiveMQ: the group id is a message field, not a property, and its STOMP
        // MESSAGE frames do not carry it (recorded in test-stomp-diff).
        assert.equal(f.headers.get('JMSXGroupID'), undefined);
        assert.equal(f.headers.get('pShort'), '300');
        assert.equal(f.headers.get('pLong'), '9007199254740993');
        assert.equal(f.headers.get('pBool'), 'true');
      }
      assert.equal(frames[0]!.body.toString('utf8'), 'hello \u00e9');
      assert.deepEqual(JSON.parse(frames[1]!.body.toString('utf8')), { short: 7, name: 'widget', price: 9.5 });
      assert.deepEqual([...frames[2]!.body], [0, 1, 2, 255]);
      assert.deepEqual(JSON.parse(frames[3]!.body.toString('utf8')), [1, 'two', true]);
    } finally {
      stomp.close();
    }
  });

  it('openwire cross protocol - native and STOMP messages reach the Java client with their headers, properties and bodies', async () => {
    const q = unique('n2j');
    const producer = await session.createProducer(session.createQueue(q));
    const text = session.createTextMessage('from native');
    text.setJMSCorrelationID('corr-n');
    text.setJMSType('type-n');
    text.setJMSReplyTo(session.createQueue('reply.n'));
    text.setIntProperty('pInt', 5);
    text.setLongProperty('pLong', 9007199254740993n);
    text.setDoubleProperty('pDouble', 0.5);
    text.setBooleanProperty('pBool', false);
    text.setStringProperty('pString', 'str');
    await producer.send(text, { priority: 8 });
    await producer.send(session.createMapMessage({ a: 1, b: 'two', c: 2.5 }));
    const bytes = session.createBytesMessage();
    bytes.writeBytes(new Uint8Array([9, 8, 7]));
    await producer.send(bytes);
    const stream = session.createStreamMessage();
    stream.writeInt(3);
    stream.writeString('four');
    await producer.send(stream);
    const stomp = await Stomp.open(Number(/:(\d+)$/.exec(broker.connectorUrl('stomp'))![1]));
    stomp.write('SEND', { destination: `/queue/${q}`, 'correlation-id': 'corr-s', type: 'type-s', priority: '3', persistent: 'true', color: 'red', receipt: 'r1' }, 'from stomp');
    assert.equal((await stomp.next()).command, 'RECEIPT');
    stomp.close();

    const r = await runJava(CLASSES, 'CrossProtocol', ['receive', url, q, '5']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 5);
    const [t, m, b, s, st] = lines.map((l) => new Map(l.split('|').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
    assert.equal(t!.get('class'), 'ActiveMQTextMessage');
    assert.equal(t!.get('body'), 'from native');
    assert.equal(t!.get('corr'), 'corr-n');
    assert.equal(t!.get('type'), 'type-n');
    assert.equal(t!.get('replyTo'), 'queue://reply.n');
    assert.equal(t!.get('priority'), '8');
    assert.equal(t!.get('p.pInt'), 'Integer:5');
    assert.equal(t!.get('p.pLong'), 'Long:9007199254740993');
    assert.equal(t!.get('p.pDouble'), 'Double:0.5');
    assert.equal(t!.get('p.pBool'), 'Boolean:false');
    assert.equal(t!.get('p.pString'), 'String:str');
    assert.equal(m!.get('class'), 'ActiveMQMapMessage');
    assert.equal(m!.get('m.a'), 'Integer:1');
    assert.equal(m!.get('m.b'), 'String:two');
    assert.equal(m!.get('m.c'), 'Double:2.5');
    assert.equal(b!.get('class'), 'ActiveMQBytesMessage');
    assert.equal(b!.get('body'), '[9, 8, 7]');
    assert.equal(s!.get('class'), 'ActiveMQStreamMessage');
    assert.match(lines[3]!, /\|s=Integer:3\|s=String:four/);
    assert.equal(st!.get('class'), 'ActiveMQTextMessage');
    assert.equal(st!.get('body'), 'from stomp');
    assert.equal(st!.get('corr'), 'corr-s');
    assert.equal(st!.get('type'), 'type-s');
    assert.equal(st!.get('priority'), '3');
    assert.equal(st!.get('mode'), '2');
    assert.equal(st!.get('p.color'), 'String:red');
  });

  it('openwire cross protocol - a Java message read by the native client and sent on keeps its Java property types for a Java consumer', async () => {
    const q = unique('j2n2j');
    const q2 = unique('j2n2j-out');
    const consumer = await session.createConsumer(session.createQueue(q));
    await javaSend(q);
    const m = (await consumer.receive(10000))!;
    // The native client forwards the message it received, as a bridge would.
    const producer = await session.createProducer(session.createQueue(q2));
    await producer.send(m);
    const r = await runJava(CLASSES, 'CrossProtocol', ['receive', url, q2, '1']);
    assert.equal(r.code, 0, r.stderr);
    const f = new Map(r.stdout.trim().split('|').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    assert.equal(f.get('p.pShort'), 'Short:300');
    assert.equal(f.get('p.pByte'), 'Byte:-3');
    assert.equal(f.get('p.pFloat'), 'Float:1.5');
    assert.equal(f.get('p.pLong'), 'Long:9007199254740993');
  });
});
