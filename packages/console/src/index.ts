// @wharf/console: the admin web console, REST API, Prometheus metrics and health probes.
export { startConsole, DEFAULT_CONSOLE_PORT, type ConsoleOptions, type ConsoleHandle, type TlsOptions } from './server';
export { brokerView, type AdapterOptions } from './adapter';
export { followBroker, FollowingView, isNotServing, masterOf, type FollowOptions, type NodeSource } from './follow';
export { createMetrics, type ConsoleMetrics } from './metrics';
export { MetricName, Label, DEFAULT_METRICS_PREFIX, WHARF_METRICS } from './metrics-names';
export { ConsoleError, ConsoleErrorCode, HTTP_STATUS, type ConsoleErrorCodeValue } from './errors';
export { isLoopback } from './auth';
export { hostAllowed, type ConsoleUserSource, type AuditEntry, type Role as ConsoleRole } from './access';
export * from './view';
