// An in-memory BrokerView with a cluster, scheduled jobs and bridges: the parts a standalone
// Broker does not have yet. Tests use it for those pages and endpoints; `scripts` may run it
// to demo the UI.
import type {
  ConsumerInfo, MessageAction, BridgeInfo, BrokerInfo, BrokerView, ClusterInfo, ConnectionInfo, JobInfo, MessageDetail, MessageSummary,
  QueueInfo, Role, SendRequest, SubscriptionInfo, TopicInfo,
} from '../src/view';
import { destinationNotFound } from '../src/errors';

type FakeMessage = MessageDetail;

export class FakeView implements BrokerView {
  role: Role = 'master';
  serving = true;
  readonly startedAt = Date.now() - 3 * 3600 * 1000 - 17 * 60 * 1000;
  readonly queueMap = new Map<string, { info: QueueInfo; messages: FakeMessage[] }>();
  readonly topicList: TopicInfo[] = [];
  jobList: JobInfo[] = [];
  connectionList: ConnectionInfo[] = [];
  clusterInfo: ClusterInfo | null = null;
  bridgeList: BridgeInfo[] = [];
  commits = 0;
  private seq = 0;

  info(): BrokerInfo {
    let messages = 0;
    for (const q of this.queueMap.values()) messages += q.messages.length;
    return {
      name: 'wharf-demo', role: this.role, serving: this.serving, startedAt: this.startedAt,
      uptimeMs: Date.now() - this.startedAt, version: '0.1.0', nodeVersion: process.version,
      store: { kind: 'leveldb', bytes: 48_213_504 + messages * 512, messages, commits: this.commits, syncs: Math.ceil(this.commits / 7.4) },
      memory: { used: 23_000_000 + messages * 600, limit: 268_435_456, percent: Math.round(((23_000_000 + messages * 600) / 268_435_456) * 100) },
      connectors: ['tcp://0.0.0.0:61616', 'stomp://0.0.0.0:61613'],
    };
  }

  queues(): QueueInfo[] {
    return [...this.queueMap.values()].map((q) => ({ ...q.info, pending: q.messages.length }));
  }

  topics(): TopicInfo[] {
    return this.topicList.map((t) => ({ ...t, durables: t.durables.map((d) => ({ ...d })) }));
  }

  subscriptions(): SubscriptionInfo[] {
    return this.topicList.flatMap((t) => t.durables.map((d) => ({ ...d, durable: true })));
  }

  connections(): ConnectionInfo[] {
    return this.connectionList;
  }

  async jobs(): Promise<JobInfo[]> {
    return this.jobList;
  }

  cluster(): ClusterInfo | null {
    return this.clusterInfo;
  }

  bridges(): BridgeInfo[] {
    return this.bridgeList;
  }

  addQueue(name: string, init: Partial<QueueInfo> = {}): void {
    this.queueMap.set(name, {
      info: { name, url: `queue://${name}`, pending: 0, consumers: 0, producers: 0, enqueued: 0, dequeued: 0, forwarded: 0, dispatched: 0, inflight: 0, expired: 0, memoryPercent: 0, dlq: /(^|\.)DLQ(\.|$)/.test(name), temporary: false, ...init },
      messages: [],
    });
  }

  async send(destination: string, req: SendRequest): Promise<{ messageId: string }> {
    const m = /^(queue|topic):\/\/(.+)$/.exec(destination);
    if (!m) throw new Error(`bad destination ${destination}`);
    const id = `ID:fake-producer:${++this.seq}`;
    this.commits++;
    if (m[1] === 'topic') {
      const t = this.topicList.find((x) => x.name === m[2]);
      if (t) t.enqueued++;
      return { messageId: id };
    }
    const name = m[2]!;
    if (!this.queueMap.has(name)) this.addQueue(name);
    const q = this.queueMap.get(name)!;
    q.info.enqueued++;
    q.messages.push({
      id, destination, timestamp: Date.now(), priority: req.priority ?? 4, persistent: req.persistent !== false,
      redelivered: false, deliveryCount: 0, expiration: 0, state: 'pending', properties: { ...(req.properties ?? {}) },
      bodyKind: 'text', bodyPreview: req.body.slice(0, 160), bodySize: req.body.length, body: req.body, bodyEncoding: 'utf8',
    });
    return { messageId: id };
  }

  /** Consume n messages of a queue (a demo consumer). */
  consume(name: string, n: number): void {
    const q = this.queueMap.get(name);
    if (!q) return;
    const taken = q.messages.splice(0, n);
    q.info.dequeued += taken.length;
    q.info.dispatched += taken.length;
  }

  private q(name: string) {
    const key = name.replace(/^queue:\/\//, '');
    const q = this.queueMap.get(key);
    if (!q) throw destinationNotFound(`queue://${key}`);
    return q;
  }

  async browse(queue: string, limit: number): Promise<MessageSummary[]> {
    return this.q(queue).messages.slice(0, limit).map(({ body: _b, bodyEncoding: _e, ...s }) => s);
  }

  async getMessage(queue: string, messageId: string): Promise<MessageDetail | undefined> {
    return this.q(queue).messages.find((m) => m.id === messageId);
  }

  async purge(queue: string): Promise<number> {
    const q = this.q(queue);
    const n = q.messages.length;
    q.messages = [];
    q.info.dequeued += n;
    return n;
  }

  async deleteDestination(url: string): Promise<boolean> {
    const m = /^(queue|topic):\/\/(.+)$/.exec(url);
    if (!m) return false;
    if (m[1] === 'queue') return this.queueMap.delete(m[2]!);
    const i = this.topicList.findIndex((t) => t.name === m[2]);
    if (i < 0) return false;
    this.topicList.splice(i, 1);
    return true;
  }

  async moveDlqMessages(dlq: string, opts: { messageId?: string }): Promise<number> {
    const q = this.q(dlq);
    const moving = q.messages.filter((m) => m.originalDestination && (!opts.messageId || m.id === opts.messageId));
    q.messages = q.messages.filter((m) => !moving.includes(m));
    for (const m of moving) {
      const target = m.originalDestination!.replace(/^queue:\/\//, '');
      if (!this.queueMap.has(target)) this.addQueue(target);
      const { originalDestination: _o, ...rest } = m;
      this.queueMap.get(target)!.messages.push({ ...rest, destination: `queue://${target}` });
    }
    return moving.length;
  }

  async removeJob(id: string): Promise<boolean> {
    const before = this.jobList.length;
    this.jobList = this.jobList.filter((j) => j.id !== id);
    return this.jobList.length < before;
  }

  async messageAction(queue: string, messageId: string, action: MessageAction, to?: string): Promise<boolean> {
    const q = this.q(queue);
    const m = q.messages.find((x) => x.id === messageId);
    if (!m) return false;
    if (action !== 'copy') q.messages = q.messages.filter((x) => x !== m);
    if (action !== 'delete') {
      const target = (to ?? '').replace(/^queue:\/\//, '');
      if (!this.queueMap.has(target)) this.addQueue(target);
      this.queueMap.get(target)!.messages.push({ ...m, destination: `queue://${target}` });
    }
    return true;
  }

  consumers(_destination: string): ConsumerInfo[] {
    return [];
  }

  closeConnection(id: string): boolean {
    const before = this.connectionList.length;
    this.connectionList = this.connectionList.filter((c) => c.id !== id);
    return this.connectionList.length < before;
  }
}
