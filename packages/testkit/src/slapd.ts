// Starts a private OpenLDAP server (Debian's slapd, installed by scripts/setup-test-deps.sh) for
// the LDAP login tests: its own configuration file and database in a temporary directory, loaded
// from LDIF with slapadd before it starts, listening on a free loopback port. No system service
// is involved; stop() kills the process and removes the directory, and so does this process's
// exit.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './zookeeper';

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const SCHEMAS = ['core', 'cosine', 'inetorgperson', 'nis'];

export interface SlapdHandle {
  /** `ldap://127.0.0.1:<port>` (`ldaps://` with the tls option) */
  readonly url: string;
  readonly port: number;
  readonly suffix: string;
  /** The directory's administrator (rootdn) and its password. */
  readonly adminDN: string;
  readonly adminPassword: string;
  /** SIGSTOP: the server hangs with its connections open (a directory that does not answer). */
  pause(): void;
  resume(): void;
  /** Kill the server and remove its directory. */
  stop(): Promise<void>;
}

export interface LdapTestUser { uid: string; password: string; groups?: string[] }

export interface StartSlapdOptions {
  /** Default `dc=wharf,dc=test`. */
  suffix?: string;
  /** Users under ou=people with their passwords; groups (groupOfNames under ou=groups) made from their `groups`. */
  users?: LdapTestUser[];
  /** More LDIF, added after the users and groups (nested groups, say). */
  ldif?: string;
  startTimeoutMs?: number;
  /** Serve ldaps:// (TLS from the start) with this key and certificate instead of ldap://. */
  tls?: { key: string; cert: string };
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/** Is Debian's slapd installed (scripts/setup-test-deps.sh)? */
export function slapdAvailable(): boolean {
  return existsSync(SLAPD) && existsSync(SLAPADD);
}

/** LDIF of the suffix, ou=people with the users and ou=groups with a groupOfNames per group. */
export function directoryLdif(suffix: string, users: readonly LdapTestUser[]): string {
  const dc = /^dc=([^,]+)/.exec(suffix)?.[1] ?? 'test';
  const out = [
    `dn: ${suffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: ${dc}\no: ${dc}\n`,
    `dn: ou=people,${suffix}\nobjectClass: organizationalUnit\nou: people\n`,
    `dn: ou=groups,${suffix}\nobjectClass: organizationalUnit\nou: groups\n`,
  ];
  const groups = new Map<string, string[]>();
  for (const u of users) {
    out.push(`dn: uid=${u.uid},ou=people,${suffix}\nobjectClass: inetOrgPerson\nuid: ${u.uid}\ncn: ${u.uid}\nsn: ${u.uid}\nuserPassword: ${u.password}\n`);
    for (const g of u.groups ?? []) groups.set(g, [...(groups.get(g) ?? []), `uid=${u.uid},ou=people,${suffix}`]);
  }
  for (const [g, members] of groups) {
    out.push(`dn: cn=${g},ou=groups,${suffix}\nobjectClass: groupOfNames\ncn: ${g}\n${members.map((m) => `member: ${m}`).join('\n')}\n`);
  }
  return out.join('\n');
}

export async function startSlapd(opts: StartSlapdOptions = {}): Promise<SlapdHandle> {
  if (!slapdAvailable()) throw new Error(`slapd is not installed (${SLAPD}): run scripts/setup-test-deps.sh (Debian's slapd package)`);
  const suffix = opts.suffix ?? 'dc=wharf,dc=test';
  const adminDN = `cn=admin,${suffix}`;
  const adminPassword = 'admin-secret';
  const dir = mkdtempSync(join(tmpdir(), 'wharf-slapd-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  const conf = join(dir, 'slapd.conf');
  writeFileSync(conf, [
    ...SCHEMAS.map((s) => `include /etc/ldap/schema/${s}.schema`),
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    // Global directives (TLS among them) come before the database section.
    ...(opts.tls ? [`TLSCertificateFile ${opts.tls.cert}`, `TLSCertificateKeyFile ${opts.tls.key}`] : []),
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'database mdb',
    'maxsize 16777216',
    `suffix "${suffix}"`,
    `rootdn "${adminDN}"`,
    `rootpw ${adminPassword}`,
    `directory ${data}`,
    // Users may bind (auth); only the rootdn reads passwords; anyone bound may search.
    'access to attrs=userPassword by self write by anonymous auth by * none',
    'access to * by * read',
    '',
  ].join('\n'));
  const ldifFile = join(dir, 'data.ldif');
  writeFileSync(ldifFile, `${directoryLdif(suffix, opts.users ?? [])}\n${opts.ldif ?? ''}`);
  const add = spawnSync(SLAPADD, ['-f', conf, '-l', ldifFile], { encoding: 'utf8' });
  if (add.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`slapadd failed (${add.status}): ${add.stderr}`);
  }
  const [port] = await freePorts(1);
  const url = `${opts.tls ? 'ldaps' : 'ldap'}://127.0.0.1:${port}`;
  // -d keeps slapd in the foreground (no fork), so the child is the server itself.
  const child = spawn(SLAPD, ['-f', conf, '-h', `${url}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 10000) stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    running.delete(child);
    resolve();
  }));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (opts.startTimeoutMs ?? 15000);
  while (!(await accepts(port!))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`slapd did not start on ${url}: ${stderr.slice(0, 2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url, port: port!, suffix, adminDN, adminPassword, stop,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
