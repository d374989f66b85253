// @wharf/client: the JMS object model for Wharf (and ActiveMQ-style programs), over the native
// protocol: ConnectionFactory → Connection → Session → producers, consumers, browsers.
export { ConnectionFactory, ActiveMQConnectionFactory, DEFAULT_BROKER_URL } from './connection-factory';
export { Connection, ConnectionMetaData, type ExceptionListener, type TransportListener } from './connection';
export { Session } from './session';
export { MessageProducer, type SendOptions } from './producer';
export { MessageConsumer, type MessageListener, type ReceiveOptions } from './consumer';
export { QueueBrowser } from './browser';
export {
  Destination, Queue, Topic, TemporaryQueue, TemporaryTopic, ActiveMQQueue, ActiveMQTopic, ActiveMQTempQueue,
  ActiveMQTempTopic, destinationFromUrl, type ConsumerDestinationOptions,
} from './destinations';
export {
  Message, TextMessage, BytesMessage, MapMessage, StreamMessage, ObjectMessage,
} from './messages/index';
export {
  RedeliveryPolicy, DEFAULT_REDELIVERY_POLICY, NO_MAXIMUM_REDELIVERIES, nextRedeliveryDelay, redeliveryDelayFor,
} from './redelivery';
export { PrefetchPolicy, DEFAULT_PREFETCH, type ConnectionFactoryOptions, type PrefetchPolicyData } from './options';
export { parseBrokerUrl, type BrokerUrl, type Endpoint } from './url';
export { DEFAULT_FAILOVER_OPTIONS, type FailoverOptions } from './failover';
export type { ClientTransport, TransportListener as ClientTransportListener } from './transport';
export * from './errors';
export { DeliveryMode, AckMode, type DeliveryModeValue, type AckModeValue, type RedeliveryPolicyData, type PropertyValue } from '@wharf/protocol';

/** MessageProducer types under their JMS names. */
export type { MessageProducer as TopicPublisher, MessageProducer as QueueSender } from './producer';
export type { MessageConsumer as TopicSubscriber, MessageConsumer as QueueReceiver } from './consumer';
