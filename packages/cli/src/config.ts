// Configuration for `wharf start` (docs/CONFIGURATION.md): one YAML or JSON file, every key overridable by a
// WHARF_<KEY> environment variable and by a --key flag. Precedence: flag > env > file > defaults.
import { parseArgs } from 'node:util';
import { resolveConfig, type BrokerConfig } from '@wharf/broker';
import { ConfigError } from '@wharf/protocol';
import { coerce, fail, type Origin } from './config-coerce';
import { readConfigFile } from './config-file';
import { KEYS, KEY_BY_NAME, kebab, upperSnake, type KeySpec, type Spec } from './config-spec';
import { didYouMean, suggest } from './units';
import type { ClusterSettings } from '@wharf/cluster';

/** The `cluster` section, as the cluster package defines it (ActiveMQ's replicatedLevelDB attributes). */
export type ClusterConfig = ClusterSettings;

export interface ConsoleConfig {
  /** false: no web console. */
  enabled?: boolean;
  bind?: string;
  port?: number;
  username?: string;
  password?: string;
  /** Host names served besides loopback, IP addresses and this machine's (DNS rebinding). */
  allowedHosts?: string[];
  /** Comma-separated groups of the broker's users who may act / only look. */
  adminGroups?: string;
  viewerGroups?: string;
  /** HTTPS: key and certificate file paths (reloaded when they change). */
  tls?: { key: string; cert: string; ca?: string };
}

/** The broker's configuration plus the sections other packages read (passed through as given). */
export type WharfConfig = BrokerConfig & {
  cluster?: ClusterConfig;
  console?: ConsoleConfig;
  /** Keys read outside the broker: networkConnectors (@wharf/cluster's network bridges). */
  extra?: Record<string, unknown>;
};

export interface LoadOptions {
  /** Told about WHARF_* variables that name no key (probably typos). */
  warn?: (message: string) => void;
}

type Env = Record<string, string | undefined>;

/** A settable name: a top-level key, or `parent.field` of an object key (console.port). */
interface Setting {
  path: string;
  spec: Spec;
  top: KeySpec;
}

function settings(): Setting[] {
  const out: Setting[] = [];
  for (const k of KEYS) {
    out.push({ path: k.key, spec: k.spec, top: k });
    if (k.spec.kind === 'object') {
      for (const [f, spec] of Object.entries(k.spec.fields)) {
        if (spec.kind !== 'object' && spec.kind !== 'array') out.push({ path: `${k.key}.${f}`, spec, top: k });
      }
    }
  }
  return out;
}

const SETTINGS = settings();
const SETTING_BY_PATH = new Map(SETTINGS.map((s) => [s.path, s]));

/** Flag spellings: --brokerName, --broker-name; --console.port, --console-port, --consolePort. */
function flagNames(path: string): string[] {
  const names = new Set([path, kebab(path).replace(/\./g, '-')]);
  if (path.includes('.')) {
    const [a, b] = path.split('.') as [string, string];
    names.add(`${a}${b[0]?.toUpperCase() ?? ''}${b.slice(1)}`);
    names.add(`${kebab(a)}.${kebab(b)}`);
  }
  return [...names];
}

const FLAG_TO_PATH = new Map<string, string>();
for (const s of SETTINGS) for (const f of flagNames(s.path)) FLAG_TO_PATH.set(f, s.path);

export function envName(path: string): string {
  return `WHARF_${upperSnake(path)}`;
}

/** WHARF_* names that are not keys but mean something. */
// Read elsewhere (the logger, error output, the admin commands): not keys, but not mistakes either.
const OTHER_ENV = new Set(['WHARF_CONFIG', 'WHARF_PORT', 'WHARF_LOG_FORMAT', 'WHARF_DEBUG', 'WHARF_CONSOLE_URL', 'WHARF_CONSOLE_PASSWORD']);

/** Every option `wharf start` takes (for parseArgs and for help). */
export const START_OPTIONS: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
  config: { type: 'string', short: 'c' },
  port: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...Object.fromEntries([...FLAG_TO_PATH.keys()].map((f) => [f, { type: 'string' as const }])),
};

const isBooleanFlag = (name: string): boolean => SETTING_BY_PATH.get(FLAG_TO_PATH.get(name) ?? '')?.spec.kind === 'boolean';

/**
 * `--persistent` alone means `--persistent=true` (a value is otherwise required), and
 * `--memoryLimit -1` keeps its negative value (parseArgs would take `-1` for a flag), so that
 * validation can say what is wrong with it.
 */
function normalizeFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const m = /^--([^=]+)$/.exec(a);
    const next = argv[i + 1];
    if (m && isBooleanFlag(m[1] ?? '') && (next === undefined || next.startsWith('-'))) out.push(`${a}=true`);
    else if (m && next !== undefined && /^-\d/.test(next) && (FLAG_TO_PATH.has(m[1] ?? '') || m[1] === 'port')) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

function flagError(err: Error & { code?: string }): ConfigError {
  const name = /'(-{1,2}[^' ]+)/.exec(err.message)?.[1] ?? '';
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const s = suggest(name.replace(/^-+/, ''), Object.keys(START_OPTIONS));
    return new ConfigError(`unknown flag '${name}'${s ? ` (did you mean '--${s}'?)` : ''} — 'wharf start --help' lists every flag`);
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return new ConfigError(`flag '${name}' needs a value — write ${name} VALUE or ${name}=VALUE`);
  }
  if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return new ConfigError(`unexpected argument ${/'[^']*'/.exec(err.message)?.[0] ?? ''} — flags are written --key value`);
  }
  return new ConfigError(err.message);
}

interface Layer {
  origin: (path: string) => Origin;
  values: Array<[path: string, raw: unknown]>;
}

function fileLayer(file: string, raw: Record<string, unknown>): Layer {
  const values: Layer['values'] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (!KEY_BY_NAME.has(k)) {
      throw new ConfigError(`unknown key '${k}' in config file '${file}'${didYouMean(k, KEY_BY_NAME.keys())} — remove it or fix its spelling; 'wharf start --help' lists every key`);
    }
    if (v !== null && v !== undefined) values.push([k, v]);
  }
  return { origin: () => ({ label: `config file '${file}'`, text: false }), values };
}

function envLayer(env: Env, warn?: (m: string) => void): Layer {
  const values: Layer['values'] = [];
  const known = new Set(OTHER_ENV);
  for (const s of SETTINGS) {
    const name = envName(s.path);
    known.add(name);
    const v = env[name];
    if (v !== undefined && v !== '') values.push([s.path, v]);
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith('WHARF_') && !known.has(name) && warn) {
      const s = suggest(name, known);
      warn(`environment variable ${name} is not a configuration key${s ? ` (did you mean ${s}?)` : ''}; ignored`);
    }
  }
  return { origin: (p) => ({ label: `environment variable ${envName(p)}`, text: true }), values };
}

function flagLayer(tokens: ReturnType<typeof parseArgs>['tokens']): Layer {
  const values: Layer['values'] = [];
  const raw = new Map<string, string>();
  for (const t of tokens ?? []) {
    if (t.kind !== 'option') continue;
    const path = FLAG_TO_PATH.get(t.name);
    if (path === undefined || t.value === undefined) continue;
    values.push([path, t.value]);
    raw.set(path, t.rawName);
  }
  return { origin: (p) => ({ label: `flag ${raw.get(p) ?? `--${p}`}`, text: true }), values };
}

function applyLayer(target: Record<string, unknown>, layer: Layer): void {
  for (const [path, raw] of layer.values) {
    const s = SETTING_BY_PATH.get(path);
    if (!s) continue;
    const v = coerce(s.spec, raw, path, layer.origin(path));
    if (path.includes('.')) {
      const parent = (target[s.top.key] ?? {}) as Record<string, unknown>;
      target[s.top.key] = { ...parent, [path.slice(s.top.key.length + 1)]: v };
    } else if (s.spec.kind === 'object' && target[path] !== undefined) {
      target[path] = { ...(target[path] as object), ...(v as object) };
    } else {
      target[path] = v;
    }
  }
}

/** `--port N`: rewrite the port of the openwire connector (or the first tcp/ssl one). */
export function rewritePort(connectors: BrokerConfig['transportConnectors'], port: number, origin: Origin): BrokerConfig['transportConnectors'] {
  const i0 = connectors.findIndex((c) => c.name === 'openwire');
  const i = i0 >= 0 ? i0 : connectors.findIndex((c) => /^(tcp|ssl|nio|nio\+ssl):/i.test(c.uri));
  const target = connectors[i];
  if (!target) {
    throw fail('port', 'there is no openwire connector to set the port of', port, origin,
      "add {name: openwire, uri: 'tcp://0.0.0.0:61616'} to transportConnectors, or set the port in a connector's uri");
  }
  const uri = target.uri.replace(/^([a-z][a-z0-9+]*:\/\/(?:\[[^\]]+\]|[^:/?#]*))(?::\d+)?/i, `$1:${port}`);
  return connectors.map((c, j) => (j === i ? { ...c, uri } : c));
}

/** The StatefulSet ordinal (`wharf-2` → 2) when WHARF_NODE_ID is not set. */
export function nodeIdFromHostname(env: Env): number | undefined {
  if (env.WHARF_NODE_ID !== undefined && env.WHARF_NODE_ID !== '') return undefined;
  const m = /-(\d+)$/.exec(env.HOSTNAME ?? '');
  return m ? Number(m[1]) : undefined;
}

function checkConnectorNames(connectors: BrokerConfig['transportConnectors']): void {
  const seen = new Set<string>();
  for (const [i, c] of connectors.entries()) {
    if (seen.has(c.name)) {
      throw new ConfigError(`transportConnectors[${i}].name: two connectors are named '${c.name}' — give each connector its own name`);
    }
    seen.add(c.name);
  }
}

/**
 * Load the configuration from `argv` (the arguments after `wharf start`) and `env`.
 * Throws ConfigError naming the key, the value, where it came from and what to write.
 */
export function loadConfig(argv: readonly string[], env: Env = process.env, opts: LoadOptions = {}): WharfConfig {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: normalizeFlags(argv), options: START_OPTIONS, strict: true, allowPositionals: false, tokens: true });
  } catch (err) {
    throw flagError(err as Error & { code?: string });
  }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  const file = typeof flags.config === 'string' ? flags.config : env.WHARF_CONFIG || undefined;

  const merged: Record<string, unknown> = {};
  const layers: Layer[] = [];
  if (file !== undefined) layers.push(fileLayer(file, readConfigFile(file)));
  layers.push(envLayer(env, opts.warn), flagLayer(parsed.tokens));
  for (const layer of layers) applyLayer(merged, layer);

  const broker: Record<string, unknown> = {};
  const cluster: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  let consoleCfg: ConsoleConfig | undefined;
  for (const [k, v] of Object.entries(merged)) {
    const section = KEY_BY_NAME.get(k)?.section;
    if (section === 'broker') broker[k] = v;
    else if (section === 'cluster') cluster[k] = v;
    else if (section === 'console') consoleCfg = v as ConsoleConfig;
    else extra[k] = v;
  }

  const config: WharfConfig = resolveConfig(broker as Partial<BrokerConfig>);
  const portText = typeof flags.port === 'string' ? flags.port : env.WHARF_PORT || undefined;
  if (portText !== undefined) {
    const origin: Origin = { label: typeof flags.port === 'string' ? 'flag --port' : 'environment variable WHARF_PORT', text: true };
    const port = coerce({ kind: 'integer', min: 0, max: 65535 }, portText, 'port', origin) as number;
    config.transportConnectors = rewritePort(config.transportConnectors, port, origin);
  }
  checkConnectorNames(config.transportConnectors);

  if (Object.keys(cluster).length > 0) {
    const ordinal = nodeIdFromHostname(env);
    if (cluster.nodeId === undefined && ordinal !== undefined) cluster.nodeId = ordinal;
    config.cluster = cluster as ClusterConfig;
  }
  // The web console is on by default, on loopback (ActiveMQ serves it on 8161 too).
  const consoleOn = { bind: '127.0.0.1', port: 8161, ...(consoleCfg ?? {}) };
  if (consoleOn.enabled !== false) config.console = consoleOn;
  if (Object.keys(extra).length > 0) config.extra = extra;
  return config;
}

/** The part of a WharfConfig that `new Broker()` takes. */
export function brokerConfigOf(config: WharfConfig): BrokerConfig {
  const { cluster: _c, console: _k, extra: _e, ...broker } = config;
  return broker;
}

/** One line per setting for `wharf start --help`: flag, environment variable, what it is. */
export function describeSettings(): string[] {
  return SETTINGS.map((s) => {
    const doc = s.path === s.top.key ? s.top.doc : '';
    return `  ${`--${s.path}`.padEnd(33)} ${envName(s.path).padEnd(41)} ${doc}`.trimEnd();
  });
}
