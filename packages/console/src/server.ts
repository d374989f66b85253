// startConsole: one fastify server with the admin UI (/admin), the REST API (/api), Prometheus
// metrics (/metrics) and the health probes (/healthz, /readyz). ActiveMQ's console listens on
// 8161 and so does this one.
import fs from 'node:fs';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { MIN_TLS_VERSION, createLogger, keepAccepting, watchTls, type Broker } from '@wharf/broker';
import { brokerView, type AdapterOptions } from './adapter';
import { checkSecurity, sameOriginHook } from './auth';
import { ConsoleAccess, type ConsoleUserSource } from './access';
import { ConsoleError, ConsoleErrorCode } from './errors';
import { History } from './history';
import { createMetrics, slicedBody } from './metrics';
import { replacer } from './messages';
import { registerApi, registerHealth } from './routes';
import { registerStatic, STATIC_DIR } from './static';
import { isBrokerView, type BrokerView } from './view';

export const DEFAULT_CONSOLE_PORT = 8161;
const BODY_LIMIT = 4 * 1024 * 1024;

export interface TlsOptions {
  /** PEM text, or the path of a PEM file. */
  key: string | Buffer;
  cert: string | Buffer;
  ca?: string | Buffer;
}

export interface ConsoleOptions {
  /** Address to listen on (default 127.0.0.1). `bind` is the config file's spelling. */
  host?: string;
  bind?: string;
  /** Default 8161; 0 picks a free port. */
  port?: number;
  username?: string;
  password?: string;
  /** The broker's users: they log in with their own passwords, roles from their groups. */
  users?: ConsoleUserSource;
  /** Comma-separated groups whose members may act (purge, delete, move, send); default `admins`. */
  adminGroups?: string;
  /** Comma-separated groups whose members may look; default `viewers`. */
  viewerGroups?: string;
  /** Host names the console answers besides loopback, IP addresses and this machine's name (DNS rebinding). */
  allowedHosts?: string[];
  /** Serve HTTPS with this key and certificate. */
  tls?: TlsOptions;
  /** Prefix of the broker metrics (default `wharf_`). */
  metricsPrefix?: string;
  /**
   * Queues, and topics, with series of their own in /metrics (default 1000: the deepest queues
   * and busiest topics); the counts of all destinations are always there.
   */
  metricsDestinationLimit?: number;
  /** Cluster, scheduler and bridge sources, when a Broker (not a BrokerView) is given. */
  sources?: AdapterOptions;
  /** Logger for the HTTP server (default: the broker's, or none for a bare view). */
  logger?: FastifyBaseLogger;
  /** Where the UI files are (tests). */
  staticDir?: string;
}

export interface ConsoleHandle {
  /** Base URL, e.g. http://127.0.0.1:8161 */
  readonly url: string;
  /** The admin UI: url + /admin/ */
  readonly adminUrl: string;
  readonly port: number;
  readonly view: BrokerView;
  close(): Promise<void>;
}

function pem(x: string | Buffer | undefined, what: string): Buffer | undefined {
  if (x === undefined) return undefined;
  if (Buffer.isBuffer(x)) return x;
  if (x.includes('-----BEGIN')) return Buffer.from(x);
  try {
    return fs.readFileSync(x);
  } catch (err) {
    throw new ConsoleError(ConsoleErrorCode.CONFIG, `console: cannot read the TLS ${what} ${x}: ${(err as Error).message}`);
  }
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export async function startConsole(target: Broker | BrokerView, opts: ConsoleOptions = {}): Promise<ConsoleHandle> {
  const host = opts.host ?? opts.bind ?? '127.0.0.1';
  const port = opts.port ?? DEFAULT_CONSOLE_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConsoleError(ConsoleErrorCode.CONFIG, `console: port must be 0–65535, got ${port}`);
  const creds = checkSecurity(host, opts.username, opts.password, opts.users?.enabled === true);
  const view = isBrokerView(target) ? target : brokerView(target, opts.sources);
  const logger = opts.logger ?? (isBrokerView(target) ? undefined : target.log.child({ component: 'console' }));
  const https = opts.tls ? { key: pem(opts.tls.key, 'key'), cert: pem(opts.tls.cert, 'certificate'), ca: pem(opts.tls.ca, 'CA'), minVersion: MIN_TLS_VERSION } : undefined;

  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    ...(https ? { https } : {}),
    // The UI polls every second: per-request lines would drown the broker's own logs.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    forceCloseConnections: true,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;

  new ConsoleAccess({
    creds, users: opts.users, adminGroups: opts.adminGroups, viewerGroups: opts.viewerGroups, allowedHosts: opts.allowedHosts, bind: host, https: !!https,
  }).register(app);
  app.addHook('onRequest', sameOriginHook);

  app.setErrorHandler((err: FastifyError | ConsoleError, req, reply) => {
    if (err instanceof ConsoleError) return reply.code(err.statusCode).send({ error: err.message, code: err.code, ...(err.details ?? {}) });
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err, url: req.url }, 'console request failed');
    const code = status < 500 ? ConsoleErrorCode.BAD_REQUEST : ConsoleErrorCode.BROKER_ERROR;
    return reply.code(status).send({ error: err.message, code });
  });
  // Values that came from clients may hold bigints (a msgpack uint64), which JSON.stringify
  // refuses: one such value must not turn a listing into a 500.
  app.setReplySerializer((payload) => JSON.stringify(payload, replacer));
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: `no such resource: ${req.method} ${req.url.split('?')[0]}`, code: ConsoleErrorCode.NOT_FOUND }),
  );

  const metrics = createMetrics(view, opts.metricsPrefix, opts.metricsDestinationLimit);
  app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(slicedBody(await metrics.scrapeSlices())));
  registerHealth(app, view);
  registerApi(app, view);
  const history = new History(view);
  history.start();
  app.get('/api/history', async () => history.toJSON());
  registerStatic(app, opts.staticDir ?? STATIC_DIR);

  // fastify keeps no 'error' listener on its server once it listens.
  keepAccepting(app.server, (err) => app.log.warn({ err: err.message }, 'console: accepting a connection failed'));
  await app.listen({ host, port });
  // Certificate files (not PEM text) are served anew when they change: renewals need no restart.
  const t = opts.tls;
  const files = t && typeof t.key === 'string' && typeof t.cert === 'string' && !t.key.includes('-----BEGIN') && !t.cert.includes('-----BEGIN');
  // Without a logger (a bare view) the renewals are still served, only not logged.
  const unwatch = files
    ? watchTls(app.server as unknown as import('node:tls').Server, { name: 'console', uri: 'https://', key: t.key as string, cert: t.cert as string, ...(typeof t.ca === 'string' ? { ca: t.ca } : {}) },
      (logger ?? createLogger('silent', 'console')) as unknown as Broker['log'])
    : () => undefined;
  const addr = app.server.address();
  const boundPort = addr && typeof addr === 'object' ? addr.port : port;
  const url = `${https ? 'https' : 'http'}://${urlHost(host)}:${boundPort}`;
  app.log.info({ url, auth: creds !== null, tls: !!https }, 'console listening');
  let closed = false;
  return {
    url,
    adminUrl: `${url}/admin/`,
    port: boundPort,
    view,
    async close() {
      if (closed) return;
      closed = true;
      unwatch();
      history.stop();
      await app.close();
    },
  };
}
