// The scheduler's pure parts: property parsing, ActiveMQ's timing rules, fired copies, the heap.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { BodyKind, DeliveryMode, MessageFormatError, type WireMessage } from '@wharf/protocol';
import { firstDue, isManagementDestination, nextCronTime, readSchedule, roundStart } from '../src/scheduler/timing';
import { fireOutcome, firedCopy, type JobData } from '../src/scheduler/job';
import { JobHeap, compareKeys, type HeapNode } from '../src/scheduler/heap';

function msg(properties: WireMessage['properties'] = {}): WireMessage {
  return {
    messageId: 'ID:p:1', destination: 'queue://Q', deliveryMode: DeliveryMode.PERSISTENT, priority: 4, timestamp: 1000,
    expiration: 0, deliveryTime: 0, redelivered: false, deliveryCount: 0, producerId: 'p', producerSeq: 1,
    properties, bodyKind: BodyKind.TEXT, body: 'x',
  };
}

function job(spec: Partial<JobData>): JobData {
  return { msg: msg(), delay: 0, period: 0, repeat: 0, cron: '', newIds: false, ...spec };
}

describe('scheduler timing', () => {
  it('scheduler timing - numbers arrive as number, bigint or numeric string', () => {
    assert.deepEqual(readSchedule({ AMQ_SCHEDULED_DELAY: 1500 }), { delay: 1500, period: 0, repeat: 0, cron: '' });
    assert.equal(readSchedule({ AMQ_SCHEDULED_DELAY: 1500n })?.delay, 1500);
    assert.equal(readSchedule({ AMQ_SCHEDULED_DELAY: ' 1500 ' })?.delay, 1500);
    assert.deepEqual(readSchedule({ AMQ_SCHEDULED_PERIOD: '100', AMQ_SCHEDULED_REPEAT: '9' }), { delay: 0, period: 100, repeat: 9, cron: '' });
    assert.throws(() => readSchedule({ AMQ_SCHEDULED_DELAY: 'soon' }), MessageFormatError);
    assert.throws(() => readSchedule({ AMQ_SCHEDULED_DELAY: true }), /AMQ_SCHEDULED_DELAY must be a number/);
  });

  it('scheduler timing - REPEAT alone schedules nothing; a repeat above 1000 is refused', () => {
    assert.equal(readSchedule({ AMQ_SCHEDULED_REPEAT: 5 }), null);
    assert.equal(readSchedule({}), null);
    assert.equal(readSchedule({ AMQ_SCHEDULED_DELAY: null }), null);
    assert.equal(readSchedule({ AMQ_SCHEDULED_DELAY: 0, AMQ_SCHEDULED_REPEAT: 1000 })?.repeat, 1000);
    assert.throws(() => readSchedule({ AMQ_SCHEDULED_DELAY: 0, AMQ_SCHEDULED_REPEAT: 1001 }), /^MessageFormatError: The scheduled repeat value is too large$/);
    assert.throws(() => readSchedule({ AMQ_SCHEDULED_DELAY: 0, AMQ_SCHEDULED_REPEAT: -1 }), /needs AMQ_SCHEDULED_PERIOD > 0/);
    assert.equal(readSchedule({ AMQ_SCHEDULED_PERIOD: 10, AMQ_SCHEDULED_REPEAT: -1 })?.repeat, -1);
  });

  it('scheduler timing - cron: 5 fields (or 6 with seconds), a bad one is a MessageFormatError', () => {
    assert.equal(readSchedule({ AMQ_SCHEDULED_CRON: '0 * * * *' })?.cron, '0 * * * *');
    assert.equal(readSchedule({ AMQ_SCHEDULED_CRON: '*/5 * * * * *' })?.cron, '*/5 * * * * *');
    assert.throws(() => readSchedule({ AMQ_SCHEDULED_CRON: '0 * * *' }), /must have 5 fields/);
    assert.throws(() => readSchedule({ AMQ_SCHEDULED_CRON: '99 * * * *' }), MessageFormatError);
    const t = new Date(2030, 0, 1, 12, 0, 10).getTime();
    assert.equal(nextCronTime('0 * * * *', t), new Date(2030, 0, 1, 13, 0, 0).getTime(), 'local time, strictly after');
  });

  it('scheduler timing - start rounding and the first fire (JobSchedulerImpl.doSchedule)', () => {
    assert.equal(roundStart(1234, 0), 1234);
    assert.equal(roundStart(1234, 500), 1500);
    assert.equal(roundStart(1500, 500), 2000, 'ActiveMQ rounds ((t + 500) / 500) * 500');
    assert.equal(firstDue({ delay: 100, period: 50, repeat: 3, cron: '' }, 1000), 1100, 'delay first');
    assert.equal(firstDue({ delay: 0, period: 50, repeat: 3, cron: '' }, 1000), 1050, 'else the period');
    const noon = new Date(2030, 0, 1, 12, 0, 10).getTime();
    const one = new Date(2030, 0, 1, 13, 0, 0).getTime();
    assert.equal(firstDue({ delay: 1000, period: 0, repeat: 0, cron: '0 * * * *' }, noon), one + 1000, 'cron time + delay');
  });

  it('scheduler timing - repeats count down; a negative repeat never ends', () => {
    const a = fireOutcome(job({ period: 100, repeat: 2 }), 1000, 1003, 0);
    assert.equal(a.deliver, true);
    assert.deepEqual([a.next?.due, a.next?.data.repeat], [1100, 1]);
    const b = fireOutcome(a.next!.data, 1100, 1100, 0);
    assert.deepEqual([b.next?.due, b.next?.data.repeat], [1200, 0]);
    assert.equal(fireOutcome(b.next!.data, 1200, 1200, 0).next, null, 'repeat 2 → 3 fires');
    assert.equal(fireOutcome(job({ period: 100, repeat: -1 }), 1000, 1000, 0).next?.data.repeat, -1);
    assert.equal(fireOutcome(job({ period: 100, repeat: 1 }), 1000, 5000, 0).next?.due, 5100, 'held up: from now, not in a burst');
  });

  it('scheduler timing - cron with repeat 0 delivers each tick; with a repeat it starts a run per tick', () => {
    const t = new Date(2030, 0, 1, 13, 0, 0).getTime();
    const plain = fireOutcome(job({ cron: '0 * * * *', delay: 5000 }), t, t, 0);
    assert.equal(plain.deliver, true);
    assert.equal(plain.next?.due, t + 3600000, 'the delay only applies to the first fire');
    const burst = fireOutcome(job({ cron: '0 * * * *', delay: 1000, period: 1000, repeat: 9 }), t, t, 0);
    assert.equal(burst.deliver, false);
    assert.equal(burst.next?.due, t + 3600000);
    assert.deepEqual([burst.spawn?.due, burst.spawn?.data.repeat, burst.spawn?.data.cron], [t + 1000, 9, '']);
  });

  it('scheduler timing - a fired copy: scheduledJobId set, AMQ_SCHEDULED_* removed, TTL kept', () => {
    const m = { ...msg({ AMQ_SCHEDULED_DELAY: 5000, AMQ_SCHEDULED_REPEAT: 1, other: 'kept' }), timestamp: 1000, expiration: 3000 };
    const ids = { messageId: 'ID:sched:7', producerId: 'ID:sched', producerSeq: 7 };
    const once = firedCopy(job({ msg: m, newIds: false }), 'ID:p:1', 6000, ids);
    assert.deepEqual(once.properties, { other: 'kept', scheduledJobId: 'ID:p:1' });
    assert.equal(once.messageId, 'ID:p:1');
    assert.deepEqual([once.timestamp, once.expiration], [6000, 8000]);
    assert.equal(m.properties.AMQ_SCHEDULED_DELAY, 5000, 'the stored message is not changed');
    assert.equal(firedCopy(job({ msg: m, newIds: true }), 'ID:p:1', 6000, ids).messageId, 'ID:sched:7');
    const noTtl = firedCopy(job({ msg: { ...m, expiration: 0 } }), 'j', 6000, ids);
    assert.deepEqual([noTtl.timestamp, noTtl.expiration], [1000, 0]);
  });

  it('scheduler timing - the management destination is a case-insensitive prefix', () => {
    assert.equal(isManagementDestination('queue://ActiveMQ.Scheduler.Management'), true);
    assert.equal(isManagementDestination('topic://activemq.scheduler.management.replies'), true);
    assert.equal(isManagementDestination('queue://ActiveMQ.Scheduler'), false);
    assert.equal(isManagementDestination('queue://orders'), false);
  });

  it('scheduler heap - pops in (due, id) order through pushes and removals', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ due: fc.integer({ min: 0, max: 50 }), id: fc.integer({ min: 0, max: 30 }).map(String), drop: fc.boolean() }), { maxLength: 120 }),
      (ops) => {
        const heap = new JobHeap<null>();
        const model = new Map<string, { due: number; id: string }>();
        for (const o of ops) {
          if (o.drop) {
            heap.remove(o.id);
            model.delete(o.id);
          } else {
            const node: HeapNode<null> = { due: o.due, id: o.id, data: null, pos: -1 };
            heap.push(node);
            model.set(o.id, { due: o.due, id: o.id });
          }
        }
        const expected = [...model.values()].sort(compareKeys).map((k) => `${k.due}/${k.id}`);
        const got: string[] = [];
        for (let n = heap.pop(); n; n = heap.pop()) got.push(`${n.due}/${n.id}`);
        assert.deepEqual(got, expected);
      },
    ));
  });

  it('scheduler heap - truncate keeps the first n and names the last kept', () => {
    const heap = new JobHeap<null>();
    for (let i = 0; i < 50; i++) heap.push({ due: (i * 37) % 50, id: `j${i}`, data: null, pos: -1 });
    const last = heap.truncate(10);
    assert.equal(heap.size, 10);
    assert.equal(last?.due, 9);
    assert.deepEqual(heap.sorted().map((n) => n.due), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(heap.has('j1'), false);
  });
});
