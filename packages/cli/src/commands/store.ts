// `wharf store check` and `wharf store repair`: what an operator runs on a stopped broker's data
// directory when the broker refuses a damaged store, or to verify one (backups, after a crash).
import { cp, stat } from 'node:fs/promises';
import path from 'node:path';
import { Level } from 'level';
import {
  checkFiles, describeDamage, LevelStore, readMark, StoreDamagedError, StoreLockedError, type CheckProgress, type StoreDamage,
} from '@wharf/store';
import { ConfigError } from '@wharf/protocol';
import { loadConfig } from '../config';
import { CliError, messageOf, UsageError, type Io } from '../io';

export const STORE_HELP = `Usage: wharf store (check | repair) [--data-directory DIR | --config FILE]

Works on the LevelDB store of a stopped broker (dataDirectory, from the flag, WHARF_DATA_DIRECTORY
or the configuration file).

  check    read every file of the store and verify its checksums (LevelDB's write-ahead logs
           and tables), then every record, and compare the store's position with the last one
           known committed. Prints what is damaged: the file, the byte range, the store batches
           around it and the messages it held. Exit code 0: no damage; 1: damage found.
  repair   copy the directory to DIR.before-repair-<time>, then keep everything readable and
           drop what is not (LevelDB's repair for damaged tables), and print what was lost.
           The broker then starts on the repaired store. A member of a replicated group needs
           no repair: it sets a damaged store aside and catches up from its master.

A broker refuses to start on a damaged store (naming the damage) unless started with
--accept-store-damage true, which serves what is left without repairing.`;

interface Summary {
  position: string;
  destinations: number;
  messages: number;
  records: number;
}

/** Open (writes nothing when the files are intact), read every record, close. */
async function readAll(dir: string, acceptDamage: boolean): Promise<Summary & { accepted: StoreDamage[] }> {
  const store = new LevelStore({ directory: dir, acceptDamage, verifyTablesUpTo: 0 });
  await store.open();
  try {
    const state = await store.recover();
    let messages = 0;
    for (const d of state.destinations) {
      let after = 0;
      for (;;) {
        const page = await store.loadMessages(d.url, after, 1000);
        if (page.length === 0) break;
        messages += page.length;
        after = page[page.length - 1]!.seq;
      }
    }
    return {
      position: `${state.position.epoch}:${state.position.index}`,
      destinations: state.destinations.length,
      messages,
      records: store.reads.values,
      accepted: store.damageAccepted,
    };
  } finally {
    await store.close();
  }
}

function progressLines(io: Io): CheckProgress {
  let lastAt = 0;
  return (done, total, file) => {
    const now = Date.now();
    if (done < total && now - lastAt < 500) return;
    lastAt = now;
    io.err(`checked ${done}/${total} files${file ? ` (${file})` : ''}`);
  };
}

async function storeDirectory(argv: readonly string[], io: Io): Promise<string> {
  let dir: string;
  try {
    dir = path.resolve(loadConfig(argv, io.env).dataDirectory);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`${err.message} — 'wharf store --help' shows the usage`);
    throw err;
  }
  const current = await stat(path.join(dir, 'CURRENT')).catch(() => undefined);
  if (!current) throw new CliError(`no store at ${dir} (no LevelDB CURRENT file): give the broker's dataDirectory with --data-directory DIR`);
  return dir;
}

function lockedHint(err: unknown, dir: string): never {
  if (err instanceof StoreLockedError) throw new CliError(`${dir} is in use by a running broker: stop it first (${err.message})`);
  throw err;
}

async function check(dir: string, io: Io): Promise<number> {
  io.err(`checking the store at ${dir}`);
  const files = await checkFiles(dir, progressLines(io)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new CliError(`files of ${dir} changed during the check: is a broker running on it? stop it first`);
    throw err;
  });
  if (files.damage.length > 0) return damaged(io, dir, files.damage);
  let summary: Summary;
  try {
    summary = await readAll(dir, false);
  } catch (err) {
    if (err instanceof StoreDamagedError) return damaged(io, dir, err.damage, err.message);
    return lockedHint(err, dir);
  }
  io.out(`store ${dir}: no damage found — ${files.files} files (${files.bytes} bytes) verified, ${summary.records} records read; ` +
    `position ${summary.position}, ${summary.destinations} destinations, ${summary.messages} messages`);
  return 0;
}

function damaged(io: Io, dir: string, damage: readonly StoreDamage[], fallback?: string): number {
  io.out(`store ${dir} is DAMAGED:`);
  if (damage.length === 0 && fallback) io.out(`  - ${fallback}`);
  for (const d of damage) io.out(`  - ${describeDamage(d)}`);
  io.out(`To serve it again: restore a backup, or run 'wharf store repair --data-directory ${dir}' (keeps what is readable, drops the rest; ` +
    'a copy of the damaged files is kept). A member of a replicated group catches up from its master by itself.');
  return 1;
}

async function repair(dir: string, io: Io): Promise<number> {
  io.err(`checking the store at ${dir}`);
  const before = await checkFiles(dir, progressLines(io));
  const backup = `${dir}.before-repair-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  io.err(`copying ${dir} to ${backup}`);
  await cp(dir, backup, { recursive: true });
  if (before.damage.some((d) => /\.(ldb|sst)$/.test(d.file))) {
    io.err('rebuilding the tables (LevelDB repair): readable records are kept');
    await (Level as unknown as { repair(dir: string): Promise<void> }).repair(dir).catch((err: Error) => {
      throw new CliError(`LevelDB repair of ${dir} failed: ${err.message} — restore a backup; the damaged files are in ${backup}`);
    });
  }
  let summary: Awaited<ReturnType<typeof readAll>>;
  try {
    summary = await readAll(dir, true);
  } catch (err) {
    if (err instanceof StoreLockedError) return lockedHint(err, dir);
    throw new CliError(`the store at ${dir} could not be read after repair: ${messageOf(err)} — restore a backup; the damaged files are in ${backup}`);
  }
  const after = await checkFiles(dir);
  if (after.damage.length > 0) return damaged(io, dir, after.damage);
  const lost = [...before.damage, ...summary.accepted.filter((d) => d.file === '')];
  io.out(`store ${dir} repaired: position ${summary.position}, ${summary.destinations} destinations, ${summary.messages} messages.`);
  if (lost.length === 0 && before.damage.length === 0) io.out('No damage was found; nothing was dropped.');
  for (const d of lost) io.out(`  lost: ${describeDamage(d)}`);
  io.out(`The files as they were are in ${backup} (remove it once the broker runs well).`);
  const mark = await readMark(dir);
  if (mark) io.err(`committed mark reset to ${mark.epoch}:${mark.index}`);
  return 0;
}

export async function runStore(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) {
    io.out(STORE_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'check' && sub !== 'repair') throw new UsageError(`unknown store command '${sub}' — 'wharf store check' or 'wharf store repair'`);
  const dir = await storeDirectory(rest, io);
  return sub === 'check' ? check(dir, io) : repair(dir, io);
}
