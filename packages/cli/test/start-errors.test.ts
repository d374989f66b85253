// Start-up failures name the real cause and the fix.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tempDir, wharf, wharfDone } from './helpers';

/** Run as an unprivileged user when the tests run as root (root may write anywhere). */
const UNPRIVILEGED = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];

describe('wharf start - start-up errors', function () {
  this.timeout(30000);

  it('start errors - a missing TLS key file is named as such, even with persistent false', async () => {
    const r = await wharfDone(['start', '--persistent', 'false', '--transportConnectors',
      '[{"name":"secure","uri":"ssl://127.0.0.1:0","key":"/nonexistent/broker-key.pem","cert":"/nonexistent/broker-cert.pem"}]']);
    assert.equal(r.code, 2);
    const err = r.stderr.join('\n');
    assert.match(err, /^wharf: config error: transportConnectors\[0\]\.key \(connector 'secure'\): the TLS private key file \/nonexistent\/broker-key\.pem does not exist — give the path of a readable PEM file/);
    assert.doesNotMatch(err, /data ?directory|writable/i);
  });

  it('start errors - a data directory the user cannot write is reported as such, not as a missing file', async () => {
    const parent = tempDir();
    fs.chmodSync(parent, 0o755);
    const dir = path.join(parent, 'store');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o555);
    try {
      const r = await wharfDone(['start', '--dataDirectory', dir, '--console.enabled', 'false', '--port', '0'], {}, UNPRIVILEGED);
      assert.equal(r.code, 1, r.stderr.join('\n'));
      assert.match(r.stderr.join('\n'), new RegExp(`^wharf: cannot start broker localhost: cannot write in the data directory: dataDirectory ${dir.replace(/[.]/g, '\\.')} is not accessible to user \\S+ \\(uid \\d+\\): permission denied — make it writable`));
      assert.doesNotMatch(r.stderr.join('\n'), /ENOENT/);
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });

  it('start errors - a data directory under a file says which part of the path is wrong', async () => {
    const parent = tempDir();
    const file = path.join(parent, 'not-a-dir');
    fs.writeFileSync(file, '');
    try {
      const r = await wharfDone(['start', '--dataDirectory', path.join(file, 'data'), '--console.enabled', 'false', '--port', '0']);
      assert.equal(r.code, 1);
      assert.match(r.stderr.join('\n'), /cannot create the data directory: dataDirectory .*not-a-dir\/data: a part of the path is a file, not a directory — /);
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });

  it('start errors - a console port in use stops the start; console.enabled false runs without it', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const args = ['start', '--persistent', 'false', '--transportConnectors', '[{"name":"openwire","uri":"tcp://127.0.0.1:0"}]'];
      const r = await wharfDone([...args, '--console.port', String(port)]);
      assert.equal(r.code, 1);
      assert.match(r.stderr.join('\n'), new RegExp(`^wharf: the console did not start: port 127\\.0\\.0\\.1:${port} is already in use .* or console\\.enabled: false \\(WHARF_CONSOLE_ENABLED=false\\) to run without a console$`, 'm'));
      const without = wharf([...args, '--console.port', String(port), '--console.enabled', 'false']);
      await without.line(/^Wharf broker \S+ started: /);
      without.child.kill('SIGTERM');
      assert.equal((await without.exit).code, 0);
      assert.ok(!without.stdout.some((l) => /console/.test(l)));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
