// The journal's segment files: created, written (synchronously: see Journal.flush), preallocated,
// read back and closed. A segment is named by the index of its first record.
import { closeSync, openSync, read, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';

export const SEGMENT_NAME = /^(\d{20})\.seg$/;
/** Preallocation step of a synced journal's segments (zeroFill). */
const PREALLOCATE = 1024 * 1024;
let zeros: Buffer | undefined;

export interface Segment {
  /** Index of its first record (its name). */
  first: number;
  path: string;
  fd: number;
  /** Bytes assigned to it (written or queued). */
  size: number;
  /** Records written to it. */
  records: number;
  /** Records in it that are still retained. */
  live: number;
  /** Reads in progress (a dropped segment's descriptor is closed only when none). */
  readers: number;
  dropped: boolean;
  /** Length of the file: records, then zeros written ahead of them (preallocation). */
  allocated: number;
}

/** A segment found on disk, not yet opened (fd -1). */
export function existingSegment(directory: string, name: string, length: number): Segment {
  return { first: Number(SEGMENT_NAME.exec(name)![1]), path: join(directory, name), fd: -1, size: 0, records: 0, live: 0, readers: 0, dropped: false, allocated: length };
}

/** Creates (or empties) the segment whose first record has index `first`. */
export function createSegment(directory: string, first: number): Segment {
  const path = join(directory, `${String(first).padStart(20, '0')}.seg`);
  return { first, path, fd: openSync(path, 'w+'), size: 0, records: 0, live: 0, readers: 0, dropped: false, allocated: 0 };
}

export function closeSegment(seg: Segment): void {
  if (seg.fd < 0) return;
  try {
    closeSync(seg.fd);
  } catch {
    // already closed
  }
  seg.fd = -1;
}

/** Writes `bufs` (`bytes` in all) at `offset`, all of them (a short write goes on where it stopped). */
export function writeAt(seg: Segment, bufs: Buffer[], bytes: number, offset: number): void {
  let done = 0;
  let rest = bufs;
  while (done < bytes) {
    done += writevSync(seg.fd, rest, offset + done);
    if (done < bytes) rest = remaining(bufs, done);
  }
}

/**
 * Writes zeros ahead of the records, up to the next PREALLOCATE boundary past `end`: records
 * then overwrite blocks the file already has, and an fdatasync has no file size or block
 * allocation to write (on ext4 no journal commit): about half the cost, and the time, of a sync
 * of an appended file on the benchmark machine. A synced journal preallocates (quorum_disk).
 */
export function zeroFill(seg: Segment, end: number): void {
  const target = Math.ceil(end / PREALLOCATE) * PREALLOCATE;
  zeros ??= Buffer.alloc(PREALLOCATE);
  for (let at = seg.allocated; at < target;) at += writeSync(seg.fd, zeros, 0, Math.min(zeros.length, target - at), at);
  seg.allocated = target;
}

export function readAt(fd: number, buf: Buffer, position: number): Promise<{ bytesRead: number }> {
  return new Promise((resolve, reject) => {
    read(fd, buf, 0, buf.length, position, (err, bytesRead) => (err ? reject(err) : resolve({ bytesRead })));
  });
}

/** The buffers after the first `skip` bytes of `bufs`. */
function remaining(bufs: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of bufs) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}
