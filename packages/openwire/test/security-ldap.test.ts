// LDAP logins over OpenWire with ActiveMQ's own client, against a private slapd: the directory's
// password logs in, a wrong password and an unknown user are a JMSSecurityException at connect,
// the LDAP groups grant and refuse sends (ExceptionResponse, the connection goes on) and the
// broker writes the LDAP user into JMSXUserID.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Broker } from '@wharf/broker';
import { slapdAvailable, startSlapd, type SlapdHandle } from '@wharf/testkit';
import { startBroker, stopBroker } from './broker';
import { classpath, compileJava, runJava } from './java';

const CLASSES = path.join(__dirname, '..', 'java-build', 'security-ldap');
const SRC = path.join(__dirname, '..', '..', 'test', 'java');

describe('openwire - LDAP logins with the Java client', function () {
  this.timeout(120000);
  let slapd: SlapdHandle | undefined;
  let broker: Broker | undefined;
  before(async function () {
    if (!classpath() || !slapdAvailable()) this.skip();
    compileJava(SRC, CLASSES);
    slapd = await startSlapd({ users: [{ uid: 'alice', password: 'alice-ldap', groups: ['users'] }, { uid: 'bob', password: 'bob-ldap' }] });
    broker = await startBroker({
      jaasLdapLogin: {
        connectionURL: slapd.url, connectionUsername: slapd.adminDN, connectionPassword: slapd.adminPassword,
        userBase: `ou=people,${slapd.suffix}`, userSearchMatching: '(uid={0})',
        roleBase: `ou=groups,${slapd.suffix}`, roleName: 'cn', roleSearchMatching: '(member={0})',
      },
      authorizationEntries: [
        { queue: 'USERS.>', read: 'users', write: 'users', admin: 'users' },
        { topic: 'ActiveMQ.Advisory.>', read: 'users,*', write: 'users,*', admin: 'users,*' },
      ],
    });
  });
  after(async () => {
    if (broker) await stopBroker(broker);
    await slapd?.stop();
  });

  it('openwire security ldap - LDAP user accepted, wrong password refused, group refusal and grant, JMSXUserID', async () => {
    const r = await runJava(CLASSES, 'SecurityProbe', [broker!.connectorUrl('tcp'), 'alice', 'alice-ldap', 'USERS.JAVA', 'PAYROLL'], 30000);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr.slice(-3000)}`);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'wrong-password:javax.jms.JMSSecurityException');
    assert.match(lines[1]!, /^denied:javax\.jms\.JMSSecurityException:User alice is not authorized to write to: queue:\/\/PAYROLL/);
    assert.equal(lines[2], 'allowed:yes:alice');
  });

  it('openwire security ldap - an unknown user is refused; a directory user in no group logs in but may not write', async () => {
    const unknown = await runJava(CLASSES, 'LoginProbe', [broker!.connectorUrl('tcp'), 'mallory', 'alice-ldap'], 30000);
    assert.equal(unknown.stdout.trim(), 'javax.jms.JMSSecurityException:User name [mallory] or password is invalid.');
    const bob = await runJava(CLASSES, 'LoginProbe', [broker!.connectorUrl('tcp'), 'bob', 'bob-ldap', 'USERS.JAVA'], 30000);
    const lines = bob.stdout.trim().split('\n');
    assert.equal(lines[0], 'accepted');
    assert.match(lines[1]!, /^javax\.jms\.JMSSecurityException:User bob is not authorized to write to: queue:\/\/USERS.JAVA/);
  });
});
