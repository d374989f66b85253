// Security over OpenWire with ActiveMQ's own client: a wrong password is a JMSSecurityException
// at connect, a refused send is a JMSSecurityException (ExceptionResponse) on that send and the
// connection goes on, and the broker writes JMSXUserID whatever the client set.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Broker } from '@wharf/broker';
import { startBroker, stopBroker } from './broker';
import { classpath, compileJava, runJava } from './java';

const CLASSES = path.join(__dirname, '..', 'java-build', 'security');
const SRC = path.join(__dirname, '..', '..', 'test', 'java');

describe('openwire - security with the Java client', function () {
  this.timeout(120000);
  let broker: Broker | undefined;
  before(async function () {
    if (!classpath()) this.skip();
    compileJava(SRC, CLASSES);
    broker = await startBroker({
      users: [{ username: 'alice', password: 'alicepw', groups: ['users'] }],
      authorizationEntries: [
        { queue: 'USERS.>', read: 'users', write: 'users', admin: 'users' },
        { topic: 'ActiveMQ.Advisory.>', read: 'users', write: 'users', admin: 'users' },
      ],
    });
  });
  after(async () => {
    if (broker) await stopBroker(broker);
  });

  it('openwire security - wrong password, refused send, allowed send and JMSXUserID on one connection', async () => {
    const r = await runJava(CLASSES, 'SecurityProbe', [broker!.connectorUrl('tcp'), 'alice', 'alicepw', 'USERS.JAVA', 'PAYROLL'], 30000);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr.slice(-3000)}`);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'wrong-password:javax.jms.JMSSecurityException');
    assert.match(lines[1]!, /^denied:javax\.jms\.JMSSecurityException:User alice is not authorized to write to: queue:\/\/PAYROLL/);
    assert.equal(lines[2], 'allowed:yes:alice');
    assert.ok(broker!.security.stats.authorizationRefusals >= 1);
  });
});
