// The limited-time order (the ActiveMQ tutorial this project follows, its last chapter "限时订单"): an order must be paid within a payment
// window, or it is cancelled and its seat released. Solved with the broker's scheduled delivery
// instead of polling the database or a DelayQueue inside the application:
//   1. no polling: nothing scans the database; each order's expiry message arrives when due;
//   2. restart safety: the broker keeps the scheduled jobs in its store, so orders that expire
//      while the service (and even the broker) is down are handled when the service returns;
//   3. several instances share the work through one queue: each expiry message goes to one
//      instance, and the conditional cancel makes a repeated message harmless.
// The run: instances A and B take orders and share the expiries; then B stops, A takes orders
// and stops, the broker restarts, the deadlines pass with no service running, and B is started
// again and cancels what expired meanwhile. A duplicate expiry message changes nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConnectionFactory, Session } from '@wharf/client';
import { brokerUrl, expect } from '../lib.mjs';
import { OrderDb } from './db.mjs';
import { EXPIRY_QUEUE, OrderService } from './order-service.mjs';

if (process.env.WHARF_URL) {
  console.log('this example restarts its own embedded broker: unset WHARF_URL to run it');
  console.log('OK');
  process.exit(0);
}

const PAYMENT_WINDOW_MS = 300;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-order-'));
const brokerOpts = { persistent: true, dataDirectory: path.join(work, 'broker'), brokerName: 'orders', config: { schedulerSupport: true } };
let broker = await brokerUrl(brokerOpts);
const db = await OrderDb.open(path.join(work, 'orders-db'));

const events = [];
const waiters = [];
function service(name) {
  const s = new OrderService(name, broker.url, db, { paymentWindowMs: PAYMENT_WINDOW_MS });
  s.on('expiry', (e) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (!w.test()) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  return s.start();
}
function cancelledCount() {
  return events.filter((e) => e.cancelled).length;
}
/** Wait (at most `ms`) until `n` orders in all have been cancelled. */
function untilCancelled(n, ms = 5000) {
  if (cancelledCount() >= n) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`only ${cancelledCount()} of ${n} orders cancelled after ${ms} ms`)), ms);
    waiters.push({ test: () => cancelledCount() >= n, resolve: () => (clearTimeout(t), resolve()) });
  });
}

const paid = new Set();
let nextOrder = 0;
async function order(svc, pay) {
  const id = `o${++nextOrder}`;
  await svc.placeOrder(id, `seat-${nextOrder}`);
  if (pay) {
    expect(await svc.pay(id), `order ${id} paid in time`);
    paid.add(id);
  }
  return id;
}

// ---- 1. Two instances share the work --------------------------------------------------------
let a = await service('A');
let b = await service('B');
for (let i = 0; i < 8; i++) await order(i % 2 ? b : a, i % 4 === 1);
await untilCancelled(6);
const byInstance = { A: 0, B: 0 };
for (const e of events) if (e.cancelled) byInstance[e.instance]++;
const late = events.map((e) => e.lateMs);
console.log(`1. 8 orders, 2 paid; 6 cancelled by A: ${byInstance.A}, B: ${byInstance.B}, ` +
  `each ${Math.min(...late)}–${Math.max(...late)} ms after its deadline (no polling interval)`);
expect(byInstance.A > 0 && byInstance.B > 0, 'both instances handled expiries');
expect(late.every((ms) => ms >= 0), 'no order expired before its deadline');

// ---- 2. The service is down while orders expire (and the broker restarts) -------------------
await b.stop();
console.log('2. instance B stopped');
for (let i = 0; i < 4; i++) await order(a, i === 1);
await a.stop();
console.log('   4 more orders placed through A (1 paid), then A stopped: no instance is running');
await broker.stop();
broker = await brokerUrl(brokerOpts);
console.log('   broker restarted: the scheduled jobs were kept in its store');
await new Promise((r) => setTimeout(r, PAYMENT_WINDOW_MS + 200)); // let the deadlines pass
const stale = (await db.orders()).filter((o) => o.status === 'UNPAID');
console.log(`   deadlines passed with no instance up: ${stale.length} orders still UNPAID in the database`);
expect(stale.length === 3, 'the expired orders wait');

b = await service('B');
await untilCancelled(9);
console.log(`   instance B restarted and cancelled ${events.filter((e) => e.cancelled && e.instance === 'B').length - byInstance.B} expired orders at once`);

// ---- 3. A repeated expiry message is harmless ----------------------------------------------
a = await service('A');
const conn = await new ConnectionFactory(broker.url).createConnection();
const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
const dup = await session.createProducer(session.createQueue(EXPIRY_QUEUE));
for (const id of ['o1', 'o2']) {
  const m = session.createTextMessage(`expire order ${id}`);
  m.setStringProperty('orderId', id);
  m.setLongProperty('deadline', Date.now());
  await dup.send(m);
}
await conn.close();
const deadline = Date.now() + 3000;
while (events.length < 14 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
console.log('3. duplicate expiry messages for o1 (cancelled) and o2 (paid): nothing changed');

// ---- Checks ----------------------------------------------------------------------------------
const orders = await db.orders();
expect(orders.length === 12, '12 orders');
const cancels = new Map();
for (const e of events) if (e.cancelled) cancels.set(e.id, (cancels.get(e.id) ?? 0) + 1);
for (const o of orders) {
  const seat = await db.seat(o.seat);
  if (paid.has(o.id)) {
    expect(o.status === 'PAID' && seat?.orderId === o.id, `paid order ${o.id} is kept with its seat`);
    expect(!cancels.has(o.id), `paid order ${o.id} was never cancelled`);
  } else {
    expect(o.status === 'CANCELLED' && seat === undefined, `unpaid order ${o.id} is cancelled and its seat released`);
    expect(cancels.get(o.id) === 1, `unpaid order ${o.id} was cancelled exactly once (${cancels.get(o.id) ?? 0})`);
  }
}
expect(events.length === 14, `every expiry message was handled once (${events.length})`);
console.log(`all ${orders.length} orders checked: ${paid.size} paid and kept, ${orders.length - paid.size} cancelled exactly once`);

await a.stop();
await b.stop();
await db.close();
await broker.stop();
fs.rmSync(work, { recursive: true, force: true });
console.log('OK');
