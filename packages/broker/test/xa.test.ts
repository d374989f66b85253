// XA branches in the broker core, through the core API only (the XA command): what the Java
// client tests (packages/openwire/test/xa.test.ts) do not reach: a durable subscription's
// message reserved by a prepared branch across a restart of a LevelDB store, the connection
// close that rolls back an active branch but not a prepared one, flow control, an
// administrator's heuristic decision, and the error codes.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AckMode, AckType, CommandType, DeliveryMode, XaOp, type Command } from '@wharf/protocol';
import type { Broker } from '../src';
import { CoreClient, coreBroker, until } from './core-client';

function xa(c: CoreClient, op: number, txId?: string, more: Record<string, unknown> = {}): Promise<unknown> {
  return c.request({ type: CommandType.XA, op, ...(txId ? { txId } : {}), ...more } as unknown as Command);
}

describe('broker core - XA', () => {
  const brokers: Broker[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const b of brokers.splice(0)) await b.stop();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  async function broker(dataDirectory?: string): Promise<Broker> {
    const b = await coreBroker(dataDirectory ? { persistent: true, dataDirectory } : {});
    brokers.push(b);
    return b;
  }
  /** A broker on a new data directory; a client that begins branch `xid` and sends `in-branch` in it. */
  async function sendInBranch(queue: string, xid: string): Promise<{ dir: string; c: CoreClient }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-xa-core-'));
    dirs.push(dir);
    const c = new CoreClient(await broker(dir));
    await c.open();
    await xa(c, XaOp.BEGIN, xid);
    await c.send(queue, 'in-branch', {}, xid);
    return { dir, c };
  }
  /** Closes `c`, stops the broker and starts another on `dir`, with a failover connection. */
  async function restartWithFailover(c: CoreClient, dir: string): Promise<CoreClient> {
    c.conn.close();
    for (const b of brokers.splice(0)) await b.stop();
    const next = new CoreClient(await broker(dir));
    await next.request({ type: CommandType.HELLO, version: 1, heartbeat: 0, failover: true } as unknown as Command);
    return next;
  }

  it('xa - a durable subscription message acknowledged by a prepared branch stays reserved across a restart; rollback returns it redelivered', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-xa-core-'));
    dirs.push(dir);
    let b = await broker(dir);
    let c = new CoreClient(b);
    await c.open('xa-durable');
    c.session(1, AckMode.CLIENT_ACKNOWLEDGE);
    await c.consume(1, 1, 'topic://XA.T', 10, { durableName: 'd' });
    await c.send('topic://XA.T', 'm1');
    await c.send('topic://XA.T', 'm2');
    await until('two deliveries', () => c.deliveries(1).length === 2);
    await xa(c, XaOp.BEGIN, 'x1');
    await c.ack(1, [c.deliveries(1)[0]!.deliveryId], AckType.STANDARD, { txId: 'x1' });
    await xa(c, XaOp.END, 'x1');
    assert.equal(await xa(c, XaOp.PREPARE, 'x1'), 0);
    c.conn.close();
    await b.stop();
    brokers.splice(0);

    b = await broker(dir);
    c = new CoreClient(b);
    await c.open('xa-durable');
    c.session(1, AckMode.CLIENT_ACKNOWLEDGE);
    assert.deepEqual(await xa(c, XaOp.RECOVER), ['x1']);
    await c.consume(1, 1, 'topic://XA.T', 10, { durableName: 'd' });
    await until('m2 redelivered', () => c.deliveries(1).length === 1);
    assert.deepEqual(c.bodies(1), ['m2']);
    await xa(c, XaOp.ROLLBACK, 'x1');
    await until('m1 back', () => c.deliveries(1).length === 2);
    const back = c.deliveries(1)[1]!;
    assert.equal(back.message!.body, 'm1');
    assert.equal(back.redelivered, true);
    assert.deepEqual(await xa(c, XaOp.RECOVER), []);
  });

  it('xa - a prepared send committed after a restart by a failover connection is delivered, though its producer stored later sends, which stay duplicates after another restart', async () => {
    const { dir, c } = await sendInBranch('queue://XA.D', 'early');
    assert.equal(await xa(c, XaOp.PREPARE, 'early'), 0);
    // The same producer's next send (a higher sequence) is stored now.
    await c.send('queue://XA.D', 'later');
    const tm = await restartWithFailover(c, dir);
    tm.session(1, AckMode.CLIENT_ACKNOWLEDGE);
    await xa(tm, XaOp.COMMIT, 'early', { onePhase: false });
    await tm.consume(1, 1, 'queue://XA.D', 10);
    await until('both messages', () => tm.deliveries(1).length === 2);
    assert.deepEqual(tm.bodies(1).sort(), ['in-branch', 'later']);
    const later = tm.deliveries(1).find((d) => d.message!.body === 'later')!.message!;
    // Storing the branch's lower sequence last must not have lowered the producer's mark: the
    // later send, resent over failover after another restart, is a duplicate.
    const resender = await restartWithFailover(tm, dir);
    await resender.send('queue://XA.D', 'later', { producerId: later.producerId, producerSeq: later.producerSeq, messageId: later.messageId });
    await resender.send('queue://XA.D', 'marker');
    resender.session(1, AckMode.CLIENT_ACKNOWLEDGE);
    await resender.consume(1, 1, 'queue://XA.D', 10);
    await until('the marker', () => resender.bodies(1).includes('marker'));
    assert.deepEqual(resender.bodies(1).sort(), ['in-branch', 'later', 'marker']);
  });

  it('xa - a branch the client replays after a failover commits in one phase, though its producer stored a later send; that send resent is still a duplicate', async () => {
    const { dir, c } = await sendInBranch('queue://XA.S', 'open');
    await c.send('queue://XA.S', 'later');
    const producerId = c.producerId;
    const tm = await restartWithFailover(c, dir);
    // The client replays the open branch (its begin and its send, the same producer and
    // sequence) and commits it in one phase.
    await xa(tm, XaOp.BEGIN, 'open');
    await tm.send('queue://XA.S', 'in-branch', { producerId, producerSeq: 1, messageId: `${producerId}:1` }, 'open');
    await xa(tm, XaOp.COMMIT, 'open', { onePhase: true });
    await tm.send('queue://XA.S', 'later', { producerId, producerSeq: 2, messageId: `${producerId}:2` });
    await tm.send('queue://XA.S', 'marker');
    tm.session(1, AckMode.CLIENT_ACKNOWLEDGE);
    await tm.consume(1, 1, 'queue://XA.S', 10);
    await until('the marker', () => tm.bodies(1).includes('marker'));
    assert.deepEqual(tm.bodies(1).sort(), ['in-branch', 'later', 'marker']);
  });

  it('xa - closing a connection rolls back its active branch, not its prepared one, which another connection commits', async () => {
    const b = await broker();
    const c = new CoreClient(b);
    await c.open();
    await xa(c, XaOp.BEGIN, 'active');
    await c.send('queue://XA.Q', 'lost', {}, 'active');
    await xa(c, XaOp.BEGIN, 'prepared');
    await c.send('queue://XA.Q', 'kept', {}, 'prepared');
    await c.send('queue://XA.Q', 'non-persistent', { deliveryMode: DeliveryMode.NON_PERSISTENT }, 'prepared');
    assert.equal(await xa(c, XaOp.PREPARE, 'prepared'), 0);
    c.conn.close();

    const d = new CoreClient(b);
    await d.open();
    d.session(1, AckMode.CLIENT_ACKNOWLEDGE);
    await d.consume(1, 1, 'queue://XA.Q', 10);
    assert.deepEqual(await xa(d, XaOp.RECOVER), ['prepared']);
    await assert.rejects(xa(d, XaOp.COMMIT, 'active', { onePhase: true }), /WHARF_XA: Transaction 'active' has not been started\. xaErrorCode:-4$/);
    await assert.rejects(xa(d, XaOp.BEGIN, 'prepared'), /has already been started\. xaErrorCode:-8$/);
    await xa(d, XaOp.COMMIT, 'prepared', { onePhase: false });
    await until('the prepared sends', () => d.deliveries(1).length === 2);
    assert.deepEqual(d.bodies(1), ['kept', 'non-persistent']);
    await assert.rejects(xa(d, XaOp.ROLLBACK, 'prepared'), /xaErrorCode:-4$/);
  });

  it('xa - an administrator lists prepared branches and decides them (heuristic commit and rollback); the transaction manager then finds them unknown', async () => {
    const b = await broker();
    const c = new CoreClient(b);
    await c.open();
    c.session(1, AckMode.CLIENT_ACKNOWLEDGE);
    await c.send('queue://XA.H', 'held');
    await c.consume(1, 1, 'queue://XA.H', 10);
    await until('held delivered', () => c.deliveries(1).length === 1);
    await xa(c, XaOp.BEGIN, 'h-commit');
    await c.send('queue://XA.H', 'sent', {}, 'h-commit');
    await xa(c, XaOp.PREPARE, 'h-commit');
    await xa(c, XaOp.BEGIN, 'h-rollback');
    await c.ack(1, [c.deliveries(1)[0]!.deliveryId], AckType.STANDARD, { txId: 'h-rollback' });
    await xa(c, XaOp.PREPARE, 'h-rollback');
    assert.deepEqual(b.admin.preparedTransactions(), [{ xid: 'h-commit', sends: 1, acks: 0 }, { xid: 'h-rollback', sends: 0, acks: 1 }]);
    // Its consumer gone, the reserved message still counts in the queue's depth.
    await c.request({ type: CommandType.CONSUMER_CLOSE, consumerId: 1 } as unknown as Command);
    const q = b.queues.get('queue://XA.H')!;
    assert.equal(q.depth, 1);
    assert.equal(await b.admin.completePreparedTransaction('h-commit', true), true);
    assert.equal(await b.admin.completePreparedTransaction('h-rollback', false), true);
    assert.equal(await b.admin.completePreparedTransaction('h-rollback', false), false);
    assert.deepEqual(b.admin.preparedTransactions(), []);
    assert.equal(q.depth, 2);
    await c.consume(1, 2, 'queue://XA.H', 10);
    await until('both messages', () => c.deliveries(2).length === 2);
    assert.deepEqual(c.bodies(2), ['held', 'sent']);
    assert.equal(c.deliveries(2)[0]!.redelivered, true);
    await assert.rejects(xa(c, XaOp.COMMIT, 'h-commit', { onePhase: false }), /xaErrorCode:-4$/);
    await assert.rejects(xa(c, XaOp.ROLLBACK, 'h-rollback'), /xaErrorCode:-4$/);
  });

  it('xa - a branch that lost a send to flow control is rolled back at prepare (XA_RBOTHER)', async () => {
    const b = await coreBroker({ memoryLimit: 64 * 1024, sendFailIfNoSpace: true });
    brokers.push(b);
    const c = new CoreClient(b);
    await c.open();
    await xa(c, XaOp.BEGIN, 'full');
    // Held until the outcome, the sends fill memory: the next one is refused.
    await c.send('queue://XA.F', 'x'.repeat(128 * 1024), {}, 'full');
    await assert.rejects(c.send('queue://XA.F', 'refused', {}, 'full'), /WHARF_RESOURCE_ALLOCATION/);
    await assert.rejects(xa(c, XaOp.PREPARE, 'full'), /PRE-PREPARE FAILED: Transaction rolled back .* xaErrorCode:104$/);
    await assert.rejects(xa(c, XaOp.ROLLBACK, 'full'), /xaErrorCode:-4$/);
    assert.equal(b.memory.used, 0);
  });

  it('xa - a branch that did nothing prepares read-only and ends; a two-phase commit of an unprepared branch is a protocol error', async () => {
    const b = await broker();
    const c = new CoreClient(b);
    await c.open();
    await xa(c, XaOp.BEGIN, 'empty');
    await xa(c, XaOp.END, 'empty');
    assert.equal(await xa(c, XaOp.PREPARE, 'empty'), 3);
    assert.deepEqual(await xa(c, XaOp.RECOVER), []);
    await xa(c, XaOp.BEGIN, 'busy');
    await c.send('queue://XA.P', 'm', {}, 'busy');
    await assert.rejects(xa(c, XaOp.COMMIT, 'busy', { onePhase: false }), /xaErrorCode:-6$/);
    await assert.rejects(xa(c, XaOp.PREPARE, 'nobody'), /xaErrorCode:-7$/);
    await assert.rejects(c.request({ type: CommandType.XA, op: 3 } as unknown as Command), /txId/);
    await assert.rejects(c.request({ type: CommandType.XA, op: 9, txId: 'x' } as unknown as Command), /operation/);
    assert.equal(c.closedByBroker, false);
  });
});
