// Turn a raw value (from YAML/JSON, or the text of an environment variable or flag) into the
// typed value its key's Spec asks for, or throw a ConfigError that names the key, shows the bad
// value, says where it came from and what to write instead.
import { ConfigError } from '@wharf/protocol';
import type { Spec } from './config-spec';
import { didYouMean, formatSize, parseDuration, parseSize } from './units';

/** Where a value came from, for messages: `file wharf.yaml`, `environment WHARF_PORT`, `flag --port`. */
export interface Origin {
  label: string;
  /** true for env and flags: arrays and objects arrive as JSON text. */
  text: boolean;
}

export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 80 ? `${v.slice(0, 77)}...` : v}'`;
  if (v === undefined) return 'nothing';
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}

export function fail(path: string, problem: string, value: unknown, origin: Origin, hint: string): ConfigError {
  return new ConfigError(`${path}: ${problem}, got ${show(value)} (from ${origin.label}) — ${hint}`);
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

function coerceNumber(spec: Extract<Spec, { kind: 'size' | 'duration' | 'integer' | 'number' }>, v: unknown, path: string, o: Origin): number {
  let n: number | undefined;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') {
    if (spec.kind === 'size') n = parseSize(v);
    else if (spec.kind === 'duration') n = parseDuration(v);
    else if (/^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/.test(v)) n = Number(v);
  }
  const WHAT: Record<typeof spec.kind, { noun: string; hint: string }> = {
    size: { noun: 'a size', hint: 'write bytes or a size such as 64mb, 512 kb or 1 gb' },
    duration: { noun: 'a duration', hint: 'write milliseconds or a duration such as 500ms, 2s or 1m' },
    integer: { noun: 'a whole number', hint: 'write a whole number such as 3' },
    number: { noun: 'a number', hint: 'write a number such as 1.5' },
  };
  const what = WHAT[spec.kind];
  if (n === undefined || !Number.isFinite(n)) throw fail(path, `expected ${what.noun}`, v, o, what.hint);
  if (spec.kind === 'integer' && !Number.isInteger(n)) throw fail(path, 'expected a whole number', v, o, what.hint);
  const allowMinusOne = 'allowMinusOne' in spec && spec.allowMinusOne === true;
  if (spec.min !== undefined && n < spec.min && !(allowMinusOne && n === -1)) {
    const shown = spec.kind === 'size' && spec.min > 1 ? formatSize(spec.min) : String(spec.min);
    const problem = n < 0 && spec.min >= 0 ? 'must not be negative' : `must be at least ${shown}`;
    const eg = spec.kind === 'size' ? ' (e.g. 64mb)' : '';
    throw fail(path, problem, v, o, `write ${shown} or more${eg}${allowMinusOne ? ', or -1 for no limit' : ''}`);
  }
  if (spec.kind === 'integer' && spec.max !== undefined && n > spec.max) throw fail(path, `must be at most ${spec.max}`, v, o, `write a number from ${spec.min ?? 0} to ${spec.max}`);
  if (spec.kind === 'integer' && spec.odd && n % 2 === 0) {
    throw fail(path, 'must be odd so that a majority (quorum) exists', v, o, `use ${n + 1} (or ${Math.max(1, n - 1)})`);
  }
  return n;
}

function parseJsonText(v: string, path: string, o: Origin, example: string): unknown {
  try {
    return JSON.parse(v);
  } catch (err) {
    throw fail(path, `is not valid JSON (${(err as Error).message})`, v, o, `write JSON, e.g. ${example}`);
  }
}

const EXAMPLES: Record<string, string> = {
  transportConnectors: `'[{"name":"openwire","uri":"tcp://0.0.0.0:61616"}]'`,
  destinationPolicy: `'[{"queue":">","redeliveryPolicy":{"maximumRedeliveries":3}}]'`,
  users: `'[{"username":"admin","password":"secret"}]'`,
};

function exampleFor(path: string, spec: Spec): string {
  return EXAMPLES[path] ?? (spec.kind === 'array' ? `'["a","b"]'` : `'{"key":"value"}'`);
}

/** Check a `scheme://host:port` listener URI (port 0 picks a free one). */
export function checkUri(v: unknown, path: string, o: Origin): string {
  if (typeof v !== 'string') throw fail(path, 'expected a URI string', v, o, 'write scheme://host:port, e.g. tcp://0.0.0.0:61616');
  const m = /^([a-z][a-z0-9+]*):\/\/(\[[^\]]+\]|[^:/?#\s]*)(?::(\d+))?(?:[/?#].*)?$/i.exec(v);
  if (!m) throw fail(path, 'is not a URI of the form scheme://host:port', v, o, 'write e.g. tcp://0.0.0.0:61616 or stomp://0.0.0.0:61613');
  if (m[3] === undefined) throw fail(path, 'has no port', v, o, `add one, e.g. ${m[1]}://${m[2] || '0.0.0.0'}:61616 (port 0 picks a free port)`);
  if (Number(m[3]) > 65535) throw fail(path, 'has a port above 65535', v, o, 'use a port from 0 to 65535 (0 picks a free port)');
  return v;
}

export function coerce(spec: Spec, v: unknown, path: string, o: Origin): unknown {
  switch (spec.kind) {
    case 'string': {
      const s = typeof v === 'number' || typeof v === 'bigint' ? String(v) : v;
      if (typeof s !== 'string') throw fail(path, 'expected a string', v, o, 'write a text value');
      if (spec.nonEmpty && s.trim() === '') throw fail(path, 'must not be empty', v, o, 'write a value or leave the key out to use the default');
      const problem = spec.check?.(s);
      if (problem) throw fail(path, problem, v, o, 'see the configuration reference (wharf start --help)');
      return s;
    }
    case 'boolean': {
      if (typeof v === 'boolean') return v;
      const s = typeof v === 'string' || typeof v === 'number' ? String(v).trim().toLowerCase() : undefined;
      if (s !== undefined && TRUE.has(s)) return true;
      if (s !== undefined && FALSE.has(s)) return false;
      throw fail(path, 'expected true or false', v, o, 'write true or false');
    }
    case 'size':
    case 'duration':
    case 'integer':
    case 'number':
      return coerceNumber(spec, v, path, o);
    case 'enum': {
      if (typeof v === 'string' && spec.values.includes(v)) return v;
      const lower = typeof v === 'string' ? spec.values.find((x) => x === v.toLowerCase()) : undefined;
      if (lower !== undefined) return lower;
      throw fail(path, `must be one of ${spec.values.join(', ')}`, v, o, `write one of them${typeof v === 'string' ? didYouMean(v, spec.values) : ''}`);
    }
    case 'uri':
      return checkUri(v, path, o);
    case 'array': {
      const raw = o.text && typeof v === 'string' ? parseJsonText(v, path, o, exampleFor(path, spec)) : v;
      if (!Array.isArray(raw)) throw fail(path, 'expected a list', raw, o, o.text ? `write a JSON list, e.g. ${exampleFor(path, spec)}` : 'write a YAML list (lines starting with "- ")');
      return raw.map((x, i) => coerce(spec.of, x, `${path}[${i}]`, { ...o, text: false }));
    }
    case 'object': {
      const raw = o.text && typeof v === 'string' ? parseJsonText(v, path, o, exampleFor(path, spec)) : v;
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw fail(path, 'expected a mapping of keys', raw, o, `write ${Object.keys(spec.fields).slice(0, 3).map((f) => `${f}: ...`).join(', ')}`);
      }
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(raw as Record<string, unknown>)) {
        const f = spec.fields[k];
        if (!f) {
          throw new ConfigError(`${path}: unknown key '${k}' (from ${o.label})${didYouMean(k, Object.keys(spec.fields))} — known keys: ${Object.keys(spec.fields).join(', ')}`);
        }
        if (x === null || x === undefined) continue;
        out[k] = coerce(f, x, `${path}.${k}`, { ...o, text: false });
      }
      for (const r of spec.required ?? []) {
        if (out[r] === undefined) throw fail(`${path}.${r}`, 'is required', raw, o, `add ${r}: to ${path}`);
      }
      const bad = spec.check?.(out);
      if (bad) throw fail(`${path}.${bad.field}`, bad.problem, raw, o, bad.hint);
      return out;
    }
  }
}
