// An in-process replication network for deterministic tests: each node gets a transport from
// the hub; frames cross in order on setImmediate. partition() cuts nodes apart (their links
// break, as a reset TCP connection would, and new connections are refused) until heal().
import type { ReplicationFrame } from './frames';
import { BaseLink, type ReplicationLink, type ReplicationTransport } from './transport';

class MemoryLink extends BaseLink {
  peer?: MemoryLink;
  private queue: ReplicationFrame[] = [];
  private scheduled = false;

  constructor(readonly node: string, readonly remote: string) {
    super();
  }

  send(frame: ReplicationFrame): void {
    const peer = this.peer;
    if (this.closed || !peer) return;
    // Frames are copied, as bytes on a socket would be: neither side shares objects.
    peer.queue.push(structuredClone(frame));
    if (!peer.scheduled) {
      peer.scheduled = true;
      setImmediate(() => peer.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const q = this.queue;
    this.queue = [];
    for (const f of q) this.deliver(f);
  }

  get writable(): boolean {
    return !this.closed;
  }

  async drained(): Promise<void> {}

  close(reason = 'closed locally'): void {
    const peer = this.peer;
    this.ended(reason);
    if (peer && !peer.closed) setImmediate(() => peer.ended(`${this.node}: ${reason}`));
  }
}

export class MemoryReplicationHub {
  private readonly listeners = new Map<string, { node: string; accept: (link: ReplicationLink) => void; mine: Set<MemoryLink> }>();
  private readonly cut = new Set<string>();
  private readonly links = new Set<MemoryLink>();

  /** The transport of node `node`. */
  transport(node: string): ReplicationTransport {
    const mine = new Set<MemoryLink>();
    let url: string | undefined;
    return {
      listen: async (_bind, accept) => {
        url = `mem://${node}`;
        this.listeners.set(url, { node, accept, mine });
        return url;
      },
      connect: async (target) => this.connect(node, target, mine),
      close: async () => {
        if (url) this.listeners.delete(url);
        for (const l of mine) l.close('transport closed');
        mine.clear();
      },
    };
  }

  /** Cuts `a` off from `b`, or from every node when `b` is omitted. */
  partition(a: string, b?: string): void {
    this.cut.add(b === undefined ? `${a}|*` : pair(a, b));
    for (const l of [...this.links]) {
      if (this.blocked(l.node, l.peer?.node ?? '')) l.close('network partition');
    }
  }

  /** Undoes partition(a, b) (or partition(a)). */
  heal(a: string, b?: string): void {
    this.cut.delete(b === undefined ? `${a}|*` : pair(a, b));
  }

  private blocked(a: string, b: string): boolean {
    return this.cut.has(`${a}|*`) || this.cut.has(`${b}|*`) || this.cut.has(pair(a, b));
  }

  private connect(node: string, url: string, mine: Set<MemoryLink>): MemoryLink {
    const l = this.listeners.get(url);
    if (!l) throw new Error(`cannot connect to ${url}: connection refused`);
    if (this.blocked(node, l.node)) throw new Error(`cannot connect to ${url}: network partition`);
    const near = new MemoryLink(node, url);
    const far = new MemoryLink(l.node, `mem://${node}`);
    near.peer = far;
    far.peer = near;
    for (const [link, owner] of [[near, mine], [far, l.mine]] as const) {
      this.links.add(link);
      owner.add(link);
      link.onEnd = () => {
        this.links.delete(link);
        owner.delete(link);
      };
    }
    setImmediate(() => l.accept(far));
    return near;
  }
}

function pair(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
