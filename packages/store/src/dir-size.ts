// The store's size as `du --apparent-size` sees it: the bytes of every file in its directory.
// LevelDB's approximateSize covers only the sorted tables, not the write-ahead log that holds
// the most recent writes (up to the 4 MiB write buffer, never compacted on an idle broker), so
// it reads near zero on a store holding hundreds of messages.
import fs from 'node:fs/promises';
import path from 'node:path';

export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    try {
      if (e.isDirectory()) total += await directoryBytes(p);
      else if (e.isFile()) total += (await fs.stat(p)).size;
    } catch {
      // A table file removed by a compaction between readdir and stat: it no longer counts.
    }
  }
  return total;
}

/**
 * The store's size without measuring it on every call: the files' size as last measured plus
 * the bytes written since, measured again at most every 5 s (maybeRefresh) or when asked.
 */
export class SizeGauge {
  private measured = 0;
  private since = 0;
  private at = 0;
  private refreshing: Promise<void> | null = null;

  get bytes(): number {
    return this.measured + this.since;
  }

  /** Measures `dir` now and counts from there. */
  async reset(dir: string): Promise<void> {
    this.measured = await directoryBytes(dir);
    this.since = 0;
    this.at = Date.now();
  }

  wrote(bytes: number, dir: string): void {
    this.since += bytes;
    if (Date.now() - this.at > 5000 && !this.refreshing) this.startRefresh(dir);
  }

  /** Resolves when a measurement in progress is done. */
  settled(): Promise<void> {
    return this.refreshing ?? Promise.resolve();
  }

  /**
   * Measure the files again. Writes made while measuring may or may not be in the files' sizes;
   * they stay counted on top (an overestimate by at most one interval's writes).
   */
  refresh(dir: string): Promise<void> {
    if (!this.refreshing) this.startRefresh(dir);
    return this.refreshing ?? Promise.resolve();
  }

  /** The measurement cannot fail: a file or directory it cannot read counts nothing. */
  private startRefresh(dir: string): void {
    this.at = Date.now();
    const counted = this.since;
    this.refreshing = directoryBytes(dir).then(
      (size) => {
        this.measured = size;
        this.since -= counted;
      },
      () => undefined,
    ).finally(() => {
      this.refreshing = null;
    });
  }
}
