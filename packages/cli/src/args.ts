// Flags of the client tools (produce, consume, browse) through node:util parseArgs, with
// ActiveMQ's spellings as aliases and messages that say what to type instead.
import { parseArgs } from 'node:util';
import { makeDestination, parseDestination, type Destination } from '@wharf/protocol';
import { UsageError, messageOf } from './io';
import { parseDuration, parseSize, suggest } from './units';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export const COMMON_OPTIONS: OptionSpec = {
  url: { type: 'string' },
  destination: { type: 'string' },
  queue: { type: 'string' },
  topic: { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  'client-id': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
};

/** ActiveMQ's tool option names (and camelCase spellings) for ours. */
export const ALIASES: Record<string, string> = {
  brokerUrl: 'url', clientId: 'client-id', clientID: 'client-id', messageCount: 'count', messageSize: 'size',
  msgTTL: 'ttl', ackMode: 'ack', transactionBatchSize: 'batch', subscriptionName: 'durable', username: 'user',
};

export type Values = Record<string, string | boolean | string[] | undefined>;

const BOOL_WORDS = new Set(['true', 'false', 'yes', 'no', 'on', 'off']);

/**
 * Boolean flags reach parseArgs as strings so that `--persistent false` works as in ActiveMQ's
 * tools: a bare `--transacted` becomes `--transacted=true`, and a following true/false is its value.
 * ActiveMQ's option names are rewritten to ours on the way.
 */
function normalize(argv: readonly string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] ?? '';
    const short = /^-([a-zA-Z])$/.exec(raw)?.[1];
    const long = short === undefined ? undefined : Object.entries(options).find(([, o]) => o.short === short)?.[0];
    const a = long === undefined ? raw : `--${long}`;
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      out.push(a);
      continue;
    }
    const name = ALIASES[m[1] ?? ''] ?? m[1] ?? '';
    let value = m[2];
    const next = argv[i + 1];
    if (options[name]?.type === 'boolean' && value === undefined) {
      if (next !== undefined && BOOL_WORDS.has(next.toLowerCase())) {
        value = next;
        i++;
      } else {
        value = 'true';
      }
    }
    // A negative number is a value, not a flag (parseArgs would refuse `--ttl -1`).
    if (value === undefined && next !== undefined && /^-\d/.test(next) && options[name]) {
      value = next;
      i++;
    }
    out.push(value === undefined ? `--${name}` : `--${name}=${value}`);
  }
  return out;
}

export function parseToolArgs(command: string, argv: readonly string[], options: OptionSpec): Values {
  const all = { ...COMMON_OPTIONS, ...options };
  try {
    // Booleans are parsed as strings (see normalize) and read back with bool().
    const asStrings = Object.fromEntries(Object.entries(all).map(([k, o]) => [k, o.multiple ? { type: 'string' as const, multiple: true } : { type: 'string' as const }]));
    return parseArgs({ args: normalize(argv, all), options: asStrings, strict: true, allowPositionals: false }).values as Values;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const e = err as Error & { code?: string };
    const name = /'(-{1,2}[^' ]+)/.exec(e.message)?.[1] ?? '';
    const more = `'wharf ${command} --help' lists the options`;
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const s = suggest(name.replace(/^-+/, ''), [...Object.keys(all), ...Object.keys(ALIASES)]);
      throw new UsageError(`unknown option '${name}'${s ? ` (did you mean '--${ALIASES[s] ?? s}'?)` : ''} — ${more}`);
    }
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`option '${name}' needs a value — ${more}`);
    if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new UsageError(`unexpected argument ${/'[^']*'/.exec(e.message)?.[0] ?? ''} — options are written --name value; ${more}`);
    }
    throw new UsageError(`${e.message} — ${more}`);
  }
}

export function str(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' ? x : undefined;
}

/** A whole number option within [min, max]; `kind` size or duration also takes 64kb / 2s. */
export function num(v: Values, name: string, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER, kind: 'int' | 'size' | 'duration' = 'int'): number {
  const text = str(v, name);
  if (text === undefined) return dflt;
  const n = kind === 'size' ? parseSize(text) : kind === 'duration' ? parseDuration(text) : /^\s*-?\d+\s*$/.test(text) ? Number(text) : undefined;
  const eg = kind === 'size' ? ' (or a size such as 64kb)' : kind === 'duration' ? ' (milliseconds, or 2s, 1m)' : '';
  if (n === undefined || !Number.isInteger(n)) throw new UsageError(`--${name}: expected a whole number${eg}, got '${text}'`);
  if (n < min || n > max) {
    throw new UsageError(`--${name}: must be ${max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`}, got ${text}`);
  }
  return n;
}

export function bool(v: Values, name: string, dflt: boolean): boolean {
  const x = v[name];
  if (typeof x === 'boolean') return x;
  if (x === undefined) return dflt;
  const s = String(x).toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(s)) return true;
  if (['false', 'no', '0', 'off'].includes(s)) return false;
  throw new UsageError(`--${name}: expected true or false, got '${String(x)}'`);
}

/** `--property k=v`: numbers and true/false become typed property values. */
export function properties(v: Values): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  const list = v.property;
  for (const p of Array.isArray(list) ? list : typeof list === 'string' ? [list] : []) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`--property: expected NAME=VALUE, got '${p}' — e.g. --property color=red`);
    const k = p.slice(0, i);
    const raw = p.slice(i + 1);
    out[k] = raw === 'true' ? true : raw === 'false' ? false : /^-?\d+(\.\d+)?$/.test(raw) && raw.length < 16 ? Number(raw) : raw;
  }
  return out;
}

/** Exactly one of --destination, --queue, --topic; a bare --destination name is a queue (ActiveMQ's default). */
export function destinationOf(v: Values, command: string, queueOnly = false): Destination {
  const given = (['destination', 'queue', 'topic'] as const).filter((k) => str(v, k) !== undefined);
  if (given.length === 0) {
    throw new UsageError(`no destination — give ${queueOnly ? '--queue NAME' : '--queue NAME, --topic NAME or --destination queue://NAME'} ('wharf ${command} --help')`);
  }
  if (given.length > 1) throw new UsageError(`give only one of ${given.map((k) => `--${k}`).join(' and ')}`);
  const which = given[0] ?? 'destination';
  const text = str(v, which) ?? '';
  let d: Destination;
  try {
    d = which === 'destination' ? parseDestination(text, 'queue') : makeDestination(which, text);
  } catch (err) {
    throw new UsageError(`--${which}: ${messageOf(err)}`);
  }
  if (queueOnly && d.kind !== 'queue') throw new UsageError(`--${which}: ${command} works on queues only, got ${d.url} — give --queue NAME`);
  return d;
}
