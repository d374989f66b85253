// The scheduler inside a broker, with an injected clock: jobs fire when the clock reaches them
// and not before, only a window of jobs is in memory, cron ticks, management on jobs that are
// only in the store, and jobs kept across a restart on the same store.
import { strict as assert } from 'node:assert';
import os from 'node:os';
import path from 'node:path';
import {
  AckMode, BodyKind, CommandType, DeliveryMode, PROTOCOL_VERSION, type Command, type Properties, type WireMessage,
} from '@wharf/protocol';
import { MemoryStore, type JobRecord, type Store } from '@wharf/store';
import { Broker, ServerConnection, type SchedulerOptions } from '../src';

let counter = 0;

/** A store whose loadJobs ignores the `after` cursor (a Store written before it existed). */
class NoCursorStore extends MemoryStore {
  override loadJobs(until: number, limit: number): Promise<JobRecord[]> {
    return super.loadJobs(until, limit);
  }
}

/** A client inside the process: a ServerConnection whose transport records dispatches. */
class Probe {
  readonly got: WireMessage[] = [];
  readonly conn: ServerConnection;
  private ids = 0;
  constructor(broker: Broker) {
    this.conn = new ServerConnection(broker, {
      remoteAddress: 'probe',
      send: (cmd: Command) => {
        if (cmd.type === CommandType.DISPATCH && cmd.message) this.got.push(cmd.message);
      },
      close: () => undefined,
    });
    this.conn.handle({ type: CommandType.HELLO, corr: 1, version: PROTOCOL_VERSION, heartbeat: 0 });
    this.conn.handle({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: AckMode.AUTO_ACKNOWLEDGE });
  }
  consume(destination: string): void {
    const id = ++this.ids;
    this.conn.handle({ type: CommandType.CONSUMER_OPEN, corr: 100 + id, sessionId: 1, consumerId: id, destination, prefetch: 10000 });
  }
  texts(): string[] {
    return this.got.map((m) => m.body as string);
  }
}

class Clock {
  constructor(public t: number) {}
  readonly now = (): number => this.t;
}

async function startBroker(clock: Clock, opts: SchedulerOptions = {}, store: Store = new MemoryStore()): Promise<Broker> {
  const b = new Broker(
    { brokerName: `sched-${process.pid}-${++counter}`, persistent: false, schedulerSupport: true, transportConnectors: [], logLevel: 'silent', dataDirectory: path.join(os.tmpdir(), 'wharf-unused') },
    { store, scheduler: { now: clock.now, ...opts } },
  );
  await b.start();
  return b;
}

let seq = 0;
function message(body: string, destination: string, properties: Properties): WireMessage {
  const n = ++seq;
  return {
    messageId: `ID:test-producer:${n}`, destination, deliveryMode: DeliveryMode.PERSISTENT, priority: 4, timestamp: Date.now(),
    expiration: 0, deliveryTime: 0, redelivered: false, deliveryCount: 0, producerId: 'test-producer', producerSeq: n,
    properties, bodyKind: BodyKind.TEXT, body,
  };
}

async function until(fn: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Move the clock, let the scheduler look, and give it time to write and route what is due. */
async function advance(b: Broker, clock: Clock, to: number): Promise<void> {
  clock.t = to;
  b.scheduler!.wake();
  await new Promise((r) => setTimeout(r, 15));
}

describe('scheduler (injected clock)', () => {
  const brokers: Broker[] = [];
  afterEach(async () => {
    for (const b of brokers.splice(0)) await b.stop();
  });

  it('scheduler - a job fires when the clock reaches it, never before, exactly once', async () => {
    const clock = new Clock(1_000_000);
    const b = await startBroker(clock);
    brokers.push(b);
    const probe = new Probe(b);
    probe.consume('queue://Q');
    for (const [body, delay] of [['c', 3000], ['a', 1000], ['b', 2000]] as const) await b.send(message(body, 'queue://Q', { AMQ_SCHEDULED_DELAY: delay }), null);
    assert.deepEqual((await b.scheduler!.list(10)).map((j) => j.due), [1_001_000, 1_002_000, 1_003_000]);
    await advance(b, clock, 1_000_999);
    assert.deepEqual(probe.texts(), []);
    await advance(b, clock, 1_001_000);
    await until(() => probe.got.length === 1, 'a');
    await advance(b, clock, 1_005_000);
    await until(() => probe.got.length === 3, 'b and c');
    assert.deepEqual(probe.texts(), ['a', 'b', 'c']);
    await advance(b, clock, 1_010_000);
    assert.equal(probe.got.length, 3);
    assert.deepEqual(await b.scheduler!.list(10), []);
  });

  it('scheduler - start times are rounded up as ActiveMQ does when startRounding is 500', async () => {
    const clock = new Clock(1_000_123);
    const b = await startBroker(clock, { startRounding: 500 });
    brokers.push(b);
    await b.send(message('r', 'queue://R', { AMQ_SCHEDULED_DELAY: 1000 }), null);
    assert.equal((await b.scheduler!.list(1))[0]?.due, 1_001_500);
  });

  for (const [label, makeStore] of [['', () => new MemoryStore()], [' (a store without the read cursor)', () => new NoCursorStore()]] as const) {
    it(`scheduler - only a bounded window is in memory; every job still fires once, in order${label}`, async () => {
      const clock = new Clock(5_000_000);
      const b = await startBroker(clock, { window: 16 }, makeStore());
      brokers.push(b);
      const probe = new Probe(b);
      probe.consume('queue://W');
      const n = 300;
      let maxInMemory = 0;
      for (let i = 0; i < n; i++) {
        const delay = ((i * 7919) % n) * 10 + 10; // a permutation of 10..3000
        await b.send(message(String(delay).padStart(5, '0'), 'queue://W', { AMQ_SCHEDULED_DELAY: delay }), null);
        maxInMemory = Math.max(maxInMemory, b.scheduler!.stats.inMemory);
      }
      assert.ok(maxInMemory <= 32, `at most 2 × window in memory, saw ${maxInMemory}`);
      for (let t = 5_000_000; t <= 5_003_000; t += 250) {
        await advance(b, clock, t);
        maxInMemory = Math.max(maxInMemory, b.scheduler!.stats.inMemory);
      }
      await until(() => probe.got.length === n, `${n} deliveries (got ${probe.got.length})`);
      const texts = probe.texts();
      assert.deepEqual(texts, [...texts].sort(), 'in due order');
      assert.equal(new Set(texts).size, n, 'each once');
      assert.ok(maxInMemory <= 32);
      assert.ok(b.scheduler!.stats.reloads > 1, 'the window was refilled from the store');
    });
  }

  it('scheduler - an hourly cron with delay 1000, period 1000, repeat 9 gives 10 messages every hour', async () => {
    const t0 = new Date(2030, 0, 1, 12, 30, 0).getTime();
    const clock = new Clock(t0);
    const b = await startBroker(clock);
    brokers.push(b);
    const probe = new Probe(b);
    probe.consume('queue://CRON');
    await b.send(message('hourly', 'queue://CRON', { AMQ_SCHEDULED_CRON: '0 * * * *', AMQ_SCHEDULED_DELAY: 1000, AMQ_SCHEDULED_PERIOD: 1000, AMQ_SCHEDULED_REPEAT: 9 }), null);
    for (const hour of [13, 14]) {
      const tick = new Date(2030, 0, 1, hour, 0, 0).getTime();
      await advance(b, clock, tick - 1);
      for (let s = 1; s <= 12; s++) await advance(b, clock, tick + s * 1000);
      await until(() => probe.got.length === (hour - 12) * 10, `10 more at ${hour}:00 (got ${probe.got.length})`);
    }
    assert.equal(new Set(probe.got.map((m) => m.messageId)).size, 20, 'a new message id for each');
    const jobs = await b.scheduler!.list(10);
    assert.equal(jobs.length, 1, 'only the cron job is left');
    assert.equal(jobs[0]!.due, new Date(2030, 0, 1, 15, 0, 0).getTime());
  });

  it('scheduler - REMOVE and REMOVEALL reach jobs that are only in the store', async () => {
    const clock = new Clock(9_000_000);
    const b = await startBroker(clock, { window: 16 });
    brokers.push(b);
    const probe = new Probe(b);
    probe.consume('queue://M');
    for (let i = 0; i < 100; i++) await b.send(message(`j${i}`, 'queue://M', { AMQ_SCHEDULED_DELAY: 1000 + i * 10 }), null);
    const all = await b.scheduler!.list(1000);
    assert.equal(all.length, 100);
    assert.ok(b.scheduler!.stats.inMemory <= 32);
    assert.equal(await b.scheduler!.removeJob(all[90]!.id), true, 'beyond the window');
    assert.equal(await b.scheduler!.removeJob(all[3]!.id), true, 'in the window');
    assert.equal(await b.scheduler!.removeJob('ID:no-such-job'), false);
    assert.equal(await b.scheduler!.removeRange(9_001_500, 9_001_799), 30);
    await advance(b, clock, 9_003_000);
    await until(() => probe.got.length === 68, `68 deliveries (got ${probe.got.length})`);
    const texts = new Set(probe.texts());
    for (const gone of ['j90', 'j3', 'j50', 'j79']) assert.equal(texts.has(gone), false, gone);
    assert.equal(texts.has('j49'), true);
    assert.equal(texts.has('j80'), true);
  });

  it('scheduler - jobs in the store are picked up by a new broker; those due meanwhile fire at start', async () => {
    const clock = new Clock(20_000_000);
    const store = new MemoryStore();
    const b1 = await startBroker(clock, {}, store);
    await b1.send(message('due while down', 'queue://S', { AMQ_SCHEDULED_DELAY: 500 }), null);
    await b1.send(message('later', 'queue://S', { AMQ_SCHEDULED_DELAY: 5000 }), null);
    await b1.stop();
    clock.t += 1000;
    const b2 = await startBroker(clock, {}, store);
    brokers.push(b2);
    const probe = new Probe(b2);
    probe.consume('queue://S');
    await until(() => probe.got.length === 1, 'the overdue job');
    assert.deepEqual(probe.texts(), ['due while down']);
    await advance(b2, clock, 20_004_999);
    assert.equal(probe.got.length, 1);
    await advance(b2, clock, 20_005_000);
    await until(() => probe.got.length === 2, 'the later job');
  });
});
