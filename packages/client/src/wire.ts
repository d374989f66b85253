// The protocol constants and codec used on hot paths, bound once here: the protocol package
// re-exports through getters (export *), which cost a call on every property access.
import * as P from '@wharf/protocol';

export const CommandType = P.CommandType;
export const AckType = P.AckType;
export const AckMode = P.AckMode;
export const DeliveryMode = P.DeliveryMode;
export const encodeValue = P.encodeCommand;
