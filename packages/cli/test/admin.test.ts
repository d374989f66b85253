import { strict as assert } from 'node:assert';
import { main } from '../src/main';
import { memoryIo, wharf, type Run } from './helpers';

const STARTED = /^Wharf broker \S+ started: (tcp:\/\/\S+) /;
const CONSOLE = /^Wharf console started: (\S+)$/;

// Header and row shape as Debian's ActiveMQ 5.17 prints them (`activemq dstat queues` against a
// running broker): a 50-wide name, then right-aligned 10-wide columns, two spaces apart.
const ACTIVEMQ_DSTAT_QUEUES =
  'Name                                                Queue Size  Producer #  Consumer #   Enqueue #   Dequeue #   Forward #    Memory %  Inflight #';
const ACTIVEMQ_DSTAT_ROW =
  'TEST.Q                                                       0           0           0           7           7           0           0           0';

describe('wharf query / purge / dstat / bstat', function () {
  this.timeout(30000);
  let broker: Run;
  let url: string;
  let consoleUrl: string;

  before(async () => {
    broker = wharf(['start', '--persistent', 'false', '--brokerName', 'cli-admin', '--console.port', '0',
      '--transportConnectors', '[{"name":"openwire","uri":"tcp://127.0.0.1:0"}]']);
    url = STARTED.exec(await broker.line(STARTED))?.[1] ?? '';
    consoleUrl = (CONSOLE.exec(await broker.line(CONSOLE))?.[1] ?? '').replace(/\/admin\/?$/, '');
    assert.ok(url && consoleUrl);
  });
  after(async () => {
    broker.child.kill('SIGTERM');
    assert.equal((await broker.exit).code, 0);
  });

  async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const io = memoryIo();
    const code = await main(argv, io);
    return { code, out: io.outLines, err: io.errLines };
  }

  it('admin - dstat queues prints ActiveMQ\'s columns, and purge counts as dequeues', async () => {
    assert.equal((await run('produce', '--url', url, '--queue', 'TEST.Q', '--count', '7', '--quiet')).code, 0);
    const before = await run('dstat', '--console', consoleUrl, 'queues');
    assert.equal(before.code, 0, before.err.join('\n'));
    assert.equal(before.out[0], ACTIVEMQ_DSTAT_QUEUES);
    const row = before.out.find((l) => l.startsWith('TEST.Q '));
    assert.equal(row, 'TEST.Q                                                       7           0           0           7           0           0           0           0');

    const purged = await run('purge', '--console', consoleUrl, 'TEST.*');
    assert.equal(purged.code, 0, purged.err.join('\n'));
    assert.deepEqual(purged.out, ['INFO: Purging all messages in queue: TEST.Q']);
    const after = await run('dstat', '--console', consoleUrl, 'queues');
    assert.equal(after.out.find((l) => l.startsWith('TEST.Q ')), ACTIVEMQ_DSTAT_ROW);
  });

  it('admin - purge --msgsel deletes only the matching messages', async () => {
    assert.equal((await run('produce', '--url', url, '--queue', 'SEL.Q', '--count', '3', '--property', 'kind=keep', '--quiet')).code, 0);
    assert.equal((await run('produce', '--url', url, '--queue', 'SEL.Q', '--count', '4', '--property', 'kind=drop', '--quiet')).code, 0);
    const r = await run('purge', '--console', consoleUrl, '--msgsel', "kind = 'drop'", 'SEL.Q');
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(r.out, ['INFO: Removing messages matching "kind = \'drop\'" from queue: SEL.Q', 'INFO: Removed 4 message(s)']);
    const q = await run('query', '--console', consoleUrl, '-QQueue=SEL.Q', '--view', 'QueueSize,DequeueCount');
    assert.deepEqual(q.out, ['QueueSize = 3', 'DequeueCount = 4', '']);
  });

  it('admin - dstat without a type lists topics too, without the Inflight column', async () => {
    assert.equal((await run('produce', '--url', url, '--topic', 'NEWS', '--count', '2', '--quiet')).code, 0);
    const r = await run('dstat', '--console', consoleUrl);
    assert.equal(r.out[0], ACTIVEMQ_DSTAT_QUEUES.replace(/ {2}Inflight #$/, ''));
    assert.match(r.out.find((l) => l.startsWith('NEWS ')) ?? '', /^NEWS +0 +0 +0 +2 +0 +0 +0$/);
  });

  it('admin - query selects with -Q wildcards and --view', async () => {
    assert.equal((await run('produce', '--url', url, '--queue', 'ORDERS.EU', '--count', '3', '--quiet')).code, 0);
    const r = await run('query', '--console', consoleUrl, '-QQueue=ORDERS.*', '--view', 'Name,QueueSize,EnqueueCount');
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(r.out, ['Name = ORDERS.EU', 'QueueSize = 3', 'EnqueueCount = 3', '']);
    const broker = await run('query', '--console', consoleUrl, '-QBroker=*', '--view', 'BrokerName');
    assert.deepEqual(broker.out, ['BrokerName = cli-admin', '']);
  });

  it('admin - bstat prints the broker totals then each destination', async () => {
    const r = await run('bstat', '--console', consoleUrl);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal(r.out[1], 'BrokerName = cli-admin');
    assert.match(r.out.join('\n'), /\nName = ORDERS\.EU\ndestinationName = ORDERS\.EU\ndestinationType = Queue\nEnqueueCount = 3\nDequeueCount = 0\nConsumerCount = 0\nDispatchCount = 0\n/);
  });

  it('admin - no console at the URL says what to do', async () => {
    const r = await run('dstat', '--console', 'http://127.0.0.1:1');
    assert.equal(r.code, 1);
    assert.match(r.err.join('\n'), /cannot reach the console at http:\/\/127\.0\.0\.1:1 .*give --console URL/);
  });
});
