// One port for every client: `wharf start` with the default connector (`name: openwire`,
// a tcp:// URI) serves the Java client on ActiveMQ's jar, Wharf's native client and STOMP
// clients alike; the ActiveMQ-style `auto://` scheme is the same connector.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConnectionFactory } from '@wharf/client';
import { REPO, classpath, compileJava, runJava } from './java';
import { Stomp } from './stomp-client';

const BUILD = path.join(__dirname, '..', 'java-build', 'examples');
const STARTED = /started: (tcp:\/\/127\.0\.0\.1:\d+)/;

function startWharf(dir: string, uri: string): Promise<{ child: ChildProcess; url: string }> {
  const cfg = path.join(dir, 'wharf.yaml');
  fs.writeFileSync(cfg, ['brokerName: one-port', 'persistent: false', 'logLevel: silent', 'transportConnectors:', '  - name: openwire', `    uri: ${uri}`].join('\n'));
  const child = spawn(process.execPath, [path.join(REPO, 'packages', 'cli', 'dist', 'src', 'bin.js'), 'start', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = STARTED.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`wharf start exited ${code}: ${out}`)));
  });
}

describe('openwire - one port for Java and Wharf clients', function () {
  this.timeout(120000);
  let dir = '';
  let child: ChildProcess | undefined;
  before(function () {
    if (!classpath()) this.skip();
    compileJava(path.join(REPO, 'examples', 'java', 'src'), BUILD);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-one-port-'));
  });
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    child = undefined;
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const uri of ['tcp://127.0.0.1:0', 'auto://127.0.0.1:0']) {
    it(`one port - wharf start with the connector ${uri.replace(/:0$/, '')} serves the Java, native and STOMP clients`, async () => {
      const w = await startWharf(dir, uri);
      child = w.child;
      const r = await runJava(BUILD, 'P2P', [w.url]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^PASS p2p/m);
      const conn = await new ConnectionFactory(w.url).createConnection();
      try {
        conn.start();
        const s = conn.createSession(false, 1);
        const q = s.createQueue('one.port');
        const p = await s.createProducer(q);
        const c = await s.createConsumer(q);
        await p.send(s.createTextMessage('native'));
        assert.equal((await c.receive(5000))?.getBody(), 'native');
      } finally {
        await conn.close();
      }
      // STOMP on the same port too: the Java client's message reaches a STOMP subscriber.
      const stomp = await Stomp.open(Number(/:(\d+)$/.exec(w.url)![1]));
      try {
        stomp.write('SUBSCRIBE', { destination: '/queue/one.port.stomp', id: '1', receipt: 'r' });
        assert.equal((await stomp.next()).command, 'RECEIPT');
        stomp.write('SEND', { destination: '/queue/one.port.stomp' }, 'over stomp');
        const f = await stomp.next();
        assert.equal(f.command, 'MESSAGE');
        assert.equal(f.body.toString(), 'over stomp');
      } finally {
        stomp.close();
      }
    });
  }
});
