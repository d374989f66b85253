// Reading a journal back at open: every segment is checked record by record (record.ts), the
// journal is cut at the first bad record (later segments are removed), and what lies after the
// store's position is handed back for the store to apply.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Position } from '../types';
import type { JournalRecord } from './journal';
import { FLAG_SYNC, HEADER, scanSegment, type ScanState } from './record';
import type { RecordIndex } from './record-index';
import { existingSegment, SEGMENT_NAME, type Segment } from './segment';

/**
 * Reads the segments of `directory` into `index` (cleared, its base the store's position) up to
 * the first damaged record, which `damaged` is told of. Returns the segments kept (not opened)
 * and their bytes.
 */
export async function loadSegments(
  directory: string,
  index: RecordIndex,
  damaged: (file: string, offset: number, problem: string) => void,
): Promise<{ segments: Segment[]; contents: Map<Segment, Buffer> }> {
  const names = (await fsp.readdir(directory)).filter((n) => SEGMENT_NAME.test(n)).sort();
  const segments: Segment[] = [];
  const contents = new Map<Segment, Buffer>();
  const state: ScanState = { index: -1, epoch: 0 };
  let cut = false;
  for (const name of names) {
    const path = join(directory, name);
    if (cut) {
      await fsp.rm(path, { force: true });
      continue;
    }
    const data = await fsp.readFile(path);
    const seg = existingSegment(directory, name, data.length);
    const { end, problem } = scanSegment(data, seg.first, state, (r) => {
      // The journal's first record says what comes before it.
      if (state.index < 0) index.base = { epoch: r.prevEpoch, index: r.index - 1 };
      index.push(r.epoch, seg, r.offset, r.size, r.flags);
      seg.records++;
    });
    seg.size = end;
    if (problem !== undefined || end === 0) {
      if (problem !== undefined) damaged(path, end, problem);
      cut = true;
      if (end === 0) {
        await fsp.rm(path, { force: true });
        continue;
      }
      await fsp.truncate(path, end);
      seg.allocated = end;
    }
    contents.set(seg, data);
    segments.push(seg);
  }
  return { segments, contents };
}

/**
 * The records after `from` (which `index` holds), read from the segments' bytes: batches received
 * or committed but not written by the store before the process ended.
 */
export function recordsAfter(index: RecordIndex, from: Position, contents: Map<Segment, Buffer>): JournalRecord[] {
  const out: JournalRecord[] = [];
  const start = index.head + (from.index - index.base.index);
  for (let i = start; i < index.epochs.length; i++) {
    const data = contents.get(index.segs[i]!)!;
    const off = index.offsets[i]! + HEADER;
    out.push({
      position: { epoch: index.epochs[i]!, index: index.base.index + 1 + (i - index.head) },
      bytes: Buffer.from(data.subarray(off, off + index.sizes[i]!)),
      sync: (index.flags[i]! & FLAG_SYNC) !== 0,
    });
  }
  return out;
}
