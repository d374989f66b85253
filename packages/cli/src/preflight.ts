// Checks before a broker starts, so a start-up failure names its real cause and the fix: the
// TLS files of the connectors (read by the first TLS connector, long after the store opened)
// and whether the data directory can be written (LevelDB's own errors name a lock file or a
// missing path, not the permission or read-only file system behind them).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@wharf/protocol';
import type { BrokerConfig } from '@wharf/broker';
import { CliError } from './io';

function who(): string {
  try {
    const u = os.userInfo();
    return `user ${u.username} (uid ${u.uid})`;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** A file system error as a sentence that says what to change. */
export function explainFsError(err: unknown, what: string, target: string, fix: string): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return `${what} ${target} does not exist — ${fix}`;
    case 'EACCES':
    case 'EPERM':
      return `${what} ${target} is not accessible to ${who()}: permission denied — ${fix}`;
    case 'EROFS':
      return `${what} ${target} is on a read-only file system — ${fix}`;
    case 'ENOTDIR':
      return `${what} ${target}: a part of the path is a file, not a directory — ${fix}`;
    case 'EISDIR':
      return `${what} ${target} is a directory, not a file — ${fix}`;
    case 'ENOSPC':
      return `${what} ${target}: no space left on the device — ${fix}`;
    default:
      return `${what} ${target}: ${e.message} — ${fix}`;
  }
}

/** Every key, cert and CA file of the connectors is readable; else a ConfigError naming the key. */
export function checkTlsFiles(connectors: BrokerConfig['transportConnectors']): void {
  connectors.forEach((c, i) => {
    for (const field of ['key', 'cert', 'ca'] as const) {
      const file = c[field];
      if (file === undefined || file === '') continue;
      try {
        fs.accessSync(file, fs.constants.R_OK);
        if (fs.statSync(file).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      } catch (err) {
        const kind = field === 'key' ? 'TLS private key file' : field === 'cert' ? 'TLS certificate file' : 'TLS CA file';
        throw new ConfigError(explainFsError(err, `transportConnectors[${i}].${field} (connector '${c.name}'): the ${kind}`, path.resolve(file),
          `give the path of a readable PEM file, or remove this connector`));
      }
    }
  });
}

/**
 * The data directory exists (created if missing) and a file can be written in it. A failure
 * is a CliError naming the directory, the user, the cause and what to change.
 */
export function checkDataDirectory(dir: string): void {
  const abs = path.resolve(dir);
  const fix = `make it writable by ${who()} (e.g. chown, or a writable volume), or set dataDirectory (WHARF_DATA_DIRECTORY) to one that is`;
  try {
    fs.mkdirSync(abs, { recursive: true });
  } catch (err) {
    throw new CliError(`cannot create the data directory: ${explainFsError(err, 'dataDirectory', abs, fix)}`);
  }
  const probe = path.join(abs, `.wharf-write-check-${process.pid}`);
  try {
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
  } catch (err) {
    throw new CliError(`cannot write in the data directory: ${explainFsError(err, 'dataDirectory', abs, fix)}`);
  }
}
