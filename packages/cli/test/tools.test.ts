import { strict as assert } from 'node:assert';
import { main } from '../src/main';
import { freePort, memoryIo, wharf, wharfDone, type Run } from './helpers';

const STARTED = /^Wharf broker \S+ started: (tcp:\/\/\S+) /;

describe('wharf produce / consume / browse', function () {
  this.timeout(30000);
  let broker: Run;
  let url: string;

  before(async () => {
    broker = wharf(['start', '--persistent', 'false', '--brokerName', 'cli-tools', '--port', '0', '--transportConnectors', '[{"name":"openwire","uri":"tcp://127.0.0.1:0"}]']);
    url = STARTED.exec(await broker.line(STARTED))?.[1] ?? '';
    assert.ok(url);
  });
  after(async () => {
    broker.child.kill('SIGTERM');
    assert.equal((await broker.exit).code, 0);
  });

  /** Run a tool in this process; resolves with its exit code and output. */
  async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const io = memoryIo();
    const code = await main(argv, io);
    return { code, out: io.outLines, err: io.errLines };
  }

  it('tools - produce then consume through the CLI processes', async () => {
    const p = await wharfDone(['produce', '--url', url, '--queue', 'CLI.RT', '--count', '5', '--property', 'color=red']);
    assert.equal(p.code, 0, p.stderr.join('\n'));
    assert.match(p.stdout.join('\n'), /^produced 5 messages in [\d.]+ s \(\d+ msg\/s\) to queue:\/\/CLI\.RT$/);
    const c = await wharfDone(['consume', '--url', url, '--queue', 'CLI.RT', '--count', '5', '--print', '--timeout', '5000']);
    assert.equal(c.code, 0, c.stderr.join('\n'));
    assert.equal(c.stdout.length, 5);
    for (let i = 1; i <= 5; i++) {
      assert.match(c.stdout[i - 1] ?? '', new RegExp(`^\\[${i}\\] ID:\\S+ priority=4 \\{"color":"red"\\}: Message ${i} from wharf produce$`));
    }
    assert.match(c.stderr.join('\n'), /consumed 5 messages in/);
  });

  it('tools - browse shows messages and leaves them on the queue', async () => {
    assert.equal((await run('produce', '--url', url, '--destination', 'queue://CLI.BROWSE', '--count', '3', '--message', 'hello')).code, 0);
    const b = await run('browse', '--url', url, '--queue', 'CLI.BROWSE');
    assert.equal(b.code, 0, b.err.join('\n'));
    assert.equal(b.out.length, 3);
    assert.match(b.out[0] ?? '', /: hello$/);
    assert.match(b.err.join('\n'), /^3 messages on queue:\/\/CLI\.BROWSE$/);
    const limited = await run('browse', '--url', url, '--queue', 'CLI.BROWSE', '--limit', '2');
    assert.equal(limited.out.length, 2);
    const c = await run('consume', '--url', url, '--queue', 'CLI.BROWSE', '--count', '3', '--timeout', '5000');
    assert.equal(c.code, 0, c.err.join('\n'));
  });

  it('tools - selectors, transacted produce, client and transacted acks', async () => {
    const p = await run('produce', '--url', url, '--queue', 'CLI.SEL', '--count', '4', '--property', 'kind=a', '--transacted', '--batch', '3');
    assert.equal(p.code, 0, p.err.join('\n'));
    assert.equal((await run('produce', '--url', url, '--queue', 'CLI.SEL', '--count', '2', '--property', 'kind=b', '--persistent', 'false')).code, 0);
    const b = await run('consume', '--url', url, '--queue', 'CLI.SEL', '--selector', "kind = 'b'", '--count', '2', '--ack', 'client', '--timeout', '5000');
    assert.equal(b.code, 0, b.err.join('\n'));
    const a = await run('consume', '--url', url, '--queue', 'CLI.SEL', '--count', '4', '--ack', 'transacted', '--batch', '3', '--timeout', '5000');
    assert.equal(a.code, 0, a.err.join('\n'));
    const none = await run('consume', '--url', url, '--queue', 'CLI.SEL', '--timeout', '100');
    assert.equal(none.code, 0);
    assert.match(none.out.join('\n'), /^consumed 0 messages/);
  });

  it('tools - fewer messages than --count before the timeout exits 1', async () => {
    const r = await run('consume', '--url', url, '--queue', 'CLI.EMPTY', '--count', '2', '--timeout', '100');
    assert.equal(r.code, 1);
    assert.match(r.err.join('\n'), /wharf: only 0 of 2 messages arrived within 100 ms — raise --timeout/);
  });

  it('tools - progress lines every 10% for 1000 messages when stderr is not a terminal', async () => {
    const p = await run('produce', '--url', url, '--queue', 'CLI.MANY', '--count', '1000', '--size', '100', '--persistent', 'false');
    assert.equal(p.code, 0, p.err.join('\n'));
    assert.equal(p.err.length, 10);
    assert.match(p.err[4] ?? '', /^produced 500\/1000 \(\d+ msg\/s\)$/);
    const c = await run('consume', '--url', url, '--queue', 'CLI.MANY', '--count', '1000', '--timeout', '5000');
    assert.equal(c.code, 0, c.err.join('\n'));
    assert.match(c.out.join('\n'), /^consumed 1000 messages/);
  });

  it('tools - a durable subscriber needs a client ID, and gets messages sent while it was away', async () => {
    const noId = await run('consume', '--url', url, '--topic', 'CLI.DUR', '--durable', 'sub1');
    assert.equal(noId.code, 2);
    assert.match(noId.err.join('\n'), /--durable needs --client-id/);
    const first = await run('consume', '--url', url, '--topic', 'CLI.DUR', '--durable', 'sub1', '--client-id', 'cli-dur', '--timeout', '50');
    assert.equal(first.code, 0, first.err.join('\n'));
    assert.equal((await run('produce', '--url', url, '--topic', 'CLI.DUR', '--count', '2')).code, 0);
    const again = await run('consume', '--url', url, '--topic', 'CLI.DUR', '--durable', 'sub1', '--client-id', 'cli-dur', '--count', '2', '--timeout', '5000');
    assert.equal(again.code, 0, again.err.join('\n'));
  });

  it('tools - usage errors exit 2 before connecting', async () => {
    const r = await run('produce', '--url', url, '--count', '1');
    assert.equal(r.code, 2);
    assert.match(r.err.join('\n'), /^wharf: no destination — give --queue NAME/);
    const s = await run('consume', '--url', url, '--queue', 'Q', '--selector', 'a = = 1');
    assert.equal(s.code, 2);
    assert.match(s.err.join('\n'), /^wharf: --selector: /);
  });
});

describe('wharf produce - no broker', () => {
  it('tools - connection refused says to start a broker and exits 1', async function () {
    this.timeout(20000);
    const port = await freePort();
    const r = await wharfDone(['produce', '--url', `tcp://127.0.0.1:${port}`, '--queue', 'Q']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.join('\n'), `wharf: cannot connect to tcp://127.0.0.1:${port}: connection refused — is a broker running? start one with \`wharf start\``);
  });
});
