// Security over STOMP (TCP) and STOMP over WebSocket: the same core checks as the native
// protocol. A refused login is an ERROR and a close; a refused operation is an ERROR frame
// (with the receipt-id of the refused frame) and the connection goes on, as ActiveMQ answers a
// SecurityException on one command.
import { strict as assert } from 'node:assert';
import type { Broker, BrokerConfig } from '@wharf/broker';
import { RawStomp, portOf, startBroker, stompjs } from './stomp-harness.test';

/** admin in admins, alice in users, guest in guests; password: the name + 'pw'. */
const USERS: BrokerConfig['users'] = [['admin', 'admins'], ['alice', 'users'], ['guest', 'guests']].map(([u, g]) => ({ username: u!, password: `${u!}pw`, groups: [g!] }));
/** One entry granting `groups` read, write and admin. */
const all = (kind: 'queue' | 'topic', name: string, groups: string): BrokerConfig['authorizationEntries'][number] => ({ [kind]: name, read: groups, write: groups, admin: groups });
/** The admins own everything; users own USERS.>; the advisory topics are open to both. */
const ENTRIES: BrokerConfig['authorizationEntries'] = [
  all('queue', '>', 'admins'), all('queue', 'USERS.>', 'users'), all('topic', '>', 'admins'), all('topic', 'USERS.>', 'users'),
  all('topic', 'ActiveMQ.Advisory.>', 'users,admins'),
];

describe('security (STOMP and WebSocket)', () => {
  let b: Broker;
  const raws: RawStomp[] = [];
  beforeEach(async () => {
    b = await startBroker({ users: USERS, authorizationEntries: ENTRIES, anonymousAccessAllowed: true, tempDestinationAuthorizationEntry: { read: 'users', write: 'users', admin: 'users' } });
  });
  afterEach(async () => {
    for (const c of raws.splice(0)) c.close();
    await b.stop();
  });

  async function open(login?: string, passcode?: string): Promise<RawStomp> {
    const headers: Record<string, string> = { 'accept-version': '1.2', host: 'localhost' };
    if (login !== undefined) headers.login = login;
    if (passcode !== undefined) headers.passcode = passcode;
    const { c } = await RawStomp.open(portOf(b, 'stomp'), headers);
    raws.push(c);
    return c;
  }

  async function expectRefusal(c: RawStomp, receipt: string, pattern: RegExp): Promise<void> {
    const f = await c.next();
    assert.equal(f.command, 'ERROR', `expected ERROR, got ${f.command}`);
    assert.equal(f.headers.get('receipt-id'), receipt);
    assert.match(f.headers.get('message') ?? '', pattern);
    assert.equal(c.isClosed, false);
  }

  it('security stomp - wrong password and unknown user: ERROR and close', async () => {
    for (const [login, passcode] of [['alice', 'wrong'], ['nobody', 'alicepw']] as const) {
      const c = await RawStomp.connect(portOf(b, 'stomp'));
      raws.push(c);
      c.send('CONNECT', { 'accept-version': '1.2', host: 'localhost', login, passcode });
      await c.expectErrorAndClose(new RegExp(`User name \\[${login}\\] or password is invalid`));
    }
    assert.equal(b.security.stats.authenticationFailures, 2);
  });

  it('security stomp - refused SUBSCRIBE, SEND and temporary queue are ERROR frames; the connection goes on', async () => {
    const c = await open('alice', 'alicepw');
    c.send('SUBSCRIBE', { id: '1', destination: '/queue/PAYROLL', receipt: 'r1' });
    await expectRefusal(c, 'r1', /User alice is not authorized to read from: queue:\/\/PAYROLL/);
    c.send('SUBSCRIBE', { id: '1', destination: '/queue/PAYROLL', receipt: 'r1b' });
    await expectRefusal(c, 'r1b', /not authorized to read from/); // the refused id was not kept
    c.send('SEND', { destination: '/queue/PAYROLL', receipt: 'r2' }, 'x');
    await expectRefusal(c, 'r2', /not authorized to write to: queue:\/\/PAYROLL/);
    c.send('SUBSCRIBE', { id: '2', destination: '/topic/PRICES', 'activemq.subscriptionName': 'prices', receipt: 'r3' });
    await expectRefusal(c, 'r3', /not authorized to read from: topic:\/\/PRICES/);
    // Still connected: alice's own destinations work, wildcards over them too.
    await c.request('SUBSCRIBE', { id: '3', destination: '/queue/USERS.>' });
    await c.request('SEND', { destination: '/queue/USERS.A', JMSXUserID: 'admin' }, 'hello');
    const m = await c.next();
    assert.equal(m.command, 'MESSAGE');
    assert.equal(m.headers.get('JMSXUserID'), 'alice', 'the broker sets JMSXUserID; the client value is dropped');
    assert.ok(b.security.stats.authorizationRefusals >= 3);

    const g = await open('guest', 'guestpw');
    // The temporary queue is made by its own command before the SUBSCRIBE: its refusal carries no receipt-id.
    g.send('SUBSCRIBE', { id: '1', destination: '/temp-queue/replies', receipt: 'g1' });
    const refusedTemp = await g.next();
    assert.equal(refusedTemp.command, 'ERROR');
    assert.match(refusedTemp.headers.get('message') ?? '', /User guest is not authorized to create: temp-queue:/);
    while ((await g.next()).headers.get('receipt-id') !== 'g1');
    g.send('SUBSCRIBE', { id: '2', destination: '/queue/ActiveMQ.DLQ', receipt: 'g2' });
    await expectRefusal(g, 'g2', /not authorized to read from: queue:\/\/ActiveMQ.DLQ/);
  });

  it('security stomp - anonymous access: CONNECT without login is the anonymous user', async () => {
    const c = await open();
    c.send('SEND', { destination: '/queue/USERS.A', receipt: 'a1' }, 'x');
    await expectRefusal(c, 'a1', /User anonymous is not authorized to write to: queue:\/\/USERS.A/);
  });

  it('security websocket - login, refusals and JMSXUserID over STOMP on a WebSocket', async () => {
    await assert.rejects(stompjs(b, 'ws', { login: 'alice', passcode: 'nope' }), /User name \[alice\] or password is invalid/);
    const alice = await stompjs(b, 'ws', { login: 'alice', passcode: 'alicepw' });
    try {
      const sub = alice.subscribe('/queue/USERS.WS');
      await sub.ready;
      alice.client.publish({ destination: '/queue/PAYROLL', body: 'x', headers: { receipt: 'denied' } });
      const err = await alice.errors.next(5000, 'an ERROR frame');
      assert.match(err.headers.message ?? '', /User alice is not authorized to write to: queue:\/\/PAYROLL/);
      assert.equal(err.headers['receipt-id'], 'denied');
      await alice.publish('/queue/USERS.WS', 'over ws', { JMSXUserID: 'admin' });
      const m = await sub.messages.next();
      assert.equal(m.body, 'over ws');
      assert.equal(m.headers.JMSXUserID, 'alice');
    } finally {
      await alice.close();
    }
  });
});
