// The STOMP differential test: every scenario of test-stomp-diff/scenarios is played against
// Wharf and what the client observed is compared with the recording made on ActiveMQ 5.17
// (scripts/stomp-record.mjs). Once over raw TCP, once over STOMP-over-WebSocket (ActiveMQ's
// Debian package has no WebSocket transport, so both compare with the TCP recording: the
// frames a client sees do not depend on the transport). Each transport gets a broker of its own.
// A scenario where Wharf differs on purpose says so (`difference`, with the reason written in
// docs/ACTIVEMQ-DIFFERENCES.md) and its `expect` turns the ActiveMQ recording into what Wharf
// must do instead. Scenarios Wharf does not pass yet are listed in known-failing.mjs: they run,
// show as pending with the difference, and fail once they pass (so the list only shrinks).
// STOMP_DIFF_STRICT=1 ignores that list (every difference fails), to see where Wharf stands.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenarios } from './scenarios/index.mjs';
import { play } from './lib/runner.mjs';
import { normalise, diff } from './lib/compare.mjs';
import { startWharf } from './lib/wharf.mjs';
import { knownFailing } from './known-failing.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function recording(name) {
  return JSON.parse(fs.readFileSync(path.join(here, 'recordings', `${name}.json`), 'utf8'));
}

for (const transport of ['tcp', 'ws']) {
  describe(`STOMP vs ActiveMQ recordings - over ${transport === 'tcp' ? 'TCP' : 'WebSocket'}`, function () {
    this.timeout(60000);
    let target;
    before(async () => {
      target = await startWharf();
    });
    after(async () => {
      await target?.close();
    });
    for (const s of scenarios) {
      const title = s.difference ? `stomp diff - ${s.name} (differs on purpose: ${s.difference})` : `stomp diff - ${s.name}`;
      it(title, async function () {
        const recorded = recording(s.name);
        const expected = s.expect ? s.expect(structuredClone(recorded)) : recorded;
        const got = normalise(await play(s, target, { ws: transport === 'ws' }));
        const d = diff(expected, got);
        const known = process.env.STOMP_DIFF_STRICT ? undefined : knownFailing[transport]?.[s.name];
        if (known !== undefined) {
          if (d.length === 0) throw new Error(`${s.name} passes now over ${transport}: remove it from known-failing.mjs`);
          this.test.title += " (known failing)";
          this.skip();
        }
        if (d.length) throw new Error(`Wharf differs from ActiveMQ:\n  ${d.join('\n  ')}`);
      });
    }
  });
}
