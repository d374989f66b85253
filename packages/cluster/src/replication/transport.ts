// The replication transport seam (docs/CLUSTER.md; docs/CONVENTIONS.md: seams with fakes): the master and slave logic see links
// that carry frames, so the same code runs over TCP (tcp-transport.ts) and over an in-memory
// hub that tests can partition and heal (memory-transport.ts).
import type { ReplicationFrame } from './frames';

export interface LinkHandlers {
  frame(frame: ReplicationFrame): void;
  /** The link is gone (closed by either side, or broken); called once. */
  closed(reason: string): void;
}

export interface ReplicationLink {
  /** The other side, for logs. */
  readonly remote: string;
  /** Starts delivering frames (frames that arrived before are delivered first). */
  start(handlers: LinkHandlers): void;
  send(frame: ReplicationFrame): void;
  /** False while the outgoing buffer is full: wait for drained() before sending more. */
  readonly writable: boolean;
  drained(): Promise<void>;
  close(reason?: string): void;
  readonly closed: boolean;
}

export interface ReplicationTransport {
  /** Starts accepting links; resolves with the URL others connect to (port 0 resolved). */
  listen(bind: string, accept: (link: ReplicationLink) => void): Promise<string>;
  connect(url: string, timeoutMs: number): Promise<ReplicationLink>;
  /** Stops listening and closes every link it made or accepted. */
  close(): Promise<void>;
}

/** Handler bookkeeping shared by both transports: frames before start() are queued. */
export abstract class BaseLink implements ReplicationLink {
  abstract readonly remote: string;
  private handlers?: LinkHandlers;
  private early: ReplicationFrame[] = [];
  private closeReason?: string;
  private notified = false;
  closed = false;
  /** Internal: the transport forgets the link when it ends. */
  onEnd?: () => void;

  start(handlers: LinkHandlers): void {
    this.handlers = handlers;
    const early = this.early;
    this.early = [];
    for (const f of early) {
      if (this.notified) return;
      handlers.frame(f);
    }
    if (this.closed) this.notifyClosed();
  }

  protected deliver(frame: ReplicationFrame): void {
    if (this.closed) return;
    if (this.handlers) this.handlers.frame(frame);
    else this.early.push(frame);
  }

  /** Marks the link closed and tells the handler (once). */
  protected ended(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.onEnd?.();
    if (this.handlers) this.notifyClosed();
  }

  private notifyClosed(): void {
    if (this.notified) return;
    this.notified = true;
    this.handlers?.closed(this.closeReason ?? 'closed');
  }

  abstract send(frame: ReplicationFrame): void;
  abstract get writable(): boolean;
  abstract drained(): Promise<void>;
  abstract close(reason?: string): void;
}
