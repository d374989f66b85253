// @wharf/broker's public entry. The core API (core.ts: ProtocolHost, ProtocolConnection,
// ServerTransport, ProtocolPackage) is what protocol packages use; docs/ARCHITECTURE.md
// describes it. Other packages import only from here.
export type { ProtocolHost, ProtocolConnection, ServerTransport, ProtocolPackage, ProtocolDetector, Refusal, Connector, ConnectorFactory } from './core';
export { Broker, type BrokerOptions, type SendInterceptor } from './broker';
export {
  BrokerAdmin, type BrokerStats, type MessageView, type BrowseOptions, type MoveOptions, type QueueStats, type TopicStats, type SubscriptionStats, type ConnectionStats,
  type DestinationCounters, type QueueCounters,
} from './admin';
export { destinationConsumers, type ConsumerStats } from './admin-consumers';
export * from './config';
export {
  Security, checkConnectorExposure, tlsServerOptions, watchTls, peerDN, needsClientAuth, MIN_TLS_VERSION, hashPassword, verifyPassword, sameSecret, resolveSecret, isLoopbackHost, parseProperties, AuthorizationMap,
  type Principal, type Operation,
} from './security/index';
export { Authenticator } from './security/authentication';
export { resolvePolicy, deadLetterQueueFor, type ResolvedPolicy } from './policy';
export { ServerConnection } from './connection';
export { Queue } from './queue';
export { Topic, DurableSubscription, TopicSubscription, ADVISORY_RETENTION } from './topic';
export { MessageSource } from './source';
export { Entry } from './entry';
export type { ServerConsumer } from './consumer';
export { parseConnectorUri, listen, closeServer } from './transport/connectors';
export { guardAccepts, keepAccepting, FdReserve } from './transport/fd-reserve';
export { limitConnections, connectorLimits, type ConnectorLimits } from './transport/limits';
export { CONGESTED_BYTES, ReadHold, endSocket } from './transport/socket-hold';
export { emptyPlan, type RoutePlan } from './router';
export { createLogger, logFormat, prettyLine, type LogFormat, type Logger } from './logger';
export {
  Scheduler, ScheduledProperty, SchedulerAction, MANAGEMENT_DESTINATION, type SchedulerOptions, type SchedulerStats, type JobInfo,
} from './scheduler/index';
export type { PreparedBranchInfo } from './handlers/xa';
