// The REST API (JSON) under /api/, and the health probes. Reads go to the BrokerView; the
// destructive actions are POST or DELETE only (the UI confirms them first).
import type { FastifyInstance } from 'fastify';
import { queueUrl, topicUrl } from './adapter';
import { ConsoleError, ConsoleErrorCode, destinationNotFound } from './errors';
import { masterOf } from './follow';
import { parseLimit, parseMove, parseOffset, parsePage, parseSend, parseTarget, type PageQuery } from './validate';
import { queueOf, queuePageOf, topicOf, topicPageOf } from './destination-pages';
import { destinationsOf } from './metrics-destinations';
import { jsonArrayBody } from './whole-lists';

const JSON_TYPE = 'application/json; charset=utf-8';
import type { BrokerView, QueueInfo } from './view';

type NameParams = { Params: { name: string } };

function messageNotPending(id: string, queue: string): ConsoleError {
  return new ConsoleError(ConsoleErrorCode.MESSAGE_NOT_FOUND, `no pending message ${id} in ${queue} (consumed, or in flight to a consumer)`);
}

export interface Overview {
  broker: ReturnType<BrokerView['info']>;
  totals: {
    queues: number;
    topics: number;
    connections: number;
    consumers: number;
    /** Of topics. */
    subscribers: number;
    pending: number;
    inflight: number;
    enqueued: number;
    dequeued: number;
    dlqPending: number;
    durables: number;
    offlineDurables: number;
  };
  /** Queues with the most pending messages. */
  busiest: QueueInfo[];
  time: number;
}

/**
 * The dashboard's figures. From metricsDestinations when the view has it: one pass a chunk at a
 * time (with 100,000 queues, listing and sorting them all held the broker for seconds on every
 * poll of the page). "Busiest" are then the deepest queues that are not temporary.
 */
export async function overview(view: BrokerView): Promise<Overview> {
  const d = await destinationsOf(view, BUSIEST, true);
  const subs = view.subscriptions().filter((s) => s.durable);
  let dequeued = d.totals.dequeued;
  for (const s of subs) dequeued += s.dequeued;
  const t = d.totals;
  return {
    broker: view.info(),
    totals: {
      queues: t.queues,
      topics: t.topics,
      connections: view.connections().length,
      consumers: t.consumers,
      subscribers: t.subscribers,
      pending: t.pending,
      inflight: t.inflight,
      enqueued: t.enqueued,
      dequeued,
      dlqPending: t.dlqPending,
      durables: subs.length,
      offlineDurables: subs.filter((s) => !s.active).length,
    },
    busiest: d.queues,
    time: Date.now(),
  };
}

/** Queues the overview lists as the busiest. */
const BUSIEST = 5;

export interface Readiness {
  ready: boolean;
  role: string;
  reason?: string;
  /** This node's id in its replicated group. */
  node?: string;
  /** The group's master (id, client URL, epoch), in a replicated group; null while none is elected. */
  master?: ReturnType<typeof masterOf>;
}

export function isReady(view: BrokerView): Readiness {
  const info = view.info();
  const cluster = view.cluster();
  const where = cluster ? { node: cluster.self, master: masterOf(cluster) } : {};
  if (info.serving && info.role !== 'slave' && info.role !== 'candidate') return { ready: true, role: info.role, ...where };
  const reason = info.notServingReason ?? (info.role === 'slave' ? 'a slave does not serve clients' : 'not serving clients');
  return { ready: false, role: info.role, reason, ...where };
}

export function registerHealth(app: FastifyInstance, view: BrokerView): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const { ready, ...r } = isReady(view);
    if (ready) return { status: 'ready', ...r };
    return reply.code(503).send({ status: 'not ready', ...r, code: ConsoleErrorCode.NOT_SERVING });
  });
}

export function registerApi(app: FastifyInstance, view: BrokerView): void {
  const findQueue = (name: string): QueueInfo => {
    const url = queueUrl(name);
    const q = queueOf(view, url);
    if (!q) throw destinationNotFound(url);
    return q;
  };

  app.get('/api/overview', async () => overview(view));
  app.get('/api/broker', async () => view.info());
  // With a paging parameter, a page ({total, offset, limit, queues}; `wharf` admin commands read
  // every page after=NAME); without, the whole list for clients that do not page, built, sorted
  // and written a chunk at a time.
  app.get<{ Querystring: PageQuery }>('/api/queues', async (req, reply) => {
    const page = parsePage(req.query, ['name', 'pending', 'enqueued']);
    if (!page) return reply.type(JSON_TYPE).send(jsonArrayBody(view.listQueues ? await view.listQueues() : view.queues()));
    const { items, ...p } = await queuePageOf(view, page);
    return { ...p, queues: items };
  });
  app.get<NameParams>('/api/queues/:name', async (req) => findQueue(req.params.name));
  app.get<NameParams & { Querystring: { limit?: string; offset?: string; selector?: string } }>('/api/queues/:name/messages', async (req) => {
    const limit = parseLimit(req.query.limit, 100);
    const offset = parseOffset(req.query.offset);
    const selector = typeof req.query.selector === 'string' && req.query.selector.trim() !== '' ? req.query.selector : undefined;
    return view.browse(findQueue(req.params.name).url, limit, { offset, ...(selector ? { selector } : {}) });
  });
  app.delete<{ Params: { name: string; id: string } }>('/api/queues/:name/messages/:id', async (req) => {
    const q = findQueue(req.params.name);
    if (!(await view.messageAction(q.url, req.params.id, 'delete'))) throw messageNotPending(req.params.id, q.url);
    return { destination: q.url, deleted: req.params.id };
  });
  for (const action of ['copy', 'move'] as const) {
    app.post<{ Params: { name: string; id: string } }>(`/api/queues/:name/messages/:id/${action}`, async (req) => {
      const { to } = parseTarget(req.body);
      const q = findQueue(req.params.name);
      if (!(await view.messageAction(q.url, req.params.id, action, to))) throw messageNotPending(req.params.id, q.url);
      return { destination: q.url, [action === 'copy' ? 'copied' : 'moved']: req.params.id, to };
    });
  }
  app.get<NameParams>('/api/queues/:name/consumers', async (req) => view.consumers(findQueue(req.params.name).url));
  app.get<NameParams>('/api/topics/:name/consumers', async (req) => view.consumers(topicUrl(req.params.name)));
  app.delete<{ Params: { id: string } }>('/api/connections/:id', async (req) => {
    if (!view.closeConnection(req.params.id)) throw new ConsoleError(ConsoleErrorCode.NOT_FOUND, `no connection ${req.params.id}`);
    return { closed: req.params.id };
  });
  app.get<{ Params: { name: string; id: string } }>('/api/queues/:name/messages/:id', async (req) => {
    const q = findQueue(req.params.name);
    const m = await view.getMessage(q.url, req.params.id);
    if (!m) throw new ConsoleError(ConsoleErrorCode.MESSAGE_NOT_FOUND, `no message ${req.params.id} in ${q.url}`);
    return m;
  });
  app.get<{ Querystring: PageQuery }>('/api/topics', async (req, reply) => {
    const page = parsePage(req.query, ['name', 'enqueued'], true);
    if (!page) return reply.type(JSON_TYPE).send(jsonArrayBody(view.listTopics ? await view.listTopics() : view.topics()));
    const { items, ...p } = await topicPageOf(view, page);
    return { ...p, topics: items };
  });
  app.get<NameParams>('/api/topics/:name', async (req) => {
    const url = topicUrl(req.params.name);
    const t = topicOf(view, url);
    if (!t) throw destinationNotFound(url);
    return t;
  });
  app.get('/api/subscriptions', async () => view.subscriptions());
  app.get('/api/connections', async () => view.connections());
  app.get('/api/jobs', async () => view.jobs());
  app.get('/api/cluster', async () => {
    const c = view.cluster();
    return c ? { enabled: true, role: view.info().role, ...c } : { enabled: false, role: view.info().role, members: [], master: null, epoch: 0, failovers: 0, lag: {} };
  });
  app.get('/api/bridges', async () => view.bridges());

  app.post('/api/send', async (req, reply) => {
    const input = parseSend(req.body);
    const { destination, ...message } = input;
    const { messageId } = await view.send(destination, message);
    return reply.code(201).send({ messageId, destination });
  });
  app.post<NameParams>('/api/queues/:name/purge', async (req) => {
    const q = findQueue(req.params.name);
    return { destination: q.url, purged: await view.purge(q.url) };
  });
  app.post<NameParams>('/api/queues/:name/move-to-origin', async (req) => {
    const opts = parseMove(req.body);
    const q = findQueue(req.params.name);
    const moved = await view.moveDlqMessages(q.url, opts);
    if (opts.messageId !== undefined && moved === 0) {
      throw new ConsoleError(ConsoleErrorCode.MESSAGE_NOT_FOUND, `no pending message ${opts.messageId} with an original destination in ${q.url}`);
    }
    return { destination: q.url, moved };
  });
  app.delete<NameParams>('/api/queues/:name', async (req) => {
    const url = queueUrl(req.params.name);
    if (!(await view.deleteDestination(url))) throw destinationNotFound(url);
    return { deleted: url };
  });
  app.delete<NameParams>('/api/topics/:name', async (req) => {
    const url = topicUrl(req.params.name);
    if (!(await view.deleteDestination(url))) throw destinationNotFound(url);
    return { deleted: url };
  });
  app.delete<{ Params: { id: string } }>('/api/jobs/:id', async (req) => {
    if (!(await view.removeJob(req.params.id))) throw new ConsoleError(ConsoleErrorCode.JOB_NOT_FOUND, `no scheduled job ${req.params.id}`);
    return { removed: req.params.id };
  });
}
