// The scheduling properties and ActiveMQ's timing rules for them (docs/ACTIVEMQ-BEHAVIOUR.md: the scheduler;
// ScheduledMessage.java, SchedulerBroker.send, JobSchedulerImpl.doSchedule / mainLoop).
// Pure functions: no timers, the clock is passed in.
import { Cron } from 'croner';
import { MessageFormatError, type Properties, type PropertyValue } from '@wharf/protocol';

/** Message property names, as ActiveMQ's ScheduledMessage spells them. */
export const ScheduledProperty = {
  DELAY: 'AMQ_SCHEDULED_DELAY',
  PERIOD: 'AMQ_SCHEDULED_PERIOD',
  REPEAT: 'AMQ_SCHEDULED_REPEAT',
  CRON: 'AMQ_SCHEDULED_CRON',
  JOB_ID: 'scheduledJobId',
  ACTION: 'AMQ_SCHEDULER_ACTION',
  ACTION_START_TIME: 'ACTION_START_TIME',
  ACTION_END_TIME: 'ACTION_END_TIME',
} as const;

export const SchedulerAction = { BROWSE: 'BROWSE', REMOVE: 'REMOVE', REMOVEALL: 'REMOVEALL' } as const;

/** Prefix-matched, case-insensitive (SchedulerBroker: regionMatches(true, …)). */
export const MANAGEMENT_DESTINATION = 'ActiveMQ.Scheduler.Management';

/** The last due time the store's job keys can hold (ms); "every job" in store reads. */
export const MAX_DUE = Number.MAX_SAFE_INTEGER;

/** SchedulerBroker.maxRepeatAllowed. */
export const MAX_REPEAT = 1000;

/** How one message asks to be scheduled. */
export interface ScheduleSpec {
  delay: number;
  period: number;
  /** Extra deliveries; negative = without end (ActiveMQ decrements only positive counts). */
  repeat: number;
  /** 5-field cron (6 with leading seconds, croner's extension); '' = none. */
  cron: string;
}

/** Is `destination` (a URL or a name) the scheduler's management destination? */
export function isManagementDestination(destination: string): boolean {
  const i = destination.indexOf('://');
  const name = i >= 0 ? destination.slice(i + 3) : destination;
  return name.length >= MANAGEMENT_DESTINATION.length
    && name.slice(0, MANAGEMENT_DESTINATION.length).toLowerCase() === MANAGEMENT_DESTINATION.toLowerCase();
}

/**
 * A long property as ActiveMQ's TypeConversionSupport reads it: number, bigint or a numeric
 * string. Absent or null gives undefined; anything else is a MessageFormatError.
 */
export function longProperty(props: Properties, name: string): number | undefined {
  return toLong(name, props[name]);
}

export function toLong(name: string, v: PropertyValue | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'string' && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(v)) n = Number(v);
  else throw new MessageFormatError(`${name} must be a number, got ${describe(v)}`);
  if (!Number.isFinite(n)) throw new MessageFormatError(`${name} must be a finite number, got ${describe(v)}`);
  return Math.trunc(n);
}

function describe(v: PropertyValue): string {
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (v instanceof Uint8Array) return `${v.byteLength} bytes`;
  return String(v);
}

/**
 * The schedule a message asks for, or null when it carries none of DELAY, PERIOD or CRON
 * (REPEAT alone does not schedule: SchedulerBroker.send). Throws MessageFormatError for bad
 * values, with ActiveMQ's text for a repeat above the cap.
 */
export function readSchedule(props: Properties): ScheduleSpec | null {
  const cronValue = props[ScheduledProperty.CRON];
  const delay = longProperty(props, ScheduledProperty.DELAY);
  const period = longProperty(props, ScheduledProperty.PERIOD);
  const hasCron = cronValue !== undefined && cronValue !== null;
  if (!hasCron && delay === undefined && period === undefined) return null;
  const repeat = longProperty(props, ScheduledProperty.REPEAT) ?? 0;
  if (repeat > MAX_REPEAT) throw new MessageFormatError('The scheduled repeat value is too large');
  const cron = hasCron ? String(cronValue).trim() : '';
  const spec: ScheduleSpec = { delay: Math.max(0, delay ?? 0), period: Math.max(0, period ?? 0), repeat, cron };
  // A repeat without end and without a period would fire without pause, for ever.
  if (repeat < 0 && spec.period === 0 && !cron) {
    throw new MessageFormatError(`${ScheduledProperty.REPEAT} ${repeat} (no end) needs ${ScheduledProperty.PERIOD} > 0`);
  }
  if (cron) parseCron(cron);
  return spec;
}

const cronCache = new Map<string, Cron>();

/** Compile (once) a cron expression: 5 fields as ActiveMQ, or 6 with leading seconds. */
export function parseCron(expr: string): Cron {
  let c = cronCache.get(expr);
  if (c) return c;
  const fields = expr.split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    throw new MessageFormatError(`${ScheduledProperty.CRON} '${expr}' must have 5 fields (minute hour day-of-month month day-of-week), or 6 with leading seconds`);
  }
  try {
    // Local time, as ActiveMQ's CronParser (java.util.Calendar in the default time zone).
    c = new Cron(expr, { paused: true });
  } catch (err) {
    throw new MessageFormatError(`${ScheduledProperty.CRON} '${expr}' is not a valid cron expression: ${(err as Error).message}`);
  }
  if (cronCache.size > 1000) cronCache.clear();
  cronCache.set(expr, c);
  return c;
}

/** The first cron time strictly after `after` (ms), or undefined when there is none. */
export function nextCronTime(expr: string, after: number): number | undefined {
  const next = parseCron(expr).nextRun(new Date(after));
  return next ? next.getTime() : undefined;
}

/** Round a start time up as JobSchedulerImpl does with 500: `((t + r) / r) * r`; 0 = exact. */
export function roundStart(now: number, rounding: number): number {
  if (!(rounding > 0)) return now;
  return (Math.floor((now + rounding) / rounding)) * rounding;
}

/**
 * First fire time (JobSchedulerImpl.doSchedule): the next cron time after the (rounded) start,
 * or the start itself, plus the delay when there is one, else plus the period.
 */
export function firstDue(spec: ScheduleSpec, start: number): number {
  let time = start;
  if (spec.cron) time = nextCronTime(spec.cron, start) ?? start;
  return time + (spec.delay > 0 ? spec.delay : spec.period);
}

/**
 * The next fire of a repeating job that fired at `due` and is handled at `now`. ActiveMQ takes
 * `now + period`; taking `due + period` while that is still ahead keeps a repeating job free of
 * drift, and a job that was held up (a restart) goes on from now rather than firing in a burst.
 */
export function nextPeriodicDue(due: number, period: number, now: number): number {
  const next = due + period;
  return next > now ? next : now + period;
}
