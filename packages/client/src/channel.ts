// The connection's wire: one link at a time (tcp, ssl or vm), the HELLO handshake, requests
// matched to answers by `corr`, heartbeats, and — for failover: URLs — reconnection. On a new
// link the owner replays its state (onResumed) and the channel then re-sends every request
// still unanswered, with the same bytes, so a persistent send keeps its ids (packages/client/README.md).
import {
  ConnectionClosedError, JMSError, PROTOCOL_VERSION, TimeoutError, TransactionRolledBackError, errorFromCode, type Command, type Welcome,
} from '@wharf/protocol';
import { CommandType, encodeValue } from './wire';
import { openTransport } from './transport';
import { transportOptionsOf, type Endpoint } from './url';
import { ChannelCore, DEFAULT_HEARTBEAT, clearTimers, sleep, type Link, type Pending, type ResendRule } from './channel-core';

export { DEFAULT_HEARTBEAT, type ChannelConfig, type ChannelHandler, type ResendRule } from './channel-core';

export class Channel extends ChannelCore {
  /** The first connection (failover: through the list, per startupMaxReconnectAttempts). */
  async open(): Promise<Welcome> {
    if (!this.schedule) {
      const { link, welcome } = await this.connectTo(this.config.url.endpoints[0]!, false);
      this.adopt(link, welcome);
      return welcome;
    }
    await this.reconnectLoop(true);
    if (!this.welcome || this.state !== 'open') throw this.lastError ?? new ConnectionClosedError('could not connect');
    return this.welcome;
  }

  // ---- requests and one-way commands ------------------------------------------------------

  /**
   * Send a command that the broker answers (RECEIPT or ERROR with the same corr). `timeoutMs`
   * > 0 fails it with a TimeoutError; for failover, `sendTimeout` bounds the wait for a link.
   */
  request<T = unknown>(cmd: Command, rule: ResendRule = 'resend', opts: { timeoutMs?: number; failoverTimeout?: boolean; txId?: string } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new ConnectionClosedError(this.closedReason()));
    const corr = ++this.corr;
    (cmd as { corr?: number }).corr = corr;
    const body = encodeValue(cmd);
    return new Promise<T>((resolve, reject) => {
      const p: Pending = {
        body, resolve: resolve as (d: unknown) => void, reject, rule, sent: false, timer: null, txId: opts.txId,
        failoverTimeout: opts.failoverTimeout === true, failoverTimer: null,
      };
      this.awaiting.set(corr, p);
      const timeout = opts.timeoutMs ?? 0;
      if (timeout > 0) {
        p.timer = setTimeout(() => {
          if (this.awaiting.get(corr) !== p) return;
          this.awaiting.delete(corr);
          clearTimers(p);
          reject(new TimeoutError(`no answer from the broker within ${timeout} ms`));
        }, timeout);
      }
      if (this.connected && this.link?.transport) {
        p.sent = true;
        this.write(body);
      } else {
        this.armFailoverTimer(corr, p);
      }
    });
  }

  /**
   * ActiveMQ's failover `timeout`: a request waiting for a link (sent before the link dropped,
   * or made while there was none) fails after that long instead of waiting for the reconnect.
   */
  private armFailoverTimer(corr: number, p: Pending): void {
    const ms = this.schedule?.options.timeout ?? -1;
    if (!p.failoverTimeout || ms <= 0 || p.failoverTimer) return;
    p.failoverTimer = setTimeout(() => {
      p.failoverTimer = null;
      if (this.awaiting.get(corr) !== p || p.sent) return;
      this.awaiting.delete(corr);
      clearTimers(p);
      p.reject(new TimeoutError(`Failover timeout of ${ms} ms reached.`));
    }, ms);
  }

  /** A one-way command. Returns false (and drops it) while there is no link. */
  send(cmd: Command): boolean {
    if (this.state !== 'open' || !this.link?.transport) return false;
    this.write(encodeValue(cmd));
    return true;
  }

  private write(body: Buffer): void {
    this.wrote = true;
    this.link!.transport!.write(body);
  }

  /** Resolves when a link is up (failover), rejects when closed or after `timeoutMs` (> 0). */
  whenConnected(timeoutMs = -1): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    if (this.closed) return Promise.reject(new ConnectionClosedError(this.closedReason()));
    return new Promise((resolve, reject) => {
      const w = { resolve, reject };
      this.connectedWaiters.push(w);
      if (timeoutMs > 0) {
        const t = setTimeout(() => {
          this.timers.delete(t);
          const i = this.connectedWaiters.indexOf(w);
          if (i < 0) return;
          this.connectedWaiters.splice(i, 1);
          reject(new TimeoutError(`Failover timeout of ${timeoutMs} ms reached.`));
        }, timeoutMs);
        this.timers.add(t);
      }
    });
  }

  /** The failover send timeout (-1 = forever), or -1 for plain links. */
  get failoverTimeout(): number {
    return this.schedule?.options.timeout ?? -1;
  }

  /** A promise while the socket's buffer is full (producer back-pressure), else null. */
  drained(): Promise<void> | null {
    const t = this.link?.transport;
    return t && !t.writable ? t.drained() : null;
  }

  // ---- links ------------------------------------------------------------------------------

  private async connectTo(endpoint: Endpoint, failover: boolean): Promise<{ link: Link; welcome: Welcome }> {
    const topts = transportOptionsOf(endpoint);
    const connectTimeout = this.config.connectTimeout ?? topts.connectTimeout;
    const link: Link = { transport: null, endpoint, helloCorr: ++this.corr, welcome: null, refuse: null, closedWaiters: [], dead: false };
    const welcome = new Promise<Welcome>((resolve, reject) => {
      link.welcome = resolve;
      link.refuse = reject;
    });
    link.transport = await openTransport(endpoint, { ...topts, connectTimeout, tls: this.config.tls }, {
      command: (cmd) => this.onLinkCommand(link, cmd),
      closed: (err) => this.onLinkClosed(link, err),
    });
    const heartbeat = this.config.heartbeat ?? topts.heartbeat ?? DEFAULT_HEARTBEAT;
    const hello: Command = { type: CommandType.HELLO, corr: link.helloCorr, version: PROTOCOL_VERSION, heartbeat, ...this.handler.helloFields() };
    if (failover) hello.failover = true;
    link.transport.write(encodeValue(hello));
    let timer: NodeJS.Timeout | null = null;
    try {
      const w = await Promise.race([
        welcome,
        new Promise<never>((_r, reject) => {
          if (connectTimeout > 0) timer = setTimeout(() => reject(new TimeoutError(`no answer to HELLO from ${endpoint.uri} within ${connectTimeout} ms`)), connectTimeout);
        }),
      ]);
      return { link, welcome: w };
    } catch (err) {
      link.dead = true;
      link.transport.close();
      throw err;
    } finally {
      if (timer) clearTimeout(timer);
      link.welcome = null;
      link.refuse = null;
    }
  }

  private adopt(link: Link, welcome: Welcome): void {
    this.link = link;
    this.welcome = welcome;
    this.epoch++;
    this.state = 'open';
    this.schedule?.connected();
    if (welcome.members) this.learn(welcome.members);
    this.startHeartbeat(welcome.heartbeat);
  }

  private onLinkCommand(link: Link, cmd: Command): void {
    if (link.dead) return;
    this.read = true;
    if (link.welcome) {
      // Handshake: only the answer to HELLO matters.
      if (cmd.type === CommandType.WELCOME && cmd.corr === link.helloCorr) link.welcome(cmd);
      else if (cmd.type === CommandType.ERROR && (cmd.corr === link.helloCorr || cmd.corr === undefined)) {
        // A slave's refusal names the group's members: the master is tried next round.
        if (cmd.members) this.learn(cmd.members);
        link.refuse!(errorFromCode(cmd.code, cmd.message));
      }
      return;
    }
    if (link !== this.link) return;
    switch (cmd.type) {
      case CommandType.RECEIPT: {
        const p = this.awaiting.get(cmd.corr);
        if (!p) return;
        this.awaiting.delete(cmd.corr);
        clearTimers(p);
        p.resolve(cmd.data);
        return;
      }
      case CommandType.ERROR: {
        const err = errorFromCode(cmd.code, cmd.message);
        const p = cmd.corr !== undefined ? this.awaiting.get(cmd.corr) : undefined;
        if (p) {
          this.awaiting.delete(cmd.corr!);
          clearTimers(p);
          p.reject(err);
          if (!cmd.fatal) return;
        } else {
          this.handler.onAsyncError(err);
        }
        if (cmd.fatal) this.linkLost(link, err);
        return;
      }
      case CommandType.PING:
        this.send({ type: CommandType.PONG });
        return;
      case CommandType.PONG:
      case CommandType.WELCOME:
        return;
      case CommandType.CLUSTER_UPDATE:
        this.learn(cmd.members);
        return;
      case CommandType.SHUTDOWN:
        this.linkLost(link, new ConnectionClosedError(`the broker at ${link.endpoint.uri} is shutting down${cmd.reason ? `: ${cmd.reason}` : ''}`));
        return;
      default:
        this.handler.onCommand(cmd);
    }
  }

  private onLinkClosed(link: Link, err?: Error): void {
    const waiters = link.closedWaiters;
    link.closedWaiters = [];
    for (const w of waiters) w();
    if (link.refuse) {
      link.refuse(err ?? new ConnectionClosedError(`${link.endpoint.uri} closed the connection during the handshake`));
      return;
    }
    if (link === this.link) this.linkLost(link, err ?? new ConnectionClosedError(`the connection to ${link.endpoint.uri} was closed`));
  }

  /** The current link failed: reconnect (failover) or close for good. */
  protected linkLost(link: Link, err: Error): void {
    if (link.dead) return;
    link.dead = true;
    link.transport?.close();
    if (this.link !== link) return;
    this.link = null;
    this.stopHeartbeat();
    this.lastError = err;
    if (this.closed) return;
    if (!this.schedule) {
      this.state = 'closed';
      this.failPending(new ConnectionClosedError(err.message));
      this.handler.onClosed(err);
      return;
    }
    this.state = 'reconnecting';
    for (const [corr, p] of this.awaiting) {
      p.sent = false;
      if (p.rule === 'resend') {
        this.armFailoverTimer(corr, p);
        continue;
      }
      this.awaiting.delete(corr);
      clearTimers(p);
      if (p.rule === 'resolve') p.resolve(undefined);
      else p.reject(new TransactionRolledBackError(`Transaction completion in doubt due to failover. Forcing rollback of ${p.txId ?? 'the transaction'}`));
    }
    this.handler.onInterrupted(err);
    // It ends the connection itself when it gives up; a fault inside it does the same.
    this.reconnectLoop(false).catch((err: Error) => this.giveUp(err, false));
  }

  private async reconnectLoop(startup: boolean): Promise<void> {
    const schedule = this.schedule!;
    for (;;) {
      for (const endpoint of schedule.round()) {
        if (this.closed) return;
        try {
          const { link, welcome } = await this.connectTo(endpoint, !startup);
          if (this.closed) {
            link.transport?.close();
            return;
          }
          this.adopt(link, welcome);
          if (!startup) {
            try {
              this.handler.onResumed();
            } catch (err) {
              this.handler.onAsyncError(err instanceof JMSError ? err : new JMSError(String(err)));
            }
            for (const p of [...this.awaiting.values()].filter((x) => !x.sent)) {
              p.sent = true;
              if (p.failoverTimer) clearTimeout(p.failoverTimer);
              p.failoverTimer = null;
              this.write(p.body);
            }
          }
          const waiters = this.connectedWaiters;
          this.connectedWaiters = [];
          for (const w of waiters) w.resolve();
          return;
        } catch (err) {
          this.lastError = err as Error;
          if (!this.retryable(err as Error, startup)) return this.giveUp(err as Error, startup);
        }
      }
      const delay = schedule.failed();
      if (delay < 0) {
        return this.giveUp(new ConnectionClosedError(`failover: could not connect to any of ${schedule.knownEndpoints.map((e) => e.uri).join(', ')} `
          + `after ${schedule.attempts} attempt(s): ${this.lastError?.message ?? 'no broker'}`), startup);
      }
      if (delay > 0) await sleep(delay, this.timers);
    }
  }

}
