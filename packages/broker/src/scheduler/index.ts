// The job scheduler (`schedulerSupport`): AMQ_SCHEDULED_* delivery and its management.
export { Scheduler, type SchedulerOptions, type SchedulerStats } from './scheduler';
export { SchedulerManagement, ADVISORY_MESSAGE_TYPE } from './management';
export { type JobData, type JobInfo } from './job';
export {
  ScheduledProperty, SchedulerAction, MANAGEMENT_DESTINATION, MAX_REPEAT, MAX_DUE, readSchedule, firstDue, roundStart,
  nextCronTime, type ScheduleSpec,
} from './timing';
