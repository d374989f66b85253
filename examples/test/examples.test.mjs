// Runs every example as its own process (as a user would) and checks it ends with "OK".
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
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
