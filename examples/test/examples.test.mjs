// Runs every example as its own process (as a user would) and checks it ends with "OK".
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const examples = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'main.mjs'))).sort();

function run(dir) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, dir, 'main.mjs')], { cwd: path.join(root, dir), env: { ...process.env, WHARF_URL: '' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('examples', () => {
  for (const dir of examples) {
    it(`examples - ${dir} runs and succeeds`, async function () {
      this.timeout(60000);
      const { code, out } = await run(dir);
      assert.equal(code, 0, out);
      assert.match(out, /^OK$/m, out);
    });
  }
});

// Against a broker the user runs (WHARF_URL), as the example READMEs describe.
describe('examples against a running broker (WHARF_URL)', function () {
  this.timeout(60000);
  const bin = path.resolve(root, '..', 'packages', 'cli', 'dist', 'src', 'bin.js');
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-examples-url-'));

  /** `wharf start` on a free port with `data`; resolves with its URL and a stop function. */
  async function startBroker() {
    const child = spawn(process.execPath, [bin, 'start', '--dataDirectory', data, '--console.enabled', 'false',
      '--transportConnectors', '[{"name":"openwire","uri":"tcp://127.0.0.1:0"}]'], { env: { ...process.env, WHARF_LOG_LEVEL: 'warn' } });
    const closed = new Promise((resolve) => child.once('close', resolve));
    const url = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /Wharf broker \S+ started: (tcp:\/\/[^ "]+)/.exec(out);
        if (m) resolve(m[1]);
      });
      void closed.then((code) => reject(new Error(`wharf start exited ${code}: ${out}`)));
    });
    return { url, stop: async () => { child.kill('SIGTERM'); await closed; } };
  }

  function runWith(dir, url, ...args) {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(root, dir, 'main.mjs'), ...args], { cwd: path.join(root, dir), env: { ...process.env, WHARF_URL: url } });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code, out }));
    });
  }

  after(() => fs.rmSync(data, { recursive: true, force: true }));

  it('examples - persistence with WHARF_URL: no OK without the restart; send, restart, check prints OK', async () => {
    let b = await startBroker();
    const bare = await runWith('persistence', b.url);
    assert.equal(bare.code, 2, bare.out);
    assert.doesNotMatch(bare.out, /^OK$/m);
    assert.match(bare.out, /1\. node examples\/persistence\/main\.mjs send/);
    const sent = await runWith('persistence', b.url, 'send');
    assert.equal(sent.code, 0, sent.out);
    await b.stop();
    b = await startBroker();
    try {
      const checked = await runWith('persistence', b.url, 'check');
      assert.equal(checked.code, 0, checked.out);
      assert.match(checked.out, /holds \[persistent 1, persistent 2, persistent 3\]\n[\s\S]*^OK$/m);
    } finally {
      await b.stop();
    }
  });

  it('examples - mirroredqueue with WHARF_URL on a broker without mirrored queues says what it needs', async () => {
    const b = await startBroker();
    try {
      const r = await runWith('mirroredqueue', b.url);
      assert.notEqual(r.code, 0);
      assert.match(r.out, /needs mirrored queues — start it with\n {2}wharf start --useMirroredQueues true/);
    } finally {
      await b.stop();
    }
  });
});
