// MapMessage: named values with the JMS conversions (JMS 1.1 §3.11.3).
import { BodyKind, type MapBody, type PropertyValue, type WireMessage } from '@wharf/protocol';
import { Message, newWireMessage } from './message';
import { MessageFormatError } from '../errors';
import * as cv from './convert';

export class MapMessage extends Message {
  constructor(wire?: WireMessage) {
    const w = wire ?? newWireMessage(BodyKind.MAP);
    if (w.body === null || w.body === undefined) w.body = {};
    super(w);
  }

  private get map(): MapBody {
    return this._w.body as MapBody;
  }
  private item(name: string): PropertyValue | undefined {
    return Object.prototype.hasOwnProperty.call(this.map, name) ? this.map[name] : undefined;
  }
  private putItem(name: string, v: PropertyValue): void {
    this.checkBodyWritable();
    if (typeof name !== 'string' || name.length === 0) throw new MessageFormatError('MapMessage item name must be a non-empty string');
    this.map[name] = v;
  }

  getMapNames(): string[] {
    return Object.keys(this.map);
  }
  itemExists(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.map, name);
  }

  getObject(name: string): PropertyValue {
    return this.item(name) ?? null;
  }
  getString(name: string): string | null {
    return cv.toStringValue(`map item ${name}`, this.item(name));
  }
  getBoolean(name: string): boolean {
    return cv.toBoolean(`map item ${name}`, this.item(name));
  }
  getByte(name: string): number {
    return cv.toByte(`map item ${name}`, this.item(name));
  }
  getShort(name: string): number {
    return cv.toShort(`map item ${name}`, this.item(name));
  }
  getChar(name: string): string {
    const v = this.item(name);
    if (typeof v === 'string' && v.length === 1) return v;
    throw new MessageFormatError(`map item ${name}: ${String(v)} is not a char`);
  }
  getInt(name: string): number {
    return cv.toInt(`map item ${name}`, this.item(name));
  }
  getLong(name: string): number {
    return cv.toLong(`map item ${name}`, this.item(name));
  }
  getBigInt(name: string): bigint {
    return cv.toBigInt(`map item ${name}`, this.item(name));
  }
  getFloat(name: string): number {
    return cv.toFloat(`map item ${name}`, this.item(name));
  }
  getDouble(name: string): number {
    return cv.toDouble(`map item ${name}`, this.item(name));
  }
  getBytes(name: string): Uint8Array | null {
    return cv.toBytes(`map item ${name}`, this.item(name));
  }

  setObject(name: string, v: PropertyValue): void {
    const x = cv.checkObject(`map item ${name}`, v, true);
    this.putItem(name, x instanceof Uint8Array ? Buffer.from(x) : x);
  }
  setString(name: string, v: string | null): void {
    this.putItem(name, cv.checkString(`map item ${name}`, v));
  }
  setBoolean(name: string, v: boolean): void {
    this.putItem(name, cv.checkBoolean(`map item ${name}`, v));
  }
  setByte(name: string, v: number): void {
    this.putItem(name, cv.checkByte(`map item ${name}`, v));
  }
  setShort(name: string, v: number): void {
    this.putItem(name, cv.checkShort(`map item ${name}`, v));
  }
  setChar(name: string, v: string): void {
    if (typeof v !== 'string' || v.length !== 1) throw new MessageFormatError(`map item ${name}: a char is a string of length 1`);
    this.putItem(name, v);
  }
  setInt(name: string, v: number): void {
    this.putItem(name, cv.checkInt(`map item ${name}`, v));
  }
  setLong(name: string, v: number | bigint): void {
    this.putItem(name, cv.checkLong(`map item ${name}`, v));
  }
  setFloat(name: string, v: number): void {
    this.putItem(name, Math.fround(cv.checkNumber(`map item ${name}`, v, 'float')));
  }
  setDouble(name: string, v: number): void {
    this.putItem(name, cv.checkNumber(`map item ${name}`, v, 'double'));
  }
  /** Copies `length` bytes from `offset` (the whole array by default). */
  setBytes(name: string, v: Uint8Array | null, offset = 0, length?: number): void {
    if (v === null) return this.putItem(name, null);
    if (!(v instanceof Uint8Array)) throw new MessageFormatError(`map item ${name}: setBytes needs a Uint8Array`);
    const end = length === undefined ? v.length : offset + length;
    if (offset < 0 || end > v.length || end < offset) throw new MessageFormatError(`map item ${name}: offset/length outside the array`);
    this.putItem(name, Buffer.from(v.subarray(offset, end)));
  }

  override clearBody(): void {
    super.clearBody();
    this._w.body = {};
  }
  /** A copy of the map. */
  override getBody(): MapBody {
    return { ...this.map };
  }
}
