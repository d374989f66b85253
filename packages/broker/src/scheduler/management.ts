// Scheduler management through messages (SchedulerBroker.send): a message sent to
// `ActiveMQ.Scheduler.Management` (prefix, any case) with AMQ_SCHEDULER_ACTION =
// BROWSE (every job, or those due in [ACTION_START_TIME, ACTION_END_TIME], sent to JMSReplyTo),
// REMOVE (the job named by `scheduledJobId`) or REMOVEALL (optionally within the time window).
//
// The actions run one after another in the order they arrive, after the management message
// itself was accepted: a BROWSE sent after a REMOVE sees the job gone.
import { DeliveryMode, type WireMessage } from '@wharf/protocol';
import type { JobRecord } from '@wharf/store';
import type { Scheduler } from './scheduler';
import { isJobData } from './job';
import { MAX_DUE, ScheduledProperty, SchedulerAction, toLong } from './timing';

/** ActiveMQ's AdvisorySupport.ADIVSORY_MESSAGE_TYPE: the JMSType of browsed jobs. */
export const ADVISORY_MESSAGE_TYPE = 'Advisory';

/** Browse replies routed before yielding to the event loop. */
const BROWSE_CHUNK = 500;

export class SchedulerManagement {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly scheduler: Scheduler) {}

  /** Handle one management message (it is consumed: it goes to no destination). */
  handle(msg: WireMessage): void {
    const props = msg.properties;
    const action = props[ScheduledProperty.ACTION];
    if (typeof action !== 'string') return;
    const start = toLong(ScheduledProperty.ACTION_START_TIME, props[ScheduledProperty.ACTION_START_TIME]);
    const end = toLong(ScheduledProperty.ACTION_END_TIME, props[ScheduledProperty.ACTION_END_TIME]);
    // Both ends or no window at all, as in ActiveMQ.
    const range = start !== undefined && end !== undefined ? { start, end } : { start: 0, end: MAX_DUE };
    const jobId = props[ScheduledProperty.JOB_ID];
    const replyTo = msg.replyTo;
    if (action === SchedulerAction.BROWSE && replyTo) this.run(action, () => this.browse(replyTo, range.start, range.end));
    if (jobId !== undefined && jobId !== null && action === SchedulerAction.REMOVE) {
      this.run(action, async () => void (await this.scheduler.removeJob(String(jobId))));
    } else if (action === SchedulerAction.REMOVEALL) {
      this.run(action, async () => void (await this.scheduler.removeRange(range.start, range.end)));
    }
  }

  /** Resolves once every action received so far has been carried out. */
  idle(): Promise<void> {
    return this.chain;
  }

  private run(action: string, task: () => Promise<void>): void {
    const log = this.scheduler.broker.log;
    this.chain = this.chain.then(task).catch((err: Error) => log.error({ err, action }, 'scheduler management action failed'));
  }

  /** Send every job (or those due in [start, end]) to `replyTo` (SchedulerBroker.sendScheduledJob). */
  private async browse(replyTo: string, start: number, end: number): Promise<void> {
    const jobs = await this.scheduler.jobs(start, end);
    for (let i = 0; i < jobs.length; i++) {
      this.sendJob(jobs[i]!, replyTo);
      if (i % BROWSE_CHUNK === BROWSE_CHUNK - 1) await new Promise((r) => setImmediate(r));
    }
  }

  private sendJob(job: JobRecord, replyTo: string): void {
    if (!isJobData(job.data)) return;
    const s = this.scheduler;
    const m = job.data.msg;
    const copy: WireMessage = {
      ...m,
      ...s.nextMessageIds(),
      destination: replyTo,
      originalDestination: m.destination,
      deliveryMode: DeliveryMode.NON_PERSISTENT,
      type: ADVISORY_MESSAGE_TYPE,
      redelivered: false,
      deliveryCount: 0,
      properties: { ...m.properties, [ScheduledProperty.JOB_ID]: job.id },
    };
    try {
      const b = s.broker;
      b.executePlan(b.router.plan(copy, null))?.catch((err: Error) => b.log.warn({ err }, 'scheduler: browse reply failed'));
    } catch (err) {
      s.broker.log.warn({ err, replyTo }, 'scheduler: cannot send a browsed job to the reply destination');
    }
  }
}
