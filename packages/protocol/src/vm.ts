// In-process transport rendezvous for `vm://name` (docs/ARCHITECTURE.md: the core API; an embedded broker). The broker
// registers an acceptor under its name; a client in the same process connects to it. The
// registry lives on globalThis so that two copies of this module still meet.
// Frames cross as encoded bytes, never shared objects, so neither side can alias the other's
// messages.
import { ConnectionClosedError } from './errors';

export interface VmEndpoint {
  /** One encoded command (no length prefix). */
  deliver(bytes: Buffer): void;
  /** The peer closed. */
  closed(): void;
}
export type VmAcceptor = (client: VmEndpoint) => VmEndpoint;

const KEY = Symbol.for('wharf.vm.registry');
type Registry = Map<string, VmAcceptor>;
function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (g[KEY] ??= new Map());
}

export function vmRegister(name: string, acceptor: VmAcceptor): void {
  registry().set(name, acceptor);
}
export function vmUnregister(name: string, acceptor: VmAcceptor): void {
  if (registry().get(name) === acceptor) registry().delete(name);
}
export function vmConnect(name: string, client: VmEndpoint): VmEndpoint {
  const acceptor = registry().get(name);
  if (!acceptor) {
    throw new ConnectionClosedError(`no broker named '${name}' in this process: start one first (new Broker({ brokerName: '${name}' }) and await broker.start())`);
  }
  return acceptor(client);
}
