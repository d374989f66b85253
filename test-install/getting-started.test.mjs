// docs/GETTING-STARTED.md runs as written: its configuration starts a broker with a STOMP
// connector, its Node.js program and its Python STOMP program (python3, standard library only)
// send and receive through it, and the console shows what they did.
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
const BIN = path.join(repo, 'packages', 'cli', 'dist', 'src', 'bin.js');
const doc = fs.readFileSync(path.join(repo, 'docs', 'GETTING-STARTED.md'), 'utf8');
const block = (lang) => [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);

async function hasPython() {
  try {
    await exec('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
}

describe('docs - getting started', function () {
  this.timeout(60000);
  // Inside the repository, so that the program's `import '@wharf/client'` resolves.
  const work = fs.mkdtempSync(path.join(repo, 'test-install', '.getting-started-'));
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-getting-started-'));
  let child;
  let closed;

  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await closed;
    }
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(data, { recursive: true, force: true });
  });

  it('getting started - the config, the Node.js program, the Python STOMP program and the console', async function () {
    if (!(await hasPython())) this.skip();
    // The page's wharf.yaml, on free ports.
    const yaml = block('yaml')[0];
    assert.match(yaml, /stomp:\/\/127\.0\.0\.1:61613/);
    const config = path.join(work, 'wharf.yaml');
    fs.writeFileSync(config, yaml.replace(/:6161[36]"/g, ':0"'));
    child = spawn(process.execPath, [BIN, 'start', '--config', config, '--dataDirectory', data, '--console.port', '0'],
      { env: { ...process.env, WHARF_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    closed = new Promise((resolve) => child.once('close', resolve));
    const urls = {};
    await new Promise((resolve, reject) => {
      readline.createInterface({ input: child.stdout }).on('line', (l) => {
        const m = /Wharf broker \S+ started: ((tcp|stomp):\/\/[^ "]+)/.exec(l);
        if (m) urls[m[2]] = m[1];
        const c = /Wharf console started: (http:\/\/[^ "]+)/.exec(l);
        if (c) urls.console = c[1].replace(/\/admin\/?$/, '');
        if (urls.tcp && urls.stomp && urls.console) resolve();
      });
      void closed.then((code) => reject(new Error(`wharf start exited ${code}`)));
    });

    const node = block('js')[0];
    fs.writeFileSync(path.join(work, 'hello.mjs'), node.replace("'tcp://127.0.0.1:61616'", `'${urls.tcp}'`));
    const n = await exec(process.execPath, ['hello.mjs'], { cwd: work });
    assert.equal(n.stdout, 'received: hello from Node\n');

    const python = block('python')[0];
    const stompPort = new URL(urls.stomp.replace(/^stomp:/, 'http:')).port;
    fs.writeFileSync(path.join(work, 'hello_stomp.py'), python.replace('("127.0.0.1", 61613)', `("127.0.0.1", ${stompPort})`));
    const p = await exec('python3', ['hello_stomp.py'], { cwd: work });
    assert.equal(p.stdout, 'received: hello from Python\n');

    const queues = await (await fetch(`${urls.console}/api/queues`)).json();
    const q = queues.find((x) => x.name === 'hello.python');
    assert.ok(q, JSON.stringify(queues));
    assert.deepEqual([q.enqueued, q.dequeued, q.pending], [1, 1, 0]);
  });
});
