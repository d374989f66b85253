// Input checks for the REST API: each failure names the field and what was wrong with it.
import { ConsoleError, ConsoleErrorCode, badRequest } from './errors';
import { MAX_PAGE_END, type PageRequest, type PageSort } from './destination-pages';
import type { SendRequest } from './view';

const PROPERTY_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** A year: longer delays are almost certainly a unit mistake (seconds for ms). */
const MAX_DELAY_MS = 365 * 24 * 3600 * 1000;
export const MAX_BROWSE = 10000;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export interface SendInput extends SendRequest {
  destination: string;
}

export function parseSend(input: unknown): SendInput {
  if (!isObject(input)) throw badRequest('the request body must be a JSON object {destination, body, properties?, persistent?, delay?, priority?}');
  const { destination, body, properties, persistent, delay, priority } = input;
  if (typeof destination !== 'string' || destination.trim() === '') {
    throw new ConsoleError(ConsoleErrorCode.INVALID_DESTINATION, 'destination must be a non-empty string such as ORDERS (a queue), queue://ORDERS or topic://PRICES');
  }
  if (typeof body !== 'string') {
    throw new ConsoleError(ConsoleErrorCode.INVALID_BODY, `body must be a string (the text of the message), got ${body === null ? 'null' : Array.isArray(body) ? 'array' : typeof body}`);
  }
  // A bare name is a queue, as in `wharf produce --destination ORDERS` and ActiveMQ's tools.
  const name = destination.trim();
  const out: SendInput = { destination: name.includes('://') ? name : `queue://${name}`, body };
  if (properties !== undefined) {
    if (!isObject(properties)) throw badRequest('properties must be an object of name → string, number or boolean');
    const props: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(properties)) {
      if (!PROPERTY_NAME.test(k)) throw badRequest(`property name '${k}' is not a valid identifier (letters, digits, _ and $; not starting with a digit)`);
      if (k.startsWith('JMS') && !k.startsWith('JMSX')) throw badRequest(`property name '${k}' is reserved for JMS headers`);
      if (typeof v === 'number' && !Number.isFinite(v)) throw badRequest(`property '${k}' must be a finite number`);
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw badRequest(`property '${k}' must be a string, number or boolean`);
      props[k] = v;
    }
    out.properties = props;
  }
  if (persistent !== undefined) {
    if (typeof persistent !== 'boolean') throw badRequest('persistent must be true or false');
    out.persistent = persistent;
  }
  if (delay !== undefined && delay !== null) {
    if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY_MS) {
      throw badRequest(`delay must be a whole number of milliseconds between 0 and ${MAX_DELAY_MS}`);
    }
    out.delay = delay;
  }
  if (priority !== undefined && priority !== null) {
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 9) throw badRequest('priority must be a whole number from 0 to 9');
    out.priority = priority;
  }
  return out;
}

export function parseLimit(raw: unknown, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_BROWSE) throw badRequest(`limit must be a whole number from 1 to ${MAX_BROWSE}`);
  return n;
}

/** The optional {messageId} of a DLQ move. */
export function parseMove(input: unknown): { messageId?: string } {
  if (input === undefined || input === null || input === '') return {};
  if (!isObject(input)) throw badRequest('the request body must be a JSON object {messageId?}');
  const { messageId } = input;
  if (messageId === undefined) return {};
  if (typeof messageId !== 'string' || messageId === '') throw badRequest('messageId must be a non-empty string');
  return { messageId };
}

/** Where browsing starts (?offset=). */
export function parseOffset(raw: unknown): number {
  if (raw === undefined || raw === '') return 0;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw badRequest('offset must be a whole number of at least 0');
  return n;
}

/** The {to} of a copy or move: a destination URL, or a bare name for a queue. */
export function parseTarget(input: unknown): { to: string } {
  if (!isObject(input) || typeof input.to !== 'string' || input.to.trim() === '') {
    throw new ConsoleError(ConsoleErrorCode.INVALID_DESTINATION, 'the request body must be {"to": DESTINATION}: a queue name, queue://NAME or topic://NAME');
  }
  const to = input.to.trim();
  return { to: to.includes('://') ? to : `queue://${to}` };
}

export interface PageQuery {
  limit?: string;
  offset?: string;
  filter?: string;
  sort?: string;
  temporary?: string;
  advisory?: string;
  after?: string;
}

const PAGE_PARAMS = ['limit', 'offset', 'filter', 'sort', 'temporary', 'advisory', 'after'] as const;

/** A text parameter given at most once (twice, the query parser makes it an array). */
function oneText(q: PageQuery, key: 'filter' | 'after'): string | undefined {
  const v: unknown = q[key];
  if (v !== undefined && typeof v !== 'string') throw badRequest(`${key} must be given once`);
  return v;
}

function flag(q: PageQuery, key: 'temporary' | 'advisory', fallback: boolean): boolean {
  const v = q[key];
  if (v === undefined) return fallback;
  if (v !== 'true' && v !== 'false') throw badRequest(`${key} must be true or false`);
  return v === 'true';
}

/**
 * The page asked for by GET /api/queues or /api/topics, or null for the whole list (no paging
 * parameter given). `sorts` are the orders that list offers, the first the default; `advisory`
 * whether it holds advisory topics.
 */
export function parsePage(q: PageQuery, sorts: readonly PageSort[], advisory = false): PageRequest | null {
  if (PAGE_PARAMS.every((k) => q[k] === undefined)) return null;
  const limit = q.limit === undefined || q.limit === '' ? 100 : /^\d+$/.test(q.limit) ? Number(q.limit) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_END) throw badRequest(`limit must be a whole number from 1 to ${MAX_PAGE_END}`);
  const offset = parseOffset(q.offset);
  if (offset + limit > MAX_PAGE_END) throw badRequest(`offset + limit must be at most ${MAX_PAGE_END}: narrow the list with filter, or page on with after`);
  const sort = (q.sort === undefined || q.sort === '' ? sorts[0] : sorts.find((s) => s === q.sort)) as PageSort | undefined;
  if (!sort) throw badRequest(`sort must be one of ${sorts.join(', ')}`);
  const filter = oneText(q, 'filter');
  const after = oneText(q, 'after');
  if (after !== undefined && sort !== 'name') throw badRequest('after pages in name order: leave sort out or give sort=name');
  if (!advisory && q.advisory !== undefined) throw badRequest('advisory is a parameter of the topic list');
  return {
    limit,
    offset,
    sort,
    temporary: flag(q, 'temporary', true),
    ...(advisory ? { advisory: flag(q, 'advisory', false) } : {}),
    ...(filter ? { filter } : {}),
    ...(after !== undefined ? { after } : {}),
  };
}
