// The store running out of a resource: a disk that fills up (a small tmpfs) fails sends with
// the cause, the broker keeps running, and once space comes back sends resume without a
// restart; nothing acknowledged is lost.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConnectionFactory, DeliveryMode, Session, type Connection, type MessageProducer } from '@wharf/client';
import type { Broker } from '@wharf/broker';
import { checkFor, startBroker, stopBroker, tempDir } from '@wharf/testkit';
import { text } from './helpers';

/** A tmpfs of `size` at a new directory (root only); undefined when it cannot be mounted. */
export function mountTmpfs(size: string): string | undefined {
  const dir = tempDir('wharf-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

export function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Incompressible: LevelDB compresses its tables, and the disk must really fill.
const BODY = randomBytes(48 * 1024).toString('base64');

describe('store resources', function () {
  this.timeout(60000);

  it('store resources - a full disk fails sends with the cause, and they resume when space is freed; nothing acknowledged is lost', async function () {
    const mnt = mountTmpfs('20m');
    if (!mnt) this.skip(); // needs root (mount -t tmpfs)
    const data = path.join(mnt!, 'data');
    const filler = path.join(mnt!, 'filler');
    let broker: Broker | undefined;
    const conns: Connection[] = [];
    try {
      fs.writeFileSync(filler, Buffer.alloc(12 * 1024 * 1024, 1));
      broker = await startBroker({ persistent: true, dataDirectory: data, storeLimit: 0 });
      let storeFailure: Error | undefined;
      broker.on('storeFailure', (err: Error) => (storeFailure = err));
      const connect = async (b: Broker): Promise<Connection> => {
        const c = await new ConnectionFactory(b.connectorUrl('tcp')).createConnection();
        c.setExceptionListener(() => undefined);
        conns.push(c);
        await c.start();
        return c;
      };
      const c = await connect(broker);
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const q = s.createQueue('FULL');
      const producer: MessageProducer = await s.createProducer(q);
      producer.setDeliveryMode(DeliveryMode.PERSISTENT);
      const acked: string[] = [];
      let n = 0;
      const send = async (): Promise<void> => {
        const id = `m${n++}`;
        await producer.send(s.createTextMessage(`${id} ${BODY}`));
        acked.push(id);
      };

      // Fill the disk: the send that meets ENOSPC fails and says why.
      let failure: Error | undefined;
      for (let i = 0; i < 1000 && !failure; i++) await send().catch((err: Error) => (failure = err));
      assert.ok(failure, 'a send failed once the disk was full');
      assert.match(failure.message, /No space left on device|ENOSPC/);
      assert.ok(acked.length > 0);
      // Still full: sends keep failing with the cause, and a consumer's acks do not stop the broker.
      await assert.rejects(send(), /No space left on device|ENOSPC/);
      const cs = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const consumer = await cs.createConsumer(cs.createQueue('FULL'));
      const first = await consumer.receive(5000);
      assert.ok(first, 'a consumer still receives while the disk is full');
      await consumer.close();
      assert.equal(storeFailure, undefined);

      // Space comes back: sends resume without a restart.
      fs.rmSync(filler);
      await checkFor(15000, () => send().then(() => true, () => false), 'a send to succeed after space was freed');
      for (let i = 0; i < 5; i++) await send();
      assert.equal(storeFailure, undefined);

      // After a restart, every acknowledged send is there (the one consumed while full may be
      // redelivered: its ack could not be written).
      for (const x of conns.splice(0)) await x.close();
      await stopBroker(broker, { keepData: true });
      broker = await startBroker({ persistent: true, dataDirectory: data, storeLimit: 0 });
      const c2 = await connect(broker);
      const s2 = c2.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const cons2 = await s2.createConsumer(s2.createQueue('FULL'));
      const got = new Set<string>();
      for (;;) {
        const m = await cons2.receive(got.size === 0 ? 5000 : 1000);
        if (!m) break;
        got.add(text(m).split(' ')[0]!);
      }
      const firstId = text(first).split(' ')[0]!;
      const missing = acked.filter((id) => !got.has(id) && id !== firstId);
      assert.deepEqual(missing, []);
    } finally {
      for (const x of conns) await x.close().catch(() => undefined);
      if (broker) await stopBroker(broker, { keepData: true }).catch(() => undefined);
      unmount(mnt!);
    }
  });

  it('store resources - on a small disk the default storeLimit fits the disk: sends are refused as store-full before ENOSPC', async function () {
    const mnt = mountTmpfs('20m');
    if (!mnt) this.skip(); // needs root (mount -t tmpfs)
    let broker: Broker | undefined;
    let c: Connection | undefined;
    try {
      broker = await startBroker({ persistent: true, dataDirectory: path.join(mnt!, 'data'), sendFailIfNoSpace: true });
      assert.ok(broker.config.storeLimit > 0 && broker.config.storeLimit < 20 * 1024 * 1024, `limit ${broker.config.storeLimit}`);
      let storeFailure: Error | undefined;
      broker.on('storeFailure', (err: Error) => (storeFailure = err));
      c = await new ConnectionFactory(broker.connectorUrl('tcp')).createConnection();
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const producer = await s.createProducer(s.createQueue('FITS'));
      producer.setDeliveryMode(DeliveryMode.PERSISTENT);
      let failure: Error | undefined;
      let sent = 0;
      for (let i = 0; i < 1000 && !failure; i++) {
        await producer.send(s.createTextMessage(BODY)).then(() => sent++, (err: Error) => (failure = err));
      }
      assert.ok(failure, 'a send was refused');
      assert.match(failure.message, /Store is Full/);
      assert.ok(sent > 0);
      assert.equal(storeFailure, undefined);
      // The disk still has room: the store itself never failed.
      assert.doesNotMatch(failure.message, /No space left/);
    } finally {
      await c?.close().catch(() => undefined);
      if (broker) await stopBroker(broker, { keepData: true }).catch(() => undefined);
      unmount(mnt!);
    }
  });
});
