// Duplicate detection across a restart when a persistent send was consumed before its store
// write (concurrent store and dispatch): the message itself is never written, but a resend of it
// by a failover client after the restart must still be taken as a duplicate.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AckMode, AckType, CommandType, PROTOCOL_VERSION, type Command } from '@wharf/protocol';
import type { Broker } from '../src';
import { CoreClient, coreBroker, until } from './core-client';

describe('broker core - duplicate resend', () => {
  const brokers: Broker[] = [];
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-dup-core-'));
  });
  afterEach(async () => {
    for (const b of brokers.splice(0)) await b.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  async function broker(): Promise<Broker> {
    const b = await coreBroker({ persistent: true, dataDirectory: dir });
    brokers.push(b);
    return b;
  }

  it('duplicate resend - a send consumed before its store write, resent over failover after a restart, is not stored again', async () => {
    const b = await broker();
    // A consumer that acknowledges each message the moment it is dispatched: the ack comes back
    // while the send's write is still held, so the put is taken out of it.
    const consumer = b.openConnection({
      remoteAddress: 'acker',
      send: (cmd: Command) => {
        if (cmd.type === CommandType.DISPATCH && cmd.message) {
          consumer.handle({ type: CommandType.ACK, consumerId: cmd.consumerId, ackType: AckType.STANDARD, deliveryIds: [cmd.deliveryId] } as Command);
        }
      },
      close: () => undefined,
    }, 'test');
    consumer.handle({ type: CommandType.HELLO, corr: 1, version: PROTOCOL_VERSION, heartbeat: 0 } as Command);
    consumer.handle({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: AckMode.CLIENT_ACKNOWLEDGE });
    consumer.handle({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'queue://DUP.CSD', prefetch: 10 } as Command);

    const producer = new CoreClient(b, 'producer');
    await producer.open();
    await producer.send('queue://DUP.CSD', 'once');
    assert.equal(b.store.stats().cancelledPuts, 1, 'the message was consumed before its write');
    assert.equal(b.queues.get('queue://DUP.CSD')!.depth, 0);
    consumer.close(undefined, false);
    producer.conn.close(undefined, false);
    for (const x of brokers.splice(0)) await x.stop();

    // The receipt never reached the client: its failover transport resends the message.
    const again = await broker();
    const resender = new CoreClient(again, 'resender');
    await resender.request({ type: CommandType.HELLO, version: PROTOCOL_VERSION, heartbeat: 0, failover: true } as unknown as Command);
    await resender.send('queue://DUP.CSD', 'once', { producerId: producer.producerId, producerSeq: 1, messageId: `${producer.producerId}:1` });
    await resender.send('queue://DUP.CSD', 'marker');
    resender.session(1, AckMode.CLIENT_ACKNOWLEDGE);
    await resender.consume(1, 1, 'queue://DUP.CSD', 10);
    await until('the marker', () => resender.bodies(1).includes('marker'));
    assert.deepEqual(resender.bodies(1), ['marker'], 'the resent message was consumed already: it is a duplicate');
  });
});
