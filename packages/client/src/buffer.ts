// A consumer's prefetch buffer: a FIFO with O(1) take from the head (no Array.shift per
// message) and a way to put redelivered messages back in front.
import type { Message } from './messages/index';

export class MessageBuffer {
  private items: Message[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(m: Message): void {
    this.items.push(m);
  }

  shift(): Message | undefined {
    if (this.head >= this.items.length) return undefined;
    const m = this.items[this.head++]!;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return m;
  }

  /** Put messages back ahead of everything, in their order. */
  unshiftAll(ms: Message[]): void {
    this.items = [...ms, ...this.items.slice(this.head)];
    this.head = 0;
  }

  /** Empty it, returning what it held. */
  drain(): Message[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}
