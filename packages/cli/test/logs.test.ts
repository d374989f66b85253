// `wharf start` writes one format to stdout: JSON records when stdout is not a terminal (the
// status lines too), readable lines with WHARF_LOG_FORMAT=pretty (what a terminal gets).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { main } from '../src/main';
import { BIN, memoryIo } from './helpers';

interface Started {
  lines: string[];
  url: string;
  stop(): Promise<number | null>;
}

async function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [BIN, 'start', '--persistent', 'false', '--brokerName', 'logs', '--console.enabled', 'false',
    '--transportConnectors', '[{"name":"openwire","uri":"tcp://127.0.0.1:0"}]'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const exit = new Promise<number | null>((resolve) => child.once('close', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      lines.push(l);
      const m = /Wharf broker logs started: (tcp:\/\/[^ "]+)/.exec(l);
      if (m) resolve(m[1]!);
    });
    void exit.then((code) => reject(new Error(`wharf exited (${code}): ${lines.join('\n')}`)));
  });
  return { lines, url, stop: async () => { child.kill('SIGTERM'); return exit; } };
}

/** Keys written more than once in one JSON line (JSON.parse keeps only the last, so re-serializing drops them). */
export function repeatedKeys(line: string): string[] {
  const rec = JSON.parse(line) as Record<string, unknown>;
  const again = JSON.stringify(rec);
  return Object.keys(rec).filter((k) => line.split(`"${k}":`).length !== again.split(`"${k}":`).length);
}

describe('wharf start - logs', function () {
  this.timeout(30000);

  it('logs - not a terminal: every stdout line is JSON, keys unique, connections opened and closed at debug', async () => {
    const b = await start({ WHARF_LOG_LEVEL: 'debug' });
    const io = memoryIo();
    assert.equal(await main(['produce', '--url', b.url, '--queue', 'LOGS', '--count', '1', '--quiet', '--user', 'someone'], io), 0, io.errLines.join('\n'));
    assert.equal(await b.stop(), 0);
    assert.ok(b.lines.length >= 3);
    for (const l of b.lines) {
      assert.ok(l.startsWith('{'), `not JSON: ${l}`);
      assert.deepEqual(repeatedKeys(l), [], l);
    }
    const recs = b.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(recs.some((r) => r.msg === 'Wharf broker logs started: ' + b.url + ' (store: memory)'), 'the status line is a record');
    const opened = recs.find((r) => r.msg === 'connection opened');
    const closed = recs.find((r) => r.msg === 'connection closed');
    assert.ok(opened && closed, 'connection open and close are logged');
    assert.equal(opened.level, 20);
    assert.equal(opened.user, 'someone');
    assert.match(String(opened.remote), /^(tcp:\/\/)?127\.0\.0\.1:\d+$/);
    assert.equal(opened.protocol, closed.protocol);
    assert.equal(opened.connection, closed.connection);
  });

  it('logs - WHARF_LOG_FORMAT=pretty: readable lines only, no JSON', async () => {
    const b = await start({ WHARF_LOG_LEVEL: 'info', WHARF_LOG_FORMAT: 'pretty' });
    assert.equal(await b.stop(), 0);
    assert.ok(b.lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} INFO {2}broker started {2}broker=logs /.test(l)), b.lines.join('\n'));
    for (const l of b.lines) assert.ok(!l.startsWith('{'), `JSON in a pretty run: ${l}`);
  });
});
