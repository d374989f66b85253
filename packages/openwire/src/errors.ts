/** A fault in the bytes a peer sent: that connection closes, nothing else is disturbed. */
export class OpenWireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpenWireError';
  }
}
