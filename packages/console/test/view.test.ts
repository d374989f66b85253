// The console over a BrokerView other than the Broker adapter: the cluster, scheduled jobs and
// bridges endpoints (a standalone Broker has none), a slave's readiness, and the error registry
// against the README.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ConsoleErrorCode, HTTP_STATUS, WHARF_METRICS, startConsole, type ConsoleHandle } from '../src/index';
import { FakeView } from './fake-view';
import { http } from './helpers';

describe('console view - cluster, jobs and bridges', function () {
  this.timeout(20000);
  let view: FakeView;
  let c: ConsoleHandle;
  beforeEach(async () => {
    view = new FakeView();
    view.jobList = [{ id: 'job-1', due: Date.now() + 60000, destination: 'queue://LATER', delay: 60000 }];
    view.clusterInfo = {
      self: 'n0', master: 'n0', epoch: 4, failovers: 1, lag: { n1: 2 },
      members: [{ id: 'n0', role: 'master', clientUrl: 'tcp://n0:61616' }, { id: 'n1', role: 'slave', lag: 2, connected: true }],
    };
    view.bridgeList = [{ name: 'to-b', remote: 'tcp://b:61616', status: 'connected', duplex: false, forwarded: 12 }];
    c = await startConsole(view, { host: '127.0.0.1', port: 0 });
  });
  afterEach(() => c.close());

  it('GET /api/cluster reports members, master, epoch and lag', async () => {
    const r = await http(`${c.url}/api/cluster`);
    assert.equal(r.status, 200);
    assert.equal(r.body.enabled, true);
    assert.equal(r.body.master, 'n0');
    assert.equal(r.body.epoch, 4);
    assert.deepEqual(r.body.lag, { n1: 2 });
    assert.equal(r.body.members.length, 2);
  });

  it('GET /api/jobs lists jobs and DELETE /api/jobs/:id removes one', async () => {
    assert.equal((await http(`${c.url}/api/jobs`)).body[0].id, 'job-1');
    const del = await http(`${c.url}/api/jobs/job-1`, 'DELETE');
    assert.equal(del.status, 200);
    assert.deepEqual(del.body, { removed: 'job-1' });
    assert.deepEqual((await http(`${c.url}/api/jobs`)).body, []);
    assert.equal((await http(`${c.url}/api/jobs/job-1`, 'DELETE')).status, 404);
  });

  it('GET /api/bridges lists the network bridges', async () => {
    const r = await http(`${c.url}/api/bridges`);
    assert.deepEqual(r.body, view.bridgeList);
  });

  it('a slave is alive but not ready', async () => {
    view.role = 'slave';
    assert.equal((await http(`${c.url}/healthz`)).status, 200);
    const r = await http(`${c.url}/readyz`);
    assert.equal(r.status, 503);
    assert.equal(r.body.role, 'slave');
    view.role = 'master';
    assert.equal((await http(`${c.url}/readyz`)).status, 200);
  });
});

describe('console errors - registry', () => {
  it('every code has an HTTP status and is documented in the README', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const code of Object.values(ConsoleErrorCode)) {
      assert.equal(typeof HTTP_STATUS[code], 'number', code);
      assert.ok(readme.includes(`\`${code}\``), `${code} is documented in packages/console/README.md`);
    }
  });
});

describe('console metrics - grafana dashboard', () => {
  it('uses only metrics the console exports', () => {
    const file = path.join(__dirname, '..', '..', '..', '..', 'deploy', 'grafana', 'wharf-dashboard.json');
    const dash = JSON.parse(fs.readFileSync(file, 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const used = new Set<string>();
    for (const p of dash.panels) for (const t of p.targets ?? []) for (const m of t.expr.matchAll(/\bwharf_[a-z_]+/g)) used.add(m[0]);
    assert.ok(used.size >= 15, `the dashboard covers the metrics (${used.size})`);
    for (const name of used) assert.ok(WHARF_METRICS.includes(name), `${name} is exported`);
  });
});
