// Scheduled delivery over real TCP with the native client (docs/ACTIVEMQ-BEHAVIOUR.md: the scheduler): delay, period +
// repeat, cron, restart safety, management through ActiveMQ.Scheduler.Management.
import { strict as assert } from 'node:assert';
import { ConnectionFactory, Session, DeliveryMode, type Message, type MessageConsumer } from '@wharf/client';
import { Broker } from '@wharf/broker';
import { Ledger, checkFor, removeDir, tempDir } from '@wharf/testkit';
import { world, text, type World } from './helpers';

const DELAY = 'AMQ_SCHEDULED_DELAY';
const PERIOD = 'AMQ_SCHEDULED_PERIOD';
const REPEAT = 'AMQ_SCHEDULED_REPEAT';
const CRON = 'AMQ_SCHEDULED_CRON';

async function drain(c: MessageConsumer, quietMs: number): Promise<Message[]> {
  const out: Message[] = [];
  for (let m = await c.receive(quietMs); m; m = await c.receive(quietMs)) out.push(m);
  return out;
}

describe('scheduler', () => {
  let w: World;
  beforeEach(async () => {
    w = await world({ schedulerSupport: true });
  });
  afterEach(() => w.ledger.closeAll());

  async function session(): Promise<Session> {
    return (await w.connect()).createSession(false, Session.AUTO_ACKNOWLEDGE);
  }

  it('scheduler - AMQ_SCHEDULED_DELAY is honoured: never early, in due order', async () => {
    const s = await session();
    const q = s.createQueue('sched.delay');
    const consumer = await s.createConsumer(q);
    const p = await s.createProducer(q);
    const delays = [600, 200, 400, 300, 500];
    const due = new Map<string, number>();
    for (const [i, d] of delays.entries()) {
      const m = s.createTextMessage(`m${i}`);
      // number, bigint and numeric string are all accepted (TypeConversionSupport)
      if (i % 3 === 0) m.setLongProperty(DELAY, d);
      else if (i % 3 === 1) m.setLongProperty(DELAY, BigInt(d));
      else m.setStringProperty(DELAY, String(d));
      due.set(`m${i}`, Date.now() + d);
      await p.send(m);
    }
    const order: string[] = [];
    for (let i = 0; i < delays.length; i++) {
      const m = await consumer.receive(3000);
      assert.ok(m, `message ${i} arrives`);
      const late = Date.now() - due.get(text(m))!;
      order.push(text(m));
      assert.ok(late >= 0, `${text(m)} arrived ${-late} ms early`);
      assert.equal(m.getStringProperty('scheduledJobId') !== null, true);
      assert.equal(m.getObjectProperty(DELAY), null, 'the scheduling properties are removed');
    }
    assert.deepEqual(order, ['m1', 'm3', 'm2', 'm4', 'm0'], 'delivered in due order');
    // How late is a timing, measured by scripts/bench-scheduler.mjs (docs/PERFORMANCE.md), not here.
    // The same job id is the message id: the message is not given a new id without a repeat.
    assert.equal(w.broker.scheduler!.stats.fired, delays.length);
  });

  it('scheduler - period + repeat gives repeat+1 deliveries a period apart, each with a new message id', async () => {
    const s = await session();
    const q = s.createQueue('sched.repeat');
    const consumer = await s.createConsumer(q);
    const m = s.createTextMessage('tick');
    m.setLongProperty(DELAY, 100);
    m.setLongProperty(PERIOD, 150);
    m.setIntProperty(REPEAT, 4);
    const sent = Date.now();
    await (await s.createProducer(q)).send(m);
    const got: Array<{ at: number; id: string | null; job: string | null }> = [];
    for (let x = await consumer.receive(600); x; x = await consumer.receive(600)) {
      got.push({ at: Date.now(), id: x.getJMSMessageID(), job: x.getStringProperty('scheduledJobId') });
    }
    assert.equal(got.length, 5, 'repeat 4 → 5 deliveries');
    assert.ok(got[0]!.at - sent >= 100, 'the first after the delay');
    for (let i = 1; i < got.length; i++) assert.ok(got[i]!.at - got[i - 1]!.at >= 100, `spacing ${got[i]!.at - got[i - 1]!.at}`);
    assert.equal(new Set(got.map((g) => g.id)).size, 5, 'every copy has its own message id');
    assert.equal(new Set(got.map((g) => g.job)).size, 1, 'all from one job');
    assert.equal((await w.broker.scheduler!.list(10)).length, 0, 'the job is gone when its repeats are done');
  });

  it('scheduler - a cron job fires at every tick (6-field cron, every second)', async function () {
    this.timeout(10000);
    const s = await session();
    const q = s.createQueue('sched.cron');
    const consumer = await s.createConsumer(q);
    const m = s.createTextMessage('cron');
    m.setStringProperty(CRON, '* * * * * *');
    await (await s.createProducer(q)).send(m);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const x = await consumer.receive(2500);
      assert.ok(x, `tick ${i}`);
      times.push(Date.now());
      assert.equal(x.getObjectProperty(CRON), null);
    }
    // Each delivery is at (just after) a whole second.
    for (const t of times) assert.ok(t % 1000 < 150, `fired at ${t % 1000} ms past the second`);
    const jobs = await w.broker.scheduler!.list(10);
    assert.equal(jobs.length, 1, 'a cron job stays');
    assert.equal(jobs[0]!.cron, '* * * * * *');
  });

  it('scheduler - cron with a repeat starts delay/period/repeat runs at each tick', async function () {
    this.timeout(10000);
    const s = await session();
    const q = s.createQueue('sched.cron.repeat');
    const consumer = await s.createConsumer(q);
    const m = s.createTextMessage('burst');
    m.setStringProperty(CRON, '* * * * * *');
    m.setLongProperty(PERIOD, 50);
    m.setIntProperty(REPEAT, 2);
    await (await s.createProducer(q)).send(m);
    const first = await consumer.receive(3000);
    assert.ok(first);
    const burst = [first, ...(await drain(consumer, 300))];
    assert.equal(burst.length, 3, 'repeat 2 → 3 messages per tick');
  });

  it('scheduler - a repeat above 1000 is refused as ActiveMQ does', async () => {
    const s = await session();
    const m = s.createTextMessage('x');
    m.setLongProperty(DELAY, 10);
    m.setIntProperty(REPEAT, 1001);
    await assert.rejects((await s.createProducer(s.createQueue('sched.bad'))).send(m), /The scheduled repeat value is too large/);
    const bad = s.createTextMessage('y');
    bad.setStringProperty(CRON, 'not a cron');
    await assert.rejects((await s.createProducer(s.createQueue('sched.bad'))).send(bad), /AMQ_SCHEDULED_CRON/);
  });

  it('scheduler - a message that already carries scheduledJobId is delivered at once', async () => {
    const s = await session();
    const q = s.createQueue('sched.jobid');
    const consumer = await s.createConsumer(q);
    const m = s.createTextMessage('again');
    m.setLongProperty(DELAY, 60000);
    m.setStringProperty('scheduledJobId', 'ID:somewhere:1');
    await (await s.createProducer(q)).send(m);
    const x = await consumer.receive(1000);
    assert.ok(x, 'not scheduled');
    assert.equal(x.getLongProperty(DELAY), 60000, 'kept as sent');
  });

  it('scheduler - scheduling in a transaction happens at commit; a rollback schedules nothing', async () => {
    const c = await w.connect();
    const tx = c.createSession(true, Session.SESSION_TRANSACTED);
    const q = tx.createQueue('sched.tx');
    const p = await tx.createProducer(q);
    const a = tx.createTextMessage('rolled back');
    a.setLongProperty(DELAY, 50);
    await p.send(a);
    await tx.rollback();
    const b = tx.createTextMessage('committed');
    b.setLongProperty(DELAY, 50);
    await p.send(b);
    assert.equal((await w.broker.scheduler!.list(10)).length, 0, 'nothing before the commit');
    await tx.commit();
    assert.equal((await w.broker.scheduler!.list(10)).length, 1);
    const consumer = await (await session()).createConsumer(q);
    assert.equal(text(await consumer.receive(2000)), 'committed');
    assert.equal(await consumer.receive(200), null);
  });

  it('scheduler - the time-to-live counts from the delivery, not the send', async () => {
    const s = await session();
    const q = s.createQueue('sched.ttl');
    const m = s.createTextMessage('fresh');
    m.setLongProperty(DELAY, 300);
    await (await s.createProducer(q)).send(m, { timeToLive: 200 });
    const consumer = await s.createConsumer(q);
    const x = await consumer.receive(2000);
    assert.ok(x, 'not expired although the delay is longer than the TTL');
    assert.ok(x.getJMSExpiration() - x.getJMSTimestamp() === 200);
  });

  it('scheduler - a scheduled composite send is one job delivered to every element', async () => {
    const s = await session();
    const qa = await s.createConsumer(s.createQueue('sched.cd.a'));
    const tb = await s.createConsumer(s.createTopic('sched.cd.b'));
    const m = s.createTextMessage('both');
    m.setLongProperty(DELAY, 100);
    await (await s.createProducer(s.createQueue('sched.cd.a,topic://sched.cd.b'))).send(m);
    assert.equal((await w.broker.scheduler!.list(10)).length, 1);
    assert.equal(text(await qa.receive(2000)), 'both');
    assert.equal(text(await tb.receive(2000)), 'both');
  });

  it('scheduler - management: BROWSE, REMOVE and REMOVEALL through ActiveMQ.Scheduler.Management', async () => {
    const s = await session();
    const q = s.createQueue('sched.mgmt');
    const p = await s.createProducer(q);
    const base = Date.now();
    for (let i = 0; i < 5; i++) {
      const m = s.createTextMessage(`job${i}`);
      m.setLongProperty(DELAY, 60000 + i * 1000);
      await p.send(m);
    }
    const mgmt = await s.createProducer(s.createTopic('ActiveMQ.Scheduler.Management'));
    const replies = await s.createTemporaryQueue();
    const browser = await s.createConsumer(replies);
    const browse = async (window?: [number, number]): Promise<Message[]> => {
      const req = s.createMessage();
      req.setStringProperty('AMQ_SCHEDULER_ACTION', 'BROWSE');
      if (window) {
        req.setLongProperty('ACTION_START_TIME', window[0]);
        req.setLongProperty('ACTION_END_TIME', window[1]);
      }
      req.setJMSReplyTo(replies);
      await mgmt.send(req);
      return drain(browser, 300);
    };
    const all = await browse();
    assert.deepEqual(all.map(text), ['job0', 'job1', 'job2', 'job3', 'job4']);
    assert.equal(all[0]!.getJMSType(), 'Advisory');
    assert.equal(all[0]!.getJMSDeliveryMode(), DeliveryMode.NON_PERSISTENT);
    assert.equal(all[0]!.getLongProperty(DELAY), 60000, 'browsed jobs show how they were scheduled');
    const windowed = await browse([base + 61500, base + 63500]);
    assert.deepEqual(windowed.map(text), ['job2', 'job3']);

    const remove = s.createMessage();
    remove.setStringProperty('AMQ_SCHEDULER_ACTION', 'REMOVE');
    remove.setStringProperty('scheduledJobId', all[1]!.getStringProperty('scheduledJobId'));
    // The management destination is matched by prefix, whatever the case.
    await (await s.createProducer(s.createQueue('activemq.scheduler.management.x'))).send(remove);
    assert.deepEqual((await browse()).map(text), ['job0', 'job2', 'job3', 'job4']);

    const removeSome = s.createMessage();
    removeSome.setStringProperty('AMQ_SCHEDULER_ACTION', 'REMOVEALL');
    removeSome.setLongProperty('ACTION_START_TIME', base + 61500);
    removeSome.setLongProperty('ACTION_END_TIME', base + 63500);
    await mgmt.send(removeSome);
    assert.deepEqual((await browse()).map(text), ['job0', 'job4']);

    const removeAll = s.createMessage();
    removeAll.setStringProperty('AMQ_SCHEDULER_ACTION', 'REMOVEALL');
    await mgmt.send(removeAll);
    assert.deepEqual(await browse(), []);
    assert.equal((await w.broker.scheduler!.list(10)).length, 0);
    assert.equal(w.broker.queues.has('queue://ActiveMQ.Scheduler.Management'), false, 'management messages go nowhere');
  });

  it('scheduler - the console view lists and removes jobs', async () => {
    const s = await session();
    const m = s.createTextMessage('listed');
    m.setLongProperty(DELAY, 60000);
    m.setLongProperty(PERIOD, 5000);
    m.setIntProperty(REPEAT, 3);
    await (await s.createProducer(s.createQueue('sched.console'))).send(m);
    const [job] = await w.broker.scheduler!.list(10);
    assert.ok(job);
    assert.equal(job.destination, 'queue://sched.console');
    assert.deepEqual([job.delay, job.period, job.repeat], [60000, 5000, 3]);
    assert.ok(job.due >= Date.now() + 59000);
    assert.equal(await w.broker.scheduler!.remove(job.id), true);
    assert.equal(await w.broker.scheduler!.remove(job.id), false);
    assert.deepEqual(await w.broker.scheduler!.list(10), []);
  });
});

describe('scheduler - off and restarts', () => {
  it('scheduler - without schedulerSupport the properties are ignored (ActiveMQ default)', async () => {
    const w = await world();
    try {
      const s = (await w.connect()).createSession(false, Session.AUTO_ACKNOWLEDGE);
      const q = s.createQueue('sched.off');
      const consumer = await s.createConsumer(q);
      const m = s.createTextMessage('now');
      m.setLongProperty(DELAY, 60000);
      await (await s.createProducer(q)).send(m);
      assert.equal(text(await consumer.receive(1000)), 'now');
      assert.equal(w.broker.scheduler, null);
    } finally {
      await w.ledger.closeAll();
    }
  });

  it('scheduler - jobs survive a broker restart; one due while the broker was down fires when it is back', async function () {
    this.timeout(20000);
    const dir = tempDir();
    const config = { schedulerSupport: true, persistent: true, dataDirectory: dir, brokerName: 'sched-restart', logLevel: 'silent', transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }] };
    let broker = new Broker(config);
    try {
      await broker.start();
      let w = await attach(broker);
      let s = (await w.connect()).createSession(false, Session.AUTO_ACKNOWLEDGE);
      const p = await s.createProducer(s.createQueue('sched.restart'));
      const sent = Date.now();
      for (const [name, delay] of [['while down', 300], ['after restart', 1500]] as const) {
        const m = s.createTextMessage(name);
        m.setLongProperty(DELAY, delay);
        await p.send(m);
      }
      const r = s.createTextMessage('repeating');
      r.setLongProperty(DELAY, 2000);
      r.setLongProperty(PERIOD, 100);
      r.setIntProperty(REPEAT, 2);
      await p.send(r, { deliveryMode: DeliveryMode.NON_PERSISTENT });
      await w.ledger.closeAll();
      await broker.stop();
      // Down for longer than the first delay.
      await new Promise((res) => setTimeout(res, 500));
      broker = new Broker(config);
      await broker.start();
      w = await attach(broker);
      s = (await w.connect()).createSession(false, Session.AUTO_ACKNOWLEDGE);
      const consumer = await s.createConsumer(s.createQueue('sched.restart'));
      const first = await consumer.receive(2000);
      assert.equal(first && text(first), 'while down');
      const second = await consumer.receive(3000);
      assert.equal(second && text(second), 'after restart');
      assert.ok(Date.now() - sent >= 1500, 'not early after the restart');
      const reps = await drain(consumer, 1000);
      assert.deepEqual(reps.map(text), ['repeating', 'repeating', 'repeating'], 'a repeating job goes on after the restart');
      await checkFor(2000, async () => (await broker.scheduler!.list(10)).length === 0, 'no jobs left');
      await w.ledger.closeAll();
    } finally {
      await broker.stop();
      removeDir(dir);
    }
  });
});

/** A World over an existing broker (the restart test manages the broker itself). */
async function attach(broker: Broker): Promise<World> {
  const ledger = new Ledger();
  const url = broker.connectorUrl('tcp');
  return {
    broker, url, ledger,
    async connect(opts, start = true) {
      const c = await new ConnectionFactory(url, opts).createConnection();
      ledger.add(c, (x) => x.close());
      if (start) await c.start();
      return c;
    },
  };
}
