// QueueBrowser: look at a queue's messages without consuming them. Each enumeration opens a
// browsing consumer; the broker sends the matching messages, then a DISPATCH with no message.
import { CommandType, IllegalStateError, JMSError, type Command } from '@wharf/protocol';
import type { Session } from './session';
import type { DispatchTarget } from './connection';
import type { Queue } from './destinations';
import { Message, messageFromWire } from './messages/index';

/** One pass over the queue. */
class Enumeration implements DispatchTarget, AsyncIterableIterator<Message> {
  private items: Message[] = [];
  private ended = false;
  private error: Error | null = null;
  private waiter: (() => void) | null = null;
  private opened: Promise<void> | null = null;
  readonly id: number;

  constructor(private readonly browser: QueueBrowser, private readonly session: Session) {
    this.id = session.connection.newConsumerId();
  }

  private open(): Promise<void> {
    const conn = this.session.connection;
    conn.dispatchTargets.set(this.id, this);
    const b = this.browser;
    const cmd: Command = {
      type: CommandType.CONSUMER_OPEN, corr: 0, sessionId: this.session.id, consumerId: this.id,
      destination: b.getQueue().url, prefetch: conn.settings.prefetchPolicy.queueBrowserPrefetch, browser: true,
    };
    const sel = b.getMessageSelector();
    if (sel) cmd.selector = sel;
    return conn.request(cmd, 'resolve').then(() => undefined, (err: Error) => {
      conn.dispatchTargets.delete(this.id);
      throw err;
    });
  }

  onDispatch(cmd: Extract<Command, { type: 10 }>): void {
    if (this.ended) return;
    if (cmd.message === null) this.end(null);
    else {
      const m = messageFromWire(cmd.message);
      if (cmd.redelivered !== undefined) m._w.redelivered = cmd.redelivered === true;
      if (typeof cmd.deliveryCount === 'number') m._w.deliveryCount = cmd.deliveryCount;
      this.items.push(m);
    }
    this.wakeUp();
  }

  private wakeUp(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** End the pass (null: normally) and release the browsing consumer. */
  end(err: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.error = err;
    const conn = this.session.connection;
    conn.dispatchTargets.delete(this.id);
    this.browser.enumerations.delete(this);
    if (this.opened && conn.canTalk()) conn.request({ type: CommandType.CONSUMER_CLOSE, corr: 0, consumerId: this.id }, 'resolve').catch(() => undefined);
    this.wakeUp();
  }

  async next(): Promise<IteratorResult<Message>> {
    this.opened ??= this.open();
    await this.opened;
    for (;;) {
      const m = this.items.shift();
      if (m) return { value: m, done: false };
      if (this.ended) {
        if (this.error) throw this.error;
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  async return(): Promise<IteratorResult<Message>> {
    this.items = [];
    this.end(null);
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Message> {
    return this;
  }
}

export class QueueBrowser implements AsyncIterable<Message> {
  /** @internal */ readonly enumerations = new Set<Enumeration>();
  private closed = false;

  /** @internal Use session.createBrowser(). */
  constructor(private readonly session: Session, private readonly queue: Queue, private readonly selector: string | undefined) {}

  getQueue(): Queue {
    return this.queue;
  }
  getMessageSelector(): string | null {
    return this.selector ?? null;
  }

  /** A new pass over the queue's current messages (in order), as an async iterator. */
  getEnumeration(): AsyncIterableIterator<Message> {
    if (this.closed) throw new IllegalStateError('the browser is closed');
    this.session.checkOpen();
    const e = new Enumeration(this, this.session);
    this.enumerations.add(e);
    return e;
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return this.getEnumeration();
  }

  /** Every message of one pass. */
  async toArray(): Promise<Message[]> {
    const out: Message[] = [];
    for await (const m of this.getEnumeration()) out.push(m);
    return out;
  }


  /** `await using browser = ...`: closes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
  async close(): Promise<void> {
    this.closeLocal();
    this.session.browsers.delete(this);
  }

  /** @internal */
  closeLocal(): void {
    this.closed = true;
    for (const e of [...this.enumerations]) e.end(null);
  }

  /** @internal Failover: a pass in progress cannot continue on the new link. */
  onInterrupted(): void {
    for (const e of [...this.enumerations]) e.end(new JMSError('browsing was interrupted by a failover: start a new enumeration'));
  }
}
