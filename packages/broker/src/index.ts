// Registers the stomp://, stomp+ssl://, ws:// and wss:// connector schemes.
import './stomp';
export { Broker, type BrokerOptions, type SendInterceptor } from './broker';
export * from './config';
export {
  Security, hashPassword, verifyPassword, sameSecret, resolveSecret, isLoopbackHost, parseProperties, AuthorizationMap,
  type Principal, type Operation,
} from './security/index';
export { Authenticator } from './security/authentication';
export { resolvePolicy, deadLetterQueueFor, type ResolvedPolicy } from './policy';
export { ServerConnection, type ServerTransport } from './connection';
export { Queue } from './queue';
export { Topic, DurableSubscription, TopicSubscription } from './topic';
export { MessageSource } from './source';
export { Entry } from './entry';
export type { ServerConsumer } from './consumer';
export { registerConnectorFactory, parseConnectorUri, listen, closeServer, type Connector, type ConnectorFactory } from './transport/connectors';
export { emptyPlan, type RoutePlan } from './router';
export { createLogger, type Logger } from './logger';
export {
  Scheduler, ScheduledProperty, SchedulerAction, MANAGEMENT_DESTINATION, type SchedulerOptions, type SchedulerStats, type JobInfo,
} from './scheduler/index';
