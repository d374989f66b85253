// Reading retained records back from the segment files (a master streaming batches to a slave
// that was away). Records are read a segment's run at a time: consecutive records of a segment
// are adjacent in its file, so one read serves them all.
import type { Position } from '../types';
import type { JournalRecord } from './journal';
import { FLAG_SYNC, HEADER } from './record';
import type { RecordIndex } from './record-index';
import { readAt, type Segment } from './segment';

/**
 * Up to `limit` records (about `maxBytes`) after `from`, which `index` holds. A segment dropped
 * while it is read keeps its descriptor until the read is done: `release` is called then.
 */
export async function readRecords(
  index: RecordIndex, from: Position, limit: number, maxBytes: number, label: string, release: (seg: Segment) => void,
): Promise<JournalRecord[]> {
  const start = from.index - index.base.index; // offset of the first record after `from`
  const n = Math.min(limit, index.count - start);
  if (n <= 0) return [];
  // Which records, and the file ranges they are in. The index may change while the reads are
  // in flight (appends, trimming): what is read is copied out of it first.
  const at = index.head + start;
  let take = 0;
  let total = 0;
  while (take < n && (take === 0 || total < maxBytes)) total += index.sizes[at + take++]!;
  const epochs = index.epochs.slice(at, at + take);
  const segs = index.segs.slice(at, at + take);
  const offsets = index.offsets.slice(at, at + take);
  const sizes = index.sizes.slice(at, at + take);
  const flags = index.flags.slice(at, at + take);
  const firstIndex = index.base.index + 1 + start;
  for (const s of new Set(segs)) s.readers++;
  try {
    const out: JournalRecord[] = [];
    let i = 0;
    while (i < take) {
      const seg = segs[i]!;
      let j = i;
      while (j + 1 < take && segs[j + 1] === seg) j++;
      const begin = offsets[i]!;
      const end = offsets[j]! + HEADER + sizes[j]!;
      const buf = Buffer.allocUnsafe(end - begin);
      if (seg.fd < 0) throw new Error(`${label} segment ${seg.path} is closed`);
      const { bytesRead } = await readAt(seg.fd, buf, begin);
      if (bytesRead !== buf.length) throw new Error(`${label} segment ${seg.path} is shorter than its index`);
      for (let k = i; k <= j; k++) {
        const off = offsets[k]! - begin + HEADER;
        out.push({ position: { epoch: epochs[k]!, index: firstIndex + k }, bytes: buf.subarray(off, off + sizes[k]!), sync: (flags[k]! & FLAG_SYNC) !== 0 });
      }
      i = j + 1;
    }
    return out;
  } finally {
    for (const s of new Set(segs)) {
      if (--s.readers === 0 && s.dropped) release(s);
    }
  }
}
