// One instance of the order service. Placing an order saves it in the database and schedules an
// expiry message with AMQ_SCHEDULED_DELAY; the broker keeps that job (in its store) and, when the
// time is up, puts the message on the queue `order.expiry`. Every instance consumes that queue:
// each expiry message goes to one instance, which cancels the order if it is still unpaid.
import { EventEmitter } from 'node:events';
import { ConnectionFactory, Session } from '@wharf/client';

export const EXPIRY_QUEUE = 'order.expiry';

export class OrderService extends EventEmitter {
  constructor(name, url, db, { paymentWindowMs }) {
    super();
    this.name = name;
    this.url = url;
    this.db = db;
    this.paymentWindowMs = paymentWindowMs;
  }

  async start() {
    this.connection = await new ConnectionFactory(this.url).createConnection();
    await this.connection.start();
    const sending = this.connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
    this.producer = await sending.createProducer(sending.createQueue(EXPIRY_QUEUE));
    this.sending = sending;
    const receiving = this.connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const consumer = await receiving.createConsumer(receiving.createQueue(EXPIRY_QUEUE));
    // An async listener's message is acknowledged when its promise resolves: after the database
    // update. A crash before that means a redelivery, which the conditional update absorbs.
    consumer.setMessageListener((m) => this.onExpiry(m));
    return this;
  }

  /** Save the order, hold the seat, and ask the broker to remind us when the time is up. */
  async placeOrder(id, seat) {
    const deadline = Date.now() + this.paymentWindowMs;
    if (!(await this.db.createOrder({ id, seat, createdAt: Date.now(), deadline, placedBy: this.name }))) {
      throw new Error(`seat ${seat} is taken`);
    }
    const m = this.sending.createTextMessage(`expire order ${id}`);
    m.setStringProperty('orderId', id);
    m.setLongProperty('deadline', deadline);
    m.setLongProperty('AMQ_SCHEDULED_DELAY', this.paymentWindowMs);
    await this.producer.send(m); // persistent: resolves once the broker has stored the job
  }

  async pay(id) {
    return this.db.markPaid(id);
  }

  async onExpiry(m) {
    const id = m.getStringProperty('orderId');
    const cancelled = await this.db.cancelIfUnpaid(id, this.name);
    this.emit('expiry', { id, instance: this.name, cancelled, lateMs: Date.now() - m.getLongProperty('deadline') });
  }

  async stop() {
    await this.connection?.close();
    this.connection = null;
  }
}
