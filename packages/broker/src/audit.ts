// Duplicate detection by (producerId, producerSeq): a bounded window of recent sequence numbers
// per producer (ActiveMQ's ActiveMQMessageAuditNoSync: auditDepth 2048, 64 producers... we keep
// more producers, evicting the least recently used).
const DEPTH = 2048;
const MAX_PRODUCERS = 10000;

class ProducerWindow {
  readonly seen = new Set<number>();
  readonly ring: number[] = [];
  pos = 0;
  add(seq: number): void {
    if (this.ring.length < DEPTH) this.ring.push(seq);
    else {
      this.seen.delete(this.ring[this.pos]!);
      this.ring[this.pos] = seq;
      this.pos = (this.pos + 1) % DEPTH;
    }
    this.seen.add(seq);
  }
}

export class ProducerAudit {
  private readonly producers = new Map<string, ProducerWindow>();
  /** Last stored seq per producer, from the store at start (duplicates after failover). */
  storedHighWater = new Map<string, number>();

  /** True if this send was seen before; records it otherwise. */
  isDuplicate(producerId: string, seq: number, failover: boolean): boolean {
    let w = this.producers.get(producerId);
    if (w) {
      if (w.seen.has(seq)) return true;
      this.producers.delete(producerId);
      this.producers.set(producerId, w); // LRU order
    } else {
      if (failover) {
        const hw = this.storedHighWater.get(producerId);
        if (hw !== undefined && seq <= hw) return true;
      }
      w = new ProducerWindow();
      this.producers.set(producerId, w);
      if (this.producers.size > MAX_PRODUCERS) {
        const oldest = this.producers.keys().next().value as string;
        this.producers.delete(oldest);
      }
    }
    w.add(seq);
    return false;
  }

  /** Forget a send that failed before it was stored, so a retry is not taken for a duplicate. */
  forget(producerId: string, seq: number): void {
    this.producers.get(producerId)?.seen.delete(seq);
  }
}
