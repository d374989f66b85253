import { strict as assert } from 'node:assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { literalOf } from '../src/commands/admin';
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

  /** `argv` run with stderr a terminal: returns what was written to it. */
  async function runOnTerminal(...argv: string[]): Promise<{ code: number; out: string[]; terminal: string }> {
    const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    let terminal = '';
    stderr.on('data', (c: Buffer) => (terminal += c.toString()));
    const io = { ...memoryIo(), isTTY: true, stderr };
    const code = await main(argv, io);
    return { code, out: io.outLines, terminal };
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

  it('admin - more queues than one page: dstat, query and purge read every one exactly once', async () => {
    const names = Array.from({ length: 2500 }, (_, i) => `BULK.${String(i).padStart(4, '0')}`);
    // One message to a composite destination creates them all.
    const sent = await fetch(`${consoleUrl}/api/send`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ destination: names.map((n) => `queue://${n}`).join(','), body: 'x' }),
    });
    assert.equal(sent.status, 201, await sent.text());
    const whole = ((await (await fetch(`${consoleUrl}/api/queues`)).json()) as Array<{ name: string }>).map((q) => q.name);
    assert.ok(whole.length >= 2500);

    // The console's requests as the command makes them, through a proxy that records their paths.
    const asked: string[] = [];
    const proxy = http.createServer((req, res) => {
      asked.push(req.url ?? '');
      void fetch(`${consoleUrl}${req.url}`, { method: req.method }).then(async (r) => res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? '' }).end(await r.text()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    after(() => proxy.close());
    const d = await run('dstat', '--console', proxied, 'queues');
    assert.equal(d.code, 0, d.err.join('\n'));
    assert.equal(asked.length, 3, asked.join(' '));
    assert.ok(asked.every((u) => u.startsWith('/api/queues?limit=1000')), asked.join(' '));
    assert.match(asked[1]!, /&after=/);
    assert.deepEqual(d.err, [], 'no progress when stderr is not a terminal');
    const rows = d.out.slice(1).map((l) => l.slice(0, 50).trimEnd());
    assert.deepEqual(rows, [...whole].sort((a, b) => a.localeCompare(b)), 'every queue once, as the whole list has them');
    assert.deepEqual(rows.filter((n) => n.startsWith('BULK.')), names);
    assert.equal(d.out.find((l) => l.startsWith('BULK.1234 ')), 'BULK.1234                                                    1           0           0           1           0           0           0           0');

    const q = await run('query', '--console', consoleUrl, '-QQueue=BULK.*', '--view', 'Name');
    assert.equal(q.code, 0, q.err.join('\n'));
    assert.deepEqual(q.out.filter((l) => l !== ''), names.map((n) => `Name = ${n}`));

    asked.length = 0;
    const p = await run('purge', '--console', proxied, 'BULK.1*', 'BULK.24?9');
    assert.equal(p.code, 0, p.err.join('\n'));
    const reads = asked.filter((u) => u.startsWith('/api/queues?'));
    assert.deepEqual(reads.map((u) => new URLSearchParams(u.split('?')[1]).get('filter')), ['BULK.1', 'BULK.1', 'BULK.24'], 'the broker narrows each list');
    const purged = [...names.filter((n) => n.startsWith('BULK.1')), ...names.filter((n) => /^BULK\.24.9$/.test(n))];
    assert.equal(purged.length, 1010);
    assert.deepEqual(p.out, purged.map((n) => `INFO: Purging all messages in queue: ${n}`));
    const left = await run('query', '--console', consoleUrl, '-QQueue=BULK.*', '--view', 'Name,QueueSize');
    const sizes = new Map<string, string>();
    for (let i = 0; i + 1 < left.out.length; i += 3) sizes.set(left.out[i]!.replace('Name = ', ''), left.out[i + 1]!);
    assert.equal(sizes.size, 2500);
    for (const n of names) assert.equal(sizes.get(n), `QueueSize = ${purged.includes(n) ? 0 : 1}`, n);
  });

  it('admin - a read of many pages shows its progress when stderr is a terminal', async () => {
    const r = await runOnTerminal('dstat', '--console', consoleUrl, 'queues');
    assert.equal(r.code, 0);
    assert.ok(r.out.length > 2500);
    assert.match(r.terminal, /reading queues \[.*\] \d+\/\d+ .*queues\/s/);
    const one = await runOnTerminal('dstat', '--console', consoleUrl, 'topics');
    assert.equal(one.code, 0);
    assert.equal(one.terminal, '', 'one page: no progress');
  });

  it('admin - a wildcard pattern narrows the list on the broker by its longest plain run', () => {
    assert.equal(literalOf('BULK.1*'), 'BULK.1');
    assert.equal(literalOf('*.ORDERS.?.EU'), '.ORDERS.');
    assert.equal(literalOf('*'), '');
    assert.equal(literalOf('ORDERS'), 'ORDERS');
  });

  it('admin - no console at the URL says what to do', async () => {
    const r = await run('dstat', '--console', 'http://127.0.0.1:1');
    assert.equal(r.code, 1);
    assert.match(r.err.join('\n'), /cannot reach the console at http:\/\/127\.0\.0\.1:1 .*give --console URL/);
  });
});
