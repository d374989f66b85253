// The tutorial's Java programs (examples/java) with ActiveMQ 5.17's own client jar, against Wharf
// through a plain tcp:// connector, as they run against ActiveMQ (scripts/run-java-examples.sh
// runs the same programs there). Each program checks what it sees and exits non-zero otherwise.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Broker } from '@wharf/broker';
import { startBroker, stopBroker } from './broker';
import { REPO, classpath, compileJava, runJava } from './java';

const BUILD = path.join(__dirname, '..', 'java-build', 'examples');
const PROGRAMS = fs.readFileSync(path.join(REPO, 'examples', 'java', 'PROGRAMS'), 'utf8')
  .split('\n').filter((l) => l.trim()).map((l) => { const m = /^(\S+)\s+(.*)$/.exec(l)!; return { name: m[1]!, what: m[2]! }; });

describe('openwire - the tutorial Java programs against Wharf', function () {
  this.timeout(120000);
  let broker: Broker;
  before(async function () {
    if (!classpath()) this.skip();
    compileJava(path.join(REPO, 'examples', 'java', 'src'), BUILD);
    broker = await startBroker({ persistent: true, schedulerSupport: true });
  });
  after(async () => {
    if (broker) await stopBroker(broker);
  });

  it('java examples - P2P through failover:(tcp://...) with jms.* options, as on ActiveMQ', async () => {
    const url = `failover:(${broker.connectorUrl('tcp')})?jms.useAsyncSend=true&jms.prefetchPolicy.queuePrefetch=5&jms.alwaysSessionAsync=false`;
    const r = await runJava(BUILD, 'P2P', [url], 90000);
    assert.equal(r.code, 0, `P2P failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^PASS p2p - a MessageListener/m);
  });

  for (const p of PROGRAMS) {
    it(`java examples - ${p.name}: ${p.what}`, async () => {
      const r = await runJava(BUILD, p.name, [broker.connectorUrl('tcp')], 90000);
      assert.equal(r.code, 0, `${p.name} failed:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /^PASS /m);
    });
  }
});
