// A slow topic subscriber of ActiveMQ's Java client under abortSlowConsumerStrategy. Recorded on
// ActiveMQ 5.17.2 with the same program and policy: the SlowConsumer advisory carries the
// consumerId, the consumer is closed (a ConsumerControl), the connection's exception listener
// stays silent and the connection stays usable. Wharf must answer the same four lines.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Broker } from '@wharf/broker';
import { startBroker, stopBroker } from './broker';
import { classpath, compileJava, runJava } from './java';

const CLASSES = path.join(__dirname, '..', 'java-build', 'slow-consumer');
const SRC = path.join(__dirname, '..', '..', 'test', 'java');
const RECORDED_ON_ACTIVEMQ = ['advisory:consumerId=true', 'consumer:closed', 'exception-listener:silent', 'connection-usable:true'];

describe('openwire - slow consumers with the Java client', function () {
  this.timeout(120000);
  let broker: Broker | undefined;
  before(async function () {
    if (!classpath()) this.skip();
    compileJava(SRC, CLASSES);
    broker = await startBroker({
      destinationPolicy: [{ topic: 'SLOW.>', advisoryForSlowConsumers: true, slowConsumerStrategy: { type: 'abortSlowConsumer', maxSlowDuration: 2000, checkPeriod: 500 } }],
    });
  });
  after(async () => {
    if (broker) await stopBroker(broker);
  });

  it('openwire slow consumer - aborted as on ActiveMQ: advised, the consumer closed by a ConsumerControl, the connection untouched', async () => {
    const r = await runJava(CLASSES, 'SlowConsumerProbe', [broker!.connectorUrl('tcp'), 'SLOW.J'], 60000);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr.slice(-3000)}`);
    assert.deepEqual(r.stdout.trim().split('\n'), RECORDED_ON_ACTIVEMQ);
    assert.equal(broker!.slowConsumers.aborted, 1);
  });
});
