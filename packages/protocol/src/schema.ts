// One schema per native command (and for the message inside SEND and DISPATCH), checked where a
// peer's command enters: types, ranges, string lengths and array sizes. msgpack lets a peer put
// any type in any field (a uint64 arrives as a bigint, a map where a string belongs), and code
// past this point assumes the declared types. A small table of checkers rather than a schema
// library: the checkers are made once, and a valid command costs no allocation. Each schema is
// compiled into one function (as the OpenWire codec's decoders are) whose fields are read by
// constant names and whose simple checks are inline: a loop reading fields by a computed name
// through a closure per field was most of the check's cost on every SEND.
import { CommandType } from './commands';
import { MessageFormatError, ProtocolError } from './errors';
import { BodyKind } from './message';

/** Limits of the schema (listed in docs/RELIABILITY.md). */
export const SCHEMA_LIMITS = Object.freeze({
  /** Ids and names: clientId, producerId, messageId, txId, durable names, broker names. */
  name: 4096,
  /** A destination URL (a composite lists several). */
  destination: 65536,
  /** Selector text. */
  selector: 65536,
  /** String message headers (correlationId, type, groupId, …) and property names. */
  header: 16384,
  /** Entries of an ACK's deliveryIds. */
  deliveryIds: 100_000,
  /** Brokers in a broker path. */
  brokerPath: 64,
  /** Message properties, and entries of a map or stream body. */
  entries: 100_000,
  /** Nesting of an object body. */
  depth: 64,
});

/** A field check; `code`, when set, is the same test as a JavaScript expression over `v`. */
type Check = ((v: unknown) => boolean) & { code?: string };
interface Field { name: string; check: Check; required: boolean; what: string }

function inline(check: (v: unknown) => boolean, code: string): Check {
  return Object.assign(check, { code });
}
const isInt = (min: number, max: number): Check => inline(
  (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max,
  `(typeof v === 'number' && Number.isInteger(v) && v >= ${min} && v <= ${max})`,
);
const isStr = (min: number, max: number): Check => inline(
  (v) => typeof v === 'string' && v.length >= min && v.length <= max,
  `(typeof v === 'string' && v.length >= ${min} && v.length <= ${max})`,
);
const isBool: Check = inline((v) => typeof v === 'boolean', "(typeof v === 'boolean')");
const isFinite: Check = inline((v) => typeof v === 'number' && Number.isFinite(v), "(typeof v === 'number' && Number.isFinite(v))");
const isStrArray = (maxItems: number, maxLen: number): Check => (v) => {
  if (!Array.isArray(v) || v.length > maxItems) return false;
  for (const x of v) if (typeof x !== 'string' || x.length > maxLen) return false;
  return true;
};
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);

const U32 = 0xffffffff;
const SAFE = Number.MAX_SAFE_INTEGER;
const corr = isInt(0, SAFE);
const id32 = isInt(0, U32);
const name = isStr(1, SCHEMA_LIMITS.name);
const optName = isStr(0, SCHEMA_LIMITS.name);
const dest = isStr(1, SCHEMA_LIMITS.destination);

const redelivery: Check = (v) => {
  if (!isPlainObject(v)) return false;
  for (const k of ['maximumRedeliveries', 'initialRedeliveryDelay', 'redeliveryDelay', 'backOffMultiplier', 'maximumRedeliveryDelay']) {
    const x = v[k];
    if (x !== undefined && x !== null && !isFinite(x)) return false;
  }
  const b = v.useExponentialBackOff;
  return b === undefined || b === null || typeof b === 'boolean';
};
const network: Check = (v) => isPlainObject(v) && name(v.target) && isInt(1, 1000)(v.ttl) && isStrArray(SCHEMA_LIMITS.brokerPath, SCHEMA_LIMITS.name)(v.path);
const selectorOptions: Check = (v) => isPlainObject(v) && (v.convertStringExpressions === undefined || v.convertStringExpressions === null || isBool(v.convertStringExpressions));
const deliveryIds: Check = (v) => {
  if (!Array.isArray(v) || v.length > SCHEMA_LIMITS.deliveryIds) return false;
  for (const x of v) if (typeof x !== 'number' || !Number.isInteger(x) || x < 0) return false;
  return true;
};
const anything: Check = () => true;
const message: Check = () => true; // checked by checkMessage, with its own messages
const nullableMessage: Check = () => true;

function f(fieldName: string, check: Check, what: string, required = true): Field {
  return { name: fieldName, check, required, what };
}
const opt = (fieldName: string, check: Check, what: string): Field => f(fieldName, check, what, false);

const INT32 = 'an integer 0-4294967295';
const CORR = 'a non-negative integer';
const NAME = `a string of 1-${SCHEMA_LIMITS.name} characters`;
const DEST = `a destination string of 1-${SCHEMA_LIMITS.destination} characters`;

/** Fields of each command type (the interfaces in commands.ts). */
const SCHEMAS: ReadonlyMap<number, readonly Field[]> = new Map<number, Field[]>([
  [CommandType.HELLO, [
    f('corr', corr, CORR), f('version', isInt(1, 65535), 'an integer >= 1'), opt('heartbeat', isInt(0, U32), 'an integer >= 0 (ms)'),
    opt('clientId', optName, NAME), opt('user', isStr(0, SCHEMA_LIMITS.name), NAME), opt('password', isStr(0, SCHEMA_LIMITS.header), 'a string'),
    opt('failover', isBool, 'a boolean'), opt('clientName', isStr(0, SCHEMA_LIMITS.name), NAME), opt('networkBridge', isBool, 'a boolean'),
  ]],
  [CommandType.WELCOME, [
    f('corr', corr, CORR), f('version', isInt(1, 65535), 'an integer'), f('brokerName', name, NAME), f('connectionId', name, NAME),
    f('heartbeat', isInt(0, U32), 'an integer'), f('maxFrameSize', isInt(0, U32), 'an integer'), opt('members', isStrArray(1000, SCHEMA_LIMITS.name), 'a list of URLs'),
  ]],
  [CommandType.SESSION_OPEN, [f('sessionId', id32, INT32), f('ackMode', isInt(0, 4), 'an acknowledge mode 0-4')]],
  [CommandType.SESSION_CLOSE, [opt('corr', corr, CORR), f('sessionId', id32, INT32)]],
  [CommandType.PRODUCER_OPEN, [f('corr', corr, CORR), f('sessionId', id32, INT32), f('producerId', name, NAME), opt('destination', dest, DEST)]],
  [CommandType.PRODUCER_CLOSE, [f('producerId', name, NAME)]],
  [CommandType.CONSUMER_OPEN, [
    f('corr', corr, CORR), f('sessionId', id32, INT32), f('consumerId', id32, INT32), f('destination', dest, DEST),
    opt('selector', isStr(0, SCHEMA_LIMITS.selector), `a string of at most ${SCHEMA_LIMITS.selector} characters`),
    opt('noLocal', isBool, 'a boolean'), opt('prefetch', isInt(-1, 0x7fffffff), 'an integer -1 (default) to 2147483647'),
    opt('durableName', name, NAME), opt('exclusive', isBool, 'a boolean'), opt('priority', isInt(-128, 127), 'an integer -128 to 127'),
    opt('browser', isBool, 'a boolean'), opt('redelivery', redelivery, 'a redelivery policy of numbers'),
    opt('selectorOptions', selectorOptions, '{convertStringExpressions?: boolean}'),
    opt('network', network, '{target: broker name, ttl: integer 1-1000, path: [broker names]}'),
  ]],
  [CommandType.CONSUMER_CLOSE, [opt('corr', corr, CORR), f('consumerId', id32, INT32)]],
  [CommandType.SEND, [
    opt('corr', corr, CORR), f('producerId', name, NAME), opt('txId', name, NAME), f('message', message, 'a message'),
    opt('failIfNoSpace', isBool, 'a boolean'),
  ]],
  [CommandType.DISPATCH, [
    f('consumerId', id32, INT32), f('deliveryId', isInt(0, SAFE), CORR), f('message', nullableMessage, 'a message or null', false),
    opt('redelivered', isBool, 'a boolean'), opt('deliveryCount', isInt(0, SAFE), CORR),
  ]],
  [CommandType.ACK, [
    opt('corr', corr, CORR), f('consumerId', id32, INT32), f('ackType', isInt(0, 6), 'an ack type 0-6'),
    f('deliveryIds', deliveryIds, `a list of at most ${SCHEMA_LIMITS.deliveryIds} delivery ids`),
    opt('txId', name, NAME), opt('cause', isStr(0, SCHEMA_LIMITS.header), `a string of at most ${SCHEMA_LIMITS.header} characters`),
  ]],
  [CommandType.TX_BEGIN, [opt('corr', corr, CORR), f('sessionId', id32, INT32), f('txId', name, NAME)]],
  [CommandType.TX_COMMIT, [f('corr', corr, CORR), f('sessionId', id32, INT32), f('txId', name, NAME)]],
  [CommandType.TX_ROLLBACK, [f('corr', corr, CORR), f('sessionId', id32, INT32), f('txId', name, NAME)]],
  [CommandType.UNSUBSCRIBE, [f('corr', corr, CORR), f('name', name, NAME)]],
  [CommandType.PULL, [f('consumerId', id32, INT32), f('timeout', isInt(-1, 0x7fffffff), 'an integer -1 (forever) to 2147483647 ms')]],
  [CommandType.TEMP_CREATE, [f('corr', corr, CORR), f('destination', dest, DEST)]],
  [CommandType.TEMP_DELETE, [f('corr', corr, CORR), f('destination', dest, DEST)]],
  [CommandType.RECEIPT, [f('corr', corr, CORR), opt('data', anything, 'anything')]],
  [CommandType.ERROR, [
    opt('corr', corr, CORR), f('code', isStr(0, SCHEMA_LIMITS.name), 'a string'), f('message', isStr(0, SCHEMA_LIMITS.destination), 'a string'),
    opt('fatal', isBool, 'a boolean'), opt('members', isStrArray(1000, SCHEMA_LIMITS.name), 'a list of URLs'),
  ]],
  [CommandType.PING, []],
  [CommandType.PONG, []],
  [CommandType.CLUSTER_UPDATE, [f('members', isStrArray(1000, SCHEMA_LIMITS.name), 'a list of URLs'), opt('master', isStr(0, SCHEMA_LIMITS.name), 'a URL')]],
  [CommandType.SHUTDOWN, [opt('reason', isStr(0, SCHEMA_LIMITS.header), 'a string')]],
  [CommandType.CLIENT_ID, [f('corr', corr, CORR), f('clientId', name, NAME)]],
  [CommandType.CONSUMER_PREFETCH, [f('consumerId', id32, INT32), f('prefetch', isInt(0, 0x7fffffff), 'an integer 0 to 2147483647')]],
  [CommandType.XA, [f('corr', corr, CORR), f('op', isInt(1, 7), 'an XA operation 1-7'), opt('txId', name, NAME), opt('onePhase', isBool, 'a boolean')]],
]);

/**
 * The fields of one schema as a function: the index of the first field that is missing (and
 * required) or fails its check, or -1. The table stays the one description (and gives the
 * error's words); this only turns it into code, once. Field names are the table's constants.
 */
type Compiled = (o: Record<string, unknown>) => number;
function compile(fields: readonly Field[]): Compiled {
  const lines = fields.map((fd, i) => {
    const test = fd.check.code ?? `F[${i}].check(v)`;
    const absent = fd.required ? `return ${i};` : '';
    return `v = o[${JSON.stringify(fd.name)}]; if (v === undefined || v === null) { ${absent} } else if (!${test}) return ${i};`;
  });
  const make = new Function('F', `return function (o) { let v; ${lines.join(' ')} return -1; };`) as (f: readonly Field[]) => Compiled;
  return make(fields);
}

const COMPILED: ReadonlyMap<number, Compiled> = new Map([...SCHEMAS].map(([type, fields]) => [type, compile(fields)]));

const COMMAND_NAMES = new Map<number, string>(Object.entries(CommandType).map(([k, v]) => [v, k]));

/** A short, safe rendering of a value a peer sent (for error messages: never throws). */
export function describeValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === null || typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof Uint8Array) return `${v.byteLength} bytes`;
  return 'an object';
}

/**
 * Check a decoded command against its schema. Throws ProtocolError (or MessageFormatError for
 * the message of a SEND/DISPATCH) naming the first fault; returns normally for a valid command.
 * Unknown fields are allowed (a newer peer may send more); unknown command types are not.
 */
export function checkCommand(cmd: unknown): void {
  if (!isPlainObject(cmd)) throw new ProtocolError('a command must be a map');
  const check = COMPILED.get(cmd.type as number);
  if (check === undefined || typeof cmd.type !== 'number') throw new ProtocolError(`unknown command type ${describeValue(cmd.type)}`, 'WHARF_UNKNOWN_COMMAND');
  const bad = check(cmd);
  if (bad >= 0) {
    const fd = SCHEMAS.get(cmd.type)![bad]!;
    const v = cmd[fd.name];
    if (v === undefined || v === null) throw new ProtocolError(`${COMMAND_NAMES.get(cmd.type)} needs '${fd.name}' (${fd.what})`);
    throw new ProtocolError(`${COMMAND_NAMES.get(cmd.type)}.${fd.name} must be ${fd.what}, got ${describeValue(v)}`);
  }
  if (cmd.type === CommandType.SEND) checkMessage(cmd.message);
  else if (cmd.type === CommandType.DISPATCH && cmd.message !== null && cmd.message !== undefined) checkMessage(cmd.message);
}

const header = isStr(0, SCHEMA_LIMITS.header);
const HEADER = `a string of at most ${SCHEMA_LIMITS.header} characters`;
/** Message fields: [name, check, required, what]. Numbers the broker defaults may be absent. */
const MESSAGE_FIELDS: readonly Field[] = [
  f('messageId', name, NAME), f('destination', dest, DEST), f('deliveryMode', inline((v) => v === 1 || v === 2, '(v === 1 || v === 2)'), '1 (non-persistent) or 2 (persistent)'),
  f('priority', isInt(0, 9), 'an integer 0-9'), opt('timestamp', isFinite, 'a number (ms)'), opt('expiration', isFinite, 'a number (ms)'),
  opt('deliveryTime', isFinite, 'a number (ms)'), opt('correlationId', header, HEADER), opt('replyTo', dest, DEST), opt('type', header, HEADER),
  opt('redelivered', isBool, 'a boolean'), opt('deliveryCount', isInt(0, U32), INT32), opt('groupId', header, HEADER),
  opt('groupSeq', isInt(-0x80000000, 0x7fffffff), 'a 32-bit integer'), f('producerId', name, NAME), f('producerSeq', isInt(0, SAFE), CORR),
  opt('brokerPath', isStrArray(SCHEMA_LIMITS.brokerPath, SCHEMA_LIMITS.name), `a list of at most ${SCHEMA_LIMITS.brokerPath} broker names`),
  opt('originalDestination', dest, DEST), opt('userId', optName, NAME), f('bodyKind', isInt(0, 5), 'a body kind 0-5'),
];
const checkMessageFields = compile(MESSAGE_FIELDS);

function isPropertyValue(v: unknown): boolean {
  const t = typeof v;
  return v === null || t === 'string' || t === 'boolean' || t === 'bigint' || (t === 'number') || v instanceof Uint8Array;
}

function depthOk(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return true;
  if (depth >= SCHEMA_LIMITS.depth) return false;
  if (Array.isArray(v)) {
    for (const x of v) if (!depthOk(x, depth + 1)) return false;
    return true;
  }
  for (const k in v as Record<string, unknown>) if (!depthOk((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

function checkEntries(o: Record<string, unknown>, what: string): void {
  let n = 0;
  for (const k in o) {
    if (++n > SCHEMA_LIMITS.entries) throw new MessageFormatError(`${what} has more than ${SCHEMA_LIMITS.entries} entries`);
    if (k.length > SCHEMA_LIMITS.header) throw new MessageFormatError(`${what} has a name longer than ${SCHEMA_LIMITS.header} characters`);
    if (!isPropertyValue(o[k])) throw new MessageFormatError(`${what} '${k.slice(0, 100)}' has an unsupported type (${describeValue(o[k])}): use a string, number, boolean, bytes or null`);
  }
}

/** Check a message's fields and body against the message schema (throws MessageFormatError). */
export function checkMessage(m: unknown): void {
  if (!isPlainObject(m)) throw new MessageFormatError('SEND without a message');
  const bad = checkMessageFields(m);
  if (bad >= 0) {
    const fd = MESSAGE_FIELDS[bad]!;
    const v = m[fd.name];
    if (v === undefined || v === null) throw new MessageFormatError(`message has no ${fd.name} (${fd.what})`);
    throw new MessageFormatError(`message ${fd.name} must be ${fd.what}, got ${describeValue(v)}`);
  }
  const props = m.properties;
  if (props !== undefined && props !== null) {
    if (!isPlainObject(props)) throw new MessageFormatError('message properties must be a map');
    checkEntries(props, 'property');
  }
  const b = m.body;
  switch (m.bodyKind) {
    case BodyKind.NONE:
      if (b !== undefined && b !== null) throw new MessageFormatError('a message of body kind NONE has no body');
      return;
    case BodyKind.TEXT:
      if (b !== undefined && b !== null && typeof b !== 'string') throw new MessageFormatError(`a text body must be a string, got ${describeValue(b)}`);
      return;
    case BodyKind.BYTES:
      if (b !== undefined && b !== null && !(b instanceof Uint8Array)) throw new MessageFormatError(`a bytes body must be bytes, got ${describeValue(b)}`);
      return;
    case BodyKind.MAP:
      if (b === undefined || b === null) return;
      if (!isPlainObject(b)) throw new MessageFormatError(`a map body must be a map, got ${describeValue(b)}`);
      checkEntries(b, 'map entry');
      return;
    case BodyKind.STREAM:
      if (b === undefined || b === null) return;
      if (!Array.isArray(b) || b.length > SCHEMA_LIMITS.entries) throw new MessageFormatError(`a stream body must be a list of at most ${SCHEMA_LIMITS.entries} values, got ${describeValue(b)}`);
      for (const x of b) if (!isPropertyValue(x)) throw new MessageFormatError(`a stream body holds an unsupported value (${describeValue(x)})`);
      return;
    default:
      if (!depthOk(b, 0)) throw new MessageFormatError(`an object body nests deeper than ${SCHEMA_LIMITS.depth} levels`);
  }
}

/**
 * Fields only the broker or a network bridge sets on a message: a broker path, a delivery count,
 * the redelivered flag. An ordinary client's SEND carrying one is refused (it would steer
 * loop prevention or redelivery accounting). Returns the fault, or null.
 */
export function trustedMessageField(m: { brokerPath?: unknown; deliveryCount?: unknown; redelivered?: unknown }): string | null {
  if (Array.isArray(m.brokerPath) && m.brokerPath.length > 0) return 'brokerPath';
  if (typeof m.deliveryCount === 'number' && m.deliveryCount !== 0) return 'deliveryCount';
  if (m.redelivered === true) return 'redelivered';
  return null;
}
