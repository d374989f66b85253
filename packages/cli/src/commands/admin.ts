// `wharf dstat`, `wharf bstat`, `wharf query` and `wharf purge`: ActiveMQ's `activemq dstat`,
// `bstat`, `query` and `purge`, with their columns, attribute names and output shape. ActiveMQ's
// tools read the broker over JMX; Wharf's read it over the admin console's REST API (the same
// numbers the console and /metrics show). Destination lists are read a page at a time.
import { parseArgs } from 'node:util';
import { CliError, UsageError, messageOf, type Io } from '../io';
import { Progress } from '../progress';
import type { QueueInfo, TopicInfo } from '@wharf/console';

export const DEFAULT_CONSOLE_URL = 'http://127.0.0.1:8161';

const CONNECTION_HELP = `  --console URL           the broker's admin console (default WHARF_CONSOLE_URL, else ${DEFAULT_CONSOLE_URL}) [--jmxurl]
  --user NAME             console.username, when the console has credentials [--jmxuser]
  --password SECRET       console.password (default WHARF_CONSOLE_PASSWORD) [--jmxpassword]`;

const PAGING_HELP = `Destinations are read from the console 1,000 at a time (the broker never builds one reply
of them all); with more than 1,000, a progress bar shows on stderr when it is a terminal.`;

export const DSTAT_HELP = `Usage: wharf dstat [options] [queues|topics]

A table of statistics for every queue and topic (or only queues, or only topics), like
ActiveMQ's 'activemq dstat', with its columns: Name, Queue Size, Producer #, Consumer #,
Enqueue #, Dequeue #, Forward #, Memory % (and Inflight # for queues).

${PAGING_HELP}

${CONNECTION_HELP}`;

export const BSTAT_HELP = `Usage: wharf bstat [options] [broker-name]

The broker's totals, its connectors and every destination's counters, like 'activemq bstat'.

${PAGING_HELP}

${CONNECTION_HELP}`;

export const QUERY_HELP = `Usage: wharf query [-QQueue=NAME] [-QTopic=NAME] [-QBroker=NAME] [-xQQueue=NAME ...] [--view A,B]

Prints the attributes of the broker, queues and topics, like 'activemq query'. NAME may hold the
wildcards * and ?. Without -Q, every object is printed.

  -Q<type>=<name>         add the objects of this type (Queue, Topic, Broker) whose name matches
  -xQ<type>=<name>        leave out the objects of this type whose name matches
  --view A,B,...          print only these attributes (e.g. --view Name,QueueSize,EnqueueCount)
${CONNECTION_HELP}

${PAGING_HELP}
With one -Q pattern of a type (and no Broker), the pattern's longest part without wildcards
(ORDERS. of ORDERS.*) is sent to the console as a filter: the broker lists only candidates.`;

export const PURGE_HELP = `Usage: wharf purge [--msgsel SELECTOR] [options] QUEUE...

Deletes every pending message of the given queues, like 'activemq purge'. A name may hold the
wildcards * and ? (FOO.* purges every queue whose name starts with FOO.).

  --msgsel SELECTOR       delete only the pending messages matching this JMS selector
                          (e.g. "JMSPriority > 5 AND region = 'EU'")

${CONNECTION_HELP}

${PAGING_HELP}
A pattern's longest part without wildcards (ORDERS. of ORDERS.*) is sent to the console as a
filter: the broker lists only candidates.`;

type QueueJson = QueueInfo;
type TopicJson = TopicInfo;

interface BrokerJson {
  name: string;
  uptimeMs: number;
  connectors: string[];
  memory: { used: number; limit: number; percent: number };
  store: { bytes: number; messages: number };
}

interface Options {
  console: string;
  user?: string;
  password?: string;
  positionals: string[];
  /** -Q / -xQ of query, in order. */
  include: Array<{ type: string; pattern: string }>;
  exclude: Array<{ type: string; pattern: string }>;
  view?: string[];
  msgsel?: string;
  help: boolean;
}

/** ActiveMQ's -QType=name and -xQType=name are not GNU-style options: take them out first. */
function parseAdminArgs(command: string, argv: readonly string[], withQuery: boolean): Options {
  const include: Options['include'] = [];
  const exclude: Options['exclude'] = [];
  const rest: string[] = [];
  for (const a of argv) {
    const m = withQuery ? /^-(x?)Q([A-Za-z]+)=(.*)$/.exec(a) : null;
    if (m) (m[1] ? exclude : include).push({ type: m[2]!.toLowerCase(), pattern: m[3]! });
    else rest.push(a);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        console: { type: 'string' }, jmxurl: { type: 'string' },
        user: { type: 'string' }, jmxuser: { type: 'string' },
        password: { type: 'string' }, jmxpassword: { type: 'string' },
        view: { type: 'string' },
        msgsel: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(`${messageOf(err)} — 'wharf ${command} --help' lists the options`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const s = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  for (const t of [...include, ...exclude]) {
    if (!['queue', 'topic', 'broker'].includes(t.type)) throw new UsageError(`-Q${t.type}: the object types are Queue, Topic and Broker`);
  }
  return {
    console: (s('console') ?? s('jmxurl') ?? DEFAULT_CONSOLE_URL).replace(/\/+$/, ''),
    user: s('user') ?? s('jmxuser'),
    password: s('password') ?? s('jmxpassword'),
    positionals: parsed.positionals,
    include,
    exclude,
    view: s('view')?.split(',').map((x) => x.trim()).filter((x) => x !== ''),
    ...(s('msgsel') ? { msgsel: s('msgsel') } : {}),
    help: v.help === true,
  };
}

function withEnv(o: Options, io: Io, argv: readonly string[]): Options {
  const given = (names: string[]): boolean => argv.some((a) => names.some((n) => a === `--${n}` || a.startsWith(`--${n}=`)));
  if (!given(['console', 'jmxurl']) && io.env.WHARF_CONSOLE_URL) o.console = io.env.WHARF_CONSOLE_URL.replace(/\/+$/, '');
  if (o.password === undefined && io.env.WHARF_CONSOLE_PASSWORD) o.password = io.env.WHARF_CONSOLE_PASSWORD;
  if (!/^https?:\/\//.test(o.console)) throw new UsageError(`--console ${o.console}: give the console's http:// or https:// URL, e.g. ${DEFAULT_CONSOLE_URL}`);
  return o;
}

/** One REST call to the console, with errors that say what to check. */
async function api<T>(o: Options, method: 'GET' | 'POST' | 'DELETE', path: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (o.user !== undefined) headers.authorization = `Basic ${Buffer.from(`${o.user}:${o.password ?? ''}`).toString('base64')}`;
  let res: Response;
  try {
    res = await fetch(`${o.console}${path}`, { method, headers, signal: AbortSignal.timeout(10000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? messageOf(err);
    throw new CliError(`cannot reach the console at ${o.console} (${cause}) — is the broker running with its console? give --console URL`);
  }
  const text = await res.text();
  if (res.status === 401) throw new CliError(`the console at ${o.console} wants credentials — give --user and --password (console.username / console.password)`);
  if (!res.ok) {
    let msg = text;
    try {
      msg = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // not JSON: keep the text
    }
    throw new CliError(`${method} ${path}: ${res.status} ${msg}`);
  }
  return JSON.parse(text) as T;
}

/** Destinations asked for per request: the most a page of the console's lists holds. */
const LIST_PAGE = 1000;

interface ListPage<T> {
  total: number;
  after?: string;
  queues?: T[];
  topics?: T[];
}

/**
 * Every queue (or topic) the console lists, in its name order, read a page at a time, each page
 * the names after the last one read: the broker never builds a reply of the whole list (21 MB
 * at 100,000 queues), and a destination created or removed meanwhile repeats or hides none.
 * `filter` (names containing it, any case) narrows the list on the broker; callers still match
 * names exactly. Topics include advisory ones unless `advisory` is false. Many pages show their
 * progress on a terminal.
 */
async function listAll<T extends { name: string }>(
  o: Options, io: Io, kind: 'queues' | 'topics', opts: { filter?: string; advisory?: boolean } = {},
): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  let progress: Progress | undefined;
  try {
    for (;;) {
      const params = new URLSearchParams({ limit: String(LIST_PAGE) });
      if (opts.filter) params.set('filter', opts.filter);
      if (kind === 'topics') params.set('advisory', String(opts.advisory ?? true));
      if (after !== undefined) params.set('after', after);
      const page = await api<ListPage<T> | T[]>(o, 'GET', `/api/${kind}?${params}`);
      // A console from before paging answers every destination; one that pages by offset only
      // does not echo `after`: read its whole list.
      if (Array.isArray(page)) return page;
      if (after !== undefined && page.after !== after) return await api<T[]>(o, 'GET', `/api/${kind}`);
      const items = page[kind] ?? [];
      out.push(...items);
      if (!progress && page.total > LIST_PAGE) progress = new Progress(io, `reading ${kind}`, page.total, false, { unit: kind, terminalOnly: true });
      progress?.tick(items.length);
      if (items.length < LIST_PAGE) return out;
      after = items[items.length - 1]!.name;
    }
  } finally {
    progress?.stop();
  }
}

/**
 * The longest run of plain characters of a wildcard pattern: every name the pattern matches
 * contains it, so the broker can narrow the list with it ('' for none).
 */
export function literalOf(pattern: string): string {
  return pattern.split(/[*?]/).reduce((a, b) => (b.length > a.length ? b : a), '');
}

/** ActiveMQ's query wildcards: * any run of characters, ? one character. */
export function wildcard(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

const ROW = (cells: Array<string | number>): string => {
  const [name, ...nums] = cells;
  return [String(name).padEnd(50), ...nums.map((c) => String(c).padStart(10))].join('  ');
};

export async function runDstat(argv: readonly string[], io: Io): Promise<number> {
  const o = parseAdminArgs('dstat', argv, false);
  if (o.help) {
    io.out(DSTAT_HELP);
    return 0;
  }
  withEnv(o, io, argv);
  const kind = (o.positionals[0] ?? 'all').toLowerCase();
  if (!['all', 'queues', 'topics'].includes(kind) || o.positionals.length > 1) {
    throw new UsageError(`dstat takes queues, topics or nothing, got '${o.positionals.join(' ')}'`);
  }
  const head = ['Name', 'Queue Size', 'Producer #', 'Consumer #', 'Enqueue #', 'Dequeue #', 'Forward #', 'Memory %'];
  const rows: Array<Array<string | number>> = [];
  const queues = kind === 'topics' ? [] : await listAll<QueueJson>(o, io, 'queues');
  const topics = kind === 'queues' ? [] : await listAll<TopicJson>(o, io, 'topics');
  for (const q of queues) {
    const row = [q.name, q.pending, q.producers, q.consumers, q.enqueued, q.dequeued, q.forwarded, q.memoryPercent];
    rows.push(kind === 'queues' ? [...row, q.inflight] : row);
  }
  for (const t of topics) rows.push([t.name, 0, t.producers, t.consumers, t.enqueued, t.dequeued, t.forwarded, 0]);
  // ActiveMQ sorts the rows by name across queues and topics.
  rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  io.out(ROW(kind === 'queues' ? [...head, 'Inflight #'] : head));
  for (const r of rows) io.out(ROW(r));
  return 0;
}

function brokerAttributes(b: BrokerJson, queues: QueueJson[], topics: TopicJson[]): Array<[string, string | number | boolean]> {
  let enq = 0;
  let deq = 0;
  let msgs = 0;
  let consumers = 0;
  let producers = 0;
  for (const q of queues) {
    enq += q.enqueued;
    deq += q.dequeued;
    msgs += q.pending;
    consumers += q.consumers;
    producers += q.producers;
  }
  for (const t of topics) {
    enq += t.enqueued;
    deq += t.dequeued;
    consumers += t.consumers;
    producers += t.producers;
  }
  return [
    ['BrokerName', b.name],
    ['TotalEnqueueCount', enq],
    ['TotalDequeueCount', deq],
    ['TotalMessageCount', msgs],
    ['TotalConsumerCount', consumers],
    ['TotalProducerCount', producers],
    ['MemoryPercentUsage', b.memory.percent],
    ['MemoryLimit', b.memory.limit],
    ['StoreSize', b.store.bytes],
    ['Uptime', `${(b.uptimeMs / 1000).toFixed(3)} seconds`],
  ];
}

function queueAttributes(q: QueueJson): Array<[string, string | number | boolean]> {
  return [
    ['Name', q.name], ['destinationName', q.name], ['destinationType', 'Queue'],
    ['QueueSize', q.pending], ['EnqueueCount', q.enqueued], ['DequeueCount', q.dequeued], ['DispatchCount', q.dispatched],
    ['InFlightCount', q.inflight], ['ExpiredCount', q.expired], ['ForwardCount', q.forwarded],
    ['ConsumerCount', q.consumers], ['ProducerCount', q.producers], ['MemoryPercentUsage', q.memoryPercent], ['DLQ', q.dlq],
  ];
}

function topicAttributes(t: TopicJson): Array<[string, string | number | boolean]> {
  return [
    ['Name', t.name], ['destinationName', t.name], ['destinationType', 'Topic'],
    ['QueueSize', 0], ['EnqueueCount', t.enqueued], ['DequeueCount', t.dequeued], ['ForwardCount', t.forwarded],
    ['ConsumerCount', t.consumers], ['ProducerCount', t.producers],
  ];
}

function printBlock(io: Io, attrs: Array<[string, string | number | boolean]>, view?: string[]): void {
  const shown = view ? view.flatMap((k) => attrs.filter(([a]) => a === k)) : attrs;
  for (const [k, v] of shown) io.out(`${k} = ${String(v)}`);
  io.out('');
}

export async function runBstat(argv: readonly string[], io: Io): Promise<number> {
  const o = parseAdminArgs('bstat', argv, false);
  if (o.help) {
    io.out(BSTAT_HELP);
    return 0;
  }
  withEnv(o, io, argv);
  const b = await api<BrokerJson>(o, 'GET', '/api/broker');
  const wanted = o.positionals[0];
  if (wanted !== undefined && wanted !== b.name) throw new CliError(`the console at ${o.console} serves broker '${b.name}', not '${wanted}'`);
  const queues = await listAll<QueueJson>(o, io, 'queues');
  const topics = (await listAll<TopicJson>(o, io, 'topics', { advisory: false })).filter((t) => !t.advisory);
  io.out('');
  const all = brokerAttributes(b, queues, topics);
  printBlock(io, all, ['BrokerName', 'TotalEnqueueCount', 'TotalDequeueCount', 'TotalMessageCount', 'TotalConsumerCount', 'Uptime']);
  for (const c of b.connectors) printBlock(io, [['connectorName', c.split(':')[0] ?? c], ['uri', c]]);
  const short = ['Name', 'destinationName', 'destinationType', 'EnqueueCount', 'DequeueCount', 'ConsumerCount', 'DispatchCount'];
  for (const q of queues) printBlock(io, queueAttributes(q), short);
  for (const t of topics) printBlock(io, topicAttributes(t), short);
  return 0;
}

export async function runQuery(argv: readonly string[], io: Io): Promise<number> {
  const o = parseAdminArgs('query', argv, true);
  if (o.help) {
    io.out(QUERY_HELP);
    return 0;
  }
  withEnv(o, io, argv);
  if (o.positionals.length) throw new UsageError(`unexpected argument '${o.positionals[0]}' — select objects with -QQueue=NAME or -QTopic=NAME`);
  const b = await api<BrokerJson>(o, 'GET', '/api/broker');
  const picked = (type: string, name: string): boolean => {
    const inc = o.include.length === 0 || o.include.some((x) => x.type === type && wildcard(x.pattern).test(name));
    return inc && !o.exclude.some((x) => x.type === type && wildcard(x.pattern).test(name));
  };
  // The broker's totals need every destination; otherwise only the selected kinds are read, and
  // one -Q pattern narrows its kind's list on the broker.
  const brokerPicked = picked('broker', b.name);
  const read = async <T extends { name: string }>(type: 'queue' | 'topic'): Promise<T[]> => {
    const kind = type === 'queue' ? 'queues' : 'topics';
    const patterns = o.include.filter((x) => x.type === type);
    if (brokerPicked || o.include.length === 0) return listAll<T>(o, io, kind);
    if (patterns.length === 0) return [];
    return listAll<T>(o, io, kind, patterns.length === 1 ? { filter: literalOf(patterns[0]!.pattern) } : {});
  };
  const queues = await read<QueueJson>('queue');
  const topics = await read<TopicJson>('topic');
  if (brokerPicked) printBlock(io, [...brokerAttributes(b, queues, topics), ['type', 'Broker']], o.view);
  for (const q of queues) if (picked('queue', q.name)) printBlock(io, queueAttributes(q), o.view);
  for (const t of topics) if (picked('topic', t.name)) printBlock(io, topicAttributes(t), o.view);
  return 0;
}

export async function runPurge(argv: readonly string[], io: Io): Promise<number> {
  const o = parseAdminArgs('purge', argv, false);
  if (o.help) {
    io.out(PURGE_HELP);
    return 0;
  }
  withEnv(o, io, argv);
  if (o.positionals.length === 0) throw new UsageError("purge: name the queues to purge, e.g. 'wharf purge ORDERS' ('wharf purge --help')");
  let matched = 0;
  for (const pattern of o.positionals) {
    const name = pattern.replace(/^queue:\/\//, '');
    const re = wildcard(name);
    const hits = (await listAll<QueueJson>(o, io, 'queues', { filter: literalOf(name) })).filter((q) => re.test(q.name));
    if (hits.length === 0) io.err(`wharf: no queue matches ${name}`);
    for (const q of hits) {
      matched++;
      if (o.msgsel) {
        io.out(`INFO: Removing messages matching "${o.msgsel}" from queue: ${q.name}`);
        io.out(`INFO: Removed ${await purgeMatching(o, q.name, o.msgsel)} message(s)`);
        continue;
      }
      io.out(`INFO: Purging all messages in queue: ${q.name}`);
      await api<{ purged: number }>(o, 'POST', `/api/queues/${encodeURIComponent(q.name)}/purge`);
    }
  }
  return matched > 0 ? 0 : 1;
}

/** Delete the pending messages of a queue that match a selector, a page at a time; returns how many. */
async function purgeMatching(o: Options, queue: string, selector: string): Promise<number> {
  const base = `/api/queues/${encodeURIComponent(queue)}/messages`;
  let removed = 0;
  let offset = 0;
  for (;;) {
    const page = await api<Array<{ id: string; state: string }>>(o, 'GET', `${base}?limit=1000&offset=${offset}&selector=${encodeURIComponent(selector)}`);
    if (page.length === 0) return removed;
    let skipped = 0;
    for (const m of page) {
      // A message in flight to a consumer is not pending: it stays, as with purge.
      if (m.state !== 'pending') {
        skipped++;
        continue;
      }
      try {
        await api(o, 'DELETE', `${base}/${encodeURIComponent(m.id)}`);
        removed++;
      } catch {
        skipped++; // consumed meanwhile
      }
    }
    offset += skipped;
  }
}
