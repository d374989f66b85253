// TextMessage: a string body.
import { BodyKind, type WireMessage } from '@wharf/protocol';
import { Message, newWireMessage } from './message';
import { MessageFormatError } from '../errors';

export class TextMessage extends Message {
  constructor(wire?: WireMessage) {
    super(wire ?? newWireMessage(BodyKind.TEXT));
  }
  override getText(): string | null {
    const b = this._w.body;
    return typeof b === 'string' ? b : null;
  }
  setText(text: string | null): void {
    this.checkBodyWritable();
    if (text !== null && typeof text !== 'string') throw new MessageFormatError(`TextMessage text must be a string, got ${typeof text}`);
    this._w.body = text;
  }
  override getBody(): string | null {
    return this.getText();
  }
}
