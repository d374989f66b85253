// TLS for every listener (ssl://, stomp+ssl://, wss://): TLS 1.2 or later only, client
// certificates when the connector asks for them (ActiveMQ's `needClientAuth` / `wantClientAuth`,
// as connector keys or URI options), and the key, certificate and CA read again when their files
// change, so a renewed certificate is served without a restart.
import fs from 'node:fs';
import type tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { ConfigError } from '@wharf/protocol';
import type { TransportConnectorConfig } from '../config';
import type { Logger } from '../logger';

export const MIN_TLS_VERSION = 'TLSv1.2';
/** How often the certificate files are looked at (their modification time). */
const WATCH_INTERVAL_MS = 1000;

function uriFlag(uri: string, name: string): boolean {
  const q = uri.indexOf('?');
  if (q < 0) return false;
  const params = new URLSearchParams(uri.slice(q + 1));
  const v = params.get(name) ?? params.get(`transport.${name}`);
  return v !== null && v.toLowerCase() === 'true';
}

/** Must clients present a certificate signed by `ca`? (`needClientAuth` key or URI option.) */
export function needsClientAuth(cfg: TransportConnectorConfig): boolean {
  return cfg.needClientAuth === true || uriFlag(cfg.uri, 'needClientAuth');
}

function wantsClientAuth(cfg: TransportConnectorConfig): boolean {
  return cfg.wantClientAuth === true || uriFlag(cfg.uri, 'wantClientAuth');
}

function read(path: string, what: string, cfg: TransportConnectorConfig): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (err) {
    throw new ConfigError(`connector ${cfg.name}: cannot read the TLS ${what} ${path}: ${(err as Error).message}`);
  }
}

function material(cfg: TransportConnectorConfig): tls.SecureContextOptions {
  if (!cfg.key || !cfg.cert) throw new ConfigError(`connector ${cfg.name}: ssl needs 'key' and 'cert' file paths`);
  return { key: read(cfg.key, 'key', cfg), cert: read(cfg.cert, 'certificate', cfg), ...(cfg.ca ? { ca: read(cfg.ca, 'CA', cfg) } : {}), minVersion: MIN_TLS_VERSION };
}

/** Options for tls.createServer / https.createServer of a connector. */
export function tlsServerOptions(cfg: TransportConnectorConfig): tls.TlsOptions {
  const need = needsClientAuth(cfg);
  if (need && !cfg.ca) throw new ConfigError(`connector ${cfg.name}: needClientAuth needs 'ca', the CA that signs the client certificates`);
  return { ...material(cfg), requestCert: need || wantsClientAuth(cfg), rejectUnauthorized: need };
}

/**
 * Serve new key, certificate or CA files as they change (renewals). Returns the function that
 * stops watching. A file that cannot be read (half written) keeps the previous context.
 */
export function watchTls(server: tls.Server, cfg: TransportConnectorConfig, log: Logger): () => void {
  const files = [cfg.key, cfg.cert, cfg.ca].filter((f): f is string => typeof f === 'string');
  const onChange = (cur: fs.Stats, prev: fs.Stats): void => {
    if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size) return;
    try {
      server.setSecureContext(material(cfg));
      log.info({ connector: cfg.name }, 'tls: certificate files changed: reloaded');
    } catch (err) {
      log.warn({ connector: cfg.name, err }, 'tls: certificate files changed but could not be loaded: keeping the previous ones');
    }
  };
  for (const f of files) fs.watchFile(f, { interval: WATCH_INTERVAL_MS, persistent: false }, onChange);
  return () => {
    for (const f of files) fs.unwatchFile(f, onChange);
  };
}

/**
 * The verified client certificate's subject as Java writes a DN (RFC 2253: most specific first,
 * `CN=alice,OU=Eng,O=Example,C=US`), which is how ActiveMQ's certificate login files name users.
 * Null without a certificate the CA vouched for.
 */
export function peerDN(socket: tls.TLSSocket): string | null {
  if (!socket.authorized) return null;
  const raw = socket.getPeerCertificate().raw;
  if (!raw) return null;
  return rfc2253(new X509Certificate(raw).subject);
}

/** Node's subject (one `type=value` per line, in certificate order) as an RFC 2253 string. */
export function rfc2253(subject: string): string {
  return subject.split('\n').filter(Boolean).reverse().map((rdn) => {
    const i = rdn.indexOf('=');
    const value = rdn.slice(i + 1).replace(/([,+"\\<>;])/g, '\\$1');
    return `${rdn.slice(0, i)}=${value}`;
  }).join(',');
}

/** DNs compare with the spaces after separators ignored and the attribute names in any case. */
export function normalizeDN(dn: string): string {
  return dn.split(/(?<!\\),/).map((rdn) => {
    const i = rdn.indexOf('=');
    return `${rdn.slice(0, i).trim().toUpperCase()}=${rdn.slice(i + 1).trim()}`;
  }).join(',');
}
