// TLS on every broker listener, with a CA and certificates made here by openssl: ssl://,
// stomp+ssl:// and wss:// serve TLS 1.2+ only; needClientAuth accepts a client certificate of
// the CA and refuses one of another CA (or none); a certificate's DN names the user through the
// certificate login file (ActiveMQ's TextFileCertificateLoginModule); renewed certificate files
// are served to new connections without a restart.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { WebSocket } from 'ws';
import { ConnectionFactory, JMSSecurityError, Session, type Connection } from '@wharf/client';
import { Broker, type BrokerConfig } from '@wharf/broker';
import { stompProtocol } from '@wharf/stomp';
import { TestPki, checkFor } from '@wharf/testkit';
import { text } from './helpers';

let pki: TestPki;
const file = (name: string): string => pki.file(name);

const read = (name: string): Buffer => fs.readFileSync(file(name));
const clientTls = (who?: string, ca = 'ca'): tls.ConnectionOptions => ({
  ca: read(`${ca}.pem`), ...(who ? { cert: read(`${who}.pem`), key: read(`${who}.key`) } : {}),
});

describe('tls', function () {
  this.timeout(60000);
  const brokers: Broker[] = [];
  const conns: Connection[] = [];

  before(function () {
    if (!TestPki.available()) this.skip();
    pki = new TestPki(fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-tls-')));
    const ca = pki.ca('ca');
    const other = pki.ca('other-ca');
    pki.issue(ca, 'server', '/CN=localhost', 'DNS:localhost,IP:127.0.0.1');
    pki.issue(ca, 'server2', '/CN=renewed.localhost', 'DNS:localhost,IP:127.0.0.1');
    pki.issue(ca, 'alice', '/O=Wharf Test/OU=Billing/CN=alice');
    pki.issue(ca, 'bob', '/O=Wharf Test/CN=bob');
    pki.issue(other, 'mallory', '/O=Wharf Test/CN=alice');
    fs.writeFileSync(file('cert-users.properties'), 'alice=CN=alice, OU=Billing, O=Wharf Test\n');
    fs.writeFileSync(file('cert-groups.properties'), 'billing=alice\n');
  });
  afterEach(async () => {
    for (const c of conns.splice(0)) await c.close().catch(() => undefined);
    for (const b of brokers.splice(0)) await b.stop();
  });
  after(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

  async function start(config: Partial<BrokerConfig>): Promise<Broker> {
    const b = new Broker({ persistent: false, logLevel: 'silent', brokerName: `tls-${brokers.length}-${process.pid}`, ...config }, { protocols: [stompProtocol] });
    brokers.push(b);
    await b.start();
    return b;
  }
  const tlsConnector = (extra: Partial<BrokerConfig['transportConnectors'][number]> = {}, uri = 'ssl://127.0.0.1:0'): BrokerConfig['transportConnectors'][number] =>
    ({ name: 'tls', uri, key: file('server.key'), cert: file('server.pem'), ca: file('ca.pem'), ...extra });
  async function connect(b: Broker, opts: tls.ConnectionOptions, user?: string, password?: string): Promise<Connection> {
    const c = await new ConnectionFactory(b.connectorUrl('ssl'), { tls: opts, connectTimeout: 5000 }).createConnection(user, password);
    conns.push(c);
    return c;
  }
  /** A raw TLS handshake: resolves with the server's certificate CN, or rejects. */
  function handshake(port: number, opts: tls.ConnectionOptions): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, ...opts }, () => {
        const cn = s.getPeerCertificate().subject.CN;
        s.destroy();
        resolve(Array.isArray(cn) ? cn.join() : (cn ?? ''));
      });
      s.once('error', reject);
    });
  }

  it('tls - ssl:// serves TLS 1.2 and later only; a client trusting the CA works', async () => {
    const b = await start({ transportConnectors: [tlsConnector()] });
    const port = Number(new URL(b.connectorUrl('ssl').replace('ssl:', 'http:')).port);
    await assert.rejects(handshake(port, { ...clientTls(), maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }));
    assert.equal(await handshake(port, { ...clientTls(), maxVersion: 'TLSv1.2' }), 'localhost');
    const c = await connect(b, clientTls());
    await c.start();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await (await s.createProducer(s.createQueue('TLS'))).send(s.createTextMessage('secret'));
    assert.equal(text(await (await s.createConsumer(s.createQueue('TLS'))).receive(2000)), 'secret');
  });

  it('tls - needClientAuth: a certificate of the CA is accepted, none or another CA\'s is refused', async () => {
    const b = await start({ transportConnectors: [tlsConnector({}, 'ssl://127.0.0.1:0?needClientAuth=true')] });
    await connect(b, clientTls('bob'));
    await assert.rejects(connect(b, clientTls()));
    await assert.rejects(connect(b, clientTls('mallory')));
  });

  it('tls - the certificate DN names the user (certificate login), groups and JMSXUserID follow', async () => {
    const b = await start({
      transportConnectors: [tlsConnector({ needClientAuth: true })],
      jaasCertificateLogin: { user: file('cert-users.properties'), group: file('cert-groups.properties') },
      users: [{ username: 'app', password: 'apppw', groups: ['apps'] }],
      authorizationEntries: [{ queue: 'BILLING.>', read: 'billing', write: 'billing', admin: 'billing' }],
    });
    const alice = await connect(b, clientTls('alice'));
    await alice.start();
    const s = alice.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await (await s.createProducer(s.createQueue('BILLING.IN'))).send(s.createTextMessage('invoice'));
    const m = await (await s.createConsumer(s.createQueue('BILLING.IN'))).receive(2000);
    assert.equal(m!.getStringProperty('JMSXUserID'), 'alice');
    assert.equal([...b.connections.values()][0]!.user, 'alice');
    // bob's certificate is valid but not listed: he needs a password like anyone else.
    await assert.rejects(connect(b, clientTls('bob')), JMSSecurityError);
    const app = await connect(b, clientTls('bob'), 'app', 'apppw');
    const as = app.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await assert.rejects(as.createConsumer(as.createQueue('BILLING.IN')), JMSSecurityError);
  });

  it('tls - a renewed certificate is served to new connections without a restart', async () => {
    fs.copyFileSync(file('server.pem'), file('live.pem'));
    fs.copyFileSync(file('server.key'), file('live.key'));
    const b = await start({ transportConnectors: [tlsConnector({ cert: file('live.pem'), key: file('live.key') })] });
    const port = Number(new URL(b.connectorUrl('ssl').replace('ssl:', 'http:')).port);
    assert.equal(await handshake(port, clientTls()), 'localhost');
    const held = await connect(b, clientTls());
    // Key first, then certificate: the reload that sees both consistent wins.
    fs.copyFileSync(file('server2.key'), file('live.key'));
    fs.copyFileSync(file('server2.pem'), file('live.pem'));
    await checkFor(10000, async () => (await handshake(port, clientTls()).catch(() => '')) === 'renewed.localhost', 'the renewed certificate');
    await held.start(); // a connection made before the renewal is unaffected
  });

  it('tls - stomp+ssl:// and wss:// with needClientAuth', async () => {
    const b = await start({
      transportConnectors: [tlsConnector({ needClientAuth: true }, 'stomp+ssl://127.0.0.1:0'), { ...tlsConnector({ needClientAuth: true }, 'wss://127.0.0.1:0'), name: 'wss' }],
      jaasCertificateLogin: { user: file('cert-users.properties') },
    });
    const stompPort = Number(new URL(b.connectorUrl('stomp+ssl').replace('stomp+ssl:', 'http:')).port);
    const connected = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: stompPort, ...clientTls('alice') }, () => s.write('CONNECT\naccept-version:1.2\nhost:localhost\n\n\0'));
      let got = '';
      s.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.includes('\0')) {
          s.destroy();
          resolve(got);
        }
      });
      s.once('error', reject);
    });
    assert.match(connected, /^CONNECTED\n/);
    assert.equal([...b.connections.values()].some((c) => c.user === 'alice' && c.protocol === 'stomp'), true, 'the certificate named the STOMP user');
    await assert.rejects(new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: stompPort, ...clientTls() }, () => s.write('CONNECT\naccept-version:1.2\nhost:localhost\n\n\0'));
      s.on('data', resolve);
      s.once('error', reject);
      s.once('close', () => reject(new Error('closed')));
    }));

    const wssUrl = `${b.connectorUrl('wss')}/`;
    const open = (opts: tls.ConnectionOptions): Promise<void> => new Promise((resolve, reject) => {
      const ws = new WebSocket(wssUrl, ['v12.stomp'], opts);
      ws.once('open', () => {
        ws.close();
        resolve();
      });
      ws.once('error', reject);
    });
    await open(clientTls('alice'));
    await assert.rejects(open(clientTls()));
  });

  it('tls - needClientAuth counts as authentication for listening beyond loopback; it needs a CA', async () => {
    const b = new Broker({ persistent: false, logLevel: 'silent', transportConnectors: [tlsConnector({ needClientAuth: true }, 'ssl://0.0.0.0:0')] });
    brokers.push(b);
    await b.start();
    const noCa = new Broker({ persistent: false, logLevel: 'silent', transportConnectors: [tlsConnector({ needClientAuth: true, ca: undefined })] });
    await assert.rejects(noCa.start(), /needClientAuth needs 'ca'/);
  });
});
