// A broker process at its file-descriptor limit (ulimit -n 256): new client connections are
// refused, while a connected producer, the store (which must open new files) and the console
// keep working; once connections go, new clients connect again.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { ConnectionFactory, DeliveryMode, Session } from '@wharf/client';
import { checkFor } from '@wharf/testkit';
import { BIN, logMessage, tempDir } from './helpers';

const STARTED = /^Wharf broker \S+ started: (tcp:\/\/127\.0\.0\.1:\d+)/;
const CONSOLE = /^Wharf console started: (http:\/\/\S+)/;

describe('wharf start - file descriptor reserve', function () {
  this.timeout(60000);
  let dir: string;
  before(() => {
    dir = tempDir();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fd reserve - at ulimit -n 256 new clients are refused while a connected producer, the store and the console keep working', async () => {
    const args = [
      BIN, 'start', '--persistent', 'true', '--data-directory', path.join(dir, 'data'),
      '--transportConnectors', '[{"name":"openwire","uri":"tcp://127.0.0.1:0"}]', '--console', '{"enabled":true,"port":0}',
    ];
    const child = spawn('bash', ['-c', 'ulimit -n 256 && exec "$0" "$@"', process.execPath, ...args], {
      env: { PATH: process.env.PATH ?? '', WHARF_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const stderr: string[] = [];
    readline.createInterface({ input: child.stdout }).on('line', (l) => lines.push(logMessage(l)));
    readline.createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const sockets: net.Socket[] = [];
    try {
      const brokerUrl = STARTED.exec(await checkFor(15000, () => lines.find((l) => STARTED.test(l)), 'the broker started'))![1]!;
      const consoleUrl = CONSOLE.exec(await checkFor(15000, () => lines.find((l) => CONSOLE.test(l)), 'the console started'))![1]!;
      const port = Number(new URL(brokerUrl.replace('tcp:', 'http:')).port);

      const c = await new ConnectionFactory(brokerUrl).createConnection();
      c.setExceptionListener(() => undefined);
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const producer = await s.createProducer(s.createQueue('RESERVE'));
      producer.setDeliveryMode(DeliveryMode.PERSISTENT);
      await producer.send(s.createTextMessage('before'));

      // Idle connections up to (and past) the limit: the ones beyond the reserve are closed.
      let closed = 0;
      for (let i = 0; i < 300; i++) {
        const sock = net.connect(port, '127.0.0.1');
        sock.on('error', () => undefined);
        sock.on('close', () => closed++);
        await new Promise<void>((resolve) => {
          sock.once('connect', () => resolve());
          sock.once('close', () => resolve());
        });
        sockets.push(sock);
      }
      await checkFor(10000, () => closed > 0, 'connections beyond the reserve to be closed');
      const admitted = sockets.length - closed;
      assert.ok(admitted > 10 && admitted < 256, `admitted ${admitted}`);

      // The connected producer still sends, and the store opens new files as it fills (a new
      // log and tables once LevelDB's 4 MiB write buffer is full).
      const body = randomBytes(48 * 1024).toString('base64');
      for (let i = 0; i < 120; i++) await producer.send(s.createTextMessage(body));
      // The console answers.
      const res = await fetch(`${consoleUrl}/healthz`);
      assert.equal(res.status, 200);

      // Connections gone: new clients connect again, and everything sent is there.
      for (const sock of sockets) sock.destroy();
      await checkFor(10000, async () => {
        const c2 = await new ConnectionFactory(brokerUrl).createConnection();
        await c2.close();
        return true;
      }, 'a new client connection after the idle ones closed');
      const cs = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const consumer = await cs.createConsumer(cs.createQueue('RESERVE'));
      await c.start();
      let got = 0;
      while (got < 121 && (await consumer.receive(5000))) got++;
      assert.equal(got, 121);
      await c.close();
      assert.equal(child.exitCode, null, `the broker is still running; stderr: ${stderr.join('\n')}`);
      assert.ok([...lines, ...stderr].some((l) => /file descriptor reserve reached/.test(l)), 'the refusals are logged');
    } finally {
      for (const sock of sockets) sock.destroy();
      child.kill('SIGTERM');
      await exited;
    }
  });
});
