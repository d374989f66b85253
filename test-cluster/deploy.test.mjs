// The deployment files: docker-compose.yml is valid for docker-compose (when the tool is
// installed: Debian's docker-compose), the Kubernetes manifests hang together, and the
// configuration they carry is accepted by `wharf start`'s loader.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { root, tempDir } from './lib/group.mjs';

const require = createRequire(import.meta.url);
const YAML = require(require.resolve('yaml', { paths: [path.join(root, 'packages', 'cli')] }));
const { loadConfig, brokerConfigOf } = require(path.join(root, 'packages', 'cli', 'dist', 'src', 'config.js'));
const { Broker, parseConnectorUri } = require(path.join(root, 'packages', 'broker', 'dist', 'src', 'index.js'));

/** The broker of this configuration would start its connectors (none open to the network without authentication). */
function assertListenersAllowed(c, env, what) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const b = new Broker({ ...brokerConfigOf(c), persistent: false, logLevel: 'silent' });
    for (const t of b.config.transportConnectors) {
      assert.doesNotThrow(() => b.security.checkExposure(`connector ${t.name}`, parseConnectorUri(t.uri).host), what);
    }
  } finally {
    process.env = saved;
  }
}

function k8s() {
  const dir = path.join(root, 'deploy', 'k8s');
  const docs = [];
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml') && x !== 'kustomization.yaml')) {
    for (const d of YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))) docs.push({ file: f, ...d.toJS() });
  }
  return docs;
}

describe('deployment files', () => {
  it('deploy - docker-compose.yml passes `docker-compose config -q`', function () {
    const probe = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
    if (probe.error) {
      console.log('      SKIPPED: docker-compose is not installed (Debian: apt-get install docker-compose)');
      this.skip();
    }
    const r = spawnSync('docker-compose', ['-f', path.join(root, 'docker-compose.yml'), 'config', '-q'], { encoding: 'utf8', cwd: root });
    assert.equal(r.status, 0, r.stderr);
  });

  it('deploy - deploy/k8s passes `kubectl kustomize`', function () {
    const r = spawnSync('kubectl', ['kustomize', path.join(root, 'deploy', 'k8s')], { encoding: 'utf8' });
    if (r.error) {
      console.log('      SKIPPED: kubectl is not installed');
      this.skip();
    }
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /kind: StatefulSet/);
  });

  it('deploy - every compose node runs `wharf start` with a configuration the loader accepts', () => {
    const compose = YAML.parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
    const nodes = Object.entries(compose.services).filter(([name]) => name.startsWith('wharf-'));
    assert.equal(nodes.length, 6);
    const ids = new Set();
    for (const [name, svc] of nodes) {
      const env = Object.fromEntries(Object.entries(svc.environment).map(([k, v]) => [k, String(v)]));
      const warnings = [];
      const c = loadConfig([], env, { warn: (m) => warnings.push(m) });
      assert.deepEqual(warnings, [], `${name}: ${warnings.join('; ')}`);
      assert.equal(c.cluster.replicas, 3);
      assert.equal(c.cluster.hostname, name);
      ids.add(`${c.brokerName}-${c.cluster.nodeId}`);
      assertListenersAllowed(c, {}, name);
    }
    assert.equal(ids.size, 6, 'every node has its own member id');
  });

  it('deploy - the Kubernetes StatefulSet, Services, ConfigMap and PodDisruptionBudget fit together', () => {
    const docs = k8s();
    const kind = (k) => docs.filter((d) => d.kind === k);
    const [sts] = kind('StatefulSet');
    assert.ok(sts, 'a StatefulSet');
    assert.equal(sts.spec.replicas, 3);
    const headless = kind('Service').find((s) => s.metadata.name === sts.spec.serviceName);
    assert.ok(headless, 'the governing service exists');
    assert.equal(headless.spec.clusterIP, 'None');
    const labels = sts.spec.template.metadata.labels;
    for (const s of [...kind('Service'), ...kind('PodDisruptionBudget')]) {
      const sel = s.spec.selector.matchLabels ?? s.spec.selector;
      for (const [k, v] of Object.entries(sel)) assert.equal(labels[k], v, `${s.kind} ${s.metadata.name} selects the pods`);
    }
    assert.equal(kind('PodDisruptionBudget')[0].spec.maxUnavailable, 1);
    const cm = kind('ConfigMap')[0];
    const container = sts.spec.template.spec.containers[0];
    const mount = container.volumeMounts.find((m) => m.name === 'config');
    const cfgArg = container.args[container.args.indexOf('--config') + 1];
    assert.ok(cfgArg.startsWith(mount.mountPath));
    const file = path.join(tempDir('k8s'), path.basename(cfgArg));
    fs.writeFileSync(file, cm.data[path.basename(cfgArg)]);
    // The pod ordinal names the node.
    const c = loadConfig(['--config', file], { HOSTNAME: 'wharf-2' });
    assert.equal(c.cluster.nodeId, 2);
    assert.equal(c.cluster.replicas, 3);
    assert.match(c.cluster.zkAddress, /zookeeper/);
    // The connectors bind the pod address: the broker's user takes its password from a Secret.
    assert.ok(container.env.some((e) => e.name === 'WHARF_ADMIN_PASSWORD' && e.valueFrom?.secretKeyRef), 'WHARF_ADMIN_PASSWORD comes from a Secret');
    assert.ok(c.users.length > 0, 'the ConfigMap configures users');
    assertListenersAllowed(c, { WHARF_ADMIN_PASSWORD: 'test-only' }, 'k8s');
  });

  it('deploy - the Dockerfile starts the CLI that the build produces', () => {
    const text = fs.readFileSync(path.join(root, 'deploy', 'Dockerfile'), 'utf8');
    const entry = /ENTRYPOINT \["node", "([^"]+)"\]/.exec(text)?.[1];
    assert.ok(entry && fs.existsSync(path.join(root, entry)), `ENTRYPOINT ${entry} exists after npm run build`);
    assert.match(execFileSync(process.execPath, [path.join(root, entry), '--version']).toString(), /\d+\.\d+\.\d+/);
  });
});
