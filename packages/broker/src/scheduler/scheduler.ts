// The broker's job scheduler (docs/ACTIVEMQ-BEHAVIOUR.md: the scheduler, `schedulerSupport`): a send interceptor that
// turns messages carrying AMQ_SCHEDULED_* properties into jobs, and fires them when due.
//
// Jobs live in the store (PUT_JOB / REMOVE_JOB in the same batches as the messages they make),
// so they survive restarts and replicate with the store's log. In memory there is only a window
// of the first jobs (window.ts) and ONE timer, for the first of them.
import type { WireMessage } from '@wharf/protocol';
import { OpType, type JobRecord, type StoreOp } from '@wharf/store';
import type { Broker, SendInterceptor } from '../broker';
import type { RoutePlan } from '../router';
import { fireOutcome, firedCopy, type JobData, type JobInfo } from './job';
import { MAX_DUE, ScheduledProperty, firstDue, isManagementDestination, readSchedule, roundStart } from './timing';
import { SchedulerManagement } from './management';
import { JobWindow, nodeOf, type Node } from './window';

export interface SchedulerOptions {
  /** The clock (ms since the epoch). Tests inject one, move it, then call wake(). */
  now?: () => number;
  /** How many jobs are kept in memory at most; the rest wait in the store. Default 10,000. */
  window?: number;
  /** Round start times up to this many ms, as ActiveMQ does with 500. Default 0: exact. */
  startRounding?: number;
  /** Most jobs fired in one store batch. Default 500. */
  batchSize?: number;
}

/** Counters for the console and benchmarks. */
export interface SchedulerStats {
  scheduled: number;
  fired: number;
  removed: number;
  /** Reads of the next jobs from the store into memory. */
  reloads: number;
  /** Jobs in memory now. */
  inMemory: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
/** Jobs read from the store per refill (each read pauses firing briefly: keep it small). */
const REFILL = 2000;
/** Fire batches being written at once; the store merges them into few fsyncs (group commit). */
const MAX_FIRING_BATCHES = 8;
const RETRY_MS = 1000;

export class Scheduler implements SendInterceptor {
  readonly now: () => number;
  readonly startRounding: number;
  readonly management: SchedulerManagement;
  private readonly batchSize: number;
  private readonly window: JobWindow;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private firing = 0;
  private idSeq = 0;
  private readonly idPrefix: string;
  private readonly counters = { scheduled: 0, fired: 0 };

  constructor(readonly broker: Broker, opts: SchedulerOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.startRounding = opts.startRounding ?? 0;
    this.batchSize = Math.max(1, opts.batchSize ?? 500);
    const size = Math.max(16, opts.window ?? 10000);
    this.window = new JobWindow(() => broker.store, broker.log, size, Math.min(size, REFILL), () => this.arm());
    this.idPrefix = `ID:${broker.name}-scheduler-${broker.startedAt.toString(36)}`;
    this.management = new SchedulerManagement(this);
  }

  get stats(): SchedulerStats {
    const w = this.window;
    return { ...this.counters, removed: w.removed, reloads: w.reloads, inMemory: w.heap.size };
  }

  /** Load the first jobs from the (open, recovered) store and start the timer. */
  async start(): Promise<void> {
    this.window.running = true;
    this.window.reset();
    await this.window.reload();
  }

  stop(): void {
    this.window.running = false;
    this.clearTimer();
    this.window.heap.clear();
  }

  /** Re-read the clock: after an injected clock moved, or to fire what is due now. */
  wake(): void {
    this.timerDue = -1;
    this.arm();
  }

  nextId(): string {
    return `${this.idPrefix}:${++this.idSeq}`;
  }

  /** Headers of a message the scheduler itself produces (fired repeats, browse replies). */
  nextMessageIds(): { messageId: string; producerId: string; producerSeq: number } {
    const seq = ++this.idSeq;
    return { messageId: `${this.idPrefix}:${seq}`, producerId: this.idPrefix, producerSeq: seq };
  }

  // ---- scheduling (the send interceptor) ----------------------------------------------------

  intercept(msg: WireMessage, plan: RoutePlan): boolean {
    const props = msg.properties;
    if (isManagementDestination(msg.destination)) {
      this.management.handle(msg);
      return true;
    }
    if (props[ScheduledProperty.DELAY] === undefined && props[ScheduledProperty.PERIOD] === undefined && props[ScheduledProperty.CRON] === undefined) return false;
    // Already fired once (or came over a network bridge): deliver as it is.
    const jobId = props[ScheduledProperty.JOB_ID];
    if (jobId !== undefined && jobId !== null) return false;
    const spec = readSchedule(props);
    if (!spec) return false;
    const data: JobData = { ...spec, msg, newIds: spec.repeat !== 0 || spec.cron !== '' };
    const job: JobRecord = { id: this.jobIdFor(msg), due: firstDue(spec, roundStart(this.now(), this.startRounding)), data };
    // In the send's own store batch (at commit for a transaction): the producer is answered once
    // the job is durable, and the job enters the window only then.
    plan.ops.push({ t: OpType.PUT_JOB, job });
    plan.after.push(() => {
      this.counters.scheduled++;
      this.window.admit(nodeOf(job.id, job.due, data));
    });
    return true;
  }

  /** ActiveMQ uses the message id as the job id; a new one when that is taken or unusable. */
  private jobIdFor(msg: WireMessage): string {
    const id = msg.messageId;
    const w = this.window;
    if (id && !id.includes('\0') && !w.heap.has(id) && !w.inflight.has(id)) return id;
    return this.nextId();
  }

  // ---- the timer and firing -------------------------------------------------------------------

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One timer, for the first job in memory; refill memory from the store when it runs low. */
  private arm(): void {
    const w = this.window;
    if (!w.running) return;
    if (w.wantsRefill) this.refill();
    const top = w.heap.peek();
    if (!top) {
      this.clearTimer();
      return;
    }
    if (this.timer && this.timerDue === top.due) return;
    this.clearTimer();
    this.timerDue = top.due;
    const wait = Math.min(Math.max(top.due - this.now(), 0), MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fireDue();
    }, wait);
    this.timer.unref();
  }

  private refill(): void {
    this.window.reload().catch(() => {
      setTimeout(() => this.arm(), RETRY_MS).unref();
    });
  }

  private fireDue(): void {
    const heap = this.window.heap;
    if (!this.window.running) return;
    while (this.firing < MAX_FIRING_BATCHES) {
      const now = this.now();
      const batch: Node[] = [];
      // Never early: only jobs whose time has come (a timer may wake a millisecond early).
      for (let top = heap.peek(); top && top.due <= now && batch.length < this.batchSize; top = heap.peek()) {
        heap.pop();
        batch.push(top);
      }
      if (batch.length === 0) break;
      this.fire(batch, now);
    }
    this.timerDue = -1;
    this.arm();
  }

  /** Deliver a batch of due jobs and update them in the store, in one store batch. */
  private fire(batch: Node[], now: number): void {
    const b = this.broker;
    const w = this.window;
    const plans: RoutePlan[] = [];
    const ops: StoreOp[] = [];
    const admits: Node[] = [];
    for (const node of batch) {
      w.inflight.set(node.id, node.due);
      ops.push({ t: OpType.REMOVE_JOB, id: node.id, due: node.due });
      let outcome;
      try {
        outcome = fireOutcome(node.data, node.due, now, this.startRounding);
      } catch (err) {
        b.log.error({ err, jobId: node.id }, 'scheduler: dropping a job whose schedule cannot be computed');
        continue;
      }
      if (outcome.next) {
        ops.push({ t: OpType.PUT_JOB, job: { id: node.id, due: outcome.next.due, data: outcome.next.data } });
        admits.push(nodeOf(node.id, outcome.next.due, outcome.next.data));
      }
      if (outcome.spawn) {
        const id = this.nextId();
        ops.push({ t: OpType.PUT_JOB, job: { id, due: outcome.spawn.due, data: outcome.spawn.data } });
        admits.push(nodeOf(id, outcome.spawn.due, outcome.spawn.data));
      }
      if (!outcome.deliver) continue;
      const copy = firedCopy(node.data, node.id, now, this.nextMessageIds());
      try {
        plans.push(b.router.plan(copy, null));
      } catch (err) {
        // ActiveMQ logs and drops a scheduled message it cannot send (a deleted temp queue…).
        b.log.warn({ err, jobId: node.id, destination: copy.destination }, 'scheduler: cannot deliver a scheduled message');
      }
    }
    this.firing++;
    const plan = plans.length ? b.router.merge(plans) : { ops: [], sources: [], entries: [], after: [] };
    const done = b.executePlan(plan, undefined, ops) ?? Promise.resolve();
    done.then(
      () => {
        this.firing--;
        this.counters.fired += batch.length;
        w.settled(batch.map((n) => n.id));
        for (const n of admits) {
          if (w.cancelled.has(n.id)) {
            w.removeStored([n]).catch((err: Error) => b.onStoreFailure(err));
          } else w.admit(n);
        }
        for (const n of batch) w.cancelled.delete(n.id);
        this.fireDue();
      },
      (err: Error) => {
        this.firing--;
        if (!w.running) return;
        b.onStoreFailure(err);
        // Nothing was written: the jobs are still stored as they were; try them again later.
        setTimeout(() => {
          w.settled(batch.map((n) => n.id));
          for (const n of batch) w.admit(n);
        }, RETRY_MS).unref();
      },
    );
  }

  // ---- removal and listing (management, console) ----------------------------------------------

  /** Remove one job by id (management REMOVE, console). Resolves false when there is none. */
  removeJob(id: string): Promise<boolean> {
    return this.window.removeJob(id);
  }

  /** Remove every job due within [start, end] (management REMOVEALL). Resolves the count. */
  removeRange(start = 0, end = MAX_DUE): Promise<number> {
    return this.window.removeRange(start, end);
  }

  /** Jobs due within [start, end], in due order (management BROWSE). */
  jobs(start = 0, end = MAX_DUE, limit = Infinity): Promise<JobRecord[]> {
    return this.window.jobs(start, end, limit);
  }

  /** The console's view: the next `limit` jobs. */
  list(limit: number): Promise<JobInfo[]> {
    return this.window.list(limit);
  }

  /** The console's remove. */
  remove(id: string): Promise<boolean> {
    return this.removeJob(id);
  }
}
