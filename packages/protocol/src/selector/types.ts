// The selector's view of a message (docs/CONVENTIONS.md: narrow views): two lookups, so selector tests need no broker
// and the broker can evaluate any message shape without copying it.

/** What a selector reads from a message. */
export interface Filterable {
  /**
   * JMS header identifiers: JMSDestination, JMSReplyTo, JMSType, JMSDeliveryMode
   * ('PERSISTENT'|'NON_PERSISTENT'), JMSPriority, JMSMessageID, JMSTimestamp, JMSCorrelationID,
   * JMSExpiration, JMSRedelivered, JMSXDeliveryCount, JMSXGroupID, JMSXGroupSeq, JMSXUserID.
   * Returns undefined if the message has none.
   */
  getHeader(name: string): unknown;
  /** A message property value (boolean|number|bigint|string|Uint8Array|null) or undefined if absent. */
  getProperty(name: string): unknown;
}

/** A compiled message selector. */
export interface Selector {
  /** The selector text as given (including any `convert_string_expressions:` prefix). */
  readonly text: string;
  /** True only when the selector evaluates to TRUE; FALSE and UNKNOWN do not select. */
  matches(m: Filterable): boolean;
}

export interface CompileSelectorOptions {
  /** Compare numeric-looking strings with numbers (and 'true'/'false' with booleans), as ActiveMQ. */
  convertStringExpressions?: boolean;
}
