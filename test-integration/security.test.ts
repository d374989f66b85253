// Security over the native protocol: authentication (config users, hashed and environment
// passwords, JAAS property files with reload, anonymous access, failures slowed down),
// authorization as ActiveMQ's authorizationEntries (exact names, wildcards, temporary
// destinations, advisory topics, the DLQ, durable subscriptions), JMSXUserID set by the broker,
// and the refusal to listen beyond loopback without authentication.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConnectionFactory, JMSSecurityError, Session, type Connection } from '@wharf/client';
import { Broker, hashPassword, resolveConfig, type BrokerConfig } from '@wharf/broker';
import { createBrokerClusterNode } from '@wharf/cluster';
import { CommandType, ConfigError, PROTOCOL_VERSION } from '@wharf/protocol';
import { checkFor } from '@wharf/testkit';
import { world, text, raw, type World } from './helpers';

const USERS: BrokerConfig['users'] = [
  { username: 'admin', password: 'adminpw', groups: ['admins'] },
  { username: 'alice', password: 'alicepw', groups: ['users'] },
  { username: 'guest', password: 'guestpw', groups: ['guests'] },
];
/** The example map, plus a read-only group for guests on one queue. */
const ENTRIES: BrokerConfig['authorizationEntries'] = [
  { queue: '>', read: 'admins', write: 'admins', admin: 'admins' },
  { queue: 'USERS.>', read: 'users', write: 'users', admin: 'users' },
  { queue: 'PUBLIC.NEWS', read: 'guests,users', write: 'users', admin: 'users' },
  { topic: '>', read: 'admins', write: 'admins', admin: 'admins' },
  { topic: 'USERS.>', read: 'users', write: 'users', admin: 'users' },
  { topic: 'ActiveMQ.Advisory.>', read: 'users,admins', write: 'users,admins', admin: 'users,admins' },
];

const isSecurity = (re: RegExp) => (e: Error): boolean => e instanceof JMSSecurityError && re.test(e.message);

async function login(w: World, user?: string, password?: string, clientID?: string): Promise<Connection> {
  const c = await new ConnectionFactory(w.url, clientID ? { clientID } : undefined).createConnection(user, password);
  w.ledger.add(c, (x) => x.close());
  await c.start();
  return c;
}

describe('security (native protocol)', () => {
  let w: World | null = null;
  afterEach(async () => {
    await w?.ledger.closeAll();
    w = null;
  });

  describe('authentication', () => {
    it('security - wrong password and unknown user are refused alike; the right password works', async () => {
      w = await world({ users: USERS });
      await assert.rejects(login(w, 'alice', 'nope'), isSecurity(/User name \[alice\] or password is invalid/));
      await assert.rejects(login(w, 'mallory', 'alicepw'), isSecurity(/User name \[mallory\] or password is invalid/));
      await assert.rejects(login(w), isSecurity(/User name \[\] or password is invalid/));
      assert.equal(w.broker.security.stats.authenticationFailures, 3);
      const c = await login(w, 'alice', 'alicepw');
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      await (await s.createProducer(s.createQueue('AUTH'))).send(s.createTextMessage('ok'));
    });

    it('security - hashed passwords and passwords from environment variables', async () => {
      process.env.WHARF_TEST_BOB_PASSWORD = 'from-env';
      try {
        w = await world({ users: [{ username: 'carol', password: hashPassword('hashed-pw') }, { username: 'bob', password: '${WHARF_TEST_BOB_PASSWORD}' }] });
        await login(w, 'carol', 'hashed-pw');
        await login(w, 'carol', 'hashed-pw'); // the second login is checked against the remembered digest
        await assert.rejects(login(w, 'carol', 'hashed-pX'), JMSSecurityError);
        await assert.rejects(login(w, 'carol', hashPassword('hashed-pw')), JMSSecurityError, 'the hash itself is not the password');
        await login(w, 'bob', 'from-env');
        await assert.rejects(login(w, 'bob', '${WHARF_TEST_BOB_PASSWORD}'), JMSSecurityError);
      } finally {
        delete process.env.WHARF_TEST_BOB_PASSWORD;
      }
      assert.throws(() => new Broker({ users: [{ username: 'x', password: '${WHARF_TEST_UNSET_VARIABLE}' }], persistent: false }),
        (e: Error) => e instanceof ConfigError && /WHARF_TEST_UNSET_VARIABLE is not set/.test(e.message));
      assert.throws(() => new Broker({ users: [{ username: 'x', password: 'scrypt$12$8$1$c2FsdA==$a2V5' }], persistent: false }),
        (e: Error) => e instanceof ConfigError && /hash-password/.test(e.message));
    });

    it('security - repeated failures from one address are answered ever later; a success resets it', async () => {
      w = await world({ users: USERS });
      const sec = w.broker.security;
      assert.equal(sec.failureDelay('127.0.0.1:1'), 0);
      await assert.rejects(login(w, 'alice', 'bad1'), JMSSecurityError);
      const d1 = sec.failureDelay('127.0.0.1:1');
      await assert.rejects(login(w, 'alice', 'bad2'), JMSSecurityError);
      const d2 = sec.failureDelay('127.0.0.1:1');
      assert.ok(d1 > 0 && d2 > d1, `delays ${d1} then ${d2}`);
      assert.equal(sec.failureDelay('10.0.0.9:1'), 0, 'other addresses are not held back');
      await login(w, 'alice', 'alicepw');
      assert.equal(sec.failureDelay('127.0.0.1:1'), 0);
    });

    it('security - anonymous access: no username connects as anonymous in group anonymous', async () => {
      w = await world({
        users: USERS, anonymousAccessAllowed: true,
        authorizationEntries: [{ queue: 'OPEN.>', read: 'anonymous', write: 'anonymous', admin: 'anonymous' }, { queue: 'CLOSED', read: 'users', write: 'users', admin: 'users' }],
      });
      const c = await login(w);
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      await (await s.createProducer(s.createQueue('OPEN.A'))).send(s.createTextMessage('hi'));
      const m = await (await s.createConsumer(s.createQueue('OPEN.A'))).receive(2000);
      assert.equal(m!.getStringProperty('JMSXUserID'), 'anonymous');
      await assert.rejects(s.createConsumer(s.createQueue('CLOSED')), isSecurity(/User anonymous is not authorized to read from: queue:\/\/CLOSED/));
      await assert.rejects(login(w, 'alice', 'wrong'), JMSSecurityError, 'a wrong password is refused even with anonymous access');
    });

    it('security - JAAS users.properties and groups.properties, read again when they change', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-jaas-'));
      const users = path.join(dir, 'users.properties');
      const groups = path.join(dir, 'groups.properties');
      fs.writeFileSync(users, '# ActiveMQ users\nsystem=manager\nuser = password\n');
      fs.writeFileSync(groups, 'admins=system\nusers=system,user\n');
      try {
        w = await world({ jaasProperties: { user: users, group: groups }, authorizationEntries: [{ queue: 'ADMIN.>', read: 'admins', write: 'admins', admin: 'admins' }, { queue: 'APP.>', read: 'users', write: 'users', admin: 'users' }] });
        const u = await login(w, 'user', 'password');
        const s = u.createSession(false, Session.AUTO_ACKNOWLEDGE);
        await s.createConsumer(s.createQueue('APP.ONE'));
        await assert.rejects(s.createConsumer(s.createQueue('ADMIN.ONE')), isSecurity(/User user is not authorized/));
        await login(w, 'system', 'manager');
        await assert.rejects(login(w, 'newbie', 'pw2'), JMSSecurityError);

        fs.writeFileSync(users, 'system=manager\nuser=changed-password\nnewbie=pw2\n');
        fs.writeFileSync(groups, 'admins=system,user\nusers=system,user,newbie\n');
        await assert.rejects(login(w, 'user', 'password'), JMSSecurityError, 'the old password no longer works');
        const u2 = await login(w, 'user', 'changed-password');
        const s2 = u2.createSession(false, Session.AUTO_ACKNOWLEDGE);
        await s2.createConsumer(s2.createQueue('ADMIN.ONE'));
        await login(w, 'newbie', 'pw2');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('authorization', () => {
    beforeEach(async () => {
      w = await world({ users: USERS, authorizationEntries: ENTRIES, tempDestinationAuthorizationEntry: { read: 'users', write: 'users', admin: 'users' } });
    });

    it('security - read, write and admin on exact names and wildcards; a refusal leaves the connection usable', async () => {
      const alice = await login(w!, 'alice', 'alicepw');
      const s = alice.createSession(false, Session.AUTO_ACKNOWLEDGE);
      // USERS.> is alice's: create, write, read.
      const p = await s.createProducer(s.createQueue('USERS.ORDERS'));
      await p.send(s.createTextMessage('one'));
      assert.equal(text(await (await s.createConsumer(s.createQueue('USERS.ORDERS'))).receive(2000)), 'one');
      // Everything else is the admins' only.
      await assert.rejects(s.createConsumer(s.createQueue('PAYROLL')), isSecurity(/User alice is not authorized to read from: queue:\/\/PAYROLL/));
      await assert.rejects(s.createProducer(s.createQueue('PAYROLL')), isSecurity(/not authorized to write to: queue:\/\/PAYROLL/));
      const anon = await s.createProducer(null);
      await assert.rejects(anon.send(s.createQueue('PAYROLL'), s.createTextMessage('x')), isSecurity(/not authorized to write to: queue:\/\/PAYROLL/));
      await assert.rejects(s.createConsumer(s.createTopic('PRICES')), isSecurity(/not authorized to read from: topic:\/\/PRICES/));
      // A wildcard consumer overlapping only alice's entries is allowed; one over everything is not for guests.
      await s.createConsumer(s.createQueue('USERS.*'));
      // The connection is still usable after the refusals.
      await p.send(s.createTextMessage('two'));
      assert.ok(w!.broker.security.stats.authorizationRefusals >= 4);
      assert.ok(!w!.broker.queues.has('queue://PAYROLL'), 'a refused send created nothing');
    });

    it('security - creating a destination needs admin: guests may read PUBLIC.NEWS once it exists, never create it', async () => {
      const guest = await login(w!, 'guest', 'guestpw');
      const gs = guest.createSession(false, Session.AUTO_ACKNOWLEDGE);
      await assert.rejects(gs.createConsumer(gs.createQueue('PUBLIC.NEWS')), isSecurity(/User guest is not authorized to create: queue:\/\/PUBLIC.NEWS/));
      const alice = await login(w!, 'alice', 'alicepw');
      const as = alice.createSession(false, Session.AUTO_ACKNOWLEDGE);
      await (await as.createProducer(as.createQueue('PUBLIC.NEWS'))).send(as.createTextMessage('news'));
      const m = await (await gs.createConsumer(gs.createQueue('PUBLIC.NEWS'))).receive(2000);
      assert.equal(text(m), 'news');
      await assert.rejects((await gs.createProducer(null)).send(gs.createQueue('PUBLIC.NEWS'), gs.createTextMessage('x')), isSecurity(/not authorized to write to/));
      // Browsing is reading.
      const browsed = await gs.createBrowser(gs.createQueue('PUBLIC.NEWS')).toArray();
      assert.equal(browsed.length, 0);
      await assert.rejects(gs.createBrowser(gs.createQueue('USERS.ORDERS')).toArray(), JMSSecurityError);
    });

    it('security - temporary destinations follow tempDestinationAuthorizationEntry', async () => {
      const alice = await login(w!, 'alice', 'alicepw');
      const s = alice.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const tq = await s.createTemporaryQueue();
      await (await s.createProducer(tq)).send(s.createTextMessage('temp'));
      assert.equal(text(await (await s.createConsumer(tq)).receive(2000)), 'temp');
      const guest = await login(w!, 'guest', 'guestpw');
      const gs = guest.createSession(false, Session.AUTO_ACKNOWLEDGE);
      await assert.rejects(gs.createTemporaryQueue(), isSecurity(/User guest is not authorized to create: temp-queue:/));
      await assert.rejects((await gs.createProducer(null)).send(tq, gs.createTextMessage('x')), isSecurity(/not authorized to write to: temp-queue:/));
    });

    it('security - advisory topics, the DLQ and durable subscriptions are checked like any destination', async () => {
      const guest = await login(w!, 'guest', 'guestpw', 'guest-client');
      const gs = guest.createSession(false, Session.AUTO_ACKNOWLEDGE);
      await assert.rejects(gs.createConsumer(gs.createTopic('ActiveMQ.Advisory.Queue')), isSecurity(/not authorized to read from: topic:\/\/ActiveMQ.Advisory.Queue/));
      await assert.rejects(gs.createConsumer(gs.createQueue('ActiveMQ.DLQ')), isSecurity(/not authorized to read from: queue:\/\/ActiveMQ.DLQ/));
      await assert.rejects(gs.createDurableSubscriber(gs.createTopic('USERS.EVENTS'), 'sub'), isSecurity(/not authorized to read from: topic:\/\/USERS.EVENTS/));
      assert.equal(w!.broker.durables.size, 0, 'no subscription was made');

      const alice = await login(w!, 'alice', 'alicepw', 'alice-client');
      const as = alice.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const adv = await as.createConsumer(as.createTopic('ActiveMQ.Advisory.Queue'));
      await as.createProducer(as.createQueue('USERS.NEW'));
      await as.createConsumer(as.createQueue('USERS.NEW'));
      assert.ok(await adv.receive(2000), 'alice reads the advisory of the queue she made');
      await as.createDurableSubscriber(as.createTopic('USERS.EVENTS'), 'sub');
      await assert.rejects(as.createConsumer(as.createQueue('ActiveMQ.DLQ')), JMSSecurityError);

      const admin = await login(w!, 'admin', 'adminpw');
      const ads = admin.createSession(false, Session.AUTO_ACKNOWLEDGE);
      await ads.createConsumer(ads.createQueue('ActiveMQ.DLQ'));
    });

    it('security - JMSXUserID is the authenticated user, never what the client sent', async () => {
      const alice = await login(w!, 'alice', 'alicepw');
      const s = alice.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const cons = await s.createConsumer(s.createQueue('USERS.IDS'));
      const p = await raw(w!.url);
      p.send({ type: CommandType.HELLO, corr: 1, version: PROTOCOL_VERSION, heartbeat: 0, user: 'alice', password: 'alicepw' });
      assert.equal((await p.next()).type, CommandType.WELCOME);
      p.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 1 });
      p.send({ type: CommandType.PRODUCER_OPEN, corr: 2, sessionId: 1, producerId: 'raw-p' });
      assert.equal((await p.next()).type, CommandType.RECEIPT);
      p.send({
        type: CommandType.SEND, corr: 3, producerId: 'raw-p',
        message: { messageId: 'ID:raw-1', producerId: 'raw-p', producerSeq: 1, destination: 'queue://USERS.IDS', deliveryMode: 2, priority: 4, timestamp: Date.now(), expiration: 0, redelivered: false, deliveryCount: 0, properties: {}, bodyKind: 1, body: 'forged', deliveryTime: 0, userId: 'admin' },
      });
      assert.equal((await p.next()).type, CommandType.RECEIPT);
      p.sock.destroy();
      const m = await cons.receive(2000);
      assert.equal(text(m), 'forged');
      assert.equal(m!.getStringProperty('JMSXUserID'), 'alice');
    });
  });

  it('security - populateJMSXUserID false: no JMSXUserID at all', async () => {
    w = await world({ users: USERS, populateJMSXUserID: false });
    const c = await login(w, 'alice', 'alicepw');
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await (await s.createProducer(s.createQueue('Q'))).send(s.createTextMessage('x'));
    const m = await (await s.createConsumer(s.createQueue('Q'))).receive(2000);
    assert.equal(m!.getStringProperty('JMSXUserID'), null);
  });

  it('security - without authorizationEntries every authenticated user may do everything', async () => {
    w = await world({ users: USERS });
    const c = await login(w, 'guest', 'guestpw');
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await (await s.createProducer(s.createQueue('ANY.THING'))).send(s.createTextMessage('x'));
    await s.createConsumer(s.createQueue('ActiveMQ.DLQ'));
    await s.createConsumer(s.createTopic('ActiveMQ.Advisory.>'));
    await checkFor(2000, () => w!.broker.queues.has('queue://ANY.THING'));
  });

  it('security - a connector beyond loopback without authentication is refused at start, naming allowUnauthenticatedNetworkAccess', async () => {
    const b = new Broker({ persistent: false, logLevel: 'silent', transportConnectors: [{ name: 'openwire', uri: 'tcp://0.0.0.0:0' }] });
    await assert.rejects(b.start(), (e: Error) => e instanceof ConfigError && /connector openwire: refusing to listen on 0.0.0.0 without authentication/.test(e.message) && /allowUnauthenticatedNetworkAccess: true/.test(e.message));
    assert.equal(b.started, false);
    const stomp = new Broker({ persistent: false, logLevel: 'silent', transportConnectors: [{ name: 'tcp', uri: 'tcp://127.0.0.1:0' }, { name: 'stomp', uri: 'stomp://0.0.0.0:0' }] });
    await assert.rejects(stomp.start(), /connector stomp: refusing to listen on 0.0.0.0/);
    const anonOnly = new Broker({ persistent: false, logLevel: 'silent', users: USERS, anonymousAccessAllowed: true, transportConnectors: [{ name: 'ws', uri: 'ws://0.0.0.0:0' }] });
    await assert.rejects(anonOnly.start(), /allowUnauthenticatedNetworkAccess/, 'anonymous access without authorization is open too');
    // A cluster node refuses at creation, before it joins its group (not each time it becomes master).
    assert.throws(() => createBrokerClusterNode(resolveConfig({ persistent: true, transportConnectors: [{ name: 'openwire', uri: 'tcp://0.0.0.0:61616' }] }), { zkAddress: '127.0.0.1:1', replicas: 3 }),
      (e: Error) => e instanceof ConfigError && /allowUnauthenticatedNetworkAccess/.test(e.message));
    for (const cfg of [{ allowUnauthenticatedNetworkAccess: true }, { users: USERS }]) {
      const ok = new Broker({ persistent: false, logLevel: 'silent', transportConnectors: [{ name: 'openwire', uri: 'tcp://0.0.0.0:0' }], ...cfg });
      await ok.start();
      await ok.stop();
    }
  });
});
