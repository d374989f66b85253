// Records the STOMP differential scenarios (test-stomp-diff/scenarios) against Debian's
// ActiveMQ 5.17 (the `activemq` package): one normalised JSON file per scenario in
// test-stomp-diff/recordings, which test-stomp-diff/stomp-diff.test.mjs compares Wharf with.
//   node scripts/stomp-record.mjs [--check] [NAME-SUBSTRING …]
// Without names every scenario is recorded. --check plays each scenario twice and reports
// those whose two recordings differ (a scenario that cannot be recorded deterministically).
// ActiveMQ runs from a temporary directory as the `activemq` user (run this as root) on a free
// loopback port, with the scheduler on, and is stopped at the end.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startActiveMQ } from '../test-stomp-diff/lib/activemq.mjs';
import { play } from '../test-stomp-diff/lib/runner.mjs';
import { normalise, diff } from '../test-stomp-diff/lib/compare.mjs';
import { scenarios } from '../test-stomp-diff/scenarios/index.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'test-stomp-diff/recordings');
const args = process.argv.slice(2);
const check = args.includes('--check');
const filters = args.filter((a) => !a.startsWith('--'));
const chosen = scenarios.filter((s) => filters.length === 0 || filters.some((f) => s.name.includes(f)));

const amq = await startActiveMQ();
let failed = 0;
try {
  for (const s of chosen) {
    const started = Date.now();
    const rec = normalise(await play(s, amq));
    let note = '';
    if (check) {
      const again = normalise(await play(s, amq, { prefix: `sd.${s.name}.again` }));
      const d = diff(rec, again);
      if (d.length) {
        failed++;
        note = ` NOT DETERMINISTIC:\n  ${d.join('\n  ')}`;
      }
    }
    if (rec.error) note += ` (scenario error: ${rec.error})`;
    fs.writeFileSync(path.join(outDir, `${s.name}.json`), `${JSON.stringify(rec, null, 1)}\n`);
    process.stdout.write(`${s.name} ${Date.now() - started} ms${note}\n`);
  }
} finally {
  await amq.close();
}
process.exit(failed ? 1 : 0);
