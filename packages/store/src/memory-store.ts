// MemoryStore: the Store contract in memory, for `persistent: false` brokers and for tests. It
// keeps what it is given by reference (no copies): callers must not change a message, record
// or op array after committing it. Nothing survives the process; close() then open() on the
// same instance keeps the state, which is what "reopen" means for this store.
import { estimateSize, StoreError, type WireMessage } from '@wharf/protocol';
import { jobKey } from './keys';
import { formatPosition, jobDue, validateOps, validatePosition } from './ops';
import { ProducerMarks } from './producer-marks';
import { RetainedLog } from './retained-log';
import { SeqIndex } from './seq-index';
import {
  comparePositions, OpType, ZERO_POSITION,
  type CommitOptions, type DestinationRecord, type DestinationSummary, type JobRecord, type LogBatch,
  type Position, type PreparedRecord, type RecoveredState, type Store, type StoreOp, type StoreStats, type StoredMessage,
  type SubscriptionRecord, type SubscriptionSummary,
} from './types';

export interface MemoryStoreOptions {
  /** Batches kept for readLog (default 10000). */
  logRetention?: number;
}

interface MemDest {
  record: DestinationRecord | undefined;
  msgs: SeqIndex<WireMessage>;
  /** MARK_DELIVERED of the destination itself. */
  mark: number;
  subs: Map<string, SubscriptionRecord>;
  refs: Map<string, SeqIndex<true>>;
  subMarks: Map<string, number>;
}

interface MemJob {
  key: Buffer;
  job: JobRecord;
}

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private readonly dests = new Map<string, MemDest>();
  /** Sorted by key (due, then id bytes), the order of LevelStore's J keys. */
  private readonly jobs: MemJob[] = [];
  /** Highest sequence per producer, the most recently written last (at most MAX_TRACKED_PRODUCERS). */
  private readonly producers = new ProducerMarks();
  private readonly prepared = new Map<string, PreparedRecord>();
  private readonly log = new RetainedLog<LogBatch>();
  private readonly logRetention: number;
  private last: Position = ZERO_POSITION;
  private epoch = 0;
  private opened = false;
  private commits = 0;
  private messages = 0;
  private bytes = 0;

  constructor(opts: MemoryStoreOptions = {}) {
    this.logRetention = opts.logRetention ?? 10000;
  }

  get position(): Position {
    return this.last;
  }

  async open(): Promise<void> {
    this.opened = true;
  }

  async close(): Promise<void> {
    this.opened = false;
  }

  setEpoch(epoch: number): void {
    validatePosition({ epoch, index: 0 });
    this.epoch = epoch;
  }

  commit(ops: StoreOp[], _opts?: CommitOptions): Promise<Position> {
    try {
      this.checkOpen();
      validateOps(ops);
    } catch (err) {
      return Promise.reject(err);
    }
    const position = { epoch: Math.max(this.epoch, this.last.epoch), index: this.last.index + 1 };
    this.write({ position, ops });
    return Promise.resolve(position);
  }

  apply(batch: LogBatch, _opts?: CommitOptions): Promise<void> {
    try {
      this.checkOpen();
      validatePosition(batch.position);
      if (comparePositions(batch.position, this.last) <= 0) {
        throw new StoreError(`apply: position ${formatPosition(batch.position)} does not follow the store's position ${formatPosition(this.last)}`);
      }
      validateOps(batch.ops);
    } catch (err) {
      return Promise.reject(err);
    }
    this.write({ position: { epoch: batch.position.epoch, index: batch.position.index }, ops: batch.ops });
    return Promise.resolve();
  }

  async recover(): Promise<RecoveredState> {
    this.checkOpen();
    const pendingByKey = new Map<string, number>();
    const destinations: DestinationSummary[] = [];
    const subscriptions: SubscriptionSummary[] = [];
    const urls = [...this.dests.keys()].sort(byUtf8);
    for (const url of urls) {
      const d = this.dests.get(url)!;
      for (const [key, refs] of d.refs) pendingByKey.set(key, (pendingByKey.get(key) ?? 0) + refs.size);
      if (d.record || d.msgs.size > 0) {
        const s: DestinationSummary = {
          url,
          createdAt: d.record?.createdAt ?? 0,
          count: d.msgs.size,
          firstSeq: d.msgs.first(),
          lastSeq: d.msgs.last(),
          deliveredSeq: d.mark,
        };
        if (d.record?.options) s.options = d.record.options;
        destinations.push(s);
      }
    }
    for (const url of urls) {
      const d = this.dests.get(url)!;
      for (const key of [...d.subs.keys()].sort(byUtf8)) {
        subscriptions.push({ ...d.subs.get(key)!, dest: url, pending: 0, deliveredSeq: d.subMarks.get(key) ?? 0 });
      }
    }
    for (const s of subscriptions) s.pending = pendingByKey.get(s.key) ?? 0;
    return { position: this.last, destinations, subscriptions, producerSeqs: this.producers.snapshot(), jobCount: this.jobs.length,
      prepared: [...this.prepared.keys()].sort(byUtf8).map((xid) => this.prepared.get(xid)!),
    };
  }

  async loadMessages(dest: string, afterSeq: number, limit: number): Promise<StoredMessage[]> {
    const out: StoredMessage[] = [];
    this.dests.get(dest)?.msgs.after(afterSeq, limit, (seq, msg) => out.push({ seq, msg }));
    return out;
  }

  async loadSubscriptionRefs(dest: string, key: string, afterSeq: number, limit: number): Promise<number[]> {
    const out: number[] = [];
    this.dests.get(dest)?.refs.get(key)?.after(afterSeq, limit, (seq) => out.push(seq));
    return out;
  }

  async getMessage(dest: string, seq: number): Promise<WireMessage | undefined> {
    return this.dests.get(dest)?.msgs.get(seq);
  }

  async loadJobs(until: number, limit: number, after?: { due: number; id: string }): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    const last = Math.floor(until);
    let i = 0;
    if (after) {
      const key = jobKey(after.due, after.id);
      i = this.jobIndex(key);
      if (this.jobs[i]?.key.equals(key)) i++;
    }
    for (; i < this.jobs.length; i++) {
      const j = this.jobs[i]!;
      if (out.length >= limit || jobDue(j.job.due) > last) break;
      out.push(j.job);
    }
    return out;
  }

  async readLog(from: Position, limit: number): Promise<LogBatch[] | undefined> {
    if (comparePositions(from, this.last) >= 0) return [];
    if (!this.log.covers(from)) return undefined;
    const out: LogBatch[] = [];
    for (let i = this.log.offsetAfter(from); i < this.log.count && out.length < limit; i++) out.push(this.log.itemAt(i));
    return out;
  }

  stats(): StoreStats {
    // Nothing is ever synced to disk.
    return { bytes: this.bytes, messages: this.messages, commits: this.commits, syncs: 0 };
  }

  // ---- writing ----------------------------------------------------------------------------

  private checkOpen(): void {
    if (!this.opened) throw new StoreError('memory store is not open');
  }

  private write(batch: LogBatch): void {
    for (const op of batch.ops) this.applyOp(op);
    this.log.push(batch.position.epoch, batch.position.index, 0, batch);
    this.log.trim(this.logRetention, Infinity);
    this.last = batch.position;
    this.commits++;
  }

  private dest(url: string): MemDest {
    let d = this.dests.get(url);
    if (!d) {
      d = { record: undefined, msgs: new SeqIndex(), mark: 0, subs: new Map(), refs: new Map(), subMarks: new Map() };
      this.dests.set(url, d);
    }
    return d;
  }

  private applyOp(op: StoreOp): void {
    switch (op.t) {
      case OpType.PUT_MESSAGE: {
        const d = this.dest(op.dest);
        const old = d.msgs.get(op.seq);
        if (old) this.bytes -= estimateSize(old);
        else this.messages++;
        d.msgs.set(op.seq, op.msg);
        this.bytes += estimateSize(op.msg);
        if (op.subs) {
          for (const key of op.subs) {
            let refs = d.refs.get(key);
            if (!refs) d.refs.set(key, (refs = new SeqIndex()));
            refs.set(op.seq, true);
          }
        }
        if (op.msg.producerId) this.producers.raise(op.msg.producerId, op.msg.producerSeq);
        break;
      }
      case OpType.REMOVE_MESSAGE: {
        const d = this.dests.get(op.dest);
        const old = d?.msgs.get(op.seq);
        if (d && old) {
          d.msgs.delete(op.seq);
          this.messages--;
          this.bytes -= estimateSize(old);
        }
        break;
      }
      case OpType.PUT_SUBSCRIPTION:
        this.dest(op.dest).subs.set(op.sub.key, op.sub);
        break;
      case OpType.REMOVE_SUBSCRIPTION: {
        const d = this.dests.get(op.dest);
        d?.subs.delete(op.key);
        d?.refs.delete(op.key);
        break;
      }
      case OpType.ACK_SUBSCRIPTION: {
        const d = this.dests.get(op.dest);
        const refs = d?.refs.get(op.key);
        if (refs) {
          refs.delete(op.seq);
          if (refs.size === 0) d!.refs.delete(op.key);
        }
        break;
      }
      case OpType.PUT_JOB: {
        const key = jobKey(op.job.due, op.job.id);
        const i = this.jobIndex(key);
        const at = this.jobs[i];
        if (at && at.key.equals(key)) at.job = op.job;
        else this.jobs.splice(i, 0, { key, job: op.job });
        break;
      }
      case OpType.REMOVE_JOB: {
        const key = jobKey(op.due, op.id);
        const i = this.jobIndex(key);
        if (this.jobs[i]?.key.equals(key)) this.jobs.splice(i, 1);
        break;
      }
      case OpType.PUT_DESTINATION:
        this.dest(op.dest.url).record = op.dest;
        break;
      case OpType.REMOVE_DESTINATION: {
        const d = this.dests.get(op.url);
        if (d) {
          for (const seq of d.msgs.keys()) this.bytes -= estimateSize(d.msgs.get(seq)!);
          this.messages -= d.msgs.size;
          this.dests.delete(op.url);
        }
        break;
      }
      case OpType.PUT_PREPARED:
        this.prepared.set(op.tx.xid, op.tx);
        break;
      case OpType.REMOVE_PREPARED:
        this.prepared.delete(op.xid);
        break;
      case OpType.MARK_DELIVERED: {
        const d = this.dest(op.dest);
        if (op.key) d.subMarks.set(op.key, op.seq);
        else d.mark = op.seq;
        break;
      }
    }
  }

  /** First job index whose key is >= key. */
  private jobIndex(key: Buffer): number {
    let lo = 0;
    let hi = this.jobs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Buffer.compare(this.jobs[mid]!.key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The order LevelStore lists names in (UTF-8 bytes), which differs from JS string order. */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
