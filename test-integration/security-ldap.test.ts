// LDAP logins (ActiveMQ's LDAPLoginModule options under jaasLdapLogin) against a private slapd
// started for these tests, over the native protocol, STOMP and STOMP over WebSocket: the
// directory's password and groups decide, the groups feed authorizationEntries, JMSXUserID is the
// LDAP user, a directory that hangs or is gone refuses its logins (logged) while every other
// connection goes on. Also: scrypt-hashed logins in a burst leave other connections' messages
// flowing (scrypt runs off the event loop).
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import pino from 'pino';
import { WebSocket } from 'ws';
import { ConnectionFactory, JMSSecurityError, Session, type Connection } from '@wharf/client';
import { hashPassword, type BrokerConfig } from '@wharf/broker';
import { CommandType, PROTOCOL_VERSION } from '@wharf/protocol';
import { stompProtocol } from '@wharf/stomp';
import { startConsole } from '@wharf/console';
import { TestPki, checkFor, slapdAvailable, startSlapd, type SlapdHandle } from '@wharf/testkit';
import { raw, text, world, type World } from './helpers';

const isSecurity = (re: RegExp) => (e: Error): boolean => e instanceof JMSSecurityError && re.test(e.message);

/** alice in users (and staff, through the nested group), root in admins, bob in no group. */
const DIRECTORY = [
  { uid: 'alice', password: 'alice-ldap', groups: ['users'] },
  { uid: 'root', password: 'root-ldap', groups: ['admins'] },
  { uid: 'bob', password: 'bob-ldap' },
];
const ENTRIES: BrokerConfig['authorizationEntries'] = [
  { queue: '>', read: 'admins', write: 'admins', admin: 'admins' },
  { queue: 'USERS.>', read: 'users', write: 'users', admin: 'users' },
  { queue: 'STAFF.>', read: 'staff', write: 'staff', admin: 'staff' },
  { topic: 'ActiveMQ.Advisory.>', read: 'users,admins,staff', write: 'users,admins,staff', admin: 'users,admins,staff' },
];

function ldapConfig(s: SlapdHandle): NonNullable<BrokerConfig['jaasLdapLogin']> {
  return {
    connectionURL: s.url,
    connectionUsername: s.adminDN,
    connectionPassword: s.adminPassword,
    connectionProtocol: 's',
    authentication: 'simple',
    userBase: `ou=people,${s.suffix}`,
    userSearchMatching: '(uid={0})',
    userSearchSubtree: false,
    roleBase: `ou=groups,${s.suffix}`,
    roleName: 'cn',
    roleSearchMatching: '(member={0})',
    roleSearchSubtree: false,
    expandRoles: true,
    expandRolesMatching: '(member={0})',
    timeout: 30000,
  };
}

/** A STOMP 1.2 peer on a TCP socket or a WebSocket: frames out, frames in. */
class StompPeer {
  private buf = '';
  private readonly frames: Array<{ command: string; headers: Map<string, string>; body: string }> = [];
  private readonly waiters: Array<() => void> = [];
  closed = false;
  private constructor(private readonly out: (s: string) => void, private readonly end: () => void) {}

  static async tcp(port: number): Promise<StompPeer> {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
    const p = new StompPeer((s) => sock.write(s), () => sock.destroy());
    sock.on('data', (d: Buffer) => p.push(d.toString('utf8')));
    sock.on('close', () => p.onClose());
    sock.on('error', () => undefined);
    return p;
  }

  static async ws(url: string): Promise<StompPeer> {
    const ws = new WebSocket(url, ['v12.stomp']);
    await new Promise<void>((r, j) => ws.once('open', r).once('error', j));
    const p = new StompPeer((s) => ws.send(s), () => ws.terminate());
    ws.on('message', (d: Buffer) => p.push(d.toString('utf8')));
    ws.on('close', () => p.onClose());
    ws.on('error', () => undefined);
    return p;
  }

  write(...frames: Array<[string, Record<string, string>, string?]>): void {
    this.out(frames.map(([c, h, body]) => `${c}\n${Object.entries(h).map(([k, v]) => `${k}:${v}`).join('\n')}\n\n${body ?? ''}\0`).join(''));
  }

  async next(): Promise<{ command: string; headers: Map<string, string>; body: string }> {
    await checkFor(10000, () => this.frames.length > 0 || this.closed, 'a STOMP frame');
    const f = this.frames.shift();
    if (!f) throw new Error('the connection closed');
    return f;
  }

  close(): void {
    this.end();
  }

  private push(s: string): void {
    this.buf += s;
    let i;
    while ((i = this.buf.indexOf('\0')) >= 0) {
      const raw = this.buf.slice(0, i).replace(/^\n+/, '');
      this.buf = this.buf.slice(i + 1);
      const head = raw.slice(0, raw.indexOf('\n\n'));
      const [command, ...lines] = head.split('\n');
      const headers = new Map<string, string>();
      for (const l of lines) {
        const c = l.indexOf(':');
        const unescape = (v: string): string => v.replace(/\\([\\cnr])/g, (_, e: string) => ({ c: ':', n: '\n', r: '\r' })[e] ?? e);
        if (!headers.has(l.slice(0, c))) headers.set(unescape(l.slice(0, c)), unescape(l.slice(c + 1)));
      }
      this.frames.push({ command: command!, headers, body: raw.slice(head.length + 2) });
    }
    for (const w of this.waiters.splice(0)) w();
  }

  private onClose(): void {
    this.closed = true;
  }
}

describe('security - LDAP logins (slapd)', function () {
  this.timeout(60000);
  let slapd: SlapdHandle | null = null;
  let w: World | null = null;
  const logLines: string[] = [];
  const peers: StompPeer[] = [];

  before(async function () {
    if (!slapdAvailable()) this.skip();
    slapd = await startSlapd({
      users: DIRECTORY,
      // A group whose member is a group: alice is in staff through users (expandRoles).
      ldif: `dn: cn=staff,ou=groups,dc=wharf,dc=test\nobjectClass: groupOfNames\ncn: staff\nmember: cn=users,ou=groups,dc=wharf,dc=test\n`,
    });
  });
  after(async () => {
    await slapd?.stop();
  });
  beforeEach(async () => {
    logLines.length = 0;
    const logger = pino({ level: 'info' }, { write: (s: string) => void logLines.push(s) });
    w = await world({
      jaasLdapLogin: ldapConfig(slapd!),
      authorizationEntries: ENTRIES,
      transportConnectors: [{ name: 'tcp', uri: 'tcp://127.0.0.1:0' }, { name: 'stomp', uri: 'stomp://127.0.0.1:0' }, { name: 'ws', uri: 'ws://127.0.0.1:0' }],
    }, { protocols: [stompProtocol], logger });
  });
  afterEach(async () => {
    for (const p of peers.splice(0)) p.close();
    await w?.ledger.closeAll();
    w = null;
  });

  async function login(user?: string, password?: string): Promise<Connection> {
    const c = await new ConnectionFactory(w!.url).createConnection(user, password);
    w!.ledger.add(c, (x) => x.close());
    await c.start();
    return c;
  }

  it('security ldap - native: the directory password logs in; wrong password, unknown user, empty password and a filter wildcard are refused alike', async () => {
    await login('alice', 'alice-ldap');
    await assert.rejects(login('alice', 'wrong'), isSecurity(/User name \[alice\] or password is invalid/));
    await assert.rejects(login('mallory', 'alice-ldap'), isSecurity(/User name \[mallory\] or password is invalid/));
    // An empty password would be an anonymous bind (which LDAP accepts for any DN).
    await assert.rejects(login('alice', ''), isSecurity(/User name \[alice\] or password is invalid/));
    // `*` is escaped in the search filter: no user named a* exists.
    await assert.rejects(login('a*', 'alice-ldap'), isSecurity(/User name \[a\*\] or password is invalid/));
    assert.equal(w!.broker.security.stats.authenticationFailures, 4);
    assert.equal(logLines.filter((l) => l.includes('security: authentication failed')).length, 4);
    assert.ok(w!.broker.security.failureDelay('127.0.0.1:1') > 0, 'LDAP failures slow down the next answers like any other');
  });

  it('security ldap - native: LDAP groups (nested ones too) feed authorizationEntries; JMSXUserID is the LDAP user', async () => {
    const alice = await login('alice', 'alice-ldap');
    const s = alice.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const mine = s.createQueue('USERS.LDAP');
    const consumer = await s.createConsumer(mine);
    const m = s.createTextMessage('from alice');
    m.setStringProperty('JMSXUserID', 'root');
    await (await s.createProducer(mine)).send(m);
    const got = await consumer.receive(5000);
    assert.equal(text(got), 'from alice');
    assert.equal(got!.getStringProperty('JMSXUserID'), 'alice');
    const anon = await s.createProducer(null);
    await assert.rejects(anon.send(s.createQueue('PAYROLL'), s.createTextMessage('no')), isSecurity(/User alice is not authorized to write to: queue:\/\/PAYROLL/));
    await assert.rejects(s.createConsumer(s.createQueue('PAYROLL')), isSecurity(/User alice is not authorized to read from: queue:\/\/PAYROLL/));
    // staff through the nested group (expandRoles): the refusals above left the connection usable.
    await anon.send(s.createQueue('STAFF.NOTES'), s.createTextMessage('staff'));

    const root = await login('root', 'root-ldap');
    const rs = root.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await (await rs.createProducer(rs.createQueue('PAYROLL'))).send(rs.createTextMessage('pay'));

    const bob = await login('bob', 'bob-ldap');
    const bs = bob.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await assert.rejects((await bs.createProducer(null)).send(bs.createQueue('USERS.LDAP'), bs.createTextMessage('x')), isSecurity(/User bob is not authorized to write to: queue:\/\/USERS.LDAP/));
    await assert.rejects(bs.createConsumer(bs.createQueue('PAYROLL')), isSecurity(/User bob is not authorized to read from: queue:\/\/PAYROLL/));
    assert.equal(w!.broker.security.stats.authorizationRefusals, 4);
  });

  it('security ldap - native: commands sent behind HELLO wait for the LDAP answer and then run', async () => {
    const p = await raw(w!.url);
    w!.ledger.defer(() => p.sock.destroy());
    const c = await login('root', 'root-ldap');
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const consumer = await s.createConsumer(s.createQueue('USERS.PIPELINED'));
    p.send({ type: CommandType.HELLO, corr: 1, version: PROTOCOL_VERSION, heartbeat: 0, user: 'alice', password: 'alice-ldap' });
    p.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 1 });
    p.send({ type: CommandType.PRODUCER_OPEN, corr: 2, sessionId: 1, producerId: 'p1' });
    p.send({
      type: CommandType.SEND, corr: 3, producerId: 'p1', message: {
        messageId: 'ID:raw:1:1', destination: 'queue://USERS.PIPELINED', deliveryMode: 1, priority: 4, timestamp: Date.now(), expiration: 0,
        deliveryTime: 0, redelivered: false, deliveryCount: 0, producerId: 'p1', producerSeq: 1, properties: {}, bodyKind: 1, body: 'pipelined',
      },
    } as never);
    assert.equal((await p.next()).type, CommandType.WELCOME);
    const got = await consumer.receive(5000);
    assert.equal(text(got), 'pipelined');
    assert.equal(got!.getStringProperty('JMSXUserID'), 'alice');
  });

  for (const transport of ['stomp', 'ws'] as const) {
    const open = (): Promise<StompPeer> => (transport === 'stomp'
      ? StompPeer.tcp(Number(new URL(w!.broker.connectorUrl('stomp')).port))
      : StompPeer.ws(`${w!.broker.connectorUrl('ws')}/`)).then((p) => {
      peers.push(p);
      return p;
    });
    const connect = (login: string, passcode: string): [string, Record<string, string>] => ['CONNECT', { 'accept-version': '1.2', host: 'localhost', login, passcode }];

    it(`security ldap - ${transport === 'ws' ? 'websocket' : 'stomp'}: LDAP login, refusals of wrong password and unknown user, group grants and refusals, JMSXUserID`, async () => {
      for (const [login, passcode] of [['alice', 'wrong'], ['nobody', 'alice-ldap']] as const) {
        const bad = await open();
        bad.write(connect(login, passcode));
        const e = await bad.next();
        assert.equal(e.command, 'ERROR');
        assert.match(e.headers.get('message') ?? '', new RegExp(`User name \\[${login}\\] or password is invalid`));
        await checkFor(10000, () => bad.closed, 'the refused connection closes');
      }
      // Everything in one write: the frames behind CONNECT wait for the directory's answer.
      const c = await open();
      c.write(
        connect('alice', 'alice-ldap'),
        ['SUBSCRIBE', { id: '1', destination: '/queue/USERS.STOMP', receipt: 'sub' }],
        ['SEND', { destination: '/queue/PAYROLL', receipt: 'denied' }, 'no'],
        ['SEND', { destination: '/queue/USERS.STOMP', JMSXUserID: 'root' }, 'from alice'],
      );
      assert.equal((await c.next()).command, 'CONNECTED');
      const frames = [await c.next(), await c.next(), await c.next()];
      assert.deepEqual(frames.map((f) => f.command).sort(), ['ERROR', 'MESSAGE', 'RECEIPT']);
      const err = frames.find((f) => f.command === 'ERROR')!;
      assert.equal(err.headers.get('receipt-id'), 'denied');
      assert.match(err.headers.get('message') ?? '', /User alice is not authorized to write to: queue:\/\/PAYROLL/);
      const msg = frames.find((f) => f.command === 'MESSAGE')!;
      assert.equal(msg.body, 'from alice');
      assert.equal(msg.headers.get('JMSXUserID'), 'alice');
      assert.equal(c.closed, false);
      // root (admins) may write PAYROLL.
      const r = await open();
      r.write(connect('root', 'root-ldap'), ['SEND', { destination: '/queue/PAYROLL', receipt: 'ok' }, 'pay']);
      assert.equal((await r.next()).command, 'CONNECTED');
      const ok = await r.next();
      assert.equal(ok.command, 'RECEIPT');
      assert.equal(ok.headers.get('receipt-id'), 'ok');
      assert.equal(w!.broker.security.stats.authenticationFailures, 2);
    });
  }

  it('security ldap - console: LDAP users log in with their directory password; LDAP groups give the roles', async () => {
    const con = await startConsole(w!.broker, { host: '127.0.0.1', port: 0, users: w!.broker.security.authenticator, adminGroups: 'admins', viewerGroups: 'users' });
    w!.ledger.defer(() => con.close());
    const call = async (user: string, password: string, method = 'GET', p = '/api/broker'): Promise<number> =>
      (await fetch(`${con.url}${p}`, { method, headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } })).status;
    assert.equal(await call('alice', 'alice-ldap'), 200, 'alice (users) may look');
    assert.equal(await call('alice', 'wrong'), 401);
    assert.equal(await call('mallory', 'alice-ldap'), 401);
    assert.equal(await call('alice', 'alice-ldap', 'POST', '/api/queues/USERS.LDAP/purge'), 403, 'a viewer may not purge');
    assert.equal(await call('bob', 'bob-ldap'), 403, 'bob is in none of the console groups');
    const rs = (await login('root', 'root-ldap')).createSession(false, Session.AUTO_ACKNOWLEDGE);
    await (await rs.createProducer(rs.createQueue('USERS.LDAP'))).send(rs.createTextMessage('to purge'));
    assert.equal(await call('root', 'root-ldap', 'POST', '/api/queues/USERS.LDAP/purge'), 200, 'an admin (admins) may purge');
  });

  it('security ldap - beyond maxConcurrentLogins, a login is refused at once instead of queueing behind a hung directory', async () => {
    const logger = pino({ level: 'info' }, { write: (s: string) => void logLines.push(s) });
    const one = await world({ jaasLdapLogin: { ...ldapConfig(slapd!), maxConcurrentLogins: 1 } }, { logger });
    w!.ledger.defer(() => one.ledger.closeAll());
    slapd!.pause();
    try {
      const first = new ConnectionFactory(one.url).createConnection('alice', 'alice-ldap');
      first.then((c) => c.close(), () => undefined);
      let firstSettled = '';
      first.then(() => (firstSettled = 'accepted'), (e: Error) => (firstSettled = `refused: ${e.message}`));
      await checkFor(20000, () => {
        if (one.broker.security.stats.asyncLoginsRunning === 1) return true;
        throw new Error(`stats ${JSON.stringify(one.broker.security.stats)}, first login ${firstSettled || 'pending'}, log ${logLines.slice(-3).join(' ')}`);
      }, 'the first login waiting for the directory');
      await assert.rejects(new ConnectionFactory(one.url).createConnection('root', 'root-ldap'), isSecurity(/User name \[root\] or password is invalid/));
      assert.ok(logLines.some((l) => l.includes('LDAP server unavailable') && l.includes('already running')), 'the refusal says why');
    } finally {
      slapd!.resume();
    }
  });

  it('security ldap - a directory that hangs holds only its own logins; gone, it refuses them with a clear log and the broker goes on', async () => {
    const c = await login('root', 'root-ldap');
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('HEALTH');
    const producer = await s.createProducer(q);
    const consumer = await s.createConsumer(q);
    slapd!.pause();
    let settled = false;
    const pending = login('alice', 'alice-ldap').finally(() => {
      settled = true;
    });
    pending.catch(() => undefined);
    // The broker waits for the directory, and meanwhile serves everyone else.
    for (let i = 0; i < 20; i++) {
      await producer.send(s.createTextMessage(`m${i}`));
      assert.equal(text(await consumer.receive(5000)), `m${i}`);
    }
    assert.equal(settled, false, 'the login is still waiting for the directory');
    // The directory goes away for good: its pending login is refused, and the next ones too.
    await slapd!.stop();
    slapd = null;
    await assert.rejects(pending, isSecurity(/User name \[alice\] or password is invalid/));
    await assert.rejects(login('alice', 'alice-ldap'), isSecurity(/User name \[alice\] or password is invalid/));
    const logged = logLines.filter((l) => l.includes('security: LDAP server unavailable: login refused')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(logged.length, 2);
    assert.equal(logged[0]!.user, 'alice');
    assert.match(String(logged[0]!.ldap), /^ldap:\/\/127\.0\.0\.1:\d+$/);
    await producer.send(s.createTextMessage('still here'));
    assert.equal(text(await consumer.receive(5000)), 'still here');
  });
});

describe('security - LDAP over TLS (ldaps://)', function () {
  this.timeout(60000);
  let pki: TestPki | null = null;
  let slapd: SlapdHandle | null = null;
  let w: World | null = null;
  before(async function () {
    if (!slapdAvailable() || !TestPki.available()) this.skip();
    pki = new TestPki(fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-ldaps-')));
    pki.issue(pki.ca('ca'), 'ldap', '/CN=localhost', 'DNS:localhost,IP:127.0.0.1');
    pki.ca('other-ca');
    slapd = await startSlapd({ users: DIRECTORY, tls: { key: pki.file('ldap.key'), cert: pki.file('ldap.pem') } });
  });
  after(async () => {
    await w?.ledger.closeAll();
    await slapd?.stop();
    if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
  });

  it('security ldap - ldaps:// with the directory\'s CA logs in; a server certificate the CA did not sign refuses every login', async () => {
    assert.match(slapd!.url, /^ldaps:/);
    const logLines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void logLines.push(s) });
    w = await world({ jaasLdapLogin: { ...ldapConfig(slapd!), ca: pki!.file('ca.pem') }, authorizationEntries: ENTRIES }, { logger });
    const alice = await new ConnectionFactory(w.url).createConnection('alice', 'alice-ldap');
    w.ledger.add(alice, (x) => x.close());
    const wrongCa = await world({ jaasLdapLogin: { ...ldapConfig(slapd!), ca: pki!.file('other-ca.pem') } }, { logger });
    w.ledger.defer(() => wrongCa.ledger.closeAll());
    await assert.rejects(new ConnectionFactory(wrongCa.url).createConnection('alice', 'alice-ldap'), isSecurity(/User name \[alice\] or password is invalid/));
    assert.ok(logLines.some((l) => l.includes('LDAP server unavailable') && /certificate/.test(l)), 'the log names the certificate problem');
  });
});

describe('security - scrypt logins off the event loop', function () {
  this.timeout(60000);
  const N = 16;
  let w: World | null = null;
  afterEach(async () => {
    await w?.ledger.closeAll();
    w = null;
  });

  it('security - a burst of scrypt-hashed logins: another connection\'s messages flow before the logins are answered', async () => {
    // Distinct users: a verified password is remembered, only each user's first login pays scrypt.
    const users = Array.from({ length: N }, (_, i) => ({ username: `u${i}`, password: hashPassword(`pw${i}`), groups: ['users'] }));
    w = await world({ users: [...users, { username: 'app', password: 'app-pw', groups: ['users'] }] });
    const app = await new ConnectionFactory(w.url).createConnection('app', 'app-pw');
    w.ledger.add(app, (x) => x.close());
    await app.start();
    const s = app.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('FLOW');
    const producer = await s.createProducer(q);
    const consumer = await s.createConsumer(q);
    const peers = await Promise.all(users.map(() => raw(w!.url)));
    for (const p of peers) w.ledger.defer(() => p.sock.destroy());
    let welcomed = 0;
    const logins = peers.map(async (p, i) => {
      p.send({ type: CommandType.HELLO, corr: 1, version: PROTOCOL_VERSION, heartbeat: 0, user: `u${i}`, password: `pw${i}` });
      assert.equal((await p.next()).type, CommandType.WELCOME);
      welcomed++;
    });
    // Every HELLO has reached the broker and its scrypt runs; meanwhile messages go through.
    // (With scrypt on the event loop a login would be over before the broker read the next
    // command: none would ever be seen running.)
    const stats = w.broker.security.stats;
    await checkFor(10000, () => stats.asyncLogins === N, 'the broker received every HELLO');
    for (let i = 0; i < 3; i++) {
      await producer.send(s.createTextMessage(`meanwhile ${i}`));
      assert.equal(text(await consumer.receive(5000)), `meanwhile ${i}`);
    }
    assert.ok(stats.asyncLoginsRunning > 0 && welcomed < N, `messages went through while ${stats.asyncLoginsRunning} of ${N} logins were still running`);
    await Promise.all(logins);
    assert.equal(welcomed, N);
  });
});
