// Stored passwords: plain text (as ActiveMQ's simpleAuthenticationPlugin and users.properties),
// an scrypt hash made by `wharf hash-password`, or `${NAME}` naming an environment variable.
// Every comparison is in constant time.
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '@wharf/protocol';

const PREFIX = 'scrypt$';
/** Cost of new hashes: about 50 ms on one core, memory 16 MiB (N·r·128 bytes). */
const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;
/** Hashes with a larger cost are refused: a configured hash must not take the broker down. */
const MAX_N = 1 << 20;

export function hashPassword(plain: string, salt: Buffer = randomBytes(16)): string {
  const key = scryptSync(plain, salt, KEYLEN, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `${PREFIX}${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export function isHashed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

export interface ParsedHash { n: number; r: number; p: number; salt: Buffer; key: Buffer }

/** Parse an scrypt hash; throws ConfigError naming `where` when it is malformed. */
export function parseHash(stored: string, where: string): ParsedHash {
  const parts = stored.slice(PREFIX.length).split('$');
  const [n, r, p] = parts.slice(0, 3).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[3] ?? '', 'base64');
  const key = Buffer.from(parts[4] ?? '', 'base64');
  const powerOfTwo = Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
  if (parts.length !== 5 || !powerOfTwo || n > MAX_N || !Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16 ||
    salt.length < 8 || key.length < 16) {
    throw new ConfigError(`${where}: the password hash is not one made by 'wharf hash-password' (scrypt$N$r$p$salt$key)`);
  }
  return { n, r, p, salt, key };
}

function digest(s: string | Buffer): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Equal in constant time: both sides are hashed first, so neither length nor prefix leaks. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

const scryptOptions = (h: ParsedHash): { N: number; r: number; p: number; maxmem: number } => ({ N: h.n, r: h.r, p: h.p, maxmem: 256 * 1024 * 1024 });

/**
 * Does `given` match a stored password (plain or hashed)? Blocks for the whole scrypt cost: for
 * tools and tests; the broker's login path uses verifyPasswordAsync.
 */
export function verifyPassword(stored: string | ParsedHash, given: string): boolean {
  if (typeof stored === 'string') return sameSecret(stored, given);
  return timingSafeEqual(scryptSync(given, stored.salt, stored.key.length, scryptOptions(stored)), stored.key);
}

/**
 * verifyPassword with scrypt on libuv's thread pool: a burst of logins of hashed users costs the
 * event loop nothing, so the other connections' messages keep flowing meanwhile.
 */
export function verifyPasswordAsync(stored: ParsedHash, given: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    scrypt(given, stored.salt, stored.key.length, scryptOptions(stored), (err, key) => {
      if (err) reject(err);
      else resolve(timingSafeEqual(key, stored.key));
    });
  });
}

/**
 * A configured password, with `${NAME}` replaced by the environment variable NAME (so secrets
 * stay out of the file). A missing variable is a configuration error, never an empty password.
 */
export function resolveSecret(value: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
  if (!m) return value;
  const v = env[m[1]!];
  if (v === undefined || v === '') throw new ConfigError(`${where}: environment variable ${m[1]} is not set (the password is given as \${${m[1]}})`);
  return v;
}
