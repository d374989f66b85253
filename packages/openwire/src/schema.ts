// The OpenWire command and data-structure types, as a table the one codec engine (codec.ts)
// walks. Each type lists its fields in wire order with their encoding kind; versions 9 to 12
// differ by a few fields, marked with the version that added (`since`) or dropped (`until`) them.
// Field names are our own camelCase; `type` is reserved for the data-structure type number.

export type FieldKind =
  | 'bool'     // tight: one bit in the BooleanStream; loose: one byte
  | 'byte'
  | 'int'
  | 'long'     // tight: 0, 2, 4 or 8 bytes chosen by two bits; loose: 8 bytes
  | 'string'   // tight: null and ascii bits, then short length + bytes or writeUTF; loose: flag + writeUTF
  | 'cached'   // a data structure, sent once then by index when the marshal cache is on
  | 'nested'   // a data structure (or null), with its type byte
  | 'array'    // short count, then nested data structures
  | 'throwable'
  | 'bytes'    // flag, int length, bytes
  | 'magic';   // 8 constant bytes

export interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
  readonly since?: number;
  readonly until?: number;
}

export interface TypeSpec {
  readonly type: number;
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  /** Java's MarshallAware types: a nested one carries one more (always false) bit in tight encoding. */
  readonly marshallAware?: boolean;
}

export const DataType = {
  WIREFORMAT_INFO: 1, BROKER_INFO: 2, CONNECTION_INFO: 3, SESSION_INFO: 4, CONSUMER_INFO: 5,
  PRODUCER_INFO: 6, TRANSACTION_INFO: 7, DESTINATION_INFO: 8, REMOVE_SUBSCRIPTION_INFO: 9,
  KEEP_ALIVE_INFO: 10, SHUTDOWN_INFO: 11, REMOVE_INFO: 12, CONTROL_COMMAND: 14, FLUSH_COMMAND: 15,
  CONNECTION_ERROR: 16, CONSUMER_CONTROL: 17, CONNECTION_CONTROL: 18, PRODUCER_ACK: 19,
  MESSAGE_PULL: 20, MESSAGE_DISPATCH: 21, MESSAGE_ACK: 22,
  MESSAGE: 23, BYTES_MESSAGE: 24, MAP_MESSAGE: 25, OBJECT_MESSAGE: 26, STREAM_MESSAGE: 27,
  TEXT_MESSAGE: 28, BLOB_MESSAGE: 29,
  RESPONSE: 30, EXCEPTION_RESPONSE: 31, DATA_RESPONSE: 32, DATA_ARRAY_RESPONSE: 33, INTEGER_RESPONSE: 34,
  DISCOVERY_EVENT: 40, JOURNAL_TOPIC_ACK: 50, JOURNAL_QUEUE_ACK: 52, JOURNAL_TRACE: 53,
  JOURNAL_TRANSACTION: 54, SUBSCRIPTION_INFO: 55, PARTIAL_COMMAND: 60, LAST_PARTIAL_COMMAND: 61,
  REPLAY_COMMAND: 65, MESSAGE_DISPATCH_NOTIFICATION: 90, NETWORK_BRIDGE_FILTER: 91,
  BROKER_SUBSCRIPTION_INFO: 92,
  QUEUE: 100, TOPIC: 101, TEMP_QUEUE: 102, TEMP_TOPIC: 103,
  MESSAGE_ID: 110, LOCAL_TRANSACTION_ID: 111, XA_TRANSACTION_ID: 112,
  CONNECTION_ID: 120, SESSION_ID: 121, CONSUMER_ID: 122, PRODUCER_ID: 123, BROKER_ID: 124,
} as const;

const f = (name: string, kind: FieldKind, since?: number, until?: number): FieldSpec =>
  ({ name, kind, ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) });

const BASE_COMMAND = [f('commandId', 'int'), f('responseRequired', 'bool')];
const RESPONSE = [...BASE_COMMAND, f('correlationId', 'int')];
const DESTINATION = [f('physicalName', 'string')];

const MESSAGE = [
  ...BASE_COMMAND,
  f('producerId', 'cached'), f('destination', 'cached'), f('transactionId', 'cached'),
  f('originalDestination', 'cached'), f('messageId', 'nested'), f('originalTransactionId', 'cached'),
  f('groupId', 'string'), f('groupSequence', 'int'), f('correlationId', 'string'), f('persistent', 'bool'),
  f('expiration', 'long'), f('priority', 'byte'), f('replyTo', 'nested'), f('timestamp', 'long'),
  f('jmsType', 'string'), f('content', 'bytes'), f('marshalledProperties', 'bytes'), f('dataStructure', 'nested'),
  f('targetConsumerId', 'cached'), f('compressed', 'bool'), f('redeliveryCounter', 'int'), f('brokerPath', 'array'),
  f('arrival', 'long'), f('userId', 'string'), f('receivedByDFBridge', 'bool'), f('droppable', 'bool'),
  f('cluster', 'array'), f('brokerInTime', 'long'), f('brokerOutTime', 'long'),
  f('jmsxGroupFirstForConsumer', 'bool', 10),
];

const T = DataType;
export const TYPES: readonly TypeSpec[] = [
  { type: T.WIREFORMAT_INFO, name: 'WireFormatInfo', marshallAware: true, fields: [f('magic', 'magic'), f('version', 'int'), f('marshalledProperties', 'bytes')] },
  {
    type: T.BROKER_INFO, name: 'BrokerInfo', fields: [
      ...BASE_COMMAND, f('brokerId', 'cached'), f('brokerUrl', 'string'), f('peerBrokerInfos', 'array'), f('brokerName', 'string'),
      f('slaveBroker', 'bool'), f('masterBroker', 'bool'), f('faultTolerantConfiguration', 'bool'), f('duplexConnection', 'bool'),
      f('networkConnection', 'bool'), f('connectionId', 'long'), f('brokerUploadUrl', 'string'), f('networkProperties', 'string'),
    ],
  },
  {
    type: T.CONNECTION_INFO, name: 'ConnectionInfo', fields: [
      ...BASE_COMMAND, f('connectionId', 'cached'), f('clientId', 'string'), f('password', 'string'), f('userName', 'string'),
      f('brokerPath', 'array'), f('brokerMasterConnector', 'bool'), f('manageable', 'bool'), f('clientMaster', 'bool'),
      f('faultTolerant', 'bool'), f('failoverReconnect', 'bool'), f('clientIp', 'string'),
    ],
  },
  { type: T.SESSION_INFO, name: 'SessionInfo', fields: [...BASE_COMMAND, f('sessionId', 'cached')] },
  {
    type: T.CONSUMER_INFO, name: 'ConsumerInfo', fields: [
      ...BASE_COMMAND, f('consumerId', 'cached'), f('browser', 'bool'), f('destination', 'cached'), f('prefetchSize', 'int'),
      f('maximumPendingMessageLimit', 'int'), f('dispatchAsync', 'bool'), f('selector', 'string'), f('clientId', 'string', 10),
      f('subscriptionName', 'string'), f('noLocal', 'bool'), f('exclusive', 'bool'), f('retroactive', 'bool'), f('priority', 'byte'),
      f('brokerPath', 'array'), f('additionalPredicate', 'nested'), f('networkSubscription', 'bool'), f('optimizedAcknowledge', 'bool'),
      f('noRangeAcks', 'bool'), f('networkConsumerPath', 'array'),
    ],
  },
  {
    type: T.PRODUCER_INFO, name: 'ProducerInfo', fields: [
      ...BASE_COMMAND, f('producerId', 'cached'), f('destination', 'cached'), f('brokerPath', 'array'), f('dispatchAsync', 'bool'), f('windowSize', 'int'),
    ],
  },
  { type: T.TRANSACTION_INFO, name: 'TransactionInfo', fields: [...BASE_COMMAND, f('connectionId', 'cached'), f('transactionId', 'cached'), f('txType', 'byte')] },
  {
    type: T.DESTINATION_INFO, name: 'DestinationInfo', fields: [
      ...BASE_COMMAND, f('connectionId', 'cached'), f('destination', 'cached'), f('operationType', 'byte'), f('timeout', 'long'), f('brokerPath', 'array'),
    ],
  },
  { type: T.REMOVE_SUBSCRIPTION_INFO, name: 'RemoveSubscriptionInfo', fields: [...BASE_COMMAND, f('connectionId', 'cached'), f('subscriptionName', 'string'), f('clientId', 'string')] },
  { type: T.KEEP_ALIVE_INFO, name: 'KeepAliveInfo', fields: BASE_COMMAND },
  { type: T.SHUTDOWN_INFO, name: 'ShutdownInfo', fields: BASE_COMMAND },
  { type: T.REMOVE_INFO, name: 'RemoveInfo', fields: [...BASE_COMMAND, f('objectId', 'cached'), f('lastDeliveredSequenceId', 'long')] },
  { type: T.CONTROL_COMMAND, name: 'ControlCommand', fields: [...BASE_COMMAND, f('command', 'string')] },
  { type: T.FLUSH_COMMAND, name: 'FlushCommand', fields: BASE_COMMAND },
  { type: T.CONNECTION_ERROR, name: 'ConnectionError', fields: [...BASE_COMMAND, f('exception', 'throwable'), f('connectionId', 'nested')] },
  {
    type: T.CONSUMER_CONTROL, name: 'ConsumerControl', fields: [
      ...BASE_COMMAND, f('destination', 'nested'), f('close', 'bool'), f('consumerId', 'nested'), f('prefetch', 'int'),
      f('flush', 'bool'), f('start', 'bool'), f('stop', 'bool'),
    ],
  },
  {
    type: T.CONNECTION_CONTROL, name: 'ConnectionControl', fields: [
      ...BASE_COMMAND, f('close', 'bool'), f('exit', 'bool'), f('faultTolerant', 'bool'), f('resume', 'bool'), f('suspend', 'bool'),
      f('connectedBrokers', 'string'), f('reconnectTo', 'string'), f('rebalanceConnection', 'bool'), f('token', 'bytes'),
    ],
  },
  { type: T.PRODUCER_ACK, name: 'ProducerAck', fields: [...BASE_COMMAND, f('producerId', 'nested'), f('size', 'int')] },
  {
    type: T.MESSAGE_PULL, name: 'MessagePull', fields: [
      ...BASE_COMMAND, f('consumerId', 'cached'), f('destination', 'cached'), f('timeout', 'long'), f('correlationId', 'string'), f('messageId', 'nested'),
    ],
  },
  {
    type: T.MESSAGE_DISPATCH, name: 'MessageDispatch', fields: [
      ...BASE_COMMAND, f('consumerId', 'cached'), f('destination', 'cached'), f('message', 'nested'), f('redeliveryCounter', 'int'),
    ],
  },
  {
    type: T.MESSAGE_ACK, name: 'MessageAck', fields: [
      ...BASE_COMMAND, f('destination', 'cached'), f('transactionId', 'cached'), f('consumerId', 'cached'), f('ackType', 'byte'),
      f('firstMessageId', 'nested'), f('lastMessageId', 'nested'), f('messageCount', 'int'), f('poisonCause', 'throwable'),
    ],
  },
  { type: T.MESSAGE, name: 'ActiveMQMessage', marshallAware: true, fields: MESSAGE },
  { type: T.BYTES_MESSAGE, name: 'ActiveMQBytesMessage', marshallAware: true, fields: MESSAGE },
  { type: T.MAP_MESSAGE, name: 'ActiveMQMapMessage', marshallAware: true, fields: MESSAGE },
  { type: T.OBJECT_MESSAGE, name: 'ActiveMQObjectMessage', marshallAware: true, fields: MESSAGE },
  { type: T.STREAM_MESSAGE, name: 'ActiveMQStreamMessage', marshallAware: true, fields: MESSAGE },
  { type: T.TEXT_MESSAGE, name: 'ActiveMQTextMessage', marshallAware: true, fields: MESSAGE },
  {
    type: T.BLOB_MESSAGE, name: 'ActiveMQBlobMessage', marshallAware: true, fields: [
      ...MESSAGE, f('remoteBlobUrl', 'string'), f('mimeType', 'string'), f('deletedByBroker', 'bool'),
    ],
  },
  { type: T.RESPONSE, name: 'Response', fields: RESPONSE },
  { type: T.EXCEPTION_RESPONSE, name: 'ExceptionResponse', fields: [...RESPONSE, f('exception', 'throwable')] },
  { type: T.DATA_RESPONSE, name: 'DataResponse', fields: [...RESPONSE, f('data', 'nested')] },
  { type: T.DATA_ARRAY_RESPONSE, name: 'DataArrayResponse', fields: [...RESPONSE, f('data', 'array')] },
  { type: T.INTEGER_RESPONSE, name: 'IntegerResponse', fields: [...RESPONSE, f('result', 'int')] },
  { type: T.DISCOVERY_EVENT, name: 'DiscoveryEvent', fields: [f('serviceName', 'string'), f('brokerName', 'string')] },
  {
    type: T.JOURNAL_TOPIC_ACK, name: 'JournalTopicAck', fields: [
      f('destination', 'nested'), f('messageId', 'nested'), f('messageSequenceId', 'long'), f('subscriptionName', 'string'),
      f('clientId', 'string'), f('transactionId', 'nested'),
    ],
  },
  { type: T.JOURNAL_QUEUE_ACK, name: 'JournalQueueAck', fields: [f('destination', 'nested'), f('messageAck', 'nested')] },
  { type: T.JOURNAL_TRACE, name: 'JournalTrace', fields: [f('message', 'string')] },
  { type: T.JOURNAL_TRANSACTION, name: 'JournalTransaction', fields: [f('transactionId', 'nested'), f('txType', 'byte'), f('wasPrepared', 'bool')] },
  {
    type: T.SUBSCRIPTION_INFO, name: 'SubscriptionInfo', fields: [
      f('clientId', 'string'), f('destination', 'cached'), f('selector', 'string'), f('subscriptionName', 'string'),
      f('subscribedDestination', 'nested'), f('noLocal', 'bool', 11),
    ],
  },
  { type: T.PARTIAL_COMMAND, name: 'PartialCommand', fields: [f('commandId', 'int'), f('data', 'bytes')] },
  { type: T.LAST_PARTIAL_COMMAND, name: 'LastPartialCommand', fields: [f('commandId', 'int'), f('data', 'bytes')] },
  { type: T.REPLAY_COMMAND, name: 'ReplayCommand', fields: [...BASE_COMMAND, f('firstNakNumber', 'int'), f('lastNakNumber', 'int')] },
  {
    type: T.MESSAGE_DISPATCH_NOTIFICATION, name: 'MessageDispatchNotification', fields: [
      ...BASE_COMMAND, f('consumerId', 'cached'), f('destination', 'cached'), f('deliverySequenceId', 'long'), f('messageId', 'nested'),
    ],
  },
  {
    type: T.NETWORK_BRIDGE_FILTER, name: 'NetworkBridgeFilter', fields: [
      f('networkTTL', 'int', undefined, 9), f('networkBrokerId', 'cached'), f('messageTTL', 'int', 10), f('consumerTTL', 'int', 10),
    ],
  },
  {
    type: T.BROKER_SUBSCRIPTION_INFO, name: 'BrokerSubscriptionInfo', fields: [
      ...BASE_COMMAND, f('brokerId', 'nested'), f('brokerName', 'string'), f('subscriptionInfos', 'array'),
    ],
    // (added in version 12; decoding it under an older version is refused, as the Java client does)
  },
  { type: T.QUEUE, name: 'ActiveMQQueue', fields: DESTINATION },
  { type: T.TOPIC, name: 'ActiveMQTopic', fields: DESTINATION },
  { type: T.TEMP_QUEUE, name: 'ActiveMQTempQueue', fields: DESTINATION },
  { type: T.TEMP_TOPIC, name: 'ActiveMQTempTopic', fields: DESTINATION },
  {
    type: T.MESSAGE_ID, name: 'MessageId', fields: [
      f('textView', 'string', 10), f('producerId', 'cached'), f('producerSequenceId', 'long'), f('brokerSequenceId', 'long'),
    ],
  },
  { type: T.LOCAL_TRANSACTION_ID, name: 'LocalTransactionId', fields: [f('value', 'long'), f('connectionId', 'cached')] },
  { type: T.XA_TRANSACTION_ID, name: 'XATransactionId', fields: [f('formatId', 'int'), f('globalTransactionId', 'bytes'), f('branchQualifier', 'bytes')] },
  { type: T.CONNECTION_ID, name: 'ConnectionId', fields: [f('value', 'string')] },
  { type: T.SESSION_ID, name: 'SessionId', fields: [f('connectionId', 'string'), f('value', 'long')] },
  { type: T.CONSUMER_ID, name: 'ConsumerId', fields: [f('connectionId', 'string'), f('sessionId', 'long'), f('value', 'long')] },
  { type: T.PRODUCER_ID, name: 'ProducerId', fields: [f('connectionId', 'string'), f('value', 'long'), f('sessionId', 'long')] },
  { type: T.BROKER_ID, name: 'BrokerId', fields: [f('value', 'string')] },
];

/** Types that exist only from a given version on. */
export const TYPE_SINCE: Readonly<Record<number, number>> = { [T.BROKER_SUBSCRIPTION_INFO]: 12 };

export const MIN_VERSION = 9;
export const MAX_VERSION = 12;

/** Per version, the table indexed by type number, with the fields that version carries. */
export function tableFor(version: number): Array<TypeSpec | undefined> {
  const t: Array<TypeSpec | undefined> = new Array(256).fill(undefined);
  for (const spec of TYPES) {
    const since = TYPE_SINCE[spec.type];
    if (since !== undefined && version < since) continue;
    t[spec.type] = {
      ...spec,
      fields: spec.fields.filter((x) => (x.since === undefined || version >= x.since) && (x.until === undefined || version <= x.until)),
    };
  }
  return t;
}

export const MESSAGE_TYPES: ReadonlySet<number> = new Set([T.MESSAGE, T.BYTES_MESSAGE, T.MAP_MESSAGE, T.OBJECT_MESSAGE, T.STREAM_MESSAGE, T.TEXT_MESSAGE, T.BLOB_MESSAGE]);
