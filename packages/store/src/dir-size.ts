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
