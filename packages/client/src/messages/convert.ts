// JMS value conversions (JMS 1.1 §3.5.4 for properties, §3.11.3 for map and stream bodies).
// Values travel untyped (a JavaScript number carries int, long, float and double alike), so a
// number converts to any numeric type it fits; strings parse as Java's valueOf would.
import { MessageFormatError, type PropertyValue } from '@wharf/protocol';

export type Where = string;

const INT_RE = /^[+-]?\d+$/;

function fail(where: Where, v: unknown, type: string): never {
  const shown = typeof v === 'string' ? `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'` : v instanceof Uint8Array ? 'bytes' : String(v);
  throw new MessageFormatError(`${where}: cannot read ${shown} (${v instanceof Uint8Array ? 'bytes' : typeof v}) as ${type}`);
}

function nullFail(where: Where, type: string): never {
  throw new MessageFormatError(`${where} is null: cannot read it as ${type}`);
}

function toInteger(where: Where, v: PropertyValue | undefined, type: string, min: number, max: number): number {
  if (v === null || v === undefined) nullFail(where, type);
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= min && v <= max) return v;
    return fail(where, v, type);
  }
  if (typeof v === 'bigint') {
    if (v >= BigInt(min) && v <= BigInt(max)) return Number(v);
    return fail(where, v, type);
  }
  if (typeof v === 'string') {
    const s = v.trim();
    if (!INT_RE.test(s)) return fail(where, v, type);
    const n = Number(s);
    if (n >= min && n <= max) return n;
  }
  return fail(where, v, type);
}

export function toBoolean(where: Where, v: PropertyValue | undefined): boolean {
  // Java Boolean.valueOf(null) and valueOf("anything but true") are false.
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.toLowerCase() === 'true';
  return fail(where, v, 'boolean');
}

export function toByte(where: Where, v: PropertyValue | undefined): number {
  return toInteger(where, v, 'byte', -128, 127);
}
export function toShort(where: Where, v: PropertyValue | undefined): number {
  return toInteger(where, v, 'short', -32768, 32767);
}
export function toInt(where: Where, v: PropertyValue | undefined): number {
  return toInteger(where, v, 'int', -2147483648, 2147483647);
}

/** A long as a number; values beyond 2^53 need toBigInt (they would lose digits). */
export function toLong(where: Where, v: PropertyValue | undefined): number {
  if (typeof v === 'bigint' || (typeof v === 'string' && INT_RE.test(v.trim()))) {
    const b = toBigInt(where, v);
    if (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(b);
    throw new MessageFormatError(`${where}: ${b} does not fit a JavaScript number exactly; read it as a bigint`);
  }
  return toInteger(where, v, 'long', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

export function toBigInt(where: Where, v: PropertyValue | undefined): bigint {
  if (v === null || v === undefined) nullFail(where, 'long');
  let b: bigint | null = null;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  else if (typeof v === 'string' && INT_RE.test(v.trim())) b = BigInt(v.trim());
  if (b === null || b < LONG_MIN || b > LONG_MAX) return fail(where, v, 'long');
  return b;
}

function toFloating(where: Where, v: PropertyValue | undefined, type: string): number {
  if (v === null || v === undefined) nullFail(where, type);
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    // Java Float.valueOf / Double.valueOf: decimal or exponent notation, NaN, Infinity, an
    // optional f/d suffix.
    const s = v.trim().replace(/[fFdD]$/, '');
    if (s === 'NaN') return NaN;
    if (/^[+-]?Infinity$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  }
  return fail(where, v, type);
}

export function toFloat(where: Where, v: PropertyValue | undefined): number {
  return Math.fround(toFloating(where, v, 'float'));
}
export function toDouble(where: Where, v: PropertyValue | undefined): number {
  return toFloating(where, v, 'double');
}

export function toStringValue(where: Where, v: PropertyValue | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return fail(where, v, 'String');
}

export function toBytes(where: Where, v: PropertyValue | undefined): Uint8Array | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return v;
  return fail(where, v, 'byte[]');
}

// ---- setters: check a value fits the named JMS type ---------------------------------------

function checkInteger(where: Where, v: unknown, type: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new MessageFormatError(`${where}: ${String(v)} is not a ${type} (an integer ${min}..${max})`);
  }
  return v;
}
export function checkByte(where: Where, v: unknown): number {
  return checkInteger(where, v, 'byte', -128, 127);
}
export function checkShort(where: Where, v: unknown): number {
  return checkInteger(where, v, 'short', -32768, 32767);
}
export function checkInt(where: Where, v: unknown): number {
  return checkInteger(where, v, 'int', -2147483648, 2147483647);
}
export function checkLong(where: Where, v: unknown): number | bigint {
  if (typeof v === 'bigint') {
    if (v < LONG_MIN || v > LONG_MAX) throw new MessageFormatError(`${where}: ${v} does not fit a 64-bit long`);
    return v;
  }
  if (typeof v === 'number' && Number.isInteger(v) && Number.isSafeInteger(v)) return v;
  throw new MessageFormatError(`${where}: ${String(v)} is not a long (a safe integer or a bigint)`);
}
export function checkNumber(where: Where, v: unknown, type: string): number {
  if (typeof v !== 'number') throw new MessageFormatError(`${where}: ${String(v)} is not a ${type}`);
  return v;
}
export function checkBoolean(where: Where, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new MessageFormatError(`${where}: ${String(v)} is not a boolean`);
  return v;
}
export function checkString(where: Where, v: unknown): string | null {
  if (v !== null && typeof v !== 'string') throw new MessageFormatError(`${where}: ${String(v)} is not a string`);
  return v;
}

/** A value for setObjectProperty / setObject / writeObject: one of the JMS value types. */
export function checkObject(where: Where, v: unknown, allowBytes: boolean): PropertyValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return checkLong(where, v);
  if (v instanceof Uint8Array) {
    if (allowBytes) return v;
  }
  const t = v === undefined ? 'undefined' : v instanceof Uint8Array ? 'bytes' : typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
  throw new MessageFormatError(`${where}: a value of type ${t} is not allowed (boolean, number, bigint, string${allowBytes ? ', Uint8Array' : ''} or null)`);
}
