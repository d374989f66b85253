// The JMS Message (docs/ARCHITECTURE.md: the message model; packages/client/README.md): headers, typed properties, acknowledge(). The message holds
// the wire object itself, so sending encodes it without a copy and a received message is read
// straight from what the broker sent.
import {
  BodyKind, DEFAULT_PRIORITY, DeliveryMode, MessageFormatError, MessageNotWriteableError,
  type BodyKindValue, type PropertyValue, type WireMessage,
} from '@wharf/protocol';
import { Destination, destinationFromUrl } from '../destinations';
import * as cv from './convert';

/** What a received message needs to acknowledge itself (its consumer's session). */
export interface MessageAcknowledger {
  acknowledgeMessage(m: Message): Promise<void>;
}

export function newWireMessage(bodyKind: BodyKindValue): WireMessage {
  return {
    messageId: '', destination: '', deliveryMode: DeliveryMode.PERSISTENT, priority: DEFAULT_PRIORITY, timestamp: 0,
    expiration: 0, deliveryTime: 0, redelivered: false, deliveryCount: 0, producerId: '', producerSeq: 0,
    properties: {}, bodyKind, body: null,
  };
}

/** JMSX properties that live in message headers. */
const JMSX_GROUP_ID = 'JMSXGroupID';
const JMSX_GROUP_SEQ = 'JMSXGroupSeq';
const JMSX_DELIVERY_COUNT = 'JMSXDeliveryCount';
const JMSX_USER_ID = 'JMSXUserID';

export class Message {
  /** @internal The wire form (sent as is). */
  _w: WireMessage;
  /** @internal */ _propsReadOnly = false;
  /** @internal */ _bodyReadOnly = false;
  /** @internal Set on received messages. */ _acker: MessageAcknowledger | null = null;
  /** @internal Connection-unique delivery id (received messages). */ _deliveryId = 0;
  /** @internal The delivery belongs to the link (failover epoch) it arrived on. */ _epoch = 0;
  /** @internal Why the last delivery failed (listener error), for the poison cause. */ _failure: unknown = undefined;
  /** @internal Given back by recover(): not acknowledged when its listener returns. */ _recovered = false;
  /** @internal Put back for client-side redelivery (was delivered before). */ _returned = false;

  constructor(wire?: WireMessage) {
    this._w = wire ?? newWireMessage(BodyKind.NONE);
  }

  // ---- headers ----------------------------------------------------------------------------

  getJMSMessageID(): string | null {
    return this._w.messageId || null;
  }
  setJMSMessageID(id: string | null): void {
    this._w.messageId = id ?? '';
  }
  getJMSTimestamp(): number {
    return this._w.timestamp;
  }
  setJMSTimestamp(t: number): void {
    this._w.timestamp = t;
  }
  getJMSCorrelationID(): string | null {
    return this._w.correlationId ?? null;
  }
  setJMSCorrelationID(id: string | null): void {
    if (id === null || id === undefined) delete this._w.correlationId;
    else this._w.correlationId = String(id);
  }
  getJMSReplyTo(): Destination | null {
    return this._w.replyTo ? destinationFromUrl(this._w.replyTo) : null;
  }
  setJMSReplyTo(d: Destination | null): void {
    if (d === null || d === undefined) delete this._w.replyTo;
    else if (d instanceof Destination) this._w.replyTo = d.url;
    else throw new MessageFormatError('JMSReplyTo must be a Destination (from session.createQueue/createTopic/createTemporaryQueue)');
  }
  getJMSDestination(): Destination | null {
    return this._w.destination ? destinationFromUrl(this._w.destination) : null;
  }
  setJMSDestination(d: Destination | null): void {
    this._w.destination = d ? d.url : '';
  }
  getJMSDeliveryMode(): number {
    return this._w.deliveryMode;
  }
  setJMSDeliveryMode(mode: number): void {
    if (mode !== DeliveryMode.PERSISTENT && mode !== DeliveryMode.NON_PERSISTENT) {
      throw new MessageFormatError(`delivery mode must be DeliveryMode.PERSISTENT (2) or NON_PERSISTENT (1), got ${mode}`);
    }
    this._w.deliveryMode = mode;
  }
  getJMSRedelivered(): boolean {
    return this._w.redelivered;
  }
  setJMSRedelivered(v: boolean): void {
    this._w.redelivered = v;
  }
  getJMSType(): string | null {
    return this._w.type ?? null;
  }
  setJMSType(t: string | null): void {
    if (t === null || t === undefined) delete this._w.type;
    else this._w.type = String(t);
  }
  getJMSExpiration(): number {
    return this._w.expiration;
  }
  setJMSExpiration(t: number): void {
    this._w.expiration = t;
  }
  getJMSPriority(): number {
    return this._w.priority;
  }
  setJMSPriority(p: number): void {
    this._w.priority = p;
  }
  getJMSDeliveryTime(): number {
    return this._w.deliveryTime;
  }
  setJMSDeliveryTime(t: number): void {
    this._w.deliveryTime = t;
  }

  // ---- the same headers as plain properties, as Node code reads them ------------------------

  get messageId(): string | null {
    return this.getJMSMessageID();
  }
  get timestamp(): number {
    return this._w.timestamp;
  }
  get correlationId(): string | null {
    return this.getJMSCorrelationID();
  }
  set correlationId(id: string | null) {
    this.setJMSCorrelationID(id);
  }
  get replyTo(): Destination | null {
    return this.getJMSReplyTo();
  }
  set replyTo(d: Destination | null) {
    this.setJMSReplyTo(d);
  }
  get destination(): Destination | null {
    return this.getJMSDestination();
  }
  /** PERSISTENT delivery mode. */
  get persistent(): boolean {
    return this._w.deliveryMode === DeliveryMode.PERSISTENT;
  }
  get redelivered(): boolean {
    return this._w.redelivered;
  }
  /** JMSXDeliveryCount: 1 on the first delivery of a received message. */
  get deliveryCount(): number {
    return this._w.deliveryCount;
  }
  get type(): string | null {
    return this.getJMSType();
  }
  set type(t: string | null) {
    this.setJMSType(t);
  }
  get priority(): number {
    return this._w.priority;
  }
  set priority(p: number) {
    this.setJMSPriority(p);
  }
  get expiration(): number {
    return this._w.expiration;
  }
  /** Every property (JMSX ones included) as a read-only object; set them with setXxxProperty. */
  get properties(): Readonly<Record<string, PropertyValue>> {
    const out: Record<string, PropertyValue> = {};
    for (const name of this.getPropertyNames()) out[name] = this.raw(name) ?? null;
    return Object.freeze(out);
  }
  /** The body as a value: getBody(). */
  get body(): unknown {
    return this.getBody();
  }
  /** The text of a TextMessage: getText(). */
  get text(): string | null {
    return this.getText();
  }

  // ---- properties -------------------------------------------------------------------------

  private raw(name: string): PropertyValue | undefined {
    switch (name) {
      case JMSX_GROUP_ID: return this._w.groupId ?? null;
      case JMSX_GROUP_SEQ: return this._w.groupSeq ?? null;
      case JMSX_DELIVERY_COUNT: return this._w.deliveryCount > 0 ? this._w.deliveryCount : null;
      case JMSX_USER_ID: return this._w.userId ?? null;
      default: return this._w.properties[name];
    }
  }

  private put(name: string, v: PropertyValue): void {
    if (typeof name !== 'string' || name.length === 0) throw new MessageFormatError('property name must be a non-empty string');
    if (this._propsReadOnly) throw new MessageNotWriteableError(`the properties of a received message are read-only: call clearProperties() first (setting '${name}')`);
    switch (name) {
      case JMSX_GROUP_ID: {
        const s = cv.toStringValue(`property ${name}`, v);
        if (s === null) delete this._w.groupId;
        else this._w.groupId = s;
        return;
      }
      case JMSX_GROUP_SEQ:
        if (v === null) delete this._w.groupSeq;
        else this._w.groupSeq = cv.toInt(`property ${name}`, v);
        return;
      case JMSX_DELIVERY_COUNT:
        this._w.deliveryCount = v === null ? 0 : cv.toInt(`property ${name}`, v);
        return;
      case JMSX_USER_ID: {
        const s = cv.toStringValue(`property ${name}`, v);
        if (s === null) delete this._w.userId;
        else this._w.userId = s;
        return;
      }
    }
    this._w.properties[name] = v;
  }

  propertyExists(name: string): boolean {
    const v = this.raw(name);
    return v !== undefined && v !== null;
  }
  getPropertyNames(): string[] {
    const names = Object.keys(this._w.properties);
    if (this._w.groupId !== undefined) names.push(JMSX_GROUP_ID);
    if (this._w.groupSeq !== undefined) names.push(JMSX_GROUP_SEQ);
    if (this._w.deliveryCount > 0) names.push(JMSX_DELIVERY_COUNT);
    if (this._w.userId !== undefined) names.push(JMSX_USER_ID);
    return names;
  }
  clearProperties(): void {
    this._w.properties = {};
    delete this._w.groupId;
    delete this._w.groupSeq;
    this._propsReadOnly = false;
  }

  getObjectProperty(name: string): PropertyValue {
    return this.raw(name) ?? null;
  }
  getStringProperty(name: string): string | null {
    return cv.toStringValue(`property ${name}`, this.raw(name));
  }
  getBooleanProperty(name: string): boolean {
    return cv.toBoolean(`property ${name}`, this.raw(name));
  }
  getByteProperty(name: string): number {
    return cv.toByte(`property ${name}`, this.raw(name));
  }
  getShortProperty(name: string): number {
    return cv.toShort(`property ${name}`, this.raw(name));
  }
  getIntProperty(name: string): number {
    return cv.toInt(`property ${name}`, this.raw(name));
  }
  /** A long as a number; use getBigIntProperty for values beyond ±2^53. */
  getLongProperty(name: string): number {
    return cv.toLong(`property ${name}`, this.raw(name));
  }
  getBigIntProperty(name: string): bigint {
    return cv.toBigInt(`property ${name}`, this.raw(name));
  }
  getFloatProperty(name: string): number {
    return cv.toFloat(`property ${name}`, this.raw(name));
  }
  getDoubleProperty(name: string): number {
    return cv.toDouble(`property ${name}`, this.raw(name));
  }

  setObjectProperty(name: string, v: PropertyValue): void {
    this.put(name, cv.checkObject(`property ${name}`, v, false));
  }
  setStringProperty(name: string, v: string | null): void {
    this.put(name, cv.checkString(`property ${name}`, v));
  }
  setBooleanProperty(name: string, v: boolean): void {
    this.put(name, cv.checkBoolean(`property ${name}`, v));
  }
  setByteProperty(name: string, v: number): void {
    this.put(name, cv.checkByte(`property ${name}`, v));
  }
  setShortProperty(name: string, v: number): void {
    this.put(name, cv.checkShort(`property ${name}`, v));
  }
  setIntProperty(name: string, v: number): void {
    this.put(name, cv.checkInt(`property ${name}`, v));
  }
  setLongProperty(name: string, v: number | bigint): void {
    this.put(name, cv.checkLong(`property ${name}`, v));
  }
  setFloatProperty(name: string, v: number): void {
    this.put(name, Math.fround(cv.checkNumber(`property ${name}`, v, 'float')));
  }
  setDoubleProperty(name: string, v: number): void {
    this.put(name, cv.checkNumber(`property ${name}`, v, 'double'));
  }

  // ---- body and acknowledgement -----------------------------------------------------------

  /** Empty the body; it becomes writable. */
  clearBody(): void {
    this._w.body = null;
    this._bodyReadOnly = false;
  }

  /**
   * The text of a TextMessage, without a cast after receive() (null for a message with no
   * body). Any other body kind is a MessageFormatError naming it.
   */
  getText(): string | null {
    const w = this._w;
    if (w.bodyKind === BodyKind.TEXT) return typeof w.body === 'string' ? w.body : null;
    if (w.bodyKind === BodyKind.NONE) return null;
    throw new MessageFormatError(`getText() needs a TextMessage; this is a ${this.constructor.name}`);
  }

  /** JMS 2.0 getBody: the body as a value (null for a message without one). */
  getBody(): unknown {
    return null;
  }

  /**
   * CLIENT_ACKNOWLEDGE: acknowledge every message the session has delivered so far.
   * INDIVIDUAL_ACKNOWLEDGE: this message only. Other modes: nothing to do.
   */
  acknowledge(): Promise<void> {
    if (!this._acker) return Promise.resolve();
    return this._acker.acknowledgeMessage(this);
  }

  /** @internal Called before sending: the body in wire form. */
  _prepareBody(): void {}

  /** @internal */
  protected checkBodyWritable(): void {
    if (this._bodyReadOnly) throw new MessageNotWriteableError('the body of a received message is read-only: call clearBody() first');
  }

  toString(): string {
    const w = this._w;
    return `${this.constructor.name} {messageId: ${w.messageId || null}, destination: ${w.destination || null}, `
      + `deliveryMode: ${w.deliveryMode === DeliveryMode.PERSISTENT ? 'PERSISTENT' : 'NON_PERSISTENT'}, priority: ${w.priority}, `
      + `redelivered: ${w.redelivered}, properties: ${Object.keys(w.properties).length}}`;
  }
}
