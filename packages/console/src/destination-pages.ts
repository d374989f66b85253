// A page of a destination list (GET /api/queues?limit=…): with 100,000 queues, building, sorting
// and sending them all is seconds of blocked event loop and tens of MB of JSON. A page is chosen
// in one pass a chunk at a time, keeping only the first offset + limit matches (metrics-destinations.ts's
// Top), so its cost is the pass, spread over event-loop turns, and its size is the page's.
import { CHUNK, Top, yieldLoop } from './metrics-destinations';
import type { BrokerView, QueueInfo, TopicInfo } from './view';

/** A page ends at most this far into a list: narrow with a filter beyond it. */
export const MAX_PAGE_END = 1000;

export type PageSort = 'name' | 'pending' | 'enqueued';

export interface PageRequest {
  offset: number;
  limit: number;
  /** Names containing this text (any case). */
  filter?: string;
  sort: PageSort;
  /** Include temporary destinations (default true, as the whole list does). */
  temporary: boolean;
  /** Include advisory topics (default false: the UI hides them unless asked). */
  advisory?: boolean;
  /**
   * Only names after this one in name order (sort name only): a client reads a whole list a page
   * at a time by passing the last name it got. Unlike a deep offset, each page costs one pass
   * keeping `limit` items, and a destination created or removed between pages neither repeats
   * nor hides another.
   */
  after?: string;
}

export interface Page<T> {
  /** Destinations matching the filter, in all. */
  total: number;
  offset: number;
  limit: number;
  /** The cursor the page was asked for (a client sees that the console honoured it). */
  after?: string;
  items: T[];
}

/** How a page reads one item of the list (a broker's queue, or a view's QueueInfo). */
export interface PageItem<S> {
  name(s: S): string;
  temporary(s: S): boolean;
  /** An advisory topic: left out unless the request asks for them. */
  advisory?(s: S): boolean;
  pending(s: S): number;
  enqueued(s: S): number;
}

const COLLATOR = new Intl.Collator();

/**
 * The console's lists' name order: localeCompare's, then code units for the rare distinct names
 * the collator calls equal, so that the order is total and paging `after` a name skips no other.
 */
export function byName(a: string, b: string): number {
  return COLLATOR.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function pageOf<S, R>(all: Iterable<S>, req: PageRequest, read: PageItem<S>, info: (s: S) => R): Promise<Page<R>> {
  const end = req.offset + req.limit;
  // A test per name, without a lower-cased copy of each of 100,000 names.
  const match = req.filter ? new RegExp(escapeRegExp(req.filter), 'i') : null;
  const named = req.sort === 'name';
  const top = new Top<S, string | number>(end, named ? (a, b) => byName(a as string, b as string) : (a, b) => (b as number) - (a as number));
  const after = req.after;
  let total = 0;
  let n = 0;
  for (const s of all) {
    if (++n % CHUNK === 0) await yieldLoop();
    if ((!req.advisory && read.advisory?.(s)) || (!req.temporary && read.temporary(s))) continue;
    const name = read.name(s);
    if (match && !match.test(name)) continue;
    total++;
    if (after !== undefined && byName(name, after) <= 0) continue;
    top.add(named ? name : req.sort === 'pending' ? read.pending(s) : read.enqueued(s), s);
  }
  const items = await top.result(info, req.offset);
  return { total, offset: req.offset, limit: req.limit, ...(after !== undefined ? { after } : {}), items };
}

const QUEUE_INFO: PageItem<QueueInfo> = { name: (q) => q.name, temporary: (q) => q.temporary, pending: (q) => q.pending, enqueued: (q) => q.enqueued };
const TOPIC_INFO: PageItem<TopicInfo> = { name: (t) => t.name, temporary: (t) => t.temporary, advisory: (t) => t.advisory, pending: () => 0, enqueued: (t) => t.enqueued };

/** A view's page of queues: its own when it has one, else a page of its whole list. */
export function queuePageOf(view: BrokerView, req: PageRequest): Promise<Page<QueueInfo>> {
  return view.queuePage ? view.queuePage(req) : pageOf(view.queues(), req, QUEUE_INFO, (q) => q);
}

export function topicPageOf(view: BrokerView, req: PageRequest): Promise<Page<TopicInfo>> {
  return view.topicPage ? view.topicPage(req) : pageOf(view.topics(), req, TOPIC_INFO, (t) => t);
}

/** One queue of a view by URL: looked up when the view can, else found in its whole list. */
export function queueOf(view: BrokerView, url: string): QueueInfo | undefined {
  return view.queue ? view.queue(url) : view.queues().find((q) => q.url === url);
}

export function topicOf(view: BrokerView, url: string): TopicInfo | undefined {
  return view.topic ? view.topic(url) : view.topics().find((t) => t.url === url);
}
