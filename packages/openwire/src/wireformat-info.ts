// WireFormatInfo: each side's first command, and the negotiation of the connection's options
// (lowest version, smallest frame limit, booleans AND-ed), as Java's OpenWireFormat does it.
import { Reader, Writer } from './io';
import { readPrimitiveMap, writePrimitiveMap, Typed, type PrimitiveMap } from './primitive';
import { DataType } from './schema';
import { MAGIC, type Struct, type WireFormatOptions } from './codec';
import { MAX_VERSION, MIN_VERSION } from './schema';
import { OpenWireError } from './errors';

export interface WireFormatPrefs {
  version: number;
  tightEncodingEnabled: boolean;
  cacheEnabled: boolean;
  cacheSize: number;
  sizePrefixDisabled: boolean;
  stackTraceEnabled: boolean;
  tcpNoDelayEnabled: boolean;
  maxInactivityDuration: number;
  maxInactivityDurationInitalDelay: number;
  maxFrameSize: number;
}

export function wireFormatInfo(p: WireFormatPrefs, extra: PrimitiveMap = {}): Struct {
  const props: PrimitiveMap = {
    TightEncodingEnabled: p.tightEncodingEnabled,
    CacheEnabled: p.cacheEnabled,
    CacheSize: p.cacheSize,
    SizePrefixDisabled: p.sizePrefixDisabled,
    StackTraceEnabled: p.stackTraceEnabled,
    TcpNoDelayEnabled: p.tcpNoDelayEnabled,
    MaxInactivityDuration: new Typed('long', p.maxInactivityDuration),
    MaxInactivityDurationInitalDelay: new Typed('long', p.maxInactivityDurationInitalDelay),
    MaxFrameSize: new Typed('long', p.maxFrameSize),
    ...extra,
  };
  const w = new Writer(256);
  writePrimitiveMap(w, props);
  return { type: DataType.WIREFORMAT_INFO, magic: MAGIC, version: p.version, marshalledProperties: w.toBuffer() };
}

/** The peer's WireFormatInfo properties (checked types; unknown keys ignored). */
export function readWireFormatInfo(info: Struct): { version: number; props: PrimitiveMap } {
  const raw = info.marshalledProperties;
  const props = raw instanceof Uint8Array ? readPrimitiveMap(new Reader(raw)) ?? {} : {};
  const version = typeof info.version === 'number' ? info.version : 0;
  return { version, props };
}

function bool(props: PrimitiveMap, k: string, dflt: boolean): boolean {
  const v = props[k];
  return typeof v === 'boolean' ? v : dflt;
}

function numeric(props: PrimitiveMap, k: string, dflt: number): number {
  const v = props[k];
  if (typeof v === 'number') return v;
  if (v instanceof Typed) {
    const n = Number(v.value);
    return Number.isFinite(n) ? n : dflt;
  }
  return dflt;
}

/** Java's min(): the smaller positive value; a value <= 0 defers to the other side. */
function minPositive(a: number, b: number): number {
  return (a < b && a > 0) || b <= 0 ? a : b;
}

export interface Negotiated extends WireFormatOptions {
  sizePrefixDisabled: boolean;
  tcpNoDelayEnabled: boolean;
  /** ms; 0 = no inactivity monitoring. */
  maxInactivityDuration: number;
  maxInactivityDurationInitalDelay: number;
}

export function negotiate(local: WireFormatPrefs, peer: Struct): Negotiated {
  const { version: peerVersion, props } = readWireFormatInfo(peer);
  const version = minPositive(local.version, peerVersion);
  if (version < MIN_VERSION || version > MAX_VERSION) {
    throw new OpenWireError(`OpenWire version ${peerVersion} is not supported (this broker speaks ${MIN_VERSION} to ${MAX_VERSION})`);
  }
  const cacheEnabled = local.cacheEnabled && bool(props, 'CacheEnabled', false);
  const peerInactivity = numeric(props, 'MaxInactivityDuration', 0);
  return {
    version,
    tightEncoding: local.tightEncodingEnabled && bool(props, 'TightEncodingEnabled', false),
    cacheEnabled,
    cacheSize: cacheEnabled ? Math.min(local.cacheSize, numeric(props, 'CacheSize', 0)) : 0,
    stackTraceEnabled: local.stackTraceEnabled && bool(props, 'StackTraceEnabled', false),
    sizePrefixDisabled: local.sizePrefixDisabled && bool(props, 'SizePrefixDisabled', false),
    tcpNoDelayEnabled: local.tcpNoDelayEnabled && bool(props, 'TcpNoDelayEnabled', false),
    maxFrameSize: Math.min(0x7fffffff, minPositive(local.maxFrameSize, numeric(props, 'MaxFrameSize', 0))),
    maxInactivityDuration: local.maxInactivityDuration <= 0 || peerInactivity <= 0 ? 0 : Math.min(local.maxInactivityDuration, peerInactivity),
    maxInactivityDurationInitalDelay: Math.min(local.maxInactivityDurationInitalDelay, numeric(props, 'MaxInactivityDurationInitalDelay', local.maxInactivityDurationInitalDelay)),
  };
}
