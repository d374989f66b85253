import { strict as assert } from 'node:assert';
import { bool, destinationOf, num, parseToolArgs, properties, str, type OptionSpec } from '../src/args';
import { UsageError } from '../src/io';
import { Progress, summary } from '../src/progress';
import { formatSize, parseDuration, parseSize, suggest } from '../src/units';
import { memoryIo } from './helpers';

const OPTS: OptionSpec = {
  count: { type: 'string' },
  size: { type: 'string' },
  ttl: { type: 'string' },
  persistent: { type: 'boolean' },
  transacted: { type: 'boolean' },
  print: { type: 'boolean' },
  property: { type: 'string', multiple: true },
};

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    assert.equal(err.exitCode, 2);
    return err.message;
  }
  return assert.fail('expected a UsageError');
}

describe('tool flags', () => {
  it('tool flags - ActiveMQ spellings are aliases', () => {
    const v = parseToolArgs('produce', ['--brokerUrl', 'tcp://h:1', '--messageCount', '5', '--clientId', 'c', '--messageSize=10'], OPTS);
    assert.equal(str(v, 'url'), 'tcp://h:1');
    assert.equal(num(v, 'count', 1, 0), 5);
    assert.equal(str(v, 'client-id'), 'c');
    assert.equal(num(v, 'size', 0, 0, 1e9, 'size'), 10);
  });

  it('tool flags - booleans alone, with true/false after them, or inline', () => {
    const v = parseToolArgs('produce', ['--transacted', '--persistent', 'false', '--print=true', '-q'], OPTS);
    assert.equal(bool(v, 'transacted', false), true);
    assert.equal(bool(v, 'persistent', true), false);
    assert.equal(bool(v, 'print', false), true);
    assert.equal(bool(v, 'quiet', false), true);
    assert.equal(bool(parseToolArgs('produce', [], OPTS), 'persistent', true), true);
  });

  it('tool flags - sizes, durations and ranges', () => {
    assert.equal(num(parseToolArgs('produce', ['--size', '64kb'], OPTS), 'size', 0, 0, 1e9, 'size'), 65536);
    assert.equal(num(parseToolArgs('produce', ['--ttl', '2s'], OPTS), 'ttl', 0, 0, 1e12, 'duration'), 2000);
    assert.match(usage(() => num(parseToolArgs('produce', ['--ttl', '-1'], OPTS), 'ttl', 0, 0)), /^--ttl: must be at least 0, got -1/);
    assert.match(usage(() => num(parseToolArgs('produce', ['--count', 'many'], OPTS), 'count', 1, 0)), /^--count: expected a whole number, got 'many'/);
  });

  it('tool flags - unknown options suggest the right one', () => {
    assert.match(usage(() => parseToolArgs('produce', ['--cuont', '1'], OPTS)), /unknown option '--cuont' \(did you mean '--count'\?\) — 'wharf produce --help'/);
    assert.match(usage(() => parseToolArgs('consume', ['--count'], OPTS)), /option '--count' needs a value/);
    assert.match(usage(() => parseToolArgs('consume', ['stray'], OPTS)), /unexpected argument 'stray'/);
  });

  it('tool flags - --property k=v is typed and repeatable', () => {
    const v = parseToolArgs('produce', ['--property', 'color=red', '--property', 'n=42', '--property', 'ok=true', '--property', 'x=1.5', '--property', 'id=00123456789012345678'], OPTS);
    assert.deepEqual(properties(v), { color: 'red', n: 42, ok: true, x: 1.5, id: '00123456789012345678' });
    assert.match(usage(() => properties(parseToolArgs('produce', ['--property', 'novalue'], OPTS))), /--property: expected NAME=VALUE/);
  });

  it('tool flags - destinations: --queue, --topic, --destination with a kind or a bare queue name', () => {
    const d = (args: string[], queueOnly = false): string => destinationOf(parseToolArgs('produce', args, OPTS), 'produce', queueOnly).url;
    assert.equal(d(['--queue', 'A.B']), 'queue://A.B');
    assert.equal(d(['--topic', 'T']), 'topic://T');
    assert.equal(d(['--destination', 'topic://T']), 'topic://T');
    assert.equal(d(['--destination', 'Q']), 'queue://Q');
    assert.match(usage(() => d([])), /^no destination — give --queue NAME/);
    assert.match(usage(() => d(['--queue', 'A', '--topic', 'B'])), /give only one of --queue and --topic/);
    assert.match(usage(() => d(['--queue', 'A..B'])), /^--queue: destination name 'A\.\.B' has an empty path element/);
    assert.match(usage(() => d(['--topic', 'T'], true)), /works on queues only/);
  });
});

describe('units and progress', () => {
  it('units - sizes are binary, durations are ms', () => {
    assert.equal(parseSize('64mb'), 64 * 1024 * 1024);
    assert.equal(parseSize('1 GB'), 1024 ** 3);
    assert.equal(parseSize('1.5k'), 1536);
    assert.equal(parseSize('12'), 12);
    assert.equal(parseSize('-5mb'), -5 * 1024 * 1024);
    assert.equal(parseSize('64 parsecs'), undefined);
    assert.equal(parseDuration('2s'), 2000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(formatSize(64 * 1024 * 1024), '64 MiB');
  });

  it('units - suggestions only for likely typos', () => {
    assert.equal(suggest('brokername', ['brokerName', 'dataDirectory']), 'brokerName');
    assert.equal(suggest('zzz', ['brokerName', 'dataDirectory']), undefined);
  });

  it('progress - a line every 10% when stderr is not a terminal, none under 1000', () => {
    const io = memoryIo();
    const p = new Progress(io, 'produced', 2000);
    for (let i = 0; i < 2000; i++) p.tick();
    p.stop();
    assert.equal(io.errLines.length, 10);
    assert.match(io.errLines[0] ?? '', /^produced 200\/2000 \(\d+ msg\/s\)$/);
    assert.match(io.errLines[9] ?? '', /^produced 2000\/2000/);
    const small = memoryIo();
    const q = new Progress(small, 'produced', 999);
    for (let i = 0; i < 999; i++) q.tick();
    assert.deepEqual(small.errLines, []);
    assert.match(summary('consumed', 1, 500), /^consumed 1 message in 0\.50 s \(2 msg\/s\)$/);
  });
});
