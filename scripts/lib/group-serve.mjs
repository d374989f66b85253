// A three-node replicated group of `wharf start` processes on loopback with its own ZooKeeper,
// for benchmark scripts written in shell: prints `master tcp://host:port` once a master serves
// and both slaves have caught up, `roles ...` whenever a node's role changes after that (a
// benchmark against the master is void then), and runs until SIGTERM or SIGINT, when it stops
// the nodes and ZooKeeper and removes their directories. The ZooKeeper session timeout is 10 s
// (not the default 2 s), and ZooKeeper keeps its data in /dev/shm (bench-lib.mjs says why): on a
// loaded machine a benchmark must not measure an election.
//
//   node scripts/lib/group-serve.mjs [--sync quorum_mem|quorum_disk|local_disk] [--zk-session-timeout MS]
import { parseArgs } from 'node:util';
import { startBenchZooKeeper } from '../bench-lib.mjs';
import { Group, testkit } from '../../test-cluster/lib/group.mjs';

const { values } = parseArgs({
  options: { sync: { type: 'string', default: 'quorum_mem' }, 'zk-session-timeout': { type: 'string', default: '10000' } },
});
const zk = await startBenchZooKeeper(testkit);
const g = await Group.create({ zkAddress: zk.connectString, sync: values.sync, logLevel: 'warn', zkSessionTimeout: Number(values['zk-session-timeout']) });
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  await g.close();
  await zk.stop();
  process.exit(code);
}
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
try {
  await g.start();
  const m = await g.waitForMaster(60_000);
  await g.waitCaughtUp(60_000, 2);
  process.stdout.write(`master ${m.url}\n`);
  let roles = g.roles();
  g.listeners.add(() => {
    if (g.roles() !== roles) process.stdout.write(`roles ${(roles = g.roles())}\n`);
  });
} catch (err) {
  process.stderr.write(`group did not start: ${err.message}\n${g.logs()}\n`);
  await stop(1);
}
