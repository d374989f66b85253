import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@wharf/protocol';
import { loadConfig } from '../src/config';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cli-errors-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(text: string, ext = '.yaml'): string {
  const f = path.join(dir, `e${++n}${ext}`);
  fs.writeFileSync(f, text);
  return f;
}

function errorOf(argv: string[], env: Record<string, string> = {}): string {
  try {
    loadConfig(argv, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'WHARF_CONFIG');
    return err.message;
  }
  return assert.fail(`expected a ConfigError for ${argv.join(' ')} ${JSON.stringify(env)}`);
}

/** Each message names the key (or flag), shows the value, and says what to do (after "—"). */
function expectError(argv: string[], env: Record<string, string>, ...patterns: RegExp[]): void {
  const msg = errorOf(argv, env);
  for (const p of patterns) assert.match(msg, p, msg);
  assert.match(msg, / — \S/, `no advice in: ${msg}`);
}

describe('config - validation errors', () => {
  it('config errors - unknown top-level key in a file, with a suggestion', () => {
    expectError(['--config', file('brokername: x\n')], {}, /unknown key 'brokername'/, /did you mean 'brokerName'/, /e\d+\.yaml/);
    expectError(['--config', file('transportConnector: []\n')], {}, /did you mean 'transportConnectors'/);
    expectError(['--config', file('colour: red\n')], {}, /unknown key 'colour'/);
  });

  it('config errors - unknown flag, with a suggestion', () => {
    expectError(['--brokername', 'x'], {}, /unknown flag '--brokername'/, /did you mean '--brokerName'/);
    expectError(['--memory-limt', '1'], {}, /did you mean '--memory-limit'/);
  });

  it('config errors - a flag without its value', () => {
    expectError(['--brokerName'], {}, /flag '--brokerName' needs a value/);
  });

  it('config errors - wrong types name the key, the value and the source', () => {
    expectError([], { WHARF_PERSISTENT: 'maybe' }, /^persistent: expected true or false, got 'maybe' \(from environment variable WHARF_PERSISTENT\)/);
    expectError(['--memoryLimit', 'lots'], {}, /^memoryLimit: expected a size, got 'lots' \(from flag --memoryLimit\)/, /64mb/);
    expectError(['--config', file('brokerName: [a, b]\n')], {}, /^brokerName: expected a string, got \["a","b"\]/);
    expectError(['--config', file('transportConnectors: tcp://x:1\n')], {}, /^transportConnectors: expected a list/);
    expectError(['--config', file('replicas: 2.5\n')], {}, /^replicas: expected a whole number, got 2\.5/);
    expectError(['--logLevel', 'verbose'], {}, /^logLevel: must be one of trace, debug, info/, /'verbose'/);
    expectError(['--sync', 'quorum-mem'], {}, /^sync: must be one of/, /did you mean 'quorum_mem'/);
  });

  it('config errors - bad JSON in an environment variable', () => {
    expectError([], { WHARF_TRANSPORT_CONNECTORS: '[{name: openwire}]' }, /^transportConnectors: is not valid JSON/, /WHARF_TRANSPORT_CONNECTORS/, /"uri":"tcp:\/\/0\.0\.0\.0:61616"/);
  });

  it('config errors - negative limits', () => {
    expectError(['--memoryLimit', '-1'], {}, /^memoryLimit: must not be negative, got '-1'/);
    expectError(['--config', file('storeLimit: -5mb\n')], {}, /^storeLimit: must not be negative, got '-5mb'/);
    expectError([], { WHARF_MAX_FRAME_SIZE: '0' }, /^maxFrameSize: must be at least 1/);
    expectError(['--config', file('destinationPolicy:\n  - queue: ">"\n    memoryLimit: -1\n')], {}, /^destinationPolicy\[0\]\.memoryLimit: must not be negative/);
    expectError(['--config', file('destinationPolicy:\n  - queue: ">"\n    redeliveryPolicy: {maximumRedeliveries: -2}\n')], {}, /^destinationPolicy\[0\]\.redeliveryPolicy\.maximumRedeliveries: must be at least -1/);
  });

  it('config errors - bad connector URIs', () => {
    const env = (uri: string): Record<string, string> => ({ WHARF_TRANSPORT_CONNECTORS: JSON.stringify([{ name: 'openwire', uri }]) });
    expectError([], env('tcp//0.0.0.0:61616'), /^transportConnectors\[0\]\.uri: is not a URI of the form scheme:\/\/host:port, got 'tcp\/\/0\.0\.0\.0:61616'/);
    expectError([], env('tcp://0.0.0.0'), /^transportConnectors\[0\]\.uri: has no port/, /tcp:\/\/0\.0\.0\.0:61616/);
    expectError([], env('tcp://0.0.0.0:99999'), /^transportConnectors\[0\]\.uri: has a port above 65535/);
    expectError([], { WHARF_TRANSPORT_CONNECTORS: '[{"uri":"tcp://h:1"}]' }, /^transportConnectors\[0\]\.name: is required/);
    expectError([], { WHARF_TRANSPORT_CONNECTORS: '[{"name":"s","uri":"ssl://h:1"}]' }, /^transportConnectors\[0\]\.key: connector 's' uses ssl but has no key\/cert/);
    expectError([], { WHARF_TRANSPORT_CONNECTORS: '[{"name":"a","uri":"tcp://h:1"},{"name":"a","uri":"tcp://h:2"}]' }, /^transportConnectors\[1\]\.name: two connectors are named 'a'/);
    expectError([], { WHARF_TRANSPORT_CONNECTORS: '[{"name":"a","url":"tcp://h:1"}]' }, /^transportConnectors\[0\]: unknown key 'url'/, /did you mean 'uri'/);
    expectError([], { WHARF_REPLICATION_BIND: 'localhost' }, /^replicationBind: is not a URI/);
  });

  it('config errors - --port with no openwire connector, and a bad port', () => {
    expectError(['--port', '1', '--transportConnectors', '[{"name":"stomp","uri":"stomp://h:61613"}]'], {}, /^port: there is no openwire connector/);
    expectError(['--port', '70000'], {}, /^port: must be at most 65535, got '70000' \(from flag --port\)/);
  });

  it('config errors - policy entries', () => {
    expectError(['--config', file('destinationPolicy:\n  - queuePrefetch: 1\n')], {}, /^destinationPolicy\[0\]\.queue: a policy entry needs exactly one of queue or topic/);
    expectError(['--config', file('destinationPolicy:\n  - queue: ">"\n    deadLetterStrategy: {type: shared, queuePrefix: X.}\n')], {}, /^destinationPolicy\[0\]\.deadLetterStrategy\.queuePrefix: 'queuePrefix' does not apply to the shared strategy/);
    expectError(['--config', file('destinationPolicy:\n  - queue: ">"\n    deadLetterStrategy: {type: indvidual}\n')], {}, /deadLetterStrategy\.type: must be one of shared, individual, discarding/, /did you mean 'individual'/);
    expectError(['--config', file('destinationPolicy:\n  - queue: ">"\n    queuePrefetsh: 1\n')], {}, /^destinationPolicy\[0\]: unknown key 'queuePrefetsh'/, /did you mean 'queuePrefetch'/);
  });

  it('config errors - cluster keys', () => {
    expectError([], { WHARF_REPLICAS: '2' }, /^replicas: must be odd/, /use 3/);
    expectError([], { WHARF_ZK_ADDRESS: 'zk1' }, /^zkAddress: 'zk1' is not host:port/);
    expectError([], { WHARF_ZK_PATH: 'wharf' }, /^zkPath: must start with \//);
    expectError(['--console', '{"port": 80000}'], {}, /^console\.port: must be at most 65535/);
  });

  it('config errors - unreadable file', () => {
    expectError(['--config', path.join(dir, 'missing.yaml')], {}, /cannot read config file '.*missing\.yaml': no such file/, /--config or WHARF_CONFIG/);
    expectError(['--config', dir], {}, /cannot read config file .*: it is a directory/);
  });

  it('config errors - YAML syntax errors give the line number', () => {
    const f = file('brokerName: a\ntransportConnectors:\n  - {name: openwire, uri: "tcp://0.0.0.0:1"\npersistent: true\n');
    expectError(['--config', f], {}, /e\d+\.yaml' line 4, column 1: YAML syntax error/);
    expectError(['--config', file('brokerName: a\nbrokerName: b\n')], {}, /line 2, column 1: YAML syntax error: Map keys must be unique/);
    expectError(['--config', file('a: 1\n b: 2\n  c\n')], {}, /line \d+, column \d+: YAML syntax error/);
  });

  it('config errors - JSON syntax errors give the line number', () => {
    expectError(['--config', file('{\n  "brokerName": "a",\n  "persistent": tru\n}\n', '.json')], {}, /e\d+\.json' line 3, column \d+: JSON syntax error/);
  });

  it('config errors - a file that is not a mapping', () => {
    expectError(['--config', file('- a\n- b\n')], {}, /expected a mapping of keys at the top .* got a list/);
  });
});
