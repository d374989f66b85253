import { strict as assert } from 'node:assert';
import {
  RedeliveryPolicy, exceedsRedeliveries, nextRedeliveryDelay, poisonCause, redeliveryDelayFor, DEFAULT_REDELIVERY_POLICY,
} from '../src/redelivery';

describe('redelivery policy', () => {
  it('redelivery - ActiveMQ defaults', () => {
    const p = new RedeliveryPolicy();
    assert.deepEqual(p.toData(), {
      maximumRedeliveries: 6, initialRedeliveryDelay: 1000, redeliveryDelay: 1000, useExponentialBackOff: false,
      backOffMultiplier: 5, maximumRedeliveryDelay: -1,
    });
    assert.equal(p.configured, false);
    p.setMaximumRedeliveries(2);
    assert.equal(p.getMaximumRedeliveries(), 2);
    assert.equal(p.configured, true, 'a setter marks it configured by the application');
  });

  it('redelivery - delay sequence: initial, then redeliveryDelay', () => {
    const p = { ...DEFAULT_REDELIVERY_POLICY, initialRedeliveryDelay: 100, redeliveryDelay: 300 };
    assert.deepEqual([1, 2, 3, 4].map((r) => redeliveryDelayFor(p, r)), [100, 300, 300, 300]);
  });

  it('redelivery - exponential back-off capped by maximumRedeliveryDelay', () => {
    const p = { ...DEFAULT_REDELIVERY_POLICY, initialRedeliveryDelay: 10, redeliveryDelay: 10, useExponentialBackOff: true, backOffMultiplier: 2, maximumRedeliveryDelay: 50 };
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((r) => redeliveryDelayFor(p, r)), [10, 20, 40, 50, 50, 50]);
    const uncapped = { ...p, maximumRedeliveryDelay: -1, backOffMultiplier: 5 };
    assert.deepEqual([1, 2, 3].map((r) => redeliveryDelayFor(uncapped, r)), [10, 50, 250]);
    // ActiveMQ: with initialRedeliveryDelay 0 the first back-off step starts from redeliveryDelay.
    const zero = { ...uncapped, initialRedeliveryDelay: 0, redeliveryDelay: 100 };
    assert.deepEqual([1, 2, 3].map((r) => redeliveryDelayFor(zero, r)), [0, 100, 500]);
    assert.equal(nextRedeliveryDelay({ ...p, maximumRedeliveryDelay: 5 }, 10), 10, 'never below redeliveryDelay');
  });

  it('redelivery - limit: 1 + maximumRedeliveries deliveries, -1 unlimited', () => {
    const p = { ...DEFAULT_REDELIVERY_POLICY };
    assert.equal(exceedsRedeliveries(p, 7), false, '7th delivery = 6th redelivery is allowed');
    assert.equal(exceedsRedeliveries(p, 8), true);
    assert.equal(exceedsRedeliveries({ ...p, maximumRedeliveries: 0 }, 2), true);
    assert.equal(exceedsRedeliveries({ ...p, maximumRedeliveries: -1 }, 10000), false);
  });

  it('redelivery - poison cause names the count, the policy and the failure', () => {
    const c = poisonCause({ ...DEFAULT_REDELIVERY_POLICY, maximumRedeliveries: 2 }, 4, new Error('cannot process order 42'));
    assert.match(c, /^Delivery\[3\] exceeds redelivery policy limit:RedeliveryPolicy\{maximumRedeliveries=2, /);
    assert.match(c, /cause:Error: cannot process order 42$/);
    assert.match(poisonCause(DEFAULT_REDELIVERY_POLICY, 8), /cause:null$/);
  });
});
