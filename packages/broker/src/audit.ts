// Duplicate detection by (producerId, producerSeq): per producer, the highest sequence seen and
// a bitmap of the 2048 sequences below it (ActiveMQ's ActiveMQMessageAuditNoSync keeps the same
// depth). In-order sends cost one comparison and one bit; nothing is allocated per message.
const DEPTH = 2048;
const MAX_PRODUCERS = 10000;

class ProducerWindow {
  max = -1;
  readonly bits = new Uint8Array(DEPTH);

  /** Records `seq`; true if it was recorded before. */
  check(seq: number): boolean {
    if (seq > this.max) {
      // Sequences skipped over (e.g. sent in a transaction not yet committed) are unseen.
      const from = Math.max(this.max + 1, seq - DEPTH + 1);
      for (let s = from; s < seq; s++) this.bits[s % DEPTH] = 0;
      this.bits[seq % DEPTH] = 1;
      this.max = seq;
      return false;
    }
    if (this.max - seq >= DEPTH) return false; // older than the window: not tracked
    const i = seq % DEPTH;
    if (this.bits[i] === 1) return true;
    this.bits[i] = 1;
    return false;
  }

  forget(seq: number): void {
    if (seq <= this.max && this.max - seq < DEPTH) this.bits[seq % DEPTH] = 0;
  }
}

export class ProducerAudit {
  private readonly producers = new Map<string, ProducerWindow>();
  private last: ProducerWindow | null = null;
  private lastId = '';
  /** Highest stored seq per producer, from the store at start (duplicates after failover). */
  storedHighWater = new Map<string, number>();

  /** True if this send was seen before; records it otherwise. */
  isDuplicate(producerId: string, seq: number, failover: boolean): boolean {
    let w = producerId === this.lastId ? this.last : this.producers.get(producerId);
    if (!w) {
      if (failover) {
        const hw = this.storedHighWater.get(producerId);
        if (hw !== undefined && seq <= hw) return true;
      }
      w = new ProducerWindow();
      this.producers.set(producerId, w);
      if (this.producers.size > MAX_PRODUCERS) {
        const oldest = this.producers.keys().next().value as string;
        this.producers.delete(oldest);
        if (oldest === this.lastId) this.last = null;
      }
    }
    this.last = w;
    this.lastId = producerId;
    return w.check(seq);
  }

  /**
   * A transaction's send, at its commit: an open transaction's sends are never stored, and a
   * client does not replay a transaction whose commit was in doubt, so the producer's stored
   * mark cannot judge it (after a failover its other, later sends may be stored already: a
   * branch committed after another of the same producer). Only sends seen in this process do;
   * a producer with a stored mark and no window yet gets none here, so that the mark still
   * judges its plain sends resent after the failover.
   */
  isDuplicateInTransaction(producerId: string, seq: number): boolean {
    const w = producerId === this.lastId ? this.last : this.producers.get(producerId);
    if (w) return w.check(seq);
    if (this.storedHighWater.has(producerId)) return false;
    return this.isDuplicate(producerId, seq, false);
  }

  /** Forget a send that failed before it was stored, so a retry is not taken for a duplicate. */
  forget(producerId: string, seq: number): void {
    this.producers.get(producerId)?.forget(seq);
  }
}
