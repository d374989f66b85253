// LevelStore's reads: recovery summaries and the paging reads. Recovery walks message and
// reference keys only (keys-only iterators, in chunks): a store of millions of messages is
// counted without reading one body, and without holding more than a chunk of keys at a time.
import { StoreError, type WireMessage } from '@wharf/protocol';
import { decodeNumber, decodePosition, decodeProducerSeq, decodeValue } from './codec';
import type { ProducerMarks } from './producer-marks';
import {
  destinationOfKey, jobKey, jobsUntil, keySeq, Kind, kindRange, LAYOUT_VERSION, messageKey, messageKeyDest, messagesAfter,
  POSITION_KEY, refsAfter, splitNamedKey, VERSION_KEY, type KeyRange,
} from './keys';
import { scan, type Db, type Range } from './level-db';
import {
  MAX_TRACKED_PRODUCERS, ZERO_POSITION, type DestinationRecord, type DestinationSummary, type JobRecord, type Position, type PreparedRecord, type RecoveredState,
  type StoredMessage, type SubscriptionRecord, type SubscriptionSummary,
} from './types';

/** What the reads cost: values read from LevelDB (keys-only reads are not counted). */
export interface ReadCounter {
  values: number;
  bytes: number;
}

function count(reads: ReadCounter, value: Buffer): Buffer {
  reads.values++;
  reads.bytes += value.length;
  return value;
}

const CHUNK = 1000;

export async function recoverState(db: Db, position: Position, reads: ReadCounter): Promise<{ state: RecoveredState; messages: number }> {
  const dests = new Map<string, DestinationSummary>();
  const summary = (url: string, rec?: DestinationRecord): DestinationSummary => {
    const s: DestinationSummary = { url, createdAt: rec?.createdAt ?? 0, count: 0, firstSeq: 0, lastSeq: 0, deliveredSeq: 0 };
    if (rec?.options) s.options = rec.options;
    return s;
  };
  const noCache: Range = { fillCache: false };

  await scan(db.iterator({ ...kindRange(Kind.DESTINATION), ...noCache }), ([k, v]) => {
    const url = destinationOfKey(k);
    dests.set(url, summary(url, decodeValue<DestinationRecord>(count(reads, v))));
  }, CHUNK);

  // Messages: keys sort by destination then seq, so each destination is one run of keys.
  // This loop runs once per stored message: no allocation per key.
  let messages = 0;
  let runKey: Buffer | undefined;
  /** A destination with messages and no record of its own: it joins the map out of key order. */
  let recordless = false;
  let run: DestinationSummary | undefined;
  await scan(db.keys({ ...kindRange(Kind.MESSAGE), ...noCache }), (k) => {
    const end = k.length - 9; // kind, dest, separator, seq
    if (!runKey || runKey.length !== k.length || k.compare(runKey, 1, end, 1, end) !== 0) {
      const url = messageKeyDest(k).toString('utf8');
      run = dests.get(url);
      if (!run) {
        dests.set(url, (run = summary(url)));
        recordless = true;
      }
      run.firstSeq = keySeq(k);
    }
    runKey = k;
    run!.count++;
    run!.lastSeq = keySeq(k);
    messages++;
  }, CHUNK * 4);

  const subMarks = new Map<string, number>();
  await scan(db.iterator({ ...kindRange(Kind.MARK), ...noCache }), ([k, v]) => {
    const { dest, rest } = splitNamedKey(k);
    const seq = decodeNumber(count(reads, v));
    if (rest) subMarks.set(`${dest}\0${rest}`, seq);
    else {
      const d = dests.get(dest);
      if (d) d.deliveredSeq = seq;
    }
  }, CHUNK);

  const subscriptions: SubscriptionSummary[] = [];
  await scan(db.iterator({ ...kindRange(Kind.SUBSCRIPTION), ...noCache }), ([k, v]) => {
    const { dest, rest: key } = splitNamedKey(k);
    const rec = decodeValue<SubscriptionRecord>(count(reads, v));
    subscriptions.push({ ...rec, dest, pending: 0, deliveredSeq: subMarks.get(`${dest}\0${key}`) ?? 0 });
  }, CHUNK);

  // References, counted per subscription key across topics: a wildcard subscription's record
  // sits under its wildcard name while its references sit under the concrete topics.
  const pending = new Map<string, number>();
  let prev: Buffer | undefined;
  let prevKey = '';
  await scan(db.keys({ ...kindRange(Kind.REF), ...noCache }), (k) => {
    if (!prev || prev.length !== k.length || k.compare(prev, 0, prev.length - 8, 0, k.length - 8) !== 0) {
      prevKey = splitNamedKey(k, k.length - 9).rest;
    }
    prev = k;
    pending.set(prevKey, (pending.get(prevKey) ?? 0) + 1);
  }, CHUNK * 4);
  for (const s of subscriptions) s.pending = pending.get(s.key) ?? 0;

  const producerSeqs = new Map<string, number>();
  for (const p of (await trackedProducers(db, MAX_TRACKED_PRODUCERS, reads)).kept) producerSeqs.set(p.key.toString('utf8', 1), p.seq);

  let jobCount = 0;
  await scan(db.keys({ ...kindRange(Kind.JOB), ...noCache }), () => {
    jobCount++;
  }, CHUNK * 4);

  const prepared: PreparedRecord[] = [];
  await scan(db.iterator({ ...kindRange(Kind.PREPARED), ...noCache }), ([, v]) => {
    prepared.push(decodeValue<PreparedRecord>(count(reads, v)));
  }, CHUNK);

  // In key (UTF-8 byte) order: the records were read in it, so only a recordless destination
  // calls for a sort (each url encoded once, not at every comparison).
  let destinations = [...dests.values()];
  if (recordless) destinations = destinations.map((d) => ({ d, k: Buffer.from(d.url) })).sort((a, b) => Buffer.compare(a.k, b.k)).map((x) => x.d);
  return { state: { position, destinations, subscriptions, producerSeqs, jobCount, prepared }, messages };
}

interface ProducerEntry {
  key: Buffer;
  seq: number;
  index: number;
}

/** The `max` producers written last (kept) and the keys of the others (stale). */
export async function trackedProducers(db: Db, max: number, reads?: ReadCounter): Promise<{ kept: ProducerEntry[]; stale: Buffer[] }> {
  let kept: ProducerEntry[] = [];
  const stale: Buffer[] = [];
  const trim = (): void => {
    kept.sort((a, b) => b.index - a.index);
    for (let i = max; i < kept.length; i++) stale.push(kept[i]!.key);
    kept = kept.slice(0, max);
  };
  await scan(db.iterator({ ...kindRange(Kind.PRODUCER), fillCache: false }), ([k, v]) => {
    const { seq, index } = decodeProducerSeq(reads ? count(reads, v) : v);
    kept.push({ key: k, seq, index });
    // Sorting only when twice the bound is held keeps the memory and the work bounded.
    if (kept.length >= 2 * max) trim();
  }, CHUNK);
  if (kept.length > max) trim();
  return { kept, stale };
}

/**
 * Delete the producers beyond the most recent MAX_TRACKED_PRODUCERS (at open). Resolves with the
 * number deleted; `marks`, if given, gets the kept ones, the least recently written first.
 */
export async function pruneProducers(db: Db, max = MAX_TRACKED_PRODUCERS, marks?: ProducerMarks): Promise<number> {
  const { kept, stale } = await trackedProducers(db, max);
  for (let i = 0; i < stale.length; i += CHUNK) {
    await db.batch(stale.slice(i, i + CHUNK).map((key) => ({ type: 'del' as const, key })), { sync: false });
  }
  if (marks) {
    kept.sort((a, b) => a.index - b.index);
    for (const p of kept) marks.raise(p.key.toString('utf8', 1), p.seq);
  }
  return stale.length;
}

function limited(range: KeyRange, limit: number): Range {
  return Number.isFinite(limit) ? { ...range, limit: Math.max(0, Math.floor(limit)) } : range;
}

export async function loadMessages(db: Db, dest: string, afterSeq: number, limit: number, reads: ReadCounter): Promise<StoredMessage[]> {
  if (!(limit > 0)) return [];
  const rows = await db.iterator(limited(messagesAfter(dest, afterSeq), limit)).all();
  const out: StoredMessage[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [k, v] = rows[i]!;
    out[i] = { seq: keySeq(k), msg: decodeValue<WireMessage>(count(reads, v)) };
  }
  return out;
}

export async function loadRefs(db: Db, dest: string, key: string, afterSeq: number, limit: number): Promise<number[]> {
  if (!(limit > 0)) return [];
  const keys = await db.keys(limited(refsAfter(dest, key, afterSeq), limit)).all();
  return keys.map(keySeq);
}

export async function getMessage(db: Db, dest: string, seq: number, reads: ReadCounter): Promise<WireMessage | undefined> {
  if (!Number.isSafeInteger(seq) || seq < 0) return undefined;
  const [v] = await db.getMany([messageKey(dest, seq)]);
  return v ? decodeValue<WireMessage>(count(reads, v)) : undefined;
}

export async function loadJobs(db: Db, until: number, limit: number, reads: ReadCounter, after?: { due: number; id: string }): Promise<JobRecord[]> {
  if (!(limit > 0)) return [];
  const range = jobsUntil(until);
  const values = await db.values(limited(after ? { gt: jobKey(after.due, after.id), lt: range.lt } : range, limit)).all();
  return values.map((v) => decodeValue<JobRecord>(count(reads, v)));
}

/**
 * Checks that `db` holds a Wharf store of this layout (an empty one becomes one) and reads its
 * position.
 */
export async function openLayout(db: Db, directory: string): Promise<Position> {
  const [version, pos] = await db.getMany([VERSION_KEY, POSITION_KEY]);
  if (version) {
    const v = version.readUInt32BE(0);
    if (v !== LAYOUT_VERSION) throw new StoreError(`data directory ${directory} holds store layout ${v}; this Wharf reads layout ${LAYOUT_VERSION}`);
  } else {
    const any = await db.keys({ limit: 1 }).all();
    if (any.length > 0) throw new StoreError(`data directory ${directory} holds a LevelDB that is not a Wharf store`);
    const v = Buffer.allocUnsafe(4);
    v.writeUInt32BE(LAYOUT_VERSION, 0);
    await db.batch([{ type: 'put', key: VERSION_KEY, value: v }], { sync: true });
  }
  return pos ? decodePosition(pos) : ZERO_POSITION;
}
