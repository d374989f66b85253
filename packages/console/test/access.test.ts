// The console's access rules over plain HTTP: the Host check (DNS rebinding), roles from the
// broker's groups, the CSRF token, the security headers, and the audit record of actions.
import assert from 'node:assert/strict';
import nodeHttp from 'node:http';
import pino from 'pino';
import { Broker, type BrokerConfig } from '@wharf/broker';
import { ConsoleErrorCode, hostAllowed, startConsole, type AuditEntry, type ConsoleHandle, type ConsoleOptions } from '../src/index';
import { basic, http } from './helpers';

const USERS: BrokerConfig['users'] = [
  { username: 'root', password: 'rootpw', groups: ['admins'] },
  { username: 'watcher', password: 'watchpw', groups: ['viewers'] },
  { username: 'app', password: 'apppw', groups: ['users'] },
];

interface Setup {
  broker: Broker;
  console: ConsoleHandle;
  url: string;
  logLines: string[];
  close(): Promise<void>;
}

/** fetch() sets Host from the URL: a forged Host needs node:http. */
function withHost(url: string, method: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: { code?: string; error?: string } }> {
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request(url, { method, headers: { ...headers, host, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) as { code?: string } : {} }));
    });
    req.on('error', reject);
    req.end(method === 'GET' ? undefined : '{}');
  });
}

let counter = 0;
async function setup(config: Partial<BrokerConfig>, opts: (b: Broker) => Partial<ConsoleOptions>): Promise<Setup> {
  const logLines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void logLines.push(s) });
  const broker = new Broker({ brokerName: `access-${process.pid}-${++counter}`, persistent: false, transportConnectors: [], ...config }, { logger });
  await broker.start();
  const c = await startConsole(broker, { host: '127.0.0.1', port: 0, ...opts(broker) });
  return { broker, console: c, url: c.url, logLines, close: async () => { await c.close(); await broker.stop(); } };
}

async function fill(s: Setup, queue: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) assert.equal((await http(`${s.url}/api/send`, 'POST', { destination: `queue://${queue}`, body: `m${i}` }, basic('root', 'rootpw'))).status, 201);
}

describe('console access - Host check (DNS rebinding)', function () {
  this.timeout(20000);
  let s: Setup;
  before(async () => {
    s = await setup({}, () => ({ allowedHosts: ['console.example.com', '.corp.example'] }));
  });
  after(() => s.close());

  it('console access - a request for another host name is refused, even with a matching Origin', async () => {
    await http(`${s.url}/api/send`, 'POST', { destination: 'queue://REBIND', body: 'x' });
    const evil = { origin: 'http://evil.example' };
    const purge = await withHost(`${s.url}/api/queues/REBIND/purge`, 'POST', 'evil.example', evil);
    assert.equal(purge.status, 403);
    assert.equal(purge.body.code, ConsoleErrorCode.FORBIDDEN_HOST);
    assert.match(purge.body.error ?? '', /console.allowedHosts/);
    assert.equal(s.broker.queues.get('queue://REBIND')?.depth, 1, 'nothing was purged');
    assert.equal((await withHost(`${s.url}/api/queues`, 'GET', 'evil.example:8161', evil)).status, 403, 'reads too: the page must not read the broker');
    assert.equal((await withHost(`${s.url}/healthz`, 'GET', 'evil.example')).status, 200, 'probes come by pod address');
  });

  it('console access - loopback names, IP addresses and allowedHosts are answered', async () => {
    const port = new URL(s.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, '[::1]', 'console.example.com', 'a.corp.example:8161', 'corp.example', '10.1.2.3:8161']) {
      assert.equal((await withHost(`${s.url}/api/broker`, 'GET', host)).status, 200, host);
    }
    assert.equal(hostAllowed('corp.example.evil.com', ['.corp.example'], '0.0.0.0'), false);
    assert.equal(hostAllowed('anything.example', ['*'], '0.0.0.0'), true);
    assert.equal(hostAllowed('wharf-0.wharf-headless', [], 'wharf-0.wharf-headless'), true, 'the bind name');
  });
});

describe('console access - roles from the broker\'s groups, CSRF, headers, audit', function () {
  this.timeout(20000);
  let s: Setup;
  before(async () => {
    s = await setup({ users: USERS }, (b) => ({ users: b.security.authenticator }));
    await fill(s, 'ORDERS', 3);
  });
  after(() => s.close());

  it('console access - a viewer may look but not purge, delete, move or send; an admin may', async () => {
    const viewer = basic('watcher', 'watchpw');
    assert.equal((await http(`${s.url}/api/queues`, 'GET', undefined, viewer)).status, 200);
    assert.equal((await http(`${s.url}/api/queues/ORDERS/messages`, 'GET', undefined, viewer)).status, 200);
    for (const [method, path, body] of [
      ['POST', '/api/queues/ORDERS/purge', {}], ['DELETE', '/api/queues/ORDERS', undefined],
      ['POST', '/api/queues/ORDERS/move-to-origin', {}], ['POST', '/api/send', { destination: 'queue://ORDERS', body: 'x' }],
    ] as const) {
      const r = await http(`${s.url}${path}`, method, body, viewer);
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.body.code, ConsoleErrorCode.FORBIDDEN_ROLE);
    }
    assert.equal(s.broker.queues.get('queue://ORDERS')?.depth, 3, 'nothing changed');
    const session = await http(`${s.url}/api/session`, 'GET', undefined, viewer);
    assert.equal(session.body.role, 'viewer');

    const other = await http(`${s.url}/api/queues`, 'GET', undefined, basic('app', 'apppw'));
    assert.equal(other.status, 403, 'a user in neither group');
    assert.equal(other.body.code, ConsoleErrorCode.FORBIDDEN_ROLE);
    assert.equal((await http(`${s.url}/api/queues`, 'GET', undefined, basic('watcher', 'wrong'))).status, 401);

    const admin = basic('root', 'rootpw');
    const purged = await http(`${s.url}/api/queues/ORDERS/purge`, 'POST', {}, admin);
    assert.equal(purged.status, 200);
    assert.equal(purged.body.purged, 3);
  });

  it('console access - a browser request needs the CSRF token of its session; another origin is refused even with it', async () => {
    const admin = basic('root', 'rootpw');
    const body = { destination: 'queue://CSRF', body: 'x' };
    const bare = await http(`${s.url}/api/send`, 'POST', body, { ...admin, origin: s.url });
    assert.equal(bare.status, 403);
    assert.equal(bare.body.code, ConsoleErrorCode.FORBIDDEN_ORIGIN);
    const { csrfToken } = (await http(`${s.url}/api/session`, 'GET', undefined, admin)).body as { csrfToken: string };
    const viewerToken = (await http(`${s.url}/api/session`, 'GET', undefined, basic('watcher', 'watchpw'))).body.csrfToken as string;
    assert.notEqual(csrfToken, viewerToken, 'a token belongs to its user');
    assert.equal((await http(`${s.url}/api/send`, 'POST', body, { ...admin, 'sec-fetch-site': 'same-origin', 'x-csrf-token': viewerToken })).status, 403);
    assert.equal((await http(`${s.url}/api/send`, 'POST', body, { ...admin, origin: 'http://evil.example', 'x-csrf-token': csrfToken })).status, 403);
    assert.equal(s.broker.queues.has('queue://CSRF'), false);
    assert.equal((await http(`${s.url}/api/send`, 'POST', body, { ...admin, origin: s.url, 'x-csrf-token': csrfToken })).status, 201);
  });

  it('console access - security headers on every answer, CSP without inline scripts', async () => {
    for (const path of ['/admin/', '/api/broker', '/admin/app.js']) {
      const r = await http(`${s.url}${path}`, 'GET', undefined, basic('watcher', 'watchpw'));
      assert.equal(r.status, 200, path);
      const csp = r.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'(;|$)/, path);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.equal(r.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer', path);
    }
    const index = await http(`${s.url}/admin/`, 'GET', undefined, basic('watcher', 'watchpw'));
    assert.doesNotMatch(index.text, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline <script> in the page');
    assert.doesNotMatch(index.text, /\son[a-z]+=/i, 'no inline event handlers');
  });

  it('console access - every action is audited: who, what, when, the result; in the broker log and at /api/audit', async () => {
    const before = Date.now();
    await http(`${s.url}/api/queues/ORDERS/purge`, 'POST', {}, basic('watcher', 'watchpw'));
    await http(`${s.url}/api/send`, 'POST', { destination: 'queue://AUDITED', body: 'x' }, basic('root', 'rootpw'));
    await http(`${s.url}/api/queues/AUDITED`, 'DELETE', undefined, basic('root', 'rootpw'));
    const audit = (await http(`${s.url}/api/audit`, 'GET', undefined, basic('watcher', 'watchpw'))).body as AuditEntry[];
    const recent = audit.filter((e) => e.time >= before);
    assert.deepEqual(recent.map((e) => [e.user, e.role, e.action, e.target, e.status]), [
      ['root', 'admin', 'DELETE /api/queues/:name', '/api/queues/AUDITED', 200],
      ['root', 'admin', 'POST /api/send', '/api/send queue://AUDITED', 201],
      ['watcher', 'viewer', 'POST /api/queues/:name/purge', '/api/queues/ORDERS/purge', 403],
    ]);
    assert.match(recent[0]!.remote, /127\.0\.0\.1/);
    const logged = s.logLines.map((l) => JSON.parse(l) as { audit?: AuditEntry; msg: string }).filter((l) => l.audit && l.audit.time >= before);
    assert.equal(logged.length, 3);
    assert.match(logged[2]!.msg, /console audit: root DELETE \/api\/queues\/:name \/api\/queues\/AUDITED -> 200/);
  });

  it('console access - refused logins and refused operations of clients are counted in /metrics', async () => {
    const conn = { id: 'test', protocol: 'native', remoteAddress: '192.0.2.1:4000', principal: null };
    assert.throws(() => s.broker.security.login(conn, 'app', 'wrong'), /User name \[app\] or password is invalid/);
    const m = await http(`${s.url}/metrics`, 'GET', undefined, basic('watcher', 'watchpw'));
    assert.match(m.text, /^wharf_authentication_failures_total 1$/m);
    assert.match(m.text, /^wharf_authorization_refusals_total 0$/m);
  });
});
