// Every scenario, in the order they are played. Names are unique: each is a recording's file name
// and the prefix of the destinations it uses (so scenarios do not see each other's messages).
import connect from './connect.mjs';
import send from './send.mjs';
import subscribe from './subscribe.mjs';
import ack from './ack.mjs';
import durable from './durable.mjs';
import more from './more.mjs';

export const scenarios = [...connect, ...send, ...subscribe, ...ack, ...durable, ...more];

const seen = new Set();
for (const s of scenarios) {
  if (seen.has(s.name)) throw new Error(`duplicate scenario name ${s.name}`);
  seen.add(s.name);
}
