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
}

/**
 * The page asked for by GET /api/queues or /api/topics, or null for the whole list (no paging
 * parameter given). `sorts` are the orders that list offers, the first the default.
 */
export function parsePage(q: PageQuery, sorts: readonly PageSort[]): PageRequest | null {
  if (q.limit === undefined && q.offset === undefined && q.filter === undefined && q.sort === undefined && q.temporary === undefined) return null;
  const limit = q.limit === undefined || q.limit === '' ? 100 : /^\d+$/.test(q.limit) ? Number(q.limit) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_END) throw badRequest(`limit must be a whole number from 1 to ${MAX_PAGE_END}`);
  const offset = parseOffset(q.offset);
  if (offset + limit > MAX_PAGE_END) throw badRequest(`offset + limit must be at most ${MAX_PAGE_END}: narrow the list with filter`);
  const sort = (q.sort === undefined || q.sort === '' ? sorts[0] : sorts.find((s) => s === q.sort)) as PageSort | undefined;
  if (!sort) throw badRequest(`sort must be one of ${sorts.join(', ')}`);
  if (q.temporary !== undefined && q.temporary !== 'true' && q.temporary !== 'false') throw badRequest('temporary must be true or false');
  if (q.filter !== undefined && typeof q.filter !== 'string') throw badRequest('filter must be given once');
  return { limit, offset, sort, temporary: q.temporary !== 'false', ...(q.filter ? { filter: q.filter } : {}) };
}
