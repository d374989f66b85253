// `wharf cluster status`: role, epoch, positions and lag of every member of a replicated group,
// read from ZooKeeper (the election's member and master znodes, and the master's status znode).
import { parseArgs } from 'node:util';
import { UsageError, messageOf, type Io } from '../io';

export const CLUSTER_HELP = `Usage: wharf cluster status [--zk HOST:PORT[,HOST:PORT]] [--zk-path /wharf/GROUP] [--json]

Prints the replicated group: its epoch, its master, and for every member its role, log
position, what it has received and written, and how many batches it lags behind the master.

  --zk ADDRESS        ZooKeeper servers (default WHARF_ZK_ADDRESS, else 127.0.0.1:2181) [--zk-address, --zkAddress]
  --zk-path PATH      the group's znode directory (default WHARF_ZK_PATH, else /wharf/default) [--zkPath]
  --zk-password PW    the group's cluster.zkPassword, if it has one (default WHARF_ZK_PASSWORD;
                      prefer the variable: a command line is visible to other users) [--zkPassword]
  --replicas N        the group's full size, when no master publishes it (default WHARF_REPLICAS)
  --timeout MS        how long to wait for ZooKeeper (default 5000)
  --json              print the status as JSON

Exit codes: 0 the group has a master and all its members, 4 the group has a master but fewer
members than its replicas (the missing ones are named), 3 no master is elected, 1 ZooKeeper or
the group cannot be read.`;

/** Exit codes: a missing member is not the same emergency as a missing master. */
export const EXIT_NO_MASTER = 3;
export const EXIT_MEMBERS_MISSING = 4;

function pad(cells: string[][]): string[] {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

export async function runCluster(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(CLUSTER_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'status') throw new UsageError(`unknown cluster command '${sub}' — the command is 'wharf cluster status'`);
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...rest],
      options: {
        zk: { type: 'string' }, 'zk-address': { type: 'string' }, zkAddress: { type: 'string' },
        'zk-path': { type: 'string' }, zkPath: { type: 'string' },
        'zk-password': { type: 'string' }, zkPassword: { type: 'string' },
        replicas: { type: 'string' },
        timeout: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError(`${messageOf(err)} — 'wharf cluster --help' lists the options`);
  }
  if (values.help) {
    io.out(CLUSTER_HELP);
    return 0;
  }
  const zk = (values.zk ?? values['zk-address'] ?? values.zkAddress ?? io.env.WHARF_ZK_ADDRESS ?? '127.0.0.1:2181') as string;
  const zkPath = (values['zk-path'] ?? values.zkPath ?? io.env.WHARF_ZK_PATH ?? '/wharf/default') as string;
  const password = (values['zk-password'] ?? values.zkPassword ?? io.env.WHARF_ZK_PASSWORD) as string | undefined;
  const timeout = values.timeout === undefined ? 5000 : Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout ${String(values.timeout)} must be a positive number of ms`);
  if (!zkPath.startsWith('/')) throw new UsageError(`--zk-path ${zkPath} must start with /`);
  const replicasText = (values.replicas ?? io.env.WHARF_REPLICAS) as string | undefined;
  const told = replicasText === undefined || replicasText === '' ? undefined : Number(replicasText);
  if (told !== undefined && (!Number.isInteger(told) || told < 1)) throw new UsageError(`--replicas ${replicasText}: expected a whole number of at least 1`);

  const { readClusterStatus } = require('@wharf/cluster') as typeof import('@wharf/cluster');
  let view: Awaited<ReturnType<typeof readClusterStatus>>;
  try {
    view = await readClusterStatus(zk, zkPath, timeout, password || undefined);
  } catch (err) {
    io.err(`wharf: cannot read the group ${zkPath} from ZooKeeper ${zk}: ${messageOf(err)}`);
    return 1;
  }
  const replicas = view.replicas ?? told;
  const missing = replicas !== undefined ? Math.max(0, replicas - view.members.length) : 0;
  const code = !view.master ? EXIT_NO_MASTER : missing > 0 ? EXIT_MEMBERS_MISSING : 0;
  if (values.json) {
    io.out(JSON.stringify({ ...view, ...(replicas !== undefined ? { replicas, missing } : {}) }, null, 2));
    return code;
  }
  const m = view.master;
  const pos = m?.position ? `, position ${m.position.epoch}:${m.position.index}` : '';
  const size = replicas !== undefined ? `${view.members.length} of ${replicas} members` : `${view.members.length} member(s)`;
  io.out(`Group ${zkPath} (ZooKeeper ${zk}): epoch ${view.epoch}, ` +
    (m ? `master ${m.id} at ${m.clientUrl}${pos}` : 'no master elected') +
    `, ${size}${view.status ? ` — status ${Math.round(view.status.ageMs / 100) / 10}s old` : ''}`);
  const rows = [['NODE', 'ROLE', 'POSITION', 'RECEIVED', 'WRITTEN', 'LAG', 'CLIENT URL', 'REPLICATION URL']];
  for (const mem of view.members) {
    const position = mem.role === 'master' && m?.position ? m.position : mem.electionPosition;
    const published = mem.role === 'master' || mem.role === 'candidate' || mem.received === undefined;
    rows.push([
      mem.id, mem.slaveState === 'snapshot' ? 'slave (snapshot)' : mem.role,
      published ? `${position.epoch}:${position.index}` : '-',
      mem.received !== undefined && mem.received >= 0 ? String(mem.received) : '-',
      mem.durable !== undefined && mem.durable >= 0 ? String(mem.durable) : '-',
      mem.lag !== undefined ? String(mem.lag) : '-',
      mem.clientUrl, mem.replicationUrl,
    ]);
  }
  for (const line of pad(rows)) io.out(line);
  if (missing > 0) {
    io.err(`wharf: ${missing} of the group's ${replicas} members ${missing === 1 ? 'is' : 'are'} missing: only ${view.members.map((x) => x.id).join(', ') || 'none'} registered in ZooKeeper — ` +
      'start the missing node(s), or check their logs; the group keeps no quorum margin until they are back');
  }
  if (replicas === undefined) io.err('wharf: the group\'s full size is unknown (no master publishes it): give --replicas N to check that no member is missing');
  return code;
}
