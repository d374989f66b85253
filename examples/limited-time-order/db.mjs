// The order database: a small LevelDB database (the `level` package) holding orders and seats.
// Several order-service instances share it, as they would share a SQL database.
//
// cancelIfUnpaid() is the conditional update that makes the expiry handler idempotent: in SQL it
// is `UPDATE orders SET status = 'CANCELLED' WHERE id = ? AND status = 'UNPAID'` followed by a
// look at the affected row count. LevelDB has no UPDATE … WHERE, so the read-check-write runs
// under a lock and is written as one atomic batch (the order and the seat together).
import { Level } from 'level';

export class OrderDb {
  static async open(directory) {
    const db = new Level(directory, { valueEncoding: 'json' });
    await db.open();
    return new OrderDb(db);
  }

  constructor(db) {
    this.db = db;
    this.tail = Promise.resolve();
  }

  /** Run read-check-write steps one at a time (the row lock of a SQL UPDATE). */
  atomically(fn) {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }

  async get(key) {
    try {
      return await this.db.get(key);
    } catch (err) {
      if (err.code === 'LEVEL_NOT_FOUND') return undefined;
      throw err;
    }
  }

  /** Save a new unpaid order and hold its seat; false when the seat is taken. */
  createOrder(order) {
    return this.atomically(async () => {
      if (await this.get(`seat:${order.seat}`)) return false;
      await this.db.batch([
        { type: 'put', key: `order:${order.id}`, value: { ...order, status: 'UNPAID' } },
        { type: 'put', key: `seat:${order.seat}`, value: { orderId: order.id } },
      ]);
      return true;
    });
  }

  /** UPDATE orders SET status='PAID' WHERE id=? AND status='UNPAID'. */
  markPaid(id) {
    return this.atomically(async () => {
      const order = await this.get(`order:${id}`);
      if (!order || order.status !== 'UNPAID') return false;
      await this.db.put(`order:${id}`, { ...order, status: 'PAID', paidAt: Date.now() });
      return true;
    });
  }

  /**
   * UPDATE orders SET status='CANCELLED' WHERE id=? AND status='UNPAID', and release the seat.
   * True only for the one call that changed the order: a duplicate expiry message, or one for
   * an order paid meanwhile, changes nothing.
   */
  cancelIfUnpaid(id, by) {
    return this.atomically(async () => {
      const order = await this.get(`order:${id}`);
      if (!order || order.status !== 'UNPAID') return false;
      await this.db.batch([
        { type: 'put', key: `order:${id}`, value: { ...order, status: 'CANCELLED', cancelledAt: Date.now(), cancelledBy: by } },
        { type: 'del', key: `seat:${order.seat}` },
      ]);
      return true;
    });
  }

  order(id) {
    return this.get(`order:${id}`);
  }

  seat(seat) {
    return this.get(`seat:${seat}`);
  }

  async orders() {
    const out = [];
    for await (const value of this.db.values({ gte: 'order:', lt: 'order;' })) out.push(value);
    return out;
  }

  close() {
    return this.db.close();
  }
}
