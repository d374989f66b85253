// The hot-path values are re-exported by name as well: compiled to CommonJS, `export *` reaches
// every name through one shared getter whose property load is megamorphic, a cost paid on each
// use from another package (CommandType.SEND, checkCommand, DeliveryMode, … per message); a
// named re-export gets a getter of its own that the JIT inlines. `export *` still brings the rest.
export { DeliveryMode, BodyKind, DEFAULT_PRIORITY, isPersistent, isExpired, estimateSize, copyMessage } from './message';
export {
  isQueueKind, isTopicKind, isTemporary, makeDestination, parseDestination, isComposite, parseComposite, isWildcard,
  wildcardMatches, destinationMatches, destinationOf,
} from './destination';
export { PROTOCOL_VERSION, CommandType, AckType, AckMode, isKnownCommandType } from './commands';
export { checkCommand, checkMessage, trustedMessageField } from './schema';
export * from './errors';
export * from './message';
export * from './destination';
export * from './commands';
export * from './codec';
export * from './vm';
export * from './selector';
export * from './schema';
export * from './suggest';
