// The broker side of `vm://name`: every in-process client gets a ServerConnection whose frames
// are encoded bytes handed over on the next microtask.
import { decodeCommand, encodeCommand, vmRegister, vmUnregister, type Command, type VmAcceptor, type VmEndpoint } from '@wharf/protocol';
import type { Broker } from '../broker';
import { ServerConnection, type ServerTransport } from '../connection';

class VmServerTransport implements ServerTransport {
  readonly remoteAddress = 'vm';
  private ended = false;
  conn!: ServerConnection;
  constructor(private readonly client: VmEndpoint) {}
  send(cmd: Command): void {
    if (this.ended) return;
    const bytes = encodeCommand(cmd);
    queueMicrotask(() => {
      if (!this.ended) this.client.deliver(bytes);
    });
  }
  close(): void {
    if (this.ended) return;
    this.ended = true;
    queueMicrotask(() => this.client.closed());
  }
  peerClosed(): void {
    this.ended = true;
    this.conn.close(undefined, false);
  }
}

class VmRegistry {
  private readonly acceptors = new Map<Broker, VmAcceptor>();
  register(name: string, broker: Broker): void {
    const acceptor: VmAcceptor = (client) => {
      const t = new VmServerTransport(client);
      t.conn = new ServerConnection(broker, t, 'vm');
      return {
        deliver: (bytes) => {
          let cmd: Command;
          try {
            cmd = decodeCommand(bytes);
          } catch {
            return;
          }
          t.conn.handle(cmd);
        },
        closed: () => t.peerClosed(),
      };
    };
    this.acceptors.set(broker, acceptor);
    vmRegister(name, acceptor);
  }
  unregister(name: string, broker: Broker): void {
    const a = this.acceptors.get(broker);
    if (a) vmUnregister(name, a);
    this.acceptors.delete(broker);
  }
}

export const vmRegistry = new VmRegistry();
