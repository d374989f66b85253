// @wharf/openwire: ActiveMQ's OpenWire protocol (versions 9 to 12) for Java clients built on
// ActiveMQ's own client jar. The codec (bytes in, data structures out) is pure code.
export { OpenWireError } from './errors';
export { WireFormat, MAGIC, cacheKey, type Struct, type WireThrowable, type WireFormatOptions } from './codec';
export { DataType, TYPES, MIN_VERSION, MAX_VERSION, MESSAGE_TYPES, tableFor, type TypeSpec, type FieldSpec, type FieldKind } from './schema';
export { FrameReader } from './frame';
export { Reader, Writer } from './io';
export { Typed, PrimitiveType, readPrimitive, readPrimitiveMap, readPrimitiveList, writePrimitive, writePrimitiveMap, type Primitive, type PrimitiveMap, type TypedKind } from './primitive';
export { readMutf8, writeMutf8, mutf8Length } from './mutf8';
export { wireFormatInfo, readWireFormatInfo, negotiate, type WireFormatPrefs, type Negotiated } from './wireformat-info';
export { OpenWireConnection, type OpenWireSink, type OpenWireOptions } from './connection';
export { fromOpenWire, toOpenWire, destinationUrl, destinationStruct, messageIdText, messageIdStruct } from './message';
export { openwireProtocol, acceptOpenWire, looksLikeOpenWire, prefsFor, defaultPrefs } from './server';
export { clusterClients, connectionControl, membersFor, refuseOpenWire, type ClusterClients } from './cluster';
