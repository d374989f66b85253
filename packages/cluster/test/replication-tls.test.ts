// The replication link over mutual TLS (replicationTls): members with certificates of the
// group's CA exchange frames; a peer with another CA's certificate gets no link.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TcpReplicationTransport, type ReplicationTlsConfig } from '../src/replication/tcp-transport';
import type { ReplicationFrame } from '../src/replication/frames';
import type { ReplicationLink } from '../src/replication/transport';

describe('replication - TLS link', function () {
  this.timeout(30000);
  let dir = '';
  const f = (n: string): string => path.join(dir, n);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  const ec = (name: string): string[] => ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f(`${name}.key`)];
  function member(name: string, ca: string): ReplicationTlsConfig {
    openssl('req', ...ec(name), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${ca}.pem`), '-CAkey', f(`${ca}.key`), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '2');
    return { key: f(`${name}.key`), cert: f(`${name}.pem`), ca: f(`${ca}.pem`) };
  }
  let a: ReplicationTlsConfig;
  let b: ReplicationTlsConfig;
  let stranger: ReplicationTlsConfig;
  const transports: TcpReplicationTransport[] = [];

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-repl-tls-'));
    try {
      for (const ca of ['group-ca', 'other-ca']) openssl('req', '-x509', ...ec(ca), '-out', f(`${ca}.pem`), '-days', '2', '-subj', `/CN=${ca}`);
      a = member('node-a', 'group-ca');
      b = member('node-b', 'group-ca');
      stranger = { ...member('stranger', 'other-ca'), ca: f('group-ca.pem') };
    } catch {
      this.skip();
    }
  });
  afterEach(async () => {
    for (const t of transports.splice(0)) await t.close();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const transport = (tls: ReplicationTlsConfig): TcpReplicationTransport => {
    const t = new TcpReplicationTransport({ tls });
    transports.push(t);
    return t;
  };

  it('replication - members of the group\'s CA replicate over TLS; another CA\'s certificate gets no link', async () => {
    const accepted: ReplicationLink[] = [];
    let gotFrame: (fr: ReplicationFrame) => void = () => undefined;
    const got = new Promise<ReplicationFrame>((resolve) => (gotFrame = resolve));
    const url = await transport(a).listen('tcp://127.0.0.1:0', (link) => {
      accepted.push(link);
      link.start({ frame: (fr) => gotFrame(fr), closed: () => undefined });
    });
    const link = await transport(b).connect(url, 5000);
    link.start({ frame: () => undefined, closed: () => undefined });
    link.send({ t: 10 });
    assert.deepEqual(await got, { t: 10 });

    const closed = new Promise<string>((resolve) => {
      void transport(stranger).connect(url, 5000).then((l) => l.start({ frame: () => undefined, closed: resolve }), (err: Error) => resolve(err.message));
    });
    await closed;
    assert.equal(accepted.length, 1, 'the stranger was never accepted');
    // A plain TCP peer gets nothing either.
    const plain = new TcpReplicationTransport();
    transports.push(plain);
    const plainEnd = await new Promise<string>((resolve) => {
      void plain.connect(url, 5000).then((l) => {
        l.start({ frame: () => undefined, closed: resolve });
        l.send({ t: 10 });
      }, (err: Error) => resolve(err.message));
    });
    assert.ok(plainEnd);
    assert.equal(accepted.length, 1);
  });
});
