// A broker killed with kill -9 whose store files are then damaged: `wharf start` refuses it,
// naming the damage (never serving less without a word), and `wharf store check` / `wharf store
// repair` are what the operator runs next.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { ConnectionFactory, DeliveryMode, Session } from '@wharf/client';
import { tempDir, wharf, wharfDone, type Run } from './helpers';

const STARTED = /^Wharf broker \S+ started: (tcp:\/\/127\.0\.0\.1:\d+)/;

function newestLog(dir: string): string {
  const logs = fs.readdirSync(dir).filter((f) => /^\d+\.log$/.test(f)).sort();
  return path.join(dir, logs[logs.length - 1]!);
}

describe('wharf store - damaged stores', function () {
  this.timeout(60000);
  let root: string;
  let running: Run | undefined;
  before(() => {
    root = tempDir();
  });
  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.exit;
    }
    running = undefined;
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const args = (dir: string): string[] => ['--persistent', 'true', '--data-directory', dir, '--transportConnectors', '[{"name":"openwire","uri":"tcp://127.0.0.1:0"}]', '--console', '{"enabled":false}'];

  /** A broker process with `n` acknowledged persistent messages on ORDERS, then killed with kill -9. */
  async function killedWith(dir: string, n: number): Promise<void> {
    running = wharf(['start', ...args(dir)]);
    const url = STARTED.exec(await running.line(STARTED))![1]!;
    const c = await new ConnectionFactory(url).createConnection();
    try {
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const p = await s.createProducer(s.createQueue('ORDERS'));
      p.setDeliveryMode(DeliveryMode.PERSISTENT);
      for (let i = 0; i < n; i++) await p.send(s.createTextMessage(`order ${i} ${'x'.repeat(200)}`));
    } finally {
      running.child.kill('SIGKILL');
      await running.exit;
      await c.close().catch(() => undefined);
    }
  }

  it('wharf store - bytes flipped in the newest log after kill -9: start refuses naming the damage; check reports it; repair keeps the rest and the broker starts', async () => {
    const dir = path.join(root, 'flipped');
    await killedWith(dir, 300);
    const log = newestLog(dir);
    const buf = fs.readFileSync(log);
    for (const at of [0.3, 0.5, 0.7]) for (let i = 0; i < 16; i++) buf[Math.floor(buf.length * at) + i]! ^= 0xff;
    fs.writeFileSync(log, buf);

    const start = await wharfDone(['start', ...args(dir)]);
    assert.equal(start.code, 1, start.stdout.join('\n'));
    const err = start.stderr.join('\n');
    assert.match(err, /is damaged/);
    assert.match(err, /\d+\.log bytes \d+-\d+ .*checksum mismatch.*held at least \d+ message\(s\) of queue:\/\/ORDERS/);
    assert.match(err, /wharf store repair/);
    assert.doesNotMatch(err, /writable/);

    const check = await wharfDone(['store', 'check', '--data-directory', dir]);
    assert.equal(check.code, 1);
    assert.match(check.stdout.join('\n'), /DAMAGED[\s\S]*checksum mismatch/);
    assert.match(check.stderr.join('\n'), /checked \d+\/\d+ files/);

    const repair = await wharfDone(['store', 'repair', '--data-directory', dir]);
    assert.equal(repair.code, 0, repair.stderr.join('\n'));
    const out = repair.stdout.join('\n');
    assert.match(out, /repaired: position 0:\d+, 1 destinations, (\d+) messages/);
    const kept = Number(/, (\d+) messages/.exec(out)![1]);
    assert.ok(kept > 0 && kept < 300, `kept ${kept}`);
    assert.match(out, /lost: .*checksum mismatch/);
    const backup = /in (\S+before-repair-\S+) \(/.exec(out)![1]!;
    assert.ok(fs.existsSync(path.join(backup, path.basename(log))), 'the damaged files are kept');

    assert.equal((await wharfDone(['store', 'check', '--data-directory', dir])).code, 0);
    running = wharf(['start', ...args(dir)]);
    await running.line(STARTED);
  });

  it('wharf store - a log cut to 60% after kill -9: start refuses naming the missing batches', async () => {
    const dir = path.join(root, 'cut');
    await killedWith(dir, 300);
    const log = newestLog(dir);
    fs.truncateSync(log, Math.floor(fs.statSync(log).size * 0.6));
    const start = await wharfDone(['start', ...args(dir)]);
    assert.equal(start.code, 1);
    assert.match(start.stderr.join('\n'), /the store ends at 0:\d+ but 0:\d+ was committed: \d+ batch\(es\) .* are missing/);
    const check = await wharfDone(['store', 'check', '--data-directory', dir]);
    assert.equal(check.code, 1);
    assert.match(check.stdout.join('\n'), /missing/);
  });
});
