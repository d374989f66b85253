// Persistent load through failover clients: producers send synchronously and record every send
// that resolved (acknowledged by the broker); consumers record every delivery with its
// redelivered flag. check() then says whether every acknowledged send was consumed and whether
// every duplicate delivery was marked redelivered.
import { client, until } from './group.mjs';

const { ConnectionFactory, Session } = client;

export class Load {
  constructor(url, { producers = 4, consumers = 2, queue = 'FAILOVER.LOAD', tag = 'm' } = {}) {
    this.url = url;
    this.nProducers = producers;
    this.nConsumers = consumers;
    this.queue = queue;
    this.tag = tag;
    this.resolved = new Set();
    /** id → list of redelivered flags, in delivery order */
    this.received = new Map();
    this.resolvedAt = [];
    /** id → [time acknowledged, URL of the broker the producer was attached to then] */
    this.ackedBy = new Map();
    this.errors = [];
    this.connections = [];
    this.loops = [];
    this.running = false;
    this.sent = 0;
  }

  async start({ produce = true, consume = true } = {}) {
    const factory = new ConnectionFactory(this.url);
    this.running = true;
    if (consume) {
      for (let i = 0; i < this.nConsumers; i++) {
        const conn = await factory.createConnection();
        conn.setExceptionListener?.(() => undefined);
        this.connections.push(conn);
        const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        const consumer = await session.createConsumer(session.createQueue(this.queue));
        consumer.setMessageListener((m) => {
          const id = m.getText();
          let l = this.received.get(id);
          if (!l) this.received.set(id, (l = []));
          l.push(m.getJMSRedelivered());
        });
        await conn.start();
      }
    }
    if (produce) {
      for (let p = 0; p < this.nProducers; p++) {
        const conn = await factory.createConnection();
        conn.setExceptionListener?.(() => undefined);
        this.connections.push(conn);
        const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        const producer = await session.createProducer(session.createQueue(this.queue));
        this.loops.push(this.produceLoop(session, producer, `${this.tag}${p}`, conn));
      }
    }
    return this;
  }

  async produceLoop(session, producer, name, conn) {
    let seq = 0;
    while (this.running) {
      const id = `${name}-${++seq}`;
      this.sent++;
      try {
        await producer.send(session.createTextMessage(id));
        const now = Date.now();
        this.resolved.add(id);
        this.resolvedAt.push(now);
        this.ackedBy.set(id, [now, conn.getRemoteAddress?.() ?? '']);
      } catch (err) {
        // Not acknowledged: it may or may not be stored, and need not be delivered.
        this.errors.push(err.message);
        if (/closed/.test(err.message) && !this.running) return;
      }
    }
  }

  /** Resolves once `n` more sends have been acknowledged (service is flowing). */
  async progress(n, ms = 20_000) {
    const target = this.resolvedAt.length + n;
    return until(ms, () => this.resolvedAt.length >= target, `${n} acknowledged sends`);
  }

  /** First acknowledgement at or after time t. */
  firstResolvedAfter(t) {
    return this.resolvedAt.find((x) => x >= t);
  }

  /**
   * When service resumed after an outage that began at `t`: the first acknowledgement after the
   * longest silence among those from shortly before `t` on (receipts already on their way when
   * the outage began still arrive just after `t`, before the silence).
   */
  resumedAfter(t) {
    const xs = this.resolvedAt.filter((x) => x >= t - 500);
    let best = -1;
    let at;
    for (let i = 1; i < xs.length; i++) {
      if (xs[i] < t) continue;
      const gap = xs[i] - xs[i - 1];
      if (gap > best) {
        best = gap;
        at = xs[i];
      }
    }
    return at;
  }

  async stopProducers() {
    this.running = false;
    await Promise.all(this.loops);
  }

  missing() {
    return [...this.resolved].filter((id) => !this.received.has(id));
  }

  /** A failure message for the acknowledged sends not consumed (describeLost). */
  describeMissing(group) {
    return describeLost(this.missing(), this.resolved.size, (id) => this.ackedBy.get(id), group);
  }

  /** Deliveries after the first that were not marked redelivered. */
  unmarkedDuplicates() {
    const bad = [];
    for (const [id, flags] of this.received) if (flags.slice(1).some((r) => !r)) bad.push(`${id}: ${flags.join(',')}`);
    return bad;
  }

  duplicates() {
    let n = 0;
    for (const flags of this.received.values()) n += flags.length - 1;
    return n;
  }

  async close() {
    this.running = false;
    await Promise.all(this.connections.map((c) => c.close().catch(() => undefined)));
    await Promise.all(this.loops);
  }
}

/**
 * A failure message for acknowledged sends not consumed: how many, by which node they were
 * acknowledged (ackedBy: id → [time, broker URL]), when the first `limit` were, and what happened
 * to the group's nodes from 3 s before the first of them on.
 */
export function describeLost(missing, resolvedCount, ackedBy, group, limit = 5) {
  if (missing.length === 0) return 'nothing missing';
  const at = (t) => new Date(t).toISOString().slice(11, 23);
  const nodeOf = (id) => {
    const url = ackedBy(id)?.[1] ?? '';
    return group?.nodeByUrl(url)?.id ?? (url || '?');
  };
  const byNode = {};
  for (const id of missing) byNode[nodeOf(id)] = (byNode[nodeOf(id)] ?? 0) + 1;
  const rows = missing.slice(0, limit).map((id) => `${id} acknowledged at ${at(ackedBy(id)?.[0] ?? 0)} by ${nodeOf(id)}`);
  const first = Math.min(...missing.map((id) => ackedBy(id)?.[0] ?? Infinity));
  return `${missing.length} of ${resolvedCount} acknowledged sends missing (by node: ${JSON.stringify(byNode)}), e.g.\n  ${rows.join('\n  ')}` +
    (group && Number.isFinite(first) ? `\nnodes from ${at(first - 3000)}:\n  ${group.eventsBetween(first - 3000).split('\n').join('\n  ')}` : '');
}
