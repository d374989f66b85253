// `wharf start`: load the configuration, run a broker until SIGTERM or SIGINT, stop it cleanly.
import path from 'node:path';
import { Authenticator, Broker, createLogger, logFormat, type Logger, type ProtocolPackage } from '@wharf/broker';
import { stompProtocol } from '@wharf/stomp';
import { openwireProtocol } from '@wharf/openwire';
import { followBroker, startConsole, type BrokerView, type ConsoleOptions } from '@wharf/console';
import { ConfigError, StoreError } from '@wharf/protocol';
import { clusterNodeSource } from '../cluster-console';
import { brokerConfigOf, loadConfig, type WharfConfig } from '../config';
import { messageOf, type Io } from '../io';
import { startHelp } from '../help';
import { checkDataDirectory, checkTlsFiles } from '../preflight';

/** The wire protocol packages `wharf start` serves, besides the native tcp/ssl connectors. */
// OpenWire: Java clients on ActiveMQ's client jar, recognised on the tcp:// and ssl:// connectors.
const PROTOCOLS: readonly ProtocolPackage[] = [stompProtocol, openwireProtocol];

function storeText(broker: Broker): string {
  const kind = broker.store.kind;
  return kind === 'memory' ? 'store: memory' : `store: ${kind} at ${path.resolve(broker.config.dataDirectory)}`;
}

interface Closeable {
  close(): unknown;
}

/**
 * Start the web console when the configuration has a `console` section (on by default, on
 * loopback): over the broker (standalone), or over a view that follows the broker of a cluster
 * node's current term. A console that cannot start fails the start (null): a broker that runs on
 * without the console its operators and probes expect is harder to notice than one that stops
 * (in Kubernetes its pod would never turn ready); `console.enabled: false` runs without one.
 */
async function startConsoleFor(target: Broker | BrokerView, config: WharfConfig, io: Io, logger?: Logger, sources?: ConsoleOptions['sources']): Promise<Closeable | undefined | null> {
  if (!config.console) return undefined;
  const { enabled: _enabled, ...opts } = config.console;
  try {
    const handle = await startConsole(target, {
      ...opts, ...(sources ? { sources } : {}),
      users: target instanceof Broker ? target.security.authenticator : new Authenticator(brokerConfigOf(config), logger ?? createLogger(config.logLevel, config.brokerName)),
      ...(logger ? { logger: logger.child({ component: 'console' }) as unknown as ConsoleOptions['logger'] } : {}),
    });
    io.out(`Wharf console started: ${handle.url}`);
    return handle;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = `${opts.bind ?? '127.0.0.1'}:${opts.port ?? 8161}`;
    const cause = code === 'EADDRINUSE' ? `port ${where} is already in use (another broker's console?)`
      : code === 'EACCES' ? `no permission to listen on ${where} (ports below 1024 need privileges)`
      : code === 'EADDRNOTAVAIL' ? `${where} is not an address of this machine`
      : messageOf(err);
    io.err(`wharf: the console did not start: ${cause} — set console.port (WHARF_CONSOLE_PORT) or console.bind, ` +
      'or console.enabled: false (WHARF_CONSOLE_ENABLED=false) to run without a console');
    return null;
  }
}

/**
 * The status lines on stdout ("Wharf broker x started: ...") in the logs' format: as pino's
 * JSON records when the logs are JSON, so stdout holds one format a collector can parse.
 */
function statusLinesAsLogs(io: Io, brokerName: string): Io {
  if (logFormat(io.env) !== 'json') return io;
  return { ...io, out: (line) => io.out(JSON.stringify({ level: 30, time: Date.now(), broker: brokerName, msg: line })) };
}

/** What the checks before a start found: a message for stderr and the exit code. */
function preflight(config: WharfConfig, io: Io, persistent: boolean): number {
  try {
    checkTlsFiles(config.transportConnectors);
    if (persistent) checkDataDirectory(config.dataDirectory);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`wharf: config error: ${err.message}`);
      return 2;
    }
    io.err(`wharf: cannot start broker ${config.brokerName}: ${messageOf(err)}`);
    return 1;
  }
}

/** Why a broker did not start, with the check that fits the error (a damaged store already says what to do). */
function startFailure(config: WharfConfig, err: unknown): string {
  const hint = err instanceof StoreError && (err as { name?: unknown }).name !== 'StoreDamagedError'
    ? ` — check that ${path.resolve(config.dataDirectory)} is writable and not used by another broker`
    : (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? ' — another process listens on that port: change the port in transportConnectors (or --port)' : '';
  return `wharf: cannot start broker ${config.brokerName}: ${messageOf(err)}${hint}`;
}

/**
 * A failed promise that nothing waits for is a Wharf bug, but no reason to end a broker and every
 * connection on it (Node.js would exit): as ActiveMQ logs an exception that ends one of its
 * threads and carries on, it is logged with its stack and the broker keeps serving.
 */
function logUnhandledRejections(log: Logger): void {
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason }, 'unhandled promise rejection (a Wharf bug: please report it with this log); the broker carries on');
  });
}

/** Resolves with the name of the first SIGTERM/SIGINT; a second signal forces exit. */
function nextSignal(io: Io): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      const force = (): void => {
        io.err('wharf: second signal: exiting without a clean stop');
        process.exit(1);
      };
      process.once('SIGTERM', force);
      process.once('SIGINT', force);
      resolve(sig);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

export async function runStart(argv: readonly string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(startHelp());
    return 0;
  }
  let config: WharfConfig;
  try {
    config = loadConfig(argv, io.env, { warn: (m) => io.err(`wharf: warning: ${m}`) });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`wharf: config error: ${err.message}`);
      return 2;
    }
    throw err;
  }

  io = statusLinesAsLogs(io, config.brokerName);
  const checked = preflight(config, io, config.cluster !== undefined || config.persistent);
  if (checked !== 0) return checked;
  const signal = nextSignal(io);
  if (config.cluster) return runClusterNode(config, config.cluster, signal, io);
  let broker: Broker;
  let bridges: Array<import('@wharf/cluster').NetworkConnector> = [];
  try {
    broker = new Broker(brokerConfigOf(config), { protocols: PROTOCOLS });
    logUnhandledRejections(broker.log);
    // A bad network connector is a configuration error before anything starts.
    const networkConnectors = networkConnectorsOf(config);
    if (networkConnectors) {
      const { NetworkConnector } = require('@wharf/cluster') as typeof import('@wharf/cluster');
      try {
        bridges = networkConnectors.map((c) => new NetworkConnector(c, { brokerName: broker.name, logger: broker.log }));
      } catch (err) {
        throw new ConfigError(`networkConnectors: ${messageOf(err)}`);
      }
    }
    await broker.start();
  } catch (err) {
    // Port in use, unknown connector scheme, bad TLS files: the configuration must change.
    if (err instanceof ConfigError) {
      io.err(`wharf: config error: ${err.message}`);
      return 2;
    }
    io.err(startFailure(config, err));
    return 1;
  }
  for (const c of broker.connectors) io.out(`Wharf broker ${broker.name} started: ${c.url} (${storeText(broker)})`);
  if (broker.connectors.length === 0) io.out(`Wharf broker ${broker.name} started: no transport connectors, vm://${broker.name} only (${storeText(broker)})`);
  if (bridges.length > 0) {
    for (const b of bridges) b.start();
    io.out(`Wharf broker ${broker.name}: ${bridges.length} network connector(s) started`);
  }

  let failed: Error | undefined;
  const stopOnFailure = new Promise<void>((resolve) => {
    // ActiveMQ's default IOExceptionHandler stops the broker when the store fails: a
    // supervisor (systemd, Kubernetes) then restarts it on a store it can trust.
    broker.once('storeFailure', (err: Error) => {
      failed = err;
      resolve();
    });
  });
  const consoleHandle = await startConsoleFor(broker, config, io, undefined, { bridges: { list: () => bridges.flatMap((b) => b.describe()) } });
  if (consoleHandle === null) {
    await Promise.all(bridges.map((b) => b.stop()));
    await broker.stop().catch(() => undefined);
    return 1;
  }

  const why = await Promise.race([signal, stopOnFailure.then(() => undefined)]);
  if (failed) io.err(`wharf: store failure: ${failed.message} — stopping broker ${broker.name}`);
  else io.err(`wharf: ${String(why)} received, stopping broker ${broker.name}`);
  try {
    await consoleHandle?.close();
    await Promise.all(bridges.map((b) => b.stop()));
    await broker.stop();
  } catch (err) {
    io.err(`wharf: broker ${broker.name} did not stop cleanly: ${messageOf(err)}`);
    return 1;
  }
  return failed ? 1 : 0;
}

/**
 * `wharf start` with a cluster section: one node of a replicated group (docs/CLUSTER.md). The broker
 * runs only while this node is master; otherwise the client port refuses connections naming
 * the master. Role changes are printed as they happen. The console runs on every node for the
 * life of the process: it follows the broker of the current term, and its /readyz is 200 only
 * on the serving master.
 */
async function runClusterNode(config: WharfConfig, cluster: NonNullable<WharfConfig['cluster']>, signal: Promise<NodeJS.Signals>, io: Io): Promise<number> {
  const { createBrokerClusterNode, resolveClusterSettings } = require('@wharf/cluster') as typeof import('@wharf/cluster');
  let handle: ReturnType<typeof createBrokerClusterNode>;
  const logger = createLogger(config.logLevel, config.brokerName);
  logUnhandledRejections(logger);
  try {
    const networkConnectors = networkConnectorsOf(config);
    handle = createBrokerClusterNode(brokerConfigOf(config), cluster, { logger, protocols: PROTOCOLS, ...(networkConnectors ? { networkConnectors } : {}) });
  } catch (err) {
    io.err(`wharf: config error: ${messageOf(err)}`);
    return 2;
  }
  const { node } = handle;
  const settings = resolveClusterSettings(cluster);
  let failed: Error | undefined;
  const failure = new Promise<void>((resolve) => {
    node.once('failure', (err: Error) => {
      failed = err;
      resolve();
    });
  });
  node.on('role', (role: string) => {
    const st = node.status();
    const master = st.master ? `; master ${st.master.id} ${st.master.clientUrl}` : '';
    io.out(`Wharf node ${handle.id}: ${role} (epoch ${st.epoch}, position ${st.position.epoch}:${st.position.index}${master})`);
  });
  try {
    await node.start();
  } catch (err) {
    // An election error already says what to do (e.g. a wrong cluster.zkPassword).
    const name = (err as { name?: unknown }).name;
    const hint = name === 'ElectionError' || name === 'StoreDamagedError' ? '' : ` — check that ${path.resolve(config.dataDirectory)} is writable and not used by another broker, ` +
      `and that ${settings.replicationBind} and the client port are free`;
    io.err(`wharf: cannot start cluster node ${handle.id}: ${messageOf(err)}${hint}`);
    await handle.close().catch(() => undefined);
    return 1;
  }
  io.out(`Wharf node ${handle.id} started: clients ${handle.clientUrl}, replication ${node.replicationUrl} ` +
    `(group ${settings.zkPath} at ${settings.zkAddress}, replicas ${settings.replicas}, sync ${settings.sync}; store: leveldb at ${path.resolve(config.dataDirectory)})`);
  const source = clusterNodeSource(handle, settings.replicas, { zkAddress: settings.zkAddress, zkPath: settings.zkPath, ...(cluster.zkPassword ? { zkPassword: cluster.zkPassword } : {}) });
  const bridges = { list: () => handle.services.bridges.flatMap((b) => b.describe()) };
  const consoleHandle = await startConsoleFor(followBroker(source, { name: config.brokerName, bridges }), config, io, logger);
  if (consoleHandle === null) {
    source.close();
    await handle.close().catch(() => undefined);
    return 1;
  }

  const why = await Promise.race([signal, failure.then(() => undefined)]);
  if (failed) io.err(`wharf: store failure: ${failed.message} — stopping node ${handle.id}`);
  else io.err(`wharf: ${String(why)} received, stopping node ${handle.id}`);
  try {
    await consoleHandle?.close();
    source.close();
    await handle.close();
  } catch (err) {
    io.err(`wharf: node ${handle.id} did not stop cleanly: ${messageOf(err)}`);
    return 1;
  }
  return failed ? 1 : 0;
}

/** The configured network connectors (checked by the config loader), if any. */
function networkConnectorsOf(config: WharfConfig): Array<import('@wharf/cluster').NetworkConnectorConfig> | undefined {
  const list = config.extra?.networkConnectors;
  return Array.isArray(list) && list.length > 0 ? (list as Array<import('@wharf/cluster').NetworkConnectorConfig>) : undefined;
}
