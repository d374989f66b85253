// Starts real ZooKeeper servers (standalone or a 3-node ensemble on loopback) for tests and
// local runs (the cluster's tests, test-cluster/, scripts/bench-cluster.mjs).
//
// It runs the Debian package's jar (scripts/install-zookeeper.sh) or the classpath in
// WHARF_ZOOKEEPER_CLASSPATH, spawns java directly, and waits for each server to answer the
// `srvr` four-letter word. Every child is killed when this process exits.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface ZooKeeperHandle {
  /** `127.0.0.1:<port>` */
  readonly connectString: string;
  readonly port: number;
  readonly dataDir: string;
  /** The java process id while it runs. */
  readonly pid: number | undefined;
  /** Graceful stop (SIGTERM). Removes dataDir if it was created by startZooKeeper. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. The data stays, so restart() brings the same server back. */
  kill(): Promise<void>;
  /** Stops (gracefully) if running, then starts again on the same port with the same data. */
  restart(): Promise<void>;
  /** SIGSTOP: the server hangs with its connections open. */
  pause(): void;
  /** SIGCONT */
  resume(): void;
}

export interface ZooKeeperEnsembleHandle {
  /** `127.0.0.1:<p1>,127.0.0.1:<p2>,...` */
  readonly connectString: string;
  readonly servers: readonly ZooKeeperHandle[];
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface StartZooKeeperOptions {
  /** Where data, config and the log go. Default: a new temporary directory, removed by stop(). */
  dataDir?: string;
  /** Client port; default: a free loopback port. */
  port?: number;
  /** ZooKeeper tick in ms (default 200: sessions of 400 ms to 60 s are accepted). */
  tickTime?: number;
  /** How long to wait for the server to answer (default 30 s). */
  startTimeoutMs?: number;
  /** Extra JVM options. */
  jvmOptions?: string[];
}

const DEFAULT_JAR = '/usr/share/java/zookeeper.jar';
const SLF4J_SIMPLE = '/usr/share/java/slf4j-simple.jar';

/** The server classpath: WHARF_ZOOKEEPER_CLASSPATH, or the Debian package's jar (its manifest lists the dependencies). */
export function zooKeeperClasspath(): string {
  const fromEnv = process.env.WHARF_ZOOKEEPER_CLASSPATH;
  if (fromEnv) return fromEnv;
  if (!existsSync(DEFAULT_JAR)) {
    throw new Error(
      `ZooKeeper is not installed: ${DEFAULT_JAR} is missing. Run scripts/install-zookeeper.sh ` +
        `(installs Debian's zookeeper package), or set WHARF_ZOOKEEPER_CLASSPATH to a ZooKeeper 3.x server classpath.`,
    );
  }
  // Without an SLF4J binding the server logs nothing at all.
  return existsSync(SLF4J_SIMPLE) ? `${DEFAULT_JAR}:${SLF4J_SIMPLE}` : DEFAULT_JAR;
}

/** Free loopback ports, all distinct (held open together, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((ok, fail) => {
        server.once('error', fail);
        server.listen(0, '127.0.0.1', () => ok());
      });
      const addr = server.address();
      if (addr === null || typeof addr === 'string') throw new Error('could not read a listening port');
      ports.push(addr.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((ok) => s.close(() => ok()))));
  }
}

/** Sends a four-letter word and returns the answer ('' when the server does not answer). */
export function fourLetterWord(port: number, word: string, timeoutMs = 1000): Promise<string> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    const finish = (): void => {
      socket.destroy();
      clearTimeout(timer);
      done(answer);
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(word));
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', finish);
    socket.on('error', finish);
  });
}

export async function startZooKeeper(opts: StartZooKeeperOptions = {}): Promise<ZooKeeperHandle> {
  const owned = opts.dataDir === undefined;
  const dataDir = resolve(opts.dataDir ?? mkdtempSync(join(tmpdir(), 'wharf-zk-')));
  const port = opts.port ?? (await freePorts(1))[0];
  if (port === undefined) throw new Error('no free port');
  const server = new ZooKeeperServer(dataDir, port, owned, serverConfig(dataDir, port, opts.tickTime), opts);
  try {
    await server.start();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** A ZooKeeper ensemble of `size` servers (default 3) on loopback. */
export async function startZooKeeperEnsemble(
  size = 3,
  opts: Omit<StartZooKeeperOptions, 'port'> = {},
): Promise<ZooKeeperEnsembleHandle> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`ensemble size must be a positive integer, got ${size}`);
  const owned = opts.dataDir === undefined;
  const root = resolve(opts.dataDir ?? mkdtempSync(join(tmpdir(), 'wharf-zk-ensemble-')));
  const ports = await freePorts(size * 3);
  const at = (i: number): number => ports[i] ?? 0;
  const peers = Array.from({ length: size }, (_, i) => `server.${i + 1}=127.0.0.1:${at(size + i)}:${at(2 * size + i)}`);
  const servers = Array.from({ length: size }, (_, i) => {
    const dir = join(root, `zk${i + 1}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'myid'), `${i + 1}\n`);
    const config = [
      serverConfig(dir, at(i), opts.tickTime),
      'initLimit=50',
      'syncLimit=10',
      'electionPortBindRetry=10',
      ...peers,
      '',
    ].join('\n');
    return new ZooKeeperServer(dir, at(i), false, config, { ...opts, main: 'org.apache.zookeeper.server.quorum.QuorumPeerMain' });
  });
  const stopAll = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
    if (owned) rmSync(root, { recursive: true, force: true });
  };
  try {
    await Promise.all(servers.map((s) => s.start()));
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    connectString: servers.map((s) => s.connectString).join(','),
    servers,
    dataDir: root,
    stop: stopAll,
  };
}

function serverConfig(dataDir: string, port: number, tickTime = 200): string {
  return [
    `tickTime=${tickTime}`,
    `dataDir=${dataDir}`,
    `clientPort=${port}`,
    'clientPortAddress=127.0.0.1',
    `minSessionTimeout=${2 * tickTime}`,
    'maxSessionTimeout=60000',
    'maxClientCnxns=0',
    '4lw.commands.whitelist=*',
    'admin.enableServer=false',
    'preAllocSize=4096',
    '',
  ].join('\n');
}

// Children still running when this process exits are killed (mocha --exit, crashes, ^C).
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // Only when nobody else handles the signal: then re-raise it, keeping its default effect.
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      for (const c of live) c.kill('SIGKILL');
      process.kill(process.pid, signal);
    });
  }
}

interface ServerOptions extends StartZooKeeperOptions {
  main?: string;
}

class ZooKeeperServer implements ZooKeeperHandle {
  readonly connectString: string;
  private child?: ChildProcess;
  private readonly configFile: string;
  private readonly logFile: string;

  constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly owned: boolean,
    config: string,
    private readonly opts: ServerOptions,
  ) {
    this.connectString = `127.0.0.1:${port}`;
    mkdirSync(dataDir, { recursive: true });
    this.configFile = join(dataDir, 'zoo.cfg');
    this.logFile = join(dataDir, 'zookeeper.log');
    writeFileSync(this.configFile, config);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.running()) return;
    const classpath = zooKeeperClasspath();
    const log = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(
        process.env.JAVA ?? 'java',
        [
          '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
          '-Dzookeeper.admin.enableServer=false', '-Djava.net.preferIPv4Stack=true',
          '-Dorg.slf4j.simpleLogger.showDateTime=true',
          ...(this.opts.jvmOptions ?? []),
          '-cp', classpath,
          this.opts.main ?? 'org.apache.zookeeper.server.ZooKeeperServerMain',
          this.configFile,
        ],
        { stdio: ['ignore', log, log] },
      );
    } finally {
      closeSync(log);
    }
    this.child = child;
    track(child);
    await this.waitReady(child);
  }

  async stop(): Promise<void> {
    await this.terminate('SIGTERM');
    if (this.owned) rmSync(this.dataDir, { recursive: true, force: true });
  }

  async kill(): Promise<void> {
    await this.terminate('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.terminate('SIGTERM');
    await this.start();
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  private running(): boolean {
    const c = this.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  private async terminate(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return;
    const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
    child.kill('SIGCONT'); // a paused JVM cannot run its shutdown hook
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private async waitReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 30_000);
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    for (;;) {
      if (spawnError) {
        const enoent = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
        throw new Error(enoent
          ? 'java not found: install a Java runtime (Debian: apt-get install default-jre-headless) or set JAVA'
          : `could not start ZooKeeper: ${spawnError.message}`);
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`ZooKeeper on port ${this.port} exited (${child.exitCode ?? child.signalCode}) before it was ready; ` +
          `log ${this.logFile}:\n${this.logTail()}`);
      }
      const answer = await fourLetterWord(this.port, 'srvr', 500);
      if (/^Mode: (standalone|leader|follower)/m.test(answer)) return;
      if (Date.now() > deadline) {
        throw new Error(`ZooKeeper on port ${this.port} did not answer within ${this.opts.startTimeoutMs ?? 30_000} ms; ` +
          `log ${this.logFile}:\n${this.logTail()}`);
      }
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }

  private logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
