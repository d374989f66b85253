// The state of a Channel and its parts that need no link: the failover decisions (retry or
// give up, members learned from the broker), the heartbeat, and closing. channel.ts builds
// the link handling and the requests on it.
import { ConnectionClosedError, ErrorCode, JMSError, type Command, type Welcome } from '@wharf/protocol';
import { CommandType, encodeValue } from './wire';
import type { ClientTransport } from './transport';
import { ReconnectSchedule } from './failover';
import { parseBrokerUrl, type BrokerUrl, type Endpoint } from './url';
import type tls from 'node:tls';

export const DEFAULT_HEARTBEAT = 30000;

export interface ChannelConfig {
  url: BrokerUrl;
  /** Factory override of the requested heartbeat (ms). */
  heartbeat?: number;
  connectTimeout?: number;
  tls?: tls.ConnectionOptions;
}

export interface ChannelHandler {
  /** Credentials and clientId for each HELLO. */
  helloFields(): { clientId?: string; user?: string; password?: string; clientName?: string; networkBridge?: boolean };
  /** Commands for the connection: DISPATCH, and anything the channel does not handle itself. */
  onCommand(cmd: Command): void;
  /** An ERROR without corr. */
  onAsyncError(err: JMSError): void;
  /** Failover: the link is lost; reconnecting. */
  onInterrupted(err: Error): void;
  /** Failover: a new link is up. Replay state now; pending requests are re-sent after. */
  onResumed(): void;
  /** Closed for good, not by close(). */
  onClosed(err: Error): void;
}

/** What to do with an unanswered request when a failover link drops. */
export type ResendRule = 'resend' | 'resolve' | 'rollback';

export interface Pending {
  body: Buffer;
  resolve(data: unknown): void;
  reject(err: Error): void;
  rule: ResendRule;
  sent: boolean;
  timer: NodeJS.Timeout | null;
  txId?: string;
  /** Bounded by the failover URI's `timeout` while no link carries it. */
  failoverTimeout: boolean;
  failoverTimer: NodeJS.Timeout | null;
}

export function clearTimers(p: Pending): void {
  if (p.timer) clearTimeout(p.timer);
  if (p.failoverTimer) clearTimeout(p.failoverTimer);
  p.timer = p.failoverTimer = null;
}

export interface Link {
  transport: ClientTransport | null;
  endpoint: Endpoint;
  helloCorr: number;
  welcome: ((w: Welcome) => void) | null;
  refuse: ((e: Error) => void) | null;
  closedWaiters: Array<() => void>;
  dead: boolean;
}

export type State = 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed';

export function sleep(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      timers.delete(t);
      resolve();
    }, ms);
    timers.add(t);
  });
}

/** The link-independent half of Channel (channel.ts). */
export abstract class ChannelCore {
  protected link: Link | null = null;
  protected state: State = 'connecting';
  protected corr = 0;
  protected readonly awaiting = new Map<number, Pending>();
  protected readonly schedule: ReconnectSchedule | null;
  protected readonly timers = new Set<NodeJS.Timeout>();
  protected connectedWaiters: Array<{ resolve(): void; reject(e: Error): void }> = [];
  protected hbTimer: NodeJS.Timeout | null = null;
  protected wrote = false;
  protected read = false;
  /** Link generation: deliveries of an older link cannot be acknowledged on a newer one. */
  epoch = 0;
  welcome: Welcome | null = null;
  lastError: Error | null = null;

  constructor(protected readonly config: ChannelConfig, protected readonly handler: ChannelHandler) {
    this.schedule = config.url.failover ? new ReconnectSchedule(config.url.failover, config.url.endpoints) : null;
  }

  get isFailover(): boolean {
    return this.schedule !== null;
  }
  get connected(): boolean {
    return this.state === 'open';
  }
  get closed(): boolean {
    return this.state === 'closed' || this.state === 'closing';
  }
  get remoteAddress(): string {
    return this.link?.endpoint.uri ?? '';
  }

  protected abstract send(cmd: Command): boolean;
  protected abstract linkLost(link: Link, err: Error): void;

  /** Errors a failover client keeps trying through: refused sockets, slaves, timeouts. */
  protected retryable(err: Error, startup: boolean): boolean {
    const code = (err as JMSError).code;
    if (code === ErrorCode.CONNECTION_CLOSED || code === ErrorCode.NOT_MASTER || code === ErrorCode.TIMEOUT) return true;
    // After an outage the broker may not have noticed the old connection yet.
    return !startup && code === ErrorCode.INVALID_CLIENT_ID;
  }

  protected giveUp(err: Error, startup: boolean): void {
    this.lastError = err;
    if (this.closed) return;
    this.state = 'closed';
    this.failPending(new ConnectionClosedError(err.message));
    const waiters = this.connectedWaiters;
    this.connectedWaiters = [];
    for (const w of waiters) w.reject(err);
    if (!startup) this.handler.onClosed(err);
  }

  protected learn(members: string[] | undefined): void {
    if (!this.schedule || !this.schedule.options.updateURIsSupported || !Array.isArray(members)) return;
    for (const m of members) {
      try {
        const u = parseBrokerUrl(m);
        for (const e of u.endpoints) this.schedule.add(e);
      } catch {
        // A member URL we cannot use is ignored; the known ones still work.
      }
    }
  }

  // ---- heartbeat --------------------------------------------------------------------------

  protected startHeartbeat(interval: number): void {
    this.stopHeartbeat();
    if (!(interval > 0)) return;
    // Ticks of half the interval: PING after two quiet ticks (one interval without a write),
    // dead after six ticks without a read (3× the interval).
    let quietWrites = 0;
    let quietReads = 0;
    this.wrote = false;
    this.read = false;
    this.hbTimer = setInterval(() => {
      const link = this.link;
      if (!link) return;
      quietReads = this.read ? 0 : quietReads + 1;
      quietWrites = this.wrote ? 0 : quietWrites + 1;
      this.read = false;
      this.wrote = false;
      if (quietReads >= 6) {
        const err = new ConnectionClosedError(`no data from the broker at ${link.endpoint.uri} for ${interval * 3} ms (heartbeat ${interval} ms): the connection is dead`);
        this.handler.onAsyncError(err);
        this.linkLost(link, err);
        return;
      }
      if (quietWrites >= 2) {
        quietWrites = 0;
        this.send({ type: CommandType.PING });
      }
    }, Math.max(25, Math.floor(interval / 2)));
    this.hbTimer.unref();
  }

  protected stopHeartbeat(): void {
    if (this.hbTimer) clearInterval(this.hbTimer);
    this.hbTimer = null;
  }

  // ---- closing ----------------------------------------------------------------------------

  protected closedReason(): string {
    return this.lastError && this.state === 'closed' ? `the connection is closed: ${this.lastError.message}` : 'the connection is closed';
  }

  protected failPending(err: Error): void {
    for (const p of this.awaiting.values()) {
      clearTimers(p);
      p.reject(err);
    }
    this.awaiting.clear();
  }

  /** Say goodbye (SHUTDOWN), close the link and wait for it, at most `timeoutMs`. */
  async close(timeoutMs = 15000): Promise<void> {
    if (this.closed) return;
    this.state = 'closing';
    this.stopHeartbeat();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const link = this.link;
    this.link = null;
    if (link?.transport && !link.dead) {
      const gone = new Promise<void>((resolve) => link.closedWaiters.push(resolve));
      link.transport.write(encodeValue({ type: CommandType.SHUTDOWN }));
      link.dead = true;
      link.transport.close();
      let t: NodeJS.Timeout | null = null;
      await Promise.race([gone, new Promise<void>((r) => (t = setTimeout(r, timeoutMs)))]);
      if (t) clearTimeout(t);
    }
    this.state = 'closed';
    this.failPending(new ConnectionClosedError('the connection is closed'));
    const waiters = this.connectedWaiters;
    this.connectedWaiters = [];
    for (const w of waiters) w.reject(new ConnectionClosedError('the connection is closed'));
  }
}
