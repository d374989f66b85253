// The small seam under Connection (docs/CONVENTIONS.md: seams with fakes; nats.js's Transport): one physical link to one
// broker. tcp/ssl and vm implement it; failover is built above it (channel.ts), so sessions
// never see which transport carries them.
import type { Command } from '@wharf/protocol';
import type { Endpoint, TransportOptions } from './url';
import type tls from 'node:tls';
import { openSocketTransport } from './tcp-transport';
import { openVmTransport } from './vm-transport';

export interface TransportListener {
  /** One decoded command from the broker. */
  command(cmd: Command): void;
  /** The link is gone (peer closed, socket error, protocol fault). Called once. */
  closed(err?: Error): void;
}

export interface ClientTransport {
  /** For messages: the URI this link goes to. */
  readonly remoteAddress: string;
  /**
   * Queue one encoded command (`encodeValue(cmd)`). Frames written in the same tick go out in
   * one write.
   */
  write(body: Buffer): void;
  /** Write what is queued now. */
  flush(): void;
  /** False while the socket's buffer is full: producers wait for `drained()`. */
  readonly writable: boolean;
  /** Resolves when the transport can take more (or is closed). */
  drained(): Promise<void>;
  /** Flush, then close; `closed` follows. */
  close(): void;
}

export interface OpenOptions extends TransportOptions {
  /** Extra TLS settings from the factory (ca, cert, key, …). */
  tls?: tls.ConnectionOptions;
}

/** Open a link to one endpoint; resolves once the socket (or vm pipe) is connected. */
export async function openTransport(endpoint: Endpoint, opts: OpenOptions, listener: TransportListener): Promise<ClientTransport> {
  if (endpoint.scheme === 'vm') return openVmTransport(endpoint, listener);
  return openSocketTransport(endpoint, opts, listener);
}
