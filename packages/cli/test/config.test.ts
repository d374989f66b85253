import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '@wharf/broker';
import { brokerConfigOf, envName, loadConfig, nodeIdFromHostname } from '../src/config';
import { KEYS } from '../src/config-spec';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cli-config-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(text: string, ext = '.yaml'): string {
  const f = path.join(dir, `c${++n}${ext}`);
  fs.writeFileSync(f, text);
  return f;
}

describe('config - sources and precedence', () => {
  it('config - defaults come from the broker when nothing is given', () => {
    const c = loadConfig([], {});
    assert.deepEqual(brokerConfigOf(c), defaultConfig());
    assert.equal(c.cluster, undefined);
    assert.deepEqual(c.console, { bind: '127.0.0.1', port: 8161 }, 'the console is on by default, on loopback');
    assert.equal(loadConfig([], { WHARF_CONSOLE_ENABLED: 'false' }).console, undefined);
  });

  it('config - file < env < flag, key by key', () => {
    const f = file('brokerName: from-file\ndataDirectory: /var/file\npersistent: false\nstoreLimit: 1gb\n');
    const env = { WHARF_BROKER_NAME: 'from-env', WHARF_DATA_DIRECTORY: '/var/env' };
    const c = loadConfig(['--config', f, '--broker-name', 'from-flag'], env);
    assert.equal(c.brokerName, 'from-flag');
    assert.equal(c.dataDirectory, '/var/env');
    assert.equal(c.persistent, false);
    assert.equal(c.storeLimit, 1024 ** 3);
    assert.equal(c.memoryLimit, defaultConfig().memoryLimit);
  });

  it('config - WHARF_CONFIG names the file; --config wins over it', () => {
    const a = file('brokerName: a\n');
    const b = file('brokerName: b\n');
    assert.equal(loadConfig([], { WHARF_CONFIG: a }).brokerName, 'a');
    assert.equal(loadConfig(['-c', b], { WHARF_CONFIG: a }).brokerName, 'b');
  });

  it('config - JSON files by extension and by sniffing', () => {
    assert.equal(loadConfig(['--config', file('{"brokerName": "j"}', '.json')], {}).brokerName, 'j');
    assert.equal(loadConfig(['--config', file('{"brokerName": "s"}', '.conf')], {}).brokerName, 's');
    assert.equal(loadConfig(['--config', file('brokerName: y\n', '.conf')], {}).brokerName, 'y');
  });

  it('config - every flag spelling: camelCase, kebab-case, --key=value', () => {
    assert.equal(loadConfig(['--brokerName', 'x'], {}).brokerName, 'x');
    assert.equal(loadConfig(['--broker-name=y'], {}).brokerName, 'y');
    assert.equal(loadConfig(['--dataDirectory', '/d'], {}).dataDirectory, '/d');
    assert.equal(loadConfig(['--persistent', 'false'], {}).persistent, false);
    assert.equal(loadConfig(['--scheduler-support'], {}).schedulerSupport, true, 'a bare boolean flag means true');
    assert.equal(loadConfig(['--schedulerSupport', '--brokerName', 'z'], {}).brokerName, 'z');
  });

  it('config - environment names are WHARF_ + UPPER_SNAKE of the key', () => {
    assert.equal(envName('brokerName'), 'WHARF_BROKER_NAME');
    assert.equal(envName('zkAddress'), 'WHARF_ZK_ADDRESS');
    assert.equal(envName('sendFailIfNoSpaceAfterTimeout'), 'WHARF_SEND_FAIL_IF_NO_SPACE_AFTER_TIMEOUT');
    assert.equal(envName('console.port'), 'WHARF_CONSOLE_PORT');
    const c = loadConfig([], { WHARF_PERSISTENT: 'false', WHARF_USE_MIRRORED_QUEUES: 'true', WHARF_MAX_FRAME_SIZE: '1mb' });
    assert.equal(c.persistent, false);
    assert.equal(c.useMirroredQueues, true);
    assert.equal(c.maxFrameSize, 1024 * 1024);
  });

  it('config - lists and mappings take JSON in env and flags, and replace the file value', () => {
    const f = file('transportConnectors:\n  - {name: openwire, uri: "tcp://127.0.0.1:1"}\n  - {name: stomp, uri: "stomp://127.0.0.1:2"}\n');
    const env = { WHARF_TRANSPORT_CONNECTORS: '[{"name":"openwire","uri":"tcp://0.0.0.0:61616"}]' };
    assert.deepEqual(loadConfig(['--config', f], env).transportConnectors, [{ name: 'openwire', uri: 'tcp://0.0.0.0:61616' }]);
    const flag = loadConfig(['--config', f, '--transportConnectors', '[{"name":"x","uri":"tcp://h:5"}]'], env);
    assert.deepEqual(flag.transportConnectors, [{ name: 'x', uri: 'tcp://h:5' }]);
  });

  it('config - mappings merge field by field across sources (console, mirroredQueue)', () => {
    const f = file('console:\n  port: 8161\n  username: admin\nmirroredQueue:\n  prefix: M.\n');
    const c = loadConfig(['--config', f, '--console-bind', '0.0.0.0'], { WHARF_CONSOLE_PASSWORD: 'pw', WHARF_MIRRORED_QUEUE_POSTFIX: '.qmirror' });
    assert.deepEqual(c.console, { port: 8161, username: 'admin', password: 'pw', bind: '0.0.0.0' });
    assert.deepEqual(c.mirroredQueue, { prefix: 'M.', postfix: '.qmirror', copyMessage: true });
    assert.equal(loadConfig(['--console.port', '9000'], {}).console?.port, 9000);
  });

  it('config - --port rewrites the openwire connector; flag beats WHARF_PORT', () => {
    const f = file('transportConnectors:\n  - {name: stomp, uri: "stomp://0.0.0.0:61613"}\n  - {name: openwire, uri: "tcp://0.0.0.0:61616?x=1"}\n');
    const c = loadConfig(['--config', f, '--port', '7000'], { WHARF_PORT: '8000' });
    assert.deepEqual(c.transportConnectors.map((x) => x.uri), ['stomp://0.0.0.0:61613', 'tcp://0.0.0.0:7000?x=1']);
    assert.equal(loadConfig([], { WHARF_PORT: '0' }).transportConnectors[0]?.uri, 'tcp://127.0.0.1:0');
  });

  it('config - cluster and console keys are passed through in their sections', () => {
    const f = file('replicas: 3\nzkAddress: zk1:2181,zk2:2181\nzkSessionTimeout: 2s\nsync: quorum_disk\nnetworkConnectors:\n  - uri: static:(tcp://b:61616)\n');
    const c = loadConfig(['--config', f, '--zk-path', '/wharf/g1'], { WHARF_REPLICATION_BIND: 'tcp://0.0.0.0:61619', WHARF_NODE_ID: '7' });
    assert.deepEqual(c.cluster, { replicas: 3, zkAddress: 'zk1:2181,zk2:2181', zkSessionTimeout: 2000, sync: 'quorum_disk', replicationBind: 'tcp://0.0.0.0:61619', nodeId: 7, zkPath: '/wharf/g1' });
    assert.deepEqual(c.extra, { networkConnectors: [{ uri: 'static:(tcp://b:61616)' }] });
    assert.equal((brokerConfigOf(c) as unknown as Record<string, unknown>).cluster, undefined, 'the broker does not get the cluster section');
  });

  it('config - nodeId defaults to the StatefulSet ordinal of HOSTNAME unless WHARF_NODE_ID is set', () => {
    assert.equal(nodeIdFromHostname({ HOSTNAME: 'wharf-broker-2' }), 2);
    assert.equal(nodeIdFromHostname({ HOSTNAME: 'laptop' }), undefined);
    assert.equal(nodeIdFromHostname({ HOSTNAME: 'wharf-2', WHARF_NODE_ID: '5' }), undefined);
    assert.equal(loadConfig([], { HOSTNAME: 'wharf-1', WHARF_ZK_ADDRESS: 'zk:2181' }).cluster?.nodeId, 1);
    assert.equal(loadConfig([], { HOSTNAME: 'wharf-1', WHARF_ZK_ADDRESS: 'zk:2181', WHARF_NODE_ID: '4' }).cluster?.nodeId, 4);
  });

  it('config - the key table covers every BrokerConfig key with the kind of its default', () => {
    const d = defaultConfig() as unknown as Record<string, unknown>;
    const byKey = new Map(KEYS.map((k) => [k.key, k]));
    for (const [k, v] of Object.entries(d)) {
      const spec = byKey.get(k);
      assert.ok(spec, `BrokerConfig key ${k} has no entry in config-spec.ts`);
      assert.equal(spec.section, 'broker');
      const kind = spec.spec.kind;
      const expected = typeof v === 'boolean' ? ['boolean'] : typeof v === 'number' ? ['size', 'duration', 'integer', 'number'] : typeof v === 'string' ? ['string', 'enum'] : Array.isArray(v) ? ['array'] : ['object'];
      assert.ok(expected.includes(kind), `${k}: default ${JSON.stringify(v)} but kind ${kind}`);
    }
  });

  it('config - unknown WHARF_* variables are reported as warnings with a suggestion', () => {
    const warnings: string[] = [];
    // The variables other parts of wharf read are not reported.
    const others = { WHARF_LOG_FORMAT: 'json', WHARF_DEBUG: '1', WHARF_CONSOLE_URL: 'http://127.0.0.1:8161', WHARF_CONSOLE_PASSWORD: 'p' };
    loadConfig([], { WHARF_BROKERNAME: 'x', ...others }, { warn: (m) => warnings.push(m) });
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /WHARF_BROKERNAME.*did you mean WHARF_BROKER_NAME/);
  });
});

describe('config - coercion', () => {
  it('config - sizes: 64mb, 1 gb, 512k, plain numbers', () => {
    const c = loadConfig(['--memoryLimit', '64mb', '--storeLimit', '1 gb', '--maxFrameSize', '512k'], {});
    assert.equal(c.memoryLimit, 64 * 1024 * 1024);
    assert.equal(c.storeLimit, 1024 ** 3);
    assert.equal(c.maxFrameSize, 512 * 1024);
    assert.equal(loadConfig(['--memoryLimit', '1048576'], {}).memoryLimit, 1048576);
    assert.equal(loadConfig(['--config', file('memoryLimit: 64 MB\n')], {}).memoryLimit, 64 * 1024 * 1024);
    assert.equal(loadConfig(['--config', file('memoryLimit: 2048\n')], {}).memoryLimit, 2048);
  });

  it('config - booleans: true/false/yes/no/on/off/1/0, also as YAML strings', () => {
    for (const [text, want] of [['true', true], ['no', false], ['ON', true], ['0', false]] as const) {
      assert.equal(loadConfig([], { WHARF_PERSISTENT: text }).persistent, want, text);
    }
    assert.equal(loadConfig(['--config', file('persistent: "false"\n')], {}).persistent, false);
  });

  it('config - durations: 2s, 500ms, numbers', () => {
    assert.equal(loadConfig(['--maxInactivityDuration', '2s'], {}).maxInactivityDuration, 2000);
    assert.equal(loadConfig(['--maxInactivityDuration', '500ms'], {}).maxInactivityDuration, 500);
    assert.equal(loadConfig(['--maxInactivityDuration', '1m'], {}).maxInactivityDuration, 60000);
  });

  it('config - destination policies from YAML keep their ActiveMQ shape', () => {
    const f = file([
      'destinationPolicy:',
      '  - queue: ">"',
      '    queuePrefetch: 10',
      '    memoryLimit: 1mb',
      '    redeliveryPolicy: {maximumRedeliveries: -1, redeliveryDelay: 2s, useExponentialBackOff: true}',
      '    deadLetterStrategy: {type: individual, queuePrefix: DLQ.}',
      '  - topic: PRICES.>',
      '    deadLetterStrategy: {type: discarding}',
    ].join('\n'));
    const c = loadConfig(['--config', f], {});
    assert.deepEqual(c.destinationPolicy, [
      { queue: '>', queuePrefetch: 10, memoryLimit: 1024 * 1024, redeliveryPolicy: { maximumRedeliveries: -1, redeliveryDelay: 2000, useExponentialBackOff: true }, deadLetterStrategy: { type: 'individual', queuePrefix: 'DLQ.' } },
      { topic: 'PRICES.>', deadLetterStrategy: { type: 'discarding' } },
    ]);
  });

  it('config - empty and null values mean "not set"', () => {
    const c = loadConfig(['--config', file('brokerName:\n')], { WHARF_DATA_DIRECTORY: '' });
    assert.equal(c.brokerName, 'localhost');
    assert.equal(c.dataDirectory, 'data');
    assert.deepEqual(loadConfig(['--config', file('')], {}).brokerName, 'localhost');
  });

  it('config - jaasLdapLogin takes the LDAPLoginModule options by their names; a missing required one is named', () => {
    const c = brokerConfigOf(loadConfig(['--config', file([
      'jaasLdapLogin:', '  connectionURL: "ldap://127.0.0.1:389"', '  connectionUsername: "cn=admin,dc=x"', '  connectionPassword: "${LDAP_PW}"',
      '  userBase: "ou=people,dc=x"', '  userSearchMatching: "(uid={0})"', '  userSearchSubtree: true', '  roleBase: "ou=groups,dc=x"',
      '  roleName: cn', '  roleSearchMatching: "(member={0})"', '  expandRoles: false', '  timeout: 3000', '',
    ].join('\n'))], {}));
    assert.deepEqual(c.jaasLdapLogin, {
      connectionURL: 'ldap://127.0.0.1:389', connectionUsername: 'cn=admin,dc=x', connectionPassword: '${LDAP_PW}', userBase: 'ou=people,dc=x',
      userSearchMatching: '(uid={0})', userSearchSubtree: true, roleBase: 'ou=groups,dc=x', roleName: 'cn', roleSearchMatching: '(member={0})', expandRoles: false, timeout: 3000,
    });
    assert.throws(() => loadConfig([], { WHARF_JAAS_LDAP_LOGIN: '{"connectionURL":"ldap://x:1","userSearchMatching":"(uid={0})"}' }), /jaasLdapLogin.userBase: is required/);
  });
});
