// A newcomer's first hour, as a process would live it: clone this repository into a temporary
// directory, run the README's set-up command (`npm ci && npm start`) there, use `npx wharf
// produce`/`consume` in the clone, then pack every public package and run the README's first
// program and its embedded-broker program from a separate project that installed only the
// tarballs. npm reads its cache first (npm_config_prefer_offline), so the test needs the network
// only for packages the machine has never installed.
import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NPM_ENV = { npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

/** The shell commands of the README's "Set up" block, and its ```ts programs in order. */
function readme() {
  const text = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
  const setUp = /## Set up[^\n]*\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
  const commands = setUp.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '');
  const programs = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  return { commands, programs };
}

async function sh(cmd, args, opts) {
  try {
    return await exec(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...opts, env: { ...process.env, ...NPM_ENV, ...opts.env } });
  } catch (err) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${err.code}):\n${err.stdout}\n${err.stderr}`);
  }
}

describe('README - a newcomer\'s first hour on a fresh clone', function () {
  this.timeout(15 * 60 * 1000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-first-hour-'));
  const clone = path.join(work, 'wharf');
  let start;
  let startExit;

  after(async () => {
    if (start && start.exitCode === null) {
      process.kill(-start.pid, 'SIGTERM');
      await startExit;
    }
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('README - set-up, npx wharf, and both programs from the packed tarballs', async () => {
    const { commands, programs } = readme();
    assert.deepEqual(commands, ['npm ci && npm start', 'npm test'], 'the README\'s two commands');
    assert.ok(programs.length >= 2, 'the README shows a first program and an embedded broker');

    await sh('git', ['clone', '--quiet', repo, clone], { env: {} });

    // The set-up command exactly as written, in the background (npm start runs the broker until
    // stopped); the environment moves it off the default ports, which other brokers may hold.
    const data = path.join(work, 'data');
    start = spawn('sh', ['-c', commands[0]], {
      cwd: clone,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, ...NPM_ENV,
        WHARF_TRANSPORT_CONNECTORS: '[{"name":"openwire","uri":"tcp://127.0.0.1:0"}]', WHARF_CONSOLE_PORT: '0',
        WHARF_DATA_DIRECTORY: data, WHARF_LOG_LEVEL: 'warn',
      },
    });
    startExit = new Promise((resolve) => start.once('close', resolve));
    let stderr = '';
    start.stderr.on('data', (d) => (stderr += d));
    const out = [];
    const url = await new Promise((resolve, reject) => {
      readline.createInterface({ input: start.stdout }).on('line', (l) => {
        out.push(l);
        // Not a terminal: stdout is JSON log lines, the status line among them.
        const m = /"msg":"Wharf broker \S+ started: (tcp:\/\/[^ "]+) /.exec(l) ?? /^Wharf broker \S+ started: (tcp:\/\/\S+) /.exec(l);
        if (m) resolve(m[1]);
      });
      void startExit.then((code) => reject(new Error(`'${commands[0]}' ended (${code}) before the broker started:\n${out.slice(-30).join('\n')}\n${stderr}`)));
    });

    // npx finds the wharf the set-up linked into the clone.
    const help = await sh('npx', ['--no-install', 'wharf', '--help'], { cwd: clone });
    assert.match(help.stdout, /^wharf \S+: /);
    const produced = await sh('npx', ['--no-install', 'wharf', 'produce', '--url', url, '--queue', 'FIRST.HOUR', '--count', '3', '--quiet'], { cwd: clone });
    assert.match(produced.stdout, /^produced 3 messages/);
    const consumed = await sh('npx', ['--no-install', 'wharf', 'consume', '--url', url, '--queue', 'FIRST.HOUR', '--count', '3', '--print', '--quiet'], { cwd: clone });
    assert.equal(consumed.stdout.trim().split('\n').length, 3);
    assert.match(consumed.stdout, /Message 3 from wharf produce$/m);

    // Every public package, packed from the clone (built by npm start).
    const packs = path.join(work, 'packs');
    fs.mkdirSync(packs);
    const pkgDirs = fs.readdirSync(path.join(clone, 'packages')).map((d) => path.join(clone, 'packages', d))
      .filter((d) => { const p = JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')); return p.private !== true; });
    assert.ok(pkgDirs.length >= 7, `public packages: ${pkgDirs.join(', ')}`);
    for (const d of pkgDirs) await sh('npm', ['pack', '--silent', '--pack-destination', packs], { cwd: d });
    const tarballs = fs.readdirSync(packs).filter((f) => f.endsWith('.tgz')).map((f) => path.join(packs, f));
    assert.equal(tarballs.length, pkgDirs.length);

    // A separate project that knows nothing of the repository: only the tarballs.
    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'first-hour-app', version: '1.0.0', private: true }));
    await sh('npm', ['install', ...tarballs], { cwd: app });
    assert.ok(!fs.existsSync(path.join(app, 'node_modules', '@wharf', 'client', 'src')), 'the tarball holds the built files only');

    fs.writeFileSync(path.join(app, 'first.mjs'), programs[0].replace("'tcp://127.0.0.1:61616'", `'${url}'`));
    const first = await sh(process.execPath, ['first.mjs'], { cwd: app });
    assert.equal(first.stdout, 'order #1\n');

    fs.writeFileSync(path.join(app, 'embedded.mjs'), programs[1]);
    const embedded = await sh(process.execPath, ['embedded.mjs'], { cwd: app });
    assert.equal(embedded.stdout, 'job #1\n');

    // The packed CLI works from the project too.
    const version = await sh('npx', ['--no-install', 'wharf', '--version'], { cwd: app });
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);

    process.kill(-start.pid, 'SIGTERM');
    await startExit;
  });
});
