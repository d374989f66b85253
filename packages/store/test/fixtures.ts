// Shared test data: messages, ops and temp directories.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WireMessage } from '@wharf/protocol';
import type { StoreOp, SubscriptionRecord } from '../src/index';
import { OpType } from '../src';

export function msg(seq: number, over: Partial<WireMessage> = {}): WireMessage {
  return {
    messageId: `ID:p1:${seq}`,
    destination: 'queue://Q',
    deliveryMode: 2,
    priority: 4,
    timestamp: 1_700_000_000_000 + seq,
    expiration: 0,
    deliveryTime: 0,
    redelivered: false,
    deliveryCount: 0,
    producerId: 'p1',
    producerSeq: seq,
    properties: { n: seq, tag: 'x' },
    bodyKind: 1,
    body: `body ${seq}`,
    ...over,
  };
}

export function put(dest: string, seq: number, over: Partial<WireMessage> = {}, subs?: string[]): StoreOp {
  const op: StoreOp = { t: OpType.PUT_MESSAGE, dest, seq, msg: msg(seq, { destination: dest, ...over }) };
  if (subs) op.subs = subs;
  return op;
}

export function sub(key: string, destination: string): SubscriptionRecord {
  const [clientId = '', name = ''] = key.split(':');
  return { key, clientId, name, destination, createdAt: 1_700_000_000_000 };
}

export async function tempDir(tag: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `wharf-store-${tag}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Await a promise's rejection and return the error. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}
