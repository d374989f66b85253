// The JSON a ZooKeeper election keeps in its znodes (layout: zookeeper.ts): a member's record and
// the master record. What is read back is checked field by field: a znode another program (or an
// older version) wrote is unreadable, not a crash.
import type { MemberData } from './group';
import { isPosition, type MasterRecord } from './rules';
import type { MemberInfo } from './types';

export function encodeMaster(record: MasterRecord): Buffer {
  return Buffer.from(JSON.stringify(record));
}

export function encodeMember(data: MemberData): Buffer {
  const { id, clientUrl, replicationUrl, position, weight } = data.info;
  return Buffer.from(JSON.stringify({ id, clientUrl, replicationUrl, position, weight: weight ?? 1, reportedFor: data.reportedFor }));
}

function parseJson(data: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(data.toString('utf8'));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function toMember(o: Record<string, unknown>): MemberInfo | undefined {
  const { id, clientUrl, replicationUrl, position, weight } = o;
  if (typeof id !== 'string' || typeof clientUrl !== 'string' || typeof replicationUrl !== 'string') return undefined;
  if (!isPosition(position) || (weight !== undefined && typeof weight !== 'number')) return undefined;
  const info: MemberInfo = { id, clientUrl, replicationUrl, position: { epoch: position.epoch, index: position.index } };
  if (typeof weight === 'number') info.weight = weight;
  return info;
}

export function parseMember(data: Buffer): { info: MemberInfo; reportedFor: number } | undefined {
  const o = parseJson(data);
  const info = o && toMember(o);
  if (!o || !info || !Number.isSafeInteger(o.reportedFor)) return undefined;
  return { info, reportedFor: o.reportedFor as number };
}

export function parseMaster(data: Buffer): MasterRecord | undefined {
  const o = parseJson(data);
  if (!o || typeof o.node !== 'string' || !Number.isSafeInteger(o.epoch)) return undefined;
  const member = typeof o.member === 'object' && o.member !== null ? toMember(o.member as Record<string, unknown>) : undefined;
  if (!member) return undefined;
  return { node: o.node, epoch: o.epoch as number, member };
}
