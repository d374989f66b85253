// What a scheduled job holds in the store, and what happens when it fires
// (JobSchedulerImpl.mainLoop for the schedule, SchedulerBroker.scheduledJob for the message).
import type { Properties, WireMessage } from '@wharf/protocol';
import {
  ScheduledProperty, firstDue, nextCronTime, nextPeriodicDue, roundStart, type ScheduleSpec,
} from './timing';

/** `JobRecord.data` of a scheduled job. */
export interface JobData extends ScheduleSpec {
  /** The message as it was sent, scheduling properties included (BROWSE shows it so). */
  msg: WireMessage;
  /** Fired copies get a new message id (the message asked for a repeat or a cron). */
  newIds: boolean;
}

export function isJobData(x: unknown): x is JobData {
  const d = x as Partial<JobData> | null;
  return !!d && typeof d === 'object' && !!d.msg && typeof d.msg === 'object'
    && typeof d.delay === 'number' && typeof d.period === 'number' && typeof d.repeat === 'number' && typeof d.cron === 'string';
}

/** What the console shows of a job. */
export interface JobInfo {
  id: string;
  due: number;
  destination?: string;
  messageId?: string;
  delay?: number;
  period?: number;
  repeat?: number;
  cron?: string;
}

export function jobInfo(id: string, due: number, data: unknown): JobInfo {
  if (!isJobData(data)) return { id, due };
  return {
    id, due, destination: data.msg.destination, messageId: data.msg.messageId,
    delay: data.delay, period: data.period, repeat: data.repeat, ...(data.cron ? { cron: data.cron } : {}),
  };
}

export interface FireOutcome {
  /** Deliver a copy of the message now (not for a cron job with a repeat: it starts a sub-job). */
  deliver: boolean;
  /** The job's next fire (same id), or null when it is done. */
  next: { due: number; data: JobData } | null;
  /** A new job to start: a cron tick of a job with a repeat runs its delay/period/repeat. */
  spawn: { due: number; data: JobData } | null;
}

/**
 * ActiveMQ's rules for a job firing at `now` that was due at `due`:
 * - no cron: deliver; while the repeat is not exhausted fire again a period later (a positive
 *   repeat counts down, a negative one never ends);
 * - cron, repeat 0: deliver at every tick;
 * - cron, repeat ≠ 0: deliver nothing, start a job with the same delay/period/repeat per tick.
 */
export function fireOutcome(data: JobData, due: number, now: number, rounding: number): FireOutcome {
  if (data.cron) {
    const tick = nextCronTime(data.cron, Math.max(now, due));
    const next = tick === undefined ? null : { due: tick, data };
    if (data.repeat === 0) return { deliver: true, next, spawn: null };
    const sub: JobData = { ...data, cron: '' };
    return { deliver: false, next, spawn: { due: firstDue(sub, roundStart(now, rounding)), data: sub } };
  }
  if (data.repeat === 0) return { deliver: true, next: null, spawn: null };
  const repeat = data.repeat > 0 ? data.repeat - 1 : data.repeat;
  return { deliver: true, next: { due: nextPeriodicDue(due, data.period, now), data: { ...data, repeat } }, spawn: null };
}

const SCHEDULING_PROPERTIES = [ScheduledProperty.DELAY, ScheduledProperty.PERIOD, ScheduledProperty.REPEAT, ScheduledProperty.CRON];

/**
 * The copy that is delivered when a job fires (SchedulerBroker.scheduledJob): `scheduledJobId`
 * set, the AMQ_SCHEDULED_* properties removed (so a network hop does not schedule it again),
 * a new message id when `messageId` is given, and the expiration moved so that the message keeps
 * the time-to-live it was sent with.
 */
export function firedCopy(
  data: JobData, jobId: string, now: number, ids: { messageId: string; producerId: string; producerSeq: number },
): WireMessage {
  const m = data.msg;
  const properties: Properties = { ...m.properties, [ScheduledProperty.JOB_ID]: jobId };
  for (const p of SCHEDULING_PROPERTIES) delete properties[p];
  let { timestamp, expiration } = m;
  if (timestamp > 0 && expiration > 0) {
    const ttl = expiration - timestamp;
    const moved = ttl + now;
    if (moved > expiration) {
      if (ttl > 0) expiration = moved;
      timestamp = now;
    }
  }
  return {
    ...m,
    messageId: data.newIds ? ids.messageId : m.messageId,
    producerId: ids.producerId,
    producerSeq: ids.producerSeq,
    timestamp,
    expiration,
    redelivered: false,
    deliveryCount: 0,
    properties,
  };
}
