import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ConnectionFactory, Session } from '@wharf/client';
import { main, version } from '../src/main';
import { checkFor } from '@wharf/testkit';
import { BIN, freePort, memoryIo, tempDir, wharf, wharfDone, type Run } from './helpers';

const STARTED = /^Wharf broker (\S+) started: (tcp:\/\/127\.0\.0\.1:(\d+)) \((store: .*)\)$/;

/** The broker at `url` takes a message on `queue` and gives it back. */
async function stillServes(url: string, queue: string): Promise<void> {
  const conn = await new ConnectionFactory(url).createConnection();
  try {
    await conn.start();
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const consumer = await s.createConsumer(s.createQueue(queue));
    await (await s.createProducer(s.createQueue(queue))).send(s.createTextMessage('still here'));
    assert.equal((await consumer.receive(5000) as unknown as { getText(): string } | null)?.getText(), 'still here');
  } finally {
    await conn.close();
  }
}

describe('wharf start - process', function () {
  this.timeout(20000);
  let dir: string;
  let running: Run | undefined;
  before(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.exit;
    }
    running = undefined;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function yaml(name: string, text: string): string {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  }

  it('wharf start - prints the started line, serves, and exits 0 on SIGTERM', async () => {
    const cfg = yaml('ok.yaml', [
      'brokerName: cli-start-test',
      'persistent: false',
      'logLevel: silent',
      'transportConnectors:',
      '  - name: openwire',
      '    uri: tcp://127.0.0.1:0',
    ].join('\n'));
    running = wharf(['start', '--config', cfg]);
    const line = await running.line(STARTED);
    const m = STARTED.exec(line);
    assert.equal(m?.[1], 'cli-start-test');
    assert.equal(m?.[4], 'store: memory');
    const port = Number(m?.[3]);
    assert.ok(port > 0, 'port 0 was replaced by the bound port');
    // Something is listening on the printed port.
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve();
      });
      s.once('error', reject);
    });
    running.child.kill('SIGTERM');
    const { code, signal } = await running.exit;
    assert.equal(signal, null);
    assert.equal(code, 0, running.stderr.join('\n'));
    assert.ok(running.stderr.some((l) => /SIGTERM received, stopping broker cli-start-test/.test(l)), running.stderr.join('\n'));
  });

  it('wharf start - flags and env override the file; SIGINT also stops it with 0', async () => {
    const cfg = yaml('over.yaml', 'brokerName: from-file\npersistent: false\n');
    running = wharf(['start', '--config', cfg, '--broker-name', 'from-flag', '--port', '0'], { WHARF_LOG_LEVEL: 'silent', WHARF_BROKER_NAME: 'from-env' });
    const line = await running.line(STARTED);
    assert.equal(STARTED.exec(line)?.[1], 'from-flag');
    running.child.kill('SIGINT');
    assert.equal((await running.exit).code, 0);
  });

  it('wharf start - the reader of its output going away (EPIPE on the next log line) does not end the broker', async () => {
    running = wharf(['start', '--broker-name', 'epipe', '--persistent', 'false', '--port', '0'], { WHARF_LOG_LEVEL: 'info', WHARF_LOG_FORMAT: 'pretty' });
    const m = STARTED.exec(await running.line(STARTED))!;
    running.child.stdout!.destroy();
    // A frame that is no msgpack: 'protocol error: closing' at info, a write to the closed pipe.
    for (let i = 0; i < 3; i++) {
      const s = net.connect(Number(m[3]), '127.0.0.1');
      s.on('error', () => undefined);
      s.resume();
      s.end(Buffer.from([0, 0, 0, 4, 0xc1, 0xc1, 0xc1, 0xc1]));
      await new Promise((resolve) => s.once('close', resolve));
    }
    await stillServes(m[2]!, 'NO.READER');
    running.child.kill('SIGTERM');
    assert.equal((await running.exit).code, 0, running.stderr.join('\n'));
  });

  it('wharf start - stdout on a full disk (/dev/full): log lines are dropped, told once on stderr; the broker serves and stops cleanly', async function () {
    if (!fs.existsSync('/dev/full')) this.skip();
    const port = await freePort();
    const full = fs.openSync('/dev/full', 'w');
    const child = spawn(process.execPath, [BIN, 'start', '--broker-name', 'full', '--persistent', 'false', '--port', String(port)], {
      env: { PATH: process.env.PATH ?? '', WHARF_LOG_LEVEL: 'info', WHARF_CONSOLE_PORT: '0' }, stdio: ['ignore', full, 'pipe'],
    });
    fs.closeSync(full);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      await checkFor(15000, () => /log lines cannot be written to stdout \(ENOSPC\)/.test(stderr), 'the dropped log lines told on stderr');
      await checkFor(15000, async () => {
        await stillServes(`tcp://127.0.0.1:${port}`, 'FULL.DISK');
        return true;
      }, 'the broker serving');
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      assert.equal(stderr.match(/log lines cannot be written/g)?.length, 1, stderr);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('wharf start - a failed promise nothing waits for is logged; the broker keeps serving', async () => {
    // Stands for a Wharf bug: a preloaded module fails a promise nobody handles on SIGUSR2.
    const preload = path.join(dir, 'reject-on-usr2.js');
    fs.writeFileSync(preload, "process.on('SIGUSR2', () => { Promise.reject(new Error('injected: nobody waits for this')); });\n");
    running = wharf(['start', '--broker-name', 'unhandled', '--persistent', 'false', '--port', '0'],
      { WHARF_LOG_LEVEL: 'error', NODE_OPTIONS: `--require ${preload}` });
    const url = STARTED.exec(await running.line(STARTED))![2]!;
    running.child.kill('SIGUSR2');
    const logged = await running.line(/unhandled promise rejection/);
    assert.match(logged, /a Wharf bug: please report it/);
    await stillServes(url, 'STILL.SERVING');
    running.child.kill('SIGTERM');
    assert.equal((await running.exit).code, 0, running.stderr.join('\n'));
  });

  it('wharf start - networkConnectors bridge two brokers: a queue message sent to one reaches the consumer on the other', async () => {
    const b = wharf(['start', '--broker-name', 'net-b', '--persistent', 'false', '--port', '0']);
    try {
      const bUrl = STARTED.exec(await b.line(STARTED))![2]!;
      running = wharf(['start', '--broker-name', 'net-a', '--persistent', 'false', '--port', '0', '--console.port', '0',
        '--network-connectors', JSON.stringify([{ name: 'to-b', uri: `static:(${bUrl})?initialReconnectDelay=100` }])]);
      const aUrl = STARTED.exec(await running.line(STARTED))![2]!;
      await running.line(/^Wharf broker net-a: 1 network connector\(s\) started$/);
      const consoleUrl = /^Wharf console started: (\S+)$/.exec(await running.line(/^Wharf console started: /))![1]!;
      const consumerConn = await new ConnectionFactory(bUrl).createConnection();
      const producerConn = await new ConnectionFactory(aUrl).createConnection();
      try {
        await consumerConn.start();
        const cs = consumerConn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        const consumer = await cs.createConsumer(cs.createQueue('CLI.NET'));
        const ps = producerConn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        await (await ps.createProducer(ps.createQueue('CLI.NET'))).send(ps.createTextMessage('over the bridge'));
        const m = await consumer.receive(15_000);
        assert.equal((m as unknown as { getText(): string } | null)?.getText(), 'over the bridge');
        // The console's Network page lists the bridge (GET /api/bridges); the bridge counts the
        // message once net-b has answered its send, which may be just after the consumer got it.
        const bridgesUrl = `${consoleUrl.replace(/\/admin\/?$/, '')}/api/bridges`;
        let rows: Array<Record<string, unknown>> = [];
        for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
          rows = await (await fetch(bridgesUrl)).json() as Array<Record<string, unknown>>;
          if (rows[0]?.forwarded === 1) break;
        }
        assert.deepEqual(rows, [{ name: 'to-b', remote: `net-b at ${bUrl}`, status: 'connected', duplex: false, forwarded: 1 }]);
      } finally {
        await consumerConn.close();
        await producerConn.close();
      }
      running.child.kill('SIGTERM');
      assert.equal((await running.exit).code, 0, running.stderr.join('\n'));
    } finally {
      b.child.kill('SIGKILL');
      await b.exit;
    }
  });

  it('wharf start - a bad network connector uri exits 2 naming it', async () => {
    running = wharf(['start', '--persistent', 'false', '--port', '0', '--network-connectors', JSON.stringify([{ uri: 'multicast://default' }])]);
    const { code } = await running.exit;
    assert.equal(code, 2);
    assert.ok(running.stderr.some((l) => /^wharf: config error: networkConnectors: network connector uri 'multicast:\/\/default' is not supported: use static:/.test(l)), running.stderr.join('\n'));
  });

  it('wharf start - a bad config prints "wharf: config error: ..." and exits 2', async () => {
    const cfg = yaml('bad.yaml', 'brokerName: x\nmemoryLimit: -64mb\n');
    const r = await wharfDone(['start', '--config', cfg]);
    assert.equal(r.code, 2);
    assert.match(r.stderr.join('\n'), /^wharf: config error: memoryLimit: must not be negative, got '-64mb' \(from config file '.*bad\.yaml'\)/);
    assert.deepEqual(r.stdout, []);
  });

  it('wharf start - a YAML syntax error exits 2 naming the line', async () => {
    const cfg = yaml('syntax.yaml', 'brokerName: x\n  persistent: false\n');
    const r = await wharfDone(['start', '--config', cfg]);
    assert.equal(r.code, 2);
    assert.match(r.stderr.join('\n'), /wharf: config error: config file '.*syntax\.yaml' line \d+, column \d+: YAML syntax error/);
  });

  it('wharf start - a port in use exits 2 with what to do', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const r = await wharfDone(['start', '--persistent', 'false', '--port', String(port), '--transportConnectors', '[{"name":"openwire","uri":"tcp://127.0.0.1:61616"}]']);
      assert.equal(r.code, 2, r.stderr.join('\n'));
      assert.match(r.stderr.join('\n'), new RegExp(`wharf: config error: .*port ${port}.*already in use`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  // The WebSocket server re-emits its HTTP server's errors: unheard, the port in use ended the
  // process with a stack trace instead.
  it('wharf start - a ws:// connector on a port in use exits 2 with what to do', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const r = await wharfDone(['start', '--persistent', 'false', '--transportConnectors', `[{"name":"ws","uri":"ws://127.0.0.1:${port}"}]`]);
      assert.equal(r.code, 2, r.stderr.join('\n'));
      assert.match(r.stderr.join('\n'), new RegExp(`wharf: config error: connector ws: port ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('wharf - commands, help and version', () => {
  it('wharf - --version prints the package version', async () => {
    const io = memoryIo();
    assert.equal(await main(['--version'], io), 0);
    assert.deepEqual(io.outLines, [version()]);
    assert.match(version(), /^\d+\.\d+\.\d+/);
  });

  it('wharf - --help lists the commands; no command is a usage error', async () => {
    const io = memoryIo();
    assert.equal(await main(['--help'], io), 0);
    for (const c of ['start', 'produce', 'consume', 'browse']) assert.match(io.outLines.join('\n'), new RegExp(`\\n  ${c} `));
    assert.equal(await main([], memoryIo()), 2);
  });

  it('wharf - <command> --help describes the command', async () => {
    for (const [cmd, want] of [['start', /WHARF_BROKER_NAME/], ['produce', /--count N/], ['consume', /--ack MODE/], ['browse', /--limit N/]] as const) {
      const io = memoryIo();
      assert.equal(await main([cmd, '--help'], io), 0, cmd);
      assert.match(io.outLines.join('\n'), want);
    }
  });

  it('wharf - an unknown command suggests the closest one and exits 2', async () => {
    const io = memoryIo();
    assert.equal(await main(['strat'], io), 2);
    assert.match(io.errLines.join('\n'), /^wharf: unknown command 'strat' \(did you mean 'start'\?\)/);
  });

  it('wharf - the bin runs through node with a shebang', async () => {
    const r = await wharfDone(['--version']);
    assert.equal(r.code, 0);
    assert.deepEqual(r.stdout, [version()]);
    assert.match(fs.readFileSync(path.join(__dirname, '..', 'src', 'bin.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });
});
