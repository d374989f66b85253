// Who may use the console: basic auth, the refusal to listen beyond loopback without
// credentials, the same-origin rule for state-changing requests, HTTPS.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { ConsoleError, ConsoleErrorCode, isLoopback, startConsole } from '../src/index';
import { FakeView } from './fake-view';
import { basic, http, startHarness, type Harness } from './helpers';

describe('console security - basic auth', function () {
  this.timeout(20000);
  let h: Harness;
  before(async () => {
    h = await startHarness({ username: 'admin', password: 's3cret:with:colons' });
  });
  after(() => h.close());

  it('every route but the probes answers 401 with WWW-Authenticate without credentials', async () => {
    for (const p of ['/api/broker', '/api/queues', '/metrics', '/admin/', '/admin/app.js', '/', '/api/nothing']) {
      const r = await http(`${h.url}${p}`);
      assert.equal(r.status, 401, p);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Basic realm="Wharf console"/, p);
      assert.equal(r.body.code, ConsoleErrorCode.UNAUTHORIZED, p);
    }
    const post = await http(`${h.url}/api/send`, 'POST', { destination: 'queue://X', body: 'x' });
    assert.equal(post.status, 401);
    assert.equal(h.broker.queues.has('queue://X'), false);
  });

  it('wrong credentials are 401; right ones pass', async () => {
    assert.equal((await http(`${h.url}/api/broker`, 'GET', undefined, basic('admin', 'nope'))).status, 401);
    assert.equal((await http(`${h.url}/api/broker`, 'GET', undefined, basic('root', 's3cret:with:colons'))).status, 401);
    assert.equal((await http(`${h.url}/api/broker`, 'GET', undefined, { authorization: 'Bearer abc' })).status, 401);
    const ok = await http(`${h.url}/api/broker`, 'GET', undefined, basic('admin', 's3cret:with:colons'));
    assert.equal(ok.status, 200);
    assert.equal((await http(`${h.url}/metrics`, 'GET', undefined, basic('admin', 's3cret:with:colons'))).status, 200);
  });

  it('/healthz and /readyz need no credentials', async () => {
    assert.equal((await http(`${h.url}/healthz`)).status, 200);
    assert.equal((await http(`${h.url}/readyz`)).status, 200);
  });
});

describe('console security - binding and configuration', function () {
  this.timeout(20000);
  const view = new FakeView();

  it('refuses to listen on 0.0.0.0 without credentials', async () => {
    await assert.rejects(startConsole(view, { host: '0.0.0.0', port: 0 }), (err: Error) => {
      assert.ok(err instanceof ConsoleError);
      assert.equal(err.code, ConsoleErrorCode.UNSAFE_BIND);
      assert.match(err.message, /^console: refusing to listen on 0.0.0.0 without credentials: configure the broker's users .*, or set console.username and console.password$/);
      return true;
    });
    await assert.rejects(startConsole(view, { bind: '::', port: 0 }), /refusing to listen on :: without credentials/);
    await assert.rejects(startConsole(view, { host: '10.1.2.3', port: 0 }), /refusing to listen on 10\.1\.2\.3/);
  });

  it('refuses half-configured credentials and bad ports', async () => {
    await assert.rejects(startConsole(view, { host: '127.0.0.1', port: 0, username: 'admin' }), /set both console.username and console.password/);
    await assert.rejects(startConsole(view, { host: '127.0.0.1', port: 70000 }), /port must be/);
  });

  it('knows loopback addresses', () => {
    for (const hst of ['127.0.0.1', '127.0.1.1', 'localhost', '::1', '[::1]']) assert.equal(isLoopback(hst), true, hst);
    for (const hst of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '::ffff:10.0.0.1']) assert.equal(isLoopback(hst), false, hst);
  });
});

describe('console security - cross-origin requests', function () {
  this.timeout(20000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('refuses state-changing requests from another origin', async () => {
    const body = { destination: 'queue://CSRF', body: 'x' };
    const evil = await http(`${h.url}/api/send`, 'POST', body, { origin: 'http://evil.example' });
    assert.equal(evil.status, 403);
    assert.equal(evil.body.code, ConsoleErrorCode.FORBIDDEN_ORIGIN);
    const site = await http(`${h.url}/api/send`, 'POST', body, { 'sec-fetch-site': 'cross-site' });
    assert.equal(site.status, 403);
    assert.equal(h.broker.queues.has('queue://CSRF'), false);
    const noToken = await http(`${h.url}/api/send`, 'POST', body, { origin: h.url });
    assert.equal(noToken.status, 403, 'a browser request needs the CSRF token too');
    const { csrfToken } = (await http(`${h.url}/api/session`, 'GET', undefined, { origin: h.url })).body as { csrfToken: string };
    const same = await http(`${h.url}/api/send`, 'POST', body, { origin: h.url, 'x-csrf-token': csrfToken });
    assert.equal(same.status, 201);
    const read = await http(`${h.url}/api/queues`, 'GET', undefined, { origin: 'http://evil.example' });
    assert.equal(read.status, 200, 'reads are not state-changing');
  });

  it('sets defensive headers and a strict CSP on the UI', async () => {
    const r = await http(`${h.url}/admin/`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/html/);
    assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    const root = await fetch(`${h.url}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/admin/');
    assert.equal((await http(`${h.url}/admin`)).status, 200);
    assert.match((await http(`${h.url}/admin/app.js`)).headers.get('content-type') ?? '', /javascript/);
    assert.equal((await http(`${h.url}/admin/nope.js`)).status, 404);
    assert.equal((await http(`${h.url}/admin/..%2Fpackage.json`)).status, 404);
  });
});

describe('console security - https', function () {
  this.timeout(30000);
  let dir = '';
  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-console-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
        '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    } catch {
      this.skip();
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves HTTPS with basic auth when tls is given (files or PEM text)', async () => {
    const c = await startConsole(new FakeView(), {
      host: '127.0.0.1', port: 0, username: 'ops', password: 'pw',
      tls: { key: path.join(dir, 'key.pem'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') },
    });
    try {
      assert.match(c.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const get = (auth?: string) => new Promise<number>((resolve, reject) => {
        https.get(`${c.url}/api/broker`, { rejectUnauthorized: false, headers: auth ? { authorization: auth } : {} }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      assert.equal(await get(), 401);
      assert.equal(await get(`Basic ${Buffer.from('ops:pw').toString('base64')}`), 200);
    } finally {
      await c.close();
    }
  });

  it('console security - a renewed certificate is served to new HTTPS connections without a restart', async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'renewed.key'), '-out', path.join(dir, 'renewed.pem'),
      '-days', '1', '-subj', '/CN=renewed.localhost'], { stdio: 'ignore' });
    fs.copyFileSync(path.join(dir, 'key.pem'), path.join(dir, 'live.key'));
    fs.copyFileSync(path.join(dir, 'cert.pem'), path.join(dir, 'live.pem'));
    // A bare view: no broker, no logger; the renewal must be served all the same.
    const c = await startConsole(new FakeView(), { host: '127.0.0.1', port: 0, username: 'ops', password: 'pw', tls: { key: path.join(dir, 'live.key'), cert: path.join(dir, 'live.pem') } });
    const servedCN = (): Promise<string> => new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: c.port, rejectUnauthorized: false }, () => {
        const cn = s.getPeerCertificate().subject?.CN;
        s.end();
        resolve(String(cn));
      });
      s.once('error', reject);
    });
    const held = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: c.port, rejectUnauthorized: false }, () => resolve(s));
      s.once('error', reject);
    });
    try {
      assert.equal(await servedCN(), 'localhost');
      // Key first, then certificate: the reload that sees both consistent wins.
      fs.copyFileSync(path.join(dir, 'renewed.key'), path.join(dir, 'live.key'));
      fs.copyFileSync(path.join(dir, 'renewed.pem'), path.join(dir, 'live.pem'));
      const deadline = Date.now() + 15000;
      // The files are looked at every second: poll the handshake until the new certificate shows.
      while ((await servedCN().catch(() => '')) !== 'renewed.localhost') {
        assert.ok(Date.now() < deadline, 'the renewed certificate was not served within 15 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      // A connection made before the renewal keeps its session and still works.
      assert.equal(held.getPeerCertificate().subject?.CN, 'localhost');
      const status = await new Promise<number>((resolve, reject) => {
        https.get(`${c.url}/api/broker`, { rejectUnauthorized: false, headers: { authorization: `Basic ${Buffer.from('ops:pw').toString('base64')}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      assert.equal(status, 200);
    } finally {
      held.destroy();
      await c.close();
    }
  });

  it('names an unreadable TLS file', async () => {
    await assert.rejects(startConsole(new FakeView(), { host: '127.0.0.1', port: 0, tls: { key: '/nonexistent/key.pem', cert: '/nonexistent/cert.pem' } }), /cannot read the TLS key \/nonexistent\/key.pem/);
  });
});
