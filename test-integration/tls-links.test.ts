// TLS between brokers: the replication link of a group (replicationTls: mutual TLS, the group's
// CA makes a member) and a network bridge to an ssl:// connector with needClientAuth and users.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConnectionFactory, Session, type Connection } from '@wharf/client';
import { Broker } from '@wharf/broker';
import { NetworkConnector, TcpReplicationTransport, type ClusterLogger, type ReplicationFrame, type ReplicationLink, type ReplicationTlsConfig } from '@wharf/cluster';
import { TestPki, checkFor, type TestCert } from '@wharf/testkit';
import { text } from './helpers';

const quiet: ClusterLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const asLink = (c: TestCert): ReplicationTlsConfig => ({ key: c.key, cert: c.cert, ca: c.ca });

describe('tls between brokers', function () {
  this.timeout(30000);
  let pki: TestPki;
  let ca: TestCert;
  let other: TestCert;
  const closers: Array<() => Promise<unknown>> = [];

  before(function () {
    if (!TestPki.available()) this.skip();
    pki = new TestPki(fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-tls-links-')));
    ca = pki.ca('group-ca');
    other = pki.ca('other-ca');
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  });
  after(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

  it('tls - replication: members of the group\'s CA exchange frames; another CA\'s certificate or plain TCP gets no link', async () => {
    const transport = (tls?: ReplicationTlsConfig): TcpReplicationTransport => {
      const t = new TcpReplicationTransport(tls ? { tls } : {});
      closers.push(() => t.close());
      return t;
    };
    const accepted: ReplicationLink[] = [];
    let gotFrame: (fr: ReplicationFrame) => void = () => undefined;
    const got = new Promise<ReplicationFrame>((resolve) => (gotFrame = resolve));
    const url = await transport(asLink(pki.issue(ca, 'node-a', '/CN=node-a'))).listen('tcp://127.0.0.1:0', (link) => {
      accepted.push(link);
      link.start({ frame: (fr) => gotFrame(fr), closed: () => undefined });
    });
    const link = await transport(asLink(pki.issue(ca, 'node-b', '/CN=node-b'))).connect(url, 5000);
    link.start({ frame: () => undefined, closed: () => undefined });
    link.send({ t: 10 });
    assert.deepEqual(await got, { t: 10 });

    const stranger = { ...asLink(pki.issue(other, 'stranger', '/CN=stranger')), ca: ca.cert };
    for (const t of [transport(stranger), transport()]) {
      await new Promise<string>((resolve) => {
        void t.connect(url, 5000).then((l) => {
          l.start({ frame: () => undefined, closed: resolve });
          l.send({ t: 10 });
        }, (err: Error) => resolve(err.message));
      });
    }
    assert.equal(accepted.length, 1, 'only the member was accepted');
  });

  it('tls - a network bridge forwards over ssl:// to a broker that wants client certificates and a password', async () => {
    const server = pki.issue(ca, 'broker-b', '/CN=localhost', 'DNS:localhost,IP:127.0.0.1');
    const bridgeCert = pki.issue(ca, 'bridge-a', '/CN=bridge-a');
    const start = async (b: Broker): Promise<Broker> => {
      await b.start();
      closers.push(() => b.stop());
      return b;
    };
    const b = await start(new Broker({
      brokerName: `tls-b-${process.pid}`, persistent: false, logLevel: 'silent',
      users: [{ username: 'bridge', password: 'bridgepw', groups: ['brokers'] }, { username: 'app', password: 'apppw' }],
      transportConnectors: [{ name: 'ssl', uri: 'ssl://127.0.0.1:0?needClientAuth=true', key: server.key, cert: server.cert, ca: ca.cert }, { name: 'tcp', uri: 'tcp://127.0.0.1:0' }],
    }));
    const a = await start(new Broker({ brokerName: `tls-a-${process.pid}`, persistent: false, logLevel: 'silent', transportConnectors: [{ name: 'tcp', uri: 'tcp://127.0.0.1:0' }] }));
    const connect = async (url: string, user?: string, pw?: string): Promise<Connection> => {
      const c = await new ConnectionFactory(url).createConnection(user, pw);
      closers.push(() => c.close());
      await c.start();
      return c;
    };
    const consumer = await (await connect(b.connectorUrl('tcp'), 'app', 'apppw')).createSession(false, Session.AUTO_ACKNOWLEDGE);
    const cons = await consumer.createConsumer(consumer.createQueue('NET.TLS'));

    const withoutCert = new NetworkConnector({ uri: `static:(${b.connectorUrl('ssl')})?initialReconnectDelay=50&maxReconnectDelay=200`, userName: 'bridge', password: 'bridgepw', ssl: { ca: ca.cert } }, { brokerName: a.name, logger: quiet });
    withoutCert.start();
    closers.push(() => withoutCert.stop());
    process.env.WHARF_TEST_BRIDGE_PASSWORD = 'bridgepw';
    closers.push(async () => delete process.env.WHARF_TEST_BRIDGE_PASSWORD);
    const nc = new NetworkConnector({
      uri: `static:(${b.connectorUrl('ssl')})?initialReconnectDelay=50&maxReconnectDelay=200`, userName: 'bridge', password: '${WHARF_TEST_BRIDGE_PASSWORD}',
      ssl: { ca: ca.cert, cert: bridgeCert.cert, key: bridgeCert.key },
    }, { brokerName: a.name, logger: quiet });
    nc.start();
    closers.push(() => nc.stop());
    await checkFor(10000, () => nc.status()[0]?.connected, 'the bridge over TLS');
    const s = (await connect(a.connectorUrl('tcp'))).createSession(false, Session.AUTO_ACKNOWLEDGE);
    await (await s.createProducer(s.createQueue('NET.TLS'))).send(s.createTextMessage('across'));
    assert.equal(text(await cons.receive(10000)), 'across');
    assert.equal(withoutCert.status()[0]?.connected, false, 'no client certificate, no bridge');
  });
});
