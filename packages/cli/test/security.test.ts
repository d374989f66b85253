// `wharf hash-password`, and `wharf start` refusing an unauthenticated listener beyond loopback.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Broker } from '@wharf/broker';
import { main } from '../src/main';
import { memoryIo, wharfDone } from './helpers';

const BIN = path.join(__dirname, '..', 'src', 'bin.js');

async function loginWorks(stored: string, password: string): Promise<boolean> {
  const b = new Broker({ persistent: false, logLevel: 'silent', users: [{ username: 'u', password: stored }] });
  try {
    // A hashed user's login is answered asynchronously (scrypt on the thread pool).
    await b.security.login({ id: 't', protocol: 'native', remoteAddress: '127.0.0.1:1', principal: null }, 'u', password);
    return true;
  } catch {
    return false;
  }
}

describe('wharf - security commands', function () {
  this.timeout(20000);

  it('wharf - hash-password hashes the password of an environment variable or stdin; the broker accepts the hash', async () => {
    const io = memoryIo({ PW: 'correct horse' });
    assert.equal(await main(['hash-password', '--env', 'PW'], io), 0);
    const [hash] = io.outLines;
    assert.match(hash!, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.equal(await loginWorks(hash!, 'correct horse'), true);
    assert.equal(await loginWorks(hash!, 'correct horsE'), false);

    const r = spawnSync(process.execPath, [BIN, 'hash-password'], { input: 'from stdin\nignored\n', encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await loginWorks(r.stdout.trim(), 'from stdin'), true);

    const bad = memoryIo();
    assert.equal(await main(['hash-password', 'on-the-command-line'], bad), 2, 'a password in argv is refused');
    assert.equal(await main(['hash-password', '--env', 'NOT_SET'], bad), 2);
  });

  it('wharf - start refuses a connector beyond loopback without users, naming allowUnauthenticatedNetworkAccess', async () => {
    const r = await wharfDone(['start', '--persistent', 'false', '--console-enabled', 'false', '--transport-connectors', '[{"name":"openwire","uri":"tcp://0.0.0.0:0"}]']);
    assert.equal(r.code, 2, r.stderr.join('\n'));
    assert.match(r.stderr.join('\n'), /connector openwire: refusing to listen on 0\.0\.0\.0 without authentication: .*allowUnauthenticatedNetworkAccess: true/);
  });
});
