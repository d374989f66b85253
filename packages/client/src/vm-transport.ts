// vm://name: an in-process link to an embedded broker (the embedded broker of the ActiveMQ tutorial this project follows).
// Commands cross as encoded bytes (no shared objects), delivered asynchronously.
import { ConnectionClosedError, decodeCommand, isKnownCommandType, vmConnect, type Command, type VmEndpoint } from '@wharf/protocol';
import type { ClientTransport, TransportListener } from './transport';
import type { Endpoint } from './url';

class VmTransport implements ClientTransport {
  readonly remoteAddress: string;
  peer!: VmEndpoint;
  private out: Buffer[] = [];
  private scheduled = false;
  private ended = false;
  private reported = false;
  private readonly flushCb = (): void => this.flush();

  constructor(endpoint: Endpoint, private readonly listener: TransportListener) {
    this.remoteAddress = endpoint.uri;
  }

  /** The broker side hands us a command. */
  deliver(bytes: Buffer): void {
    if (this.reported) return;
    let cmd: Command;
    try {
      cmd = decodeCommand(bytes);
    } catch (err) {
      this.fail(new ConnectionClosedError(`undecodable command from ${this.remoteAddress}: ${(err as Error).message}`));
      return;
    }
    if (cmd === null || typeof cmd !== 'object' || !isKnownCommandType((cmd as { type?: unknown }).type)) return;
    this.listener.command(cmd);
  }

  write(body: Buffer): void {
    if (this.ended) return;
    this.out.push(body);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flushCb);
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.ended || this.out.length === 0) return;
    const frames = this.out;
    this.out = [];
    for (const f of frames) {
      if (this.ended) return;
      this.peer.deliver(f);
    }
  }

  get writable(): boolean {
    return true;
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    const peer = this.peer;
    queueMicrotask(() => {
      peer.closed();
      this.fail(undefined);
    });
  }

  fail(err?: Error): void {
    if (this.reported) return;
    this.reported = true;
    this.ended = true;
    this.out = [];
    this.listener.closed(err);
  }
}

export function openVmTransport(endpoint: Endpoint, listener: TransportListener): Promise<ClientTransport> {
  const t = new VmTransport(endpoint, listener);
  try {
    t.peer = vmConnect(endpoint.host, {
      deliver: (bytes) => t.deliver(bytes),
      closed: () => t.fail(new ConnectionClosedError(`the embedded broker '${endpoint.host}' closed the connection`)),
    });
  } catch (err) {
    return Promise.reject(err);
  }
  return Promise.resolve(t);
}
