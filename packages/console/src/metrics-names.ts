// Every metric the console exports (docs/CONFIGURATION.md), in one place. Dashboards and alerts depend on
// these names: rename only with a note in the changelog, and update deploy/grafana too.

export const DEFAULT_METRICS_PREFIX = 'wharf_';

/** Names without the prefix; the full name is prefix + name (default `wharf_`). */
export const MetricName = {
  ENQUEUED_TOTAL: 'enqueued_total',
  DEQUEUED_TOTAL: 'dequeued_total',
  DISPATCHED_TOTAL: 'dispatched_total',
  EXPIRED_TOTAL: 'expired_total',
  QUEUE_DEPTH: 'queue_depth',
  CONSUMERS: 'consumers',
  INFLIGHT: 'inflight',
  SUBSCRIPTION_PENDING: 'subscription_pending',
  CONNECTIONS: 'connections',
  MEMORY_USED_BYTES: 'memory_used_bytes',
  MEMORY_LIMIT_BYTES: 'memory_limit_bytes',
  STORE_BYTES: 'store_bytes',
  STORE_MESSAGES: 'store_messages',
  STORE_COMMITS_TOTAL: 'store_commits_total',
  STORE_SYNCS_TOTAL: 'store_syncs_total',
  COMMIT_GROUP_SIZE: 'commit_group_size',
  ROLE: 'role',
  SERVING: 'serving',
  FAILOVERS_TOTAL: 'failovers_total',
  REPLICATION_LAG: 'replication_lag',
  CLUSTER_EPOCH: 'cluster_epoch',
  CLUSTER_MASTER: 'cluster_master',
  SCHEDULED_JOBS: 'scheduled_jobs',
  BRIDGES: 'network_bridges',
  UPTIME_SECONDS: 'uptime_seconds',
  AUTHENTICATION_FAILURES_TOTAL: 'authentication_failures_total',
  AUTHORIZATION_REFUSALS_TOTAL: 'authorization_refusals_total',
  INFO: 'info',
  DESTINATIONS: 'destinations',
  METRICS_DESTINATIONS_OMITTED: 'metrics_destinations_omitted',
} as const;
export type MetricNameValue = (typeof MetricName)[keyof typeof MetricName];

/** Label names. */
export const Label = {
  DESTINATION: 'destination',
  TYPE: 'type',
  ROLE: 'role',
  SLAVE: 'slave',
  SUBSCRIPTION: 'subscription',
  CLIENT_ID: 'client_id',
  BROKER: 'broker',
  VERSION: 'version',
  STATUS: 'status',
} as const;

/** The full default names, for tests, dashboards and documentation. */
export const WHARF_METRICS: readonly string[] = Object.values(MetricName).map((n) => DEFAULT_METRICS_PREFIX + n);
