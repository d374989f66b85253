import { strict as assert } from 'node:assert';
import { BodyKind, MessageFormatError, MessageNotReadableError, MessageNotWriteableError, decodeValue, encodeValue, type WireMessage } from '@wharf/protocol';
import {
  BytesMessage, MapMessage, Message, ObjectMessage, StreamMessage, TextMessage, messageFromWire,
} from '../src/messages/index';
import { MessageEOFError } from '../src/errors';
import { Queue, TemporaryQueue } from '../src/destinations';

/** What the peer gets: the message through the wire encoding, received. */
function roundTrip<T extends Message>(m: T): T {
  m._prepareBody();
  return messageFromWire(decodeValue<WireMessage>(encodeValue(m._w))) as T;
}

describe('message properties', () => {
  it('properties - JMS conversions between types', () => {
    const m = new Message();
    m.setIntProperty('i', 42);
    m.setStringProperty('s', '17');
    m.setBooleanProperty('b', true);
    m.setDoubleProperty('d', 2.5);
    m.setLongProperty('l', 2n ** 40n);
    m.setByteProperty('y', -3);
    m.setShortProperty('sh', 300);
    m.setFloatProperty('f', 0.1);
    assert.equal(m.getIntProperty('i'), 42);
    assert.equal(m.getLongProperty('i'), 42);
    assert.equal(m.getStringProperty('i'), '42');
    assert.equal(m.getDoubleProperty('i'), 42);
    assert.equal(m.getIntProperty('s'), 17, 'a numeric string converts');
    assert.equal(m.getDoubleProperty('s'), 17);
    assert.equal(m.getStringProperty('b'), 'true');
    assert.equal(m.getBooleanProperty('b'), true);
    assert.throws(() => m.getIntProperty('b'), MessageFormatError);
    assert.throws(() => m.getIntProperty('d'), MessageFormatError, 'a double is not an int');
    assert.equal(m.getLongProperty('l'), 2 ** 40);
    assert.equal(m.getBigIntProperty('l'), 2n ** 40n);
    assert.equal(m.getShortProperty('y'), -3);
    assert.throws(() => m.getByteProperty('sh'), MessageFormatError);
    assert.equal(m.getFloatProperty('f'), Math.fround(0.1));
    assert.throws(() => m.setIntProperty('x', 2 ** 31), MessageFormatError);
    assert.throws(() => m.setByteProperty('x', 128), MessageFormatError);
    assert.throws(() => m.setLongProperty('x', 1.5), MessageFormatError);
    assert.throws(() => m.setObjectProperty('x', {} as never), MessageFormatError);
  });

  it('properties - missing values follow Java: null string, false boolean, error for numbers', () => {
    const m = new Message();
    assert.equal(m.getStringProperty('none'), null);
    assert.equal(m.getBooleanProperty('none'), false);
    assert.equal(m.getObjectProperty('none'), null);
    assert.equal(m.propertyExists('none'), false);
    assert.throws(() => m.getIntProperty('none'), MessageFormatError);
    m.setStringProperty('s', 'abc');
    assert.throws(() => m.getIntProperty('s'), MessageFormatError);
    assert.equal(m.getBooleanProperty('s'), false);
  });

  it('properties - JMSXGroupID and JMSXGroupSeq live in the headers', () => {
    const m = new TextMessage();
    m.setStringProperty('JMSXGroupID', 'g1');
    m.setIntProperty('JMSXGroupSeq', 3);
    m.setStringProperty('user', 'x');
    assert.equal(m._w.groupId, 'g1');
    assert.equal(m._w.groupSeq, 3);
    assert.equal(m._w.properties.JMSXGroupID, undefined);
    assert.deepEqual(m.getPropertyNames().sort(), ['JMSXGroupID', 'JMSXGroupSeq', 'user']);
    const r = roundTrip(m);
    assert.equal(r.getStringProperty('JMSXGroupID'), 'g1');
    assert.equal(r.getIntProperty('JMSXGroupSeq'), 3);
  });

  it('properties - a received message is read-only until clearProperties/clearBody', () => {
    const m = new TextMessage();
    m.setText('hello');
    m.setStringProperty('p', 'v');
    const r = roundTrip(m);
    r._w.deliveryCount = 2;
    assert.equal(r.getIntProperty('JMSXDeliveryCount'), 2);
    assert.throws(() => r.setStringProperty('p', 'w'), MessageNotWriteableError);
    assert.throws(() => r.setText('x'), MessageNotWriteableError);
    r.clearProperties();
    r.setStringProperty('p', 'w');
    assert.equal(r.getStringProperty('p'), 'w');
    r.clearBody();
    r.setText('again');
    assert.equal(r.getText(), 'again');
    r.setJMSCorrelationID('c'); // headers stay writable
    assert.equal(r.getJMSCorrelationID(), 'c');
  });

  it('headers - reply-to and destination are destination objects', () => {
    const m = new TextMessage();
    m.setJMSReplyTo(new TemporaryQueue('ID:b-1:1'));
    m.setJMSDestination(new Queue('ORDERS'));
    assert.equal(m._w.replyTo, 'temp-queue://ID:b-1:1');
    const r = roundTrip(m);
    const rt = r.getJMSReplyTo()!;
    assert.ok(rt instanceof TemporaryQueue);
    assert.equal(rt.toString(), 'temp-queue://ID:b-1:1');
    assert.equal((r.getJMSDestination() as Queue).getQueueName(), 'ORDERS');
    m.setJMSReplyTo(null);
    assert.equal('replyTo' in m._w, false);
  });
});

describe('message bodies', () => {
  it('bytes - big-endian like Java DataOutput, read back after reset()', () => {
    const m = new BytesMessage();
    m.writeInt(1);
    m.writeShort(-2);
    m.writeLong(2n ** 40n + 1n);
    m.writeBoolean(true);
    m.writeByte(-1);
    m.writeDouble(1.5);
    m.writeFloat(0.25);
    m.writeChar('A');
    m.writeUTF('héllo');
    m.writeBytes(new Uint8Array([9, 8, 7]), 1, 2);
    m._prepareBody();
    const bytes = Buffer.from(m._w.body as Uint8Array);
    assert.deepEqual([...bytes.subarray(0, 6)], [0, 0, 0, 1, 0xff, 0xfe]);
    assert.throws(() => m.getBodyLength(), MessageNotReadableError);
    assert.throws(() => m.readInt(), MessageNotReadableError);
    const r = roundTrip(m);
    assert.equal(r.getBodyLength(), bytes.length);
    assert.equal(r.readInt(), 1);
    assert.equal(r.readShort(), -2);
    assert.equal(r.readLong(), 2 ** 40 + 1);
    assert.equal(r.readBoolean(), true);
    assert.equal(r.readByte(), -1);
    assert.equal(r.readDouble(), 1.5);
    assert.equal(r.readFloat(), 0.25);
    assert.equal(r.readChar(), 'A');
    assert.equal(r.readUTF(), 'héllo');
    const out = new Uint8Array(5);
    assert.equal(r.readBytes(out), 2);
    assert.deepEqual([...out.subarray(0, 2)], [8, 7]);
    assert.equal(r.readBytes(out), -1);
    assert.throws(() => r.readInt(), MessageEOFError);
    assert.throws(() => r.writeInt(1), MessageNotWriteableError);
  });

  it('bytes - writeUTF uses modified UTF-8 (NUL as C0 80, surrogates as 3 bytes each)', () => {
    const m = new BytesMessage();
    m.writeUTF('a\u0000é€😀');
    m.reset();
    const b = m.getBody();
    assert.deepEqual([...b], [0, 14, 0x61, 0xc0, 0x80, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]);
    assert.equal(m.readUTF(), 'a\u0000é€😀');
  });

  it('stream - typed values with conversions; a failed read does not advance', () => {
    const m = new StreamMessage();
    m.writeInt(7);
    m.writeString('12');
    m.writeBoolean(false);
    m.writeBytes(new Uint8Array([1, 2, 3, 4, 5]));
    m.writeObject(null);
    m.writeDouble(2.5);
    assert.throws(() => m.readInt(), MessageNotReadableError);
    const r = roundTrip(m);
    assert.equal(r.readLong(), 7);
    assert.equal(r.readInt(), 12, 'a numeric string reads as an int');
    assert.equal(r.readString(), 'false');
    const buf = new Uint8Array(8);
    assert.equal(r.readBytes(buf), 5);
    assert.equal(r.readBytes(buf), -1);
    assert.equal(r.readObject(), null);
    assert.equal(r.readFloat(), 2.5);
    assert.throws(() => r.readObject(), MessageEOFError);
  });

  it('stream - readBytes in chunks, then -1, then the next field', () => {
    const m = new StreamMessage();
    m.writeBytes(new Uint8Array([1, 2, 3, 4, 5]));
    m.writeString('next');
    m.reset();
    const buf = new Uint8Array(2);
    assert.equal(m.readBytes(buf), 2);
    assert.throws(() => m.readString(), MessageFormatError, 'a partly read byte[] blocks other reads');
    assert.equal(m.readBytes(buf), 2);
    assert.equal(m.readBytes(buf), 1);
    assert.equal(buf[0], 5);
    assert.equal(m.readBytes(buf), -1);
    assert.equal(m.readString(), 'next');
    assert.throws(() => m.readString(), MessageEOFError);
  });

  it('stream - conversion failure leaves the position', () => {
    const m = new StreamMessage();
    m.writeString('abc');
    m.writeInt(5);
    m.reset();
    assert.throws(() => m.readInt(), MessageFormatError);
    assert.equal(m.readString(), 'abc');
    assert.equal(m.readString(), '5');
  });

  it('map - typed items with conversions and names', () => {
    const m = new MapMessage();
    m.setInt('qty', 3);
    m.setString('sku', 'A-1');
    m.setBytes('raw', new Uint8Array([1, 2, 3]), 1);
    m.setDouble('price', 9.5);
    m.setLong('big', 2n ** 62n);
    const r = roundTrip(m);
    assert.deepEqual(r.getMapNames().sort(), ['big', 'price', 'qty', 'raw', 'sku']);
    assert.equal(r.getLong('qty'), 3);
    assert.equal(r.getString('price'), '9.5');
    assert.deepEqual([...r.getBytes('raw')!], [2, 3]);
    assert.equal(r.getBigInt('big'), 2n ** 62n);
    assert.throws(() => r.getLong('big'), MessageFormatError);
    assert.equal(r.itemExists('nope'), false);
    assert.throws(() => r.setInt('x', 1), MessageNotWriteableError);
    assert.throws(() => r.getInt('sku'), MessageFormatError);
  });

  it('object - plain data only, copied when set', () => {
    const m = new ObjectMessage();
    const order = { id: 42, items: [{ sku: 'a', qty: 2 }], when: new Date(0), note: null };
    m.setObject(order);
    order.id = 43;
    assert.equal(m.getObject<{ id: number }>()!.id, 42);
    const r = roundTrip(m);
    assert.deepEqual(r.getObject(), { id: 42, items: [{ sku: 'a', qty: 2 }], when: new Date(0), note: null });
    assert.throws(() => m.setObject({ f: () => 1 }), /function/);
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    assert.throws(() => m.setObject(cyc), /cyclic/);
    assert.throws(() => m.setObject(new Map()), /Map instance/);
    const shared = { x: 1 };
    assert.doesNotThrow(() => m.setObject({ a: shared, b: shared }), 'shared (not cyclic) data is fine');
  });

  it('text - setText checks its argument', () => {
    const m = new TextMessage();
    assert.equal(m.getText(), null);
    assert.throws(() => m.setText(5 as never), MessageFormatError);
    assert.equal(roundTrip(m)._w.bodyKind, BodyKind.TEXT);
  });
});
