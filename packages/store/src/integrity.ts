// Verifying a LevelStore's files without LevelDB. LevelDB itself recovers a damaged write-ahead
// log by silently dropping what it cannot read (a note in its own LOG file is all that is left),
// and reads table blocks without checking their checksums. So before LevelDB opens a directory,
// its logs are read here record by record with the same checksums (integrity-logs.ts); `wharf
// store check` also reads every table block (integrity-tables.ts). A damaged range is named by
// what surrounds it (every store batch carries the store position, P) and by what can still be
// made out in it (message keys).
//
// Records dropped whole (a log cut short, a file lost) leave no trace in LevelDB's files: the
// committed mark (committed-mark.ts) remembers the last position known durable, and a store that
// opens at an older position has lost batches.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreDamagedError } from './errors';
import { readMark } from './committed-mark';
import { logFiles, scanLogs } from './integrity-logs';
import { checkTable, tableFiles } from './integrity-tables';
import { formatPosition } from './ops';
import { comparePositions, type Position } from './types';

/** One damaged range of a store's files, with what it held as far as it can be told. */
export interface StoreDamage {
  /** The file (name in the data directory), or '' for batches missing from every file. */
  file: string;
  offset: number;
  bytes: number;
  reason: string;
  /** The last intact batch before the damage, and the first after it (when known). */
  after?: Position;
  before?: Position;
  /** Messages seen in the damaged bytes, per destination (at least these; best effort). */
  messages: Record<string, number>;
  /** Table damage: the keys the damaged block held lie in (fromKey, toKey]. */
  fromKey?: string;
  toKey?: string;
}

export function describeDamage(d: StoreDamage): string {
  const where = d.file === '' ? 'missing batches' : `${d.file} bytes ${d.offset}-${d.offset + d.bytes} (${d.bytes} bytes, ${d.reason})`;
  const parts = [where];
  if (d.after || d.before) {
    const gap = d.after && d.before && d.after.epoch === d.before.epoch ? ` (${d.before.index - d.after.index - 1} batches)` : '';
    parts.push(`store batches after ${d.after ? formatPosition(d.after) : 'the start'} and before ${d.before ? formatPosition(d.before) : 'the end of the log'}${gap}`);
  }
  if (d.file === '' && d.reason) parts.push(d.reason);
  if (d.fromKey !== undefined || d.toKey !== undefined) parts.push(`keys after ${d.fromKey ?? 'the first'} up to ${d.toKey ?? 'the last'}`);
  const held = Object.entries(d.messages);
  if (held.length > 0) parts.push(`held at least ${held.map(([dest, n]) => `${n} message(s) of ${dest}`).join(', ')}`);
  else if (d.file !== '' && d.fromKey === undefined) parts.push('content unreadable');
  return parts.join(': ');
}

export interface CheckProgress {
  (done: number, total: number, file: string): void;
}

/** Verify every log and table file of a store directory (LevelDB closed). */
export async function checkFiles(dir: string, progress?: CheckProgress): Promise<{ damage: StoreDamage[]; files: number; bytes: number }> {
  const logs = await logFiles(dir);
  const tables = await tableFiles(dir);
  const all = [...logs, ...tables];
  let bytes = 0;
  const damage = await scanLogs(dir);
  for (const f of logs) bytes += (await stat(join(dir, f))).size;
  progress?.(logs.length, all.length, logs[logs.length - 1] ?? '');
  for (let i = 0; i < tables.length; i++) {
    const f = tables[i]!;
    bytes += (await stat(join(dir, f))).size;
    damage.push(...(await checkTable(dir, f)));
    progress?.(logs.length + i + 1, all.length, f);
  }
  return { damage, files: all.length, bytes };
}

/**
 * The checks a store runs before LevelDB opens: its logs, and its tables when small enough.
 * Damage at the very end of the newest log that begins after the last batch known committed is
 * a write a power loss tore before its fsync (never acknowledged): LevelDB drops it, and that
 * is right, so it is not reported.
 */
export async function verifyAtOpen(dir: string, tableBudget: number): Promise<StoreDamage[]> {
  let damage: StoreDamage[];
  let tables: string[];
  try {
    damage = await scanLogs(dir);
    if (damage.length > 0) {
      const logs = await logFiles(dir);
      const newest = logs[logs.length - 1];
      const committed = await readMark(dir);
      const last = damage[damage.length - 1]!;
      if (last.file === newest && !last.before && last.after && committed && comparePositions(last.after, committed) >= 0) damage.pop();
    }
    tables = await tableFiles(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let total = 0;
  for (const f of tables) total += (await stat(join(dir, f))).size;
  if (total <= tableBudget) for (const f of tables) damage.push(...(await checkTable(dir, f, false)));
  return damage;
}

/** A LevelDB corruption error becomes a StoreDamagedError naming the damaged blocks; others are thrown as they are. */
export async function damaged(dir: string, err: Error): Promise<never> {
  if (err instanceof StoreDamagedError || !/Corruption/i.test(err.message + String((err as { cause?: unknown }).cause ?? ''))) throw err;
  const found = await checkFiles(dir).catch(() => ({ damage: [] as StoreDamage[] }));
  const cause = (err.message.match(/Corruption:[^\n]*/)?.[0] ?? err.message).trim();
  throw new StoreDamagedError(dir, found.damage, describeDamage, `LevelDB: ${cause}`);
}
