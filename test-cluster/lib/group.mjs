// Replicated groups of real `wharf start` processes against a real ZooKeeper, for the
// multi-process cluster tests. Every node is a child process on loopback ports (or inside a
// network namespace: `prefix`); its role is followed from the lines `wharf start` prints
// ("Wharf node <id>: <role> (epoch E, ...)"). Waits poll conditions with deadlines; nothing
// sleeps for a fixed time. Set WHARF_TEST_LOG=1 to see every node's output; with WHARF_TEST_KEEP=1
// the nodes log at info (elections, terms, slaves attached) into the kept logs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..', '..');
export const BIN = path.join(root, 'packages', 'cli', 'dist', 'src', 'bin.js');
const require = createRequire(import.meta.url);
export const cluster = require(path.join(root, 'packages', 'cluster', 'dist', 'src', 'index.js'));
export const client = require(path.join(root, 'packages', 'client', 'dist', 'src', 'index.js'));
/** Test helpers: real ZooKeeper servers. */
export const testkit = require(path.join(root, 'packages', 'testkit', 'dist', 'src', 'index.js'));

const live = new Set();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** A JSON log line's message (a node's stdout is JSON: not a terminal); other lines as they are. */
export function logMessage(line) {
  if (!line.startsWith('{')) return line;
  try {
    const rec = JSON.parse(line);
    return typeof rec.msg === 'string' ? rec.msg : line;
  } catch {
    return line;
  }
}

/**
 * Poll `fn` until it returns a truthy value; throw after `ms` naming `what` (a string, or a
 * function giving one at the time of the failure).
 */
export async function until(ms, fn, what) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      if (err.fatal) throw err;
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function tempDir(tag) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `wharf-tc-${tag}-`));
}

export class NodeProcess {
  constructor(group, index, opts) {
    this.group = group;
    this.index = index;
    this.id = `wharf-${index}`;
    this.host = opts.host ?? '127.0.0.1';
    this.clientPort = opts.clientPort;
    this.replicationPort = opts.replicationPort;
    this.consolePort = opts.consolePort;
    this.prefix = opts.prefix ?? [];
    this.dataDir = path.join(group.dir, `n${index}`);
    this.logFile = path.join(group.dir, `n${index}.log`);
    this.role = 'down';
    this.epoch = 0;
    this.child = null;
    this.starts = 0;
  }

  get url() {
    return `tcp://${this.host}:${this.clientPort}`;
  }

  /** The node's web console (groups created with `console: true`). */
  get consoleUrl() {
    return `http://${this.host}:${this.consolePort}`;
  }

  args() {
    const g = this.group.opts;
    const flags = {
      brokerName: g.brokerName ?? 'wharf', dataDirectory: this.dataDir, logLevel: process.env.WHARF_TEST_LOG || process.env.WHARF_TEST_KEEP ? 'info' : (g.logLevel ?? 'warn'),
      transportConnectors: JSON.stringify([{ name: 'openwire', uri: `tcp://${this.host}:${this.clientPort}` }]),
      // Nodes in network namespaces listen on their namespace's address, with no users.
      ...(/^127\./.test(this.host) ? {} : { allowUnauthenticatedNetworkAccess: 'true' }),
      zkAddress: this.group.zkAddress, zkPath: this.group.zkPath, zkSessionTimeout: String(g.zkSessionTimeout ?? 2000),
      replicationBind: `tcp://${this.host}:${this.replicationPort}`, replicas: '3', nodeId: String(this.index),
      sync: g.sync ?? 'quorum_mem', replicationTimeout: String(g.replicationTimeout ?? 5000),
      ...(g.logRetentionBatches !== undefined ? { logRetentionBatches: String(g.logRetentionBatches) } : {}),
      ...(g.zkPassword ? { zkPassword: g.zkPassword } : {}),
      ...(g.networkConnectors ? { networkConnectors: JSON.stringify(g.networkConnectors) } : {}),
      // The console is on by default at 8161: only groups that test it get one (each its own port).
      ...(this.consolePort ? { 'console.port': String(this.consolePort) } : { 'console.enabled': 'false' }),
    };
    return ['start', ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v])];
  }

  /** Spawn `wharf start`; resolves once it has joined the election. */
  async start() {
    if (this.child) throw new Error(`${this.id} is already running`);
    // WHARF_TEST_NODE_ARGS: extra node flags for the nodes (e.g. --cpu-prof).
    const nodeArgs = (process.env.WHARF_TEST_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const [cmd, ...pre] = this.prefix.length ? this.prefix : [process.execPath];
    const argv = this.prefix.length ? [...pre, process.execPath, ...nodeArgs, BIN, ...this.args()] : [...nodeArgs, BIN, ...this.args()];
    const env = { ...process.env };
    delete env.WHARF_LOG_LEVEL;
    // The tests' own switches are not the nodes' configuration (wharf start would warn of each).
    for (const k of Object.keys(env)) if (/^WHARF_(TEST_|FAILOVER_)/.test(k)) delete env[k];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child = child;
    this.starts++;
    live.add(child);
    const log = fs.createWriteStream(this.logFile, { flags: 'a' });
    log.write(`---- start ${this.starts} at ${new Date().toISOString()} pid ${child.pid}\n`);
    this.group.event(this, 'started');
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      live.delete(child);
      log.end(`---- exit ${code ?? signal}\n`);
      this.group.event(this, `exited ${code ?? signal}`);
      if (this.child === child) {
        this.child = null;
        this.role = 'down';
      }
      // Not killed by a test, not a clean stop: say why where the test's output shows it.
      if (code !== null && code !== 0) {
        this.crash = `exited ${code}: ${this.stderrTail.trim().split('\n').slice(-12).join('\n  ')}`;
        process.stderr.write(`  [${this.id}] ${this.crash}\n`);
      }
      resolve(code ?? signal);
    }));
    let started = false;
    let buf = '';
    const onData = (d) => {
      const text = d.toString();
      log.write(text);
      if (process.env.WHARF_TEST_LOG) process.stdout.write(text.replace(/^/gm, `[${this.id}] `));
      buf += text;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = logMessage(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        const m = /^Wharf node \S+: (\w+) \(epoch (\d+)/.exec(line);
        if (m && this.child === child) {
          this.role = m[1];
          this.epoch = Number(m[2]);
          this.group.event(this, `${this.role} (epoch ${this.epoch})`);
          this.group.changed(this);
        }
        if (/^Wharf node \S+ started:/.test(line)) started = true;
        if (/unhandled promise rejection|role change failed/.test(line)) process.stderr.write(`  [${this.id}] ${line}\n`);
      }
    };
    child.stdout.on('data', onData);
    this.stderrTail = '';
    this.crash = undefined;
    child.stderr.on('data', (d) => {
      log.write(d);
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4000);
    });
    await until(30_000, async () => {
      if (!this.child) throw Object.assign(new Error(`${this.id} exited: ${this.tail()}`), { fatal: true });
      return started;
    }, `${this.id} to start`);
    return this;
  }

  /** kill -9. */
  async kill() {
    const c = this.child;
    if (!c) return;
    process.kill(c.pid, 'SIGKILL');
    await this.exited;
  }

  /** SIGTERM: a clean stop. */
  async stop() {
    const c = this.child;
    if (!c) return;
    process.kill(c.pid, 'SIGTERM');
    await this.exited;
  }

  tail(lines = 30) {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

export class Group {
  /**
   * @param {object} opts  zk (handle or connect string), sync, replicationTimeout,
   *   logRetentionBatches, zkSessionTimeout, hosts (per node), prefixes (per node), ports,
   *   console (true: every node runs its web console on a port of its own),
   *   zkPassword (the group's cluster.zkPassword; status() passes it as WHARF_ZK_PASSWORD),
   *   networkConnectors (the nodes' networkConnectors), brokerName (default wharf)
   */
  constructor(opts) {
    this.opts = opts;
    this.dir = tempDir('group');
    this.zkAddress = opts.zkAddress;
    this.zkPath = `/wharf/tc-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.nodes = [];
    this.listeners = new Set();
    /** What happened to the nodes, in order: [time, node id, what] (for failure messages). */
    this.events = [];
  }

  event(node, what) {
    this.events.push([Date.now(), node.id, what]);
  }

  /** The node whose client URL is `url`. */
  nodeByUrl(url) {
    return this.nodes.find((n) => n.url === url);
  }

  /** The events from `from` to `to` (ms since the epoch), one per line. */
  eventsBetween(from, to = Infinity) {
    return this.events.filter(([t]) => t >= from && t <= to)
      .map(([t, id, what]) => `${new Date(t).toISOString().slice(11, 23)} ${id} ${what}`).join('\n');
  }

  static async create(opts) {
    const g = new Group(opts);
    // One freePorts call: ports of separate calls may coincide.
    const ports = opts.ports ?? (await testkit.freePorts(opts.console ? 9 : 6));
    const consolePorts = !opts.console ? [] : ports.length >= 9 ? ports.slice(6, 9) : await testkit.freePorts(3);
    for (let i = 1; i <= 3; i++) {
      g.nodes.push(new NodeProcess(g, i, {
        clientPort: ports[i - 1], replicationPort: ports[i + 2], consolePort: consolePorts[i - 1],
        host: opts.hosts?.[i - 1], prefix: opts.prefixes?.[i - 1],
      }));
    }
    return g;
  }

  async start() {
    await Promise.all(this.nodes.map((n) => n.start()));
    return this;
  }

  changed() {
    for (const l of this.listeners) l();
  }

  /** failover:(all nodes) with quick reconnects. */
  failoverUrl(extra = '') {
    return `failover:(${this.nodes.map((n) => n.url).join(',')})?randomize=false&initialReconnectDelay=10&maxReconnectDelay=200${extra}`;
  }

  masters() {
    return this.nodes.filter((n) => n.role === 'master');
  }

  /** Exactly one master (and no other node serving); returns it. */
  async waitForMaster(ms = 20_000, except) {
    return until(ms, () => {
      const m = this.masters().filter((n) => n !== except);
      if (this.masters().length > 1) throw new Error(`two masters: ${this.masters().map((n) => n.id).join(', ')}`);
      return m.length === 1 ? m[0] : undefined;
    }, `one master${except ? ` other than ${except.id}` : ''} (roles: ${this.roles()})`);
  }

  async waitForRoles(ms, want) {
    return until(ms, () => this.nodes.every((n, i) => want[i] === undefined || want[i] === n.role), `roles ${want.join(',')} (now ${this.roles()})`);
  }

  roles() {
    return this.nodes.map((n) => `${n.id}=${n.role}${n.role === 'down' && n.crash ? ` (${n.crash.split('\n')[0]})` : ''}`).join(' ');
  }

  /** `wharf cluster status --json` for this group. */
  async status() {
    const env = this.opts.zkPassword ? { WHARF_ZK_PASSWORD: this.opts.zkPassword } : {};
    const out = await runCli(['cluster', 'status', '--zk', this.zkAddress, '--zk-path', this.zkPath, '--json'], { prefix: this.opts.cliPrefix, env });
    // 0 complete, 3 no master, 4 members missing: each prints the view.
    return { code: out.code, view: [0, 3, 4].includes(out.code) ? JSON.parse(out.stdout) : undefined, out };
  }

  /**
   * Wait until `count` slaves are attached and at most `maxLag` batches behind the master (per
   * `wharf cluster status`; lag 0 once idle).
   */
  async waitCaughtUp(ms = 20_000, count = 2, maxLag = 0) {
    let last;
    return until(ms, async () => {
      const { view } = await this.status();
      last = view;
      if (!view?.master?.position || !view.status) return false;
      const slaves = view.members.filter((m) => m.role === 'slave' && m.lag <= maxLag);
      return slaves.length >= count ? view : false;
    }, `${count} slaves caught up (last status: ${JSON.stringify(last?.members ?? null)})`);
  }

  logs() {
    return this.nodes.map((n) => `==== ${n.id} (${n.role})\n${n.tail(40)}`).join('\n');
  }

  async close() {
    await Promise.all(this.nodes.map((n) => n.kill()));
    if (!process.env.WHARF_TEST_KEEP) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function runCli(args, opts = {}) {
  return new Promise((resolve) => {
    const [cmd, ...pre] = opts.prefix?.length ? opts.prefix : [process.execPath];
    const argv = opts.prefix?.length ? [...pre, process.execPath, BIN, ...args] : [BIN, ...args];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(opts.env ?? {}) } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let shared;
/** One ZooKeeper for every test file that does not stop or pause it (killed at exit). */
export function sharedZooKeeper() {
  shared ??= testkit.startZooKeeper();
  return shared;
}

/** Messages stored in a node's data directory (the node must be stopped): [seq, text] pairs. */
export async function storedMessages(dataDir, queue) {
  const { LevelStore } = require(path.join(root, 'packages', 'store', 'dist', 'src', 'index.js'));
  const store = new LevelStore({ directory: dataDir });
  await store.open();
  try {
    const rows = await store.loadMessages(`queue://${queue}`, 0, 10_000_000);
    return { position: store.position, messages: rows.map((r) => r.msg.body) };
  } finally {
    await store.close();
  }
}
