// Message types and the wire-to-object mapping for received messages.
import { BodyKind, type WireMessage } from '@wharf/protocol';
import { Message } from './message';
import { TextMessage } from './text';
import { BytesMessage } from './bytes';
import { MapMessage } from './map';
import { StreamMessage } from './stream';
import { ObjectMessage } from './object';

export { Message, type MessageAcknowledger } from './message';
export { TextMessage } from './text';
export { BytesMessage, encodeModifiedUtf8, decodeModifiedUtf8 } from './bytes';
export { MapMessage } from './map';
export { StreamMessage } from './stream';
export { ObjectMessage, checkObjectData } from './object';

/** A received message as its JMS type; read-only until clearProperties()/clearBody(). */
export function messageFromWire(w: WireMessage): Message {
  let m: Message;
  switch (w.bodyKind) {
    case BodyKind.TEXT: m = new TextMessage(w); break;
    case BodyKind.BYTES: m = new BytesMessage(w); break;
    case BodyKind.MAP: m = new MapMessage(w); break;
    case BodyKind.STREAM: m = new StreamMessage(w); break;
    case BodyKind.OBJECT: m = new ObjectMessage(w); break;
    default: m = new Message(w);
  }
  if (!w.properties || typeof w.properties !== 'object') w.properties = {};
  m._propsReadOnly = true;
  m._bodyReadOnly = true;
  return m;
}
