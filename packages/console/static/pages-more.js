/* global location -- browser globals (the lint config is for Node) */
// Topics, subscribers, connections, scheduled jobs, the cluster and network bridges.
import { api, enc, History, listPath } from './api.js';
import { lineChart, legend } from './charts.js';
import { sendDialog, confirmAction, toast } from './modals.js';
import { consumersTable, pageHead } from './pages-queues.js';
import { card, deleteDestination, empty, liveTable, moreNote, nameMatches, searchBox, stat, button } from './widgets.js';
import { h, fill, ICONS, num, ago, time, duration, pill, shortName } from './util.js';

/**
 * Fetch `path` (or the path it returns) on each update (one request at a time); calls
 * render(data). Asked while busy for another path (a list's filter changed), it fetches that one
 * as soon as the request in flight ends, not a poll later.
 */
export function poller(path, render) {
  let inFlight = null;
  let again = false;
  const run = async () => {
    const p = typeof path === 'function' ? path() : path;
    if (inFlight !== null) {
      again ||= p !== inFlight;
      return;
    }
    inFlight = p;
    try {
      render(await api(p));
    } catch (err) {
      toast(err.message, 'error');
    } finally {
      inFlight = null;
      if (again) {
        again = false;
        run();
      }
    }
  };
  return run;
}

export function topicsPage(ctx) {
  let filter = '';
  let showAdvisory = false;
  let last = { total: 0, topics: [] };
  const head = pageHead('Topics', '', [button('Publish', () => sendDialog({ kind: 'topic' }, ctx.known()).then(ctx.refresh), { kind: 'primary', iconPaths: ICONS.send })]);
  const table = liveTable([
    { title: 'Name', cls: 'name', cell: (t) => h('div', t.name, t.advisory ? [' ', pill('advisory', 'neutral')] : null, t.temporary ? [' ', pill('temp', 'neutral')] : null) },
    { title: 'Consumers', num: true, cell: (t) => t.consumers },
    { title: 'Enqueued', num: true, cell: (t) => t.enqueued },
    { title: 'Durable subs', num: true, cell: (t) => t.durables.length },
    { title: 'Offline backlog', num: true, cell: (t) => t.durables.filter((d) => !d.active).reduce((a, d) => a + d.pending, 0) },
    { title: '', num: true, cell: (t) => h('div.row-actions',
      button('', () => sendDialog({ kind: 'topic', name: t.name }, ctx.known()).then(ctx.refresh), { small: true, iconPaths: ICONS.send, title: `Publish to ${t.name}` }),
      button('', () => deleteDestination('topic', t.name, ctx.refresh), { small: true, iconPaths: ICONS.trash, kind: 'danger', title: `Delete ${t.name}` })) },
  ], {
    emptyState: empty('No topics', 'Topics appear when a producer or subscriber first uses them.', ICONS.topics),
    rowId: (t) => t.name,
    onRow: (t) => { location.hash = `#/topics/${enc(t.name)}`; },
  });
  const more = moreNote('topics-more', 'topics');
  const render = (page) => {
    last = page;
    const t = ctx.overview?.totals;
    fill(head.sub, `${num(t?.topics ?? 0)} topics · ${num(t?.subscribers ?? 0)} subscribers`);
    // The list may still be the one polled before the filter or the checkbox changed.
    table.update(page.topics.filter(nameMatches(filter)).filter((x) => showAdvisory || !x.advisory));
    more.update(page.topics.length, page.total, !!filter);
  };
  // As the Queues page: the first topics by name, the filter (and advisory topics) asked of the broker.
  const poll = poller(() => listPath('topics', { filter, advisory: showAdvisory }), render);
  const adv = h('input', { type: 'checkbox', onchange: () => { showAdvisory = adv.checked; render(last); poll(); } });
  const el = h('div', head.el, h('section.card',
    h('div.toolbar', searchBox('Filter topics', (v) => { filter = v; render(last); poll(); }), h('div.spacer'), h('label.check', adv, 'Show advisory topics')),
    more.el,
    table.el));
  return { el, update: poll };
}

/** One topic: its counters, its consumers and its durable subscriptions. */
export function topicPage(ctx, name) {
  const crumb = h('a.crumb', { href: '#/topics' }, 'Topics');
  const head = h('div.page-head', h('div', crumb, h('h1', name), h('div.sub.mono', `topic://${name}`)), h('div.actions',
    button('Publish', () => sendDialog({ kind: 'topic', name }, ctx.known()).then(ctx.refresh), { kind: 'primary', iconPaths: ICONS.send, id: 'topic-publish' }),
    button('Delete', () => deleteDestination('topic', name, () => { location.hash = '#/topics'; }), { iconPaths: ICONS.trash, kind: 'danger', id: 'topic-delete' })));
  const tiles = { consumers: stat('Consumers'), producers: stat('Producers'), enq: stat('Enqueued'), deq: stat('Dequeued'), durables: stat('Durable subscriptions') };
  const consumers = consumersTable();
  const durables = liveTable([
    { title: 'Client ID', cls: 'name', cell: (d) => d.clientId },
    { title: 'Subscription', cell: (d) => h('span.mono', d.name) },
    { title: 'Status', cell: (d) => (d.active ? pill('active', 'ok') : pill('offline', 'warn')) },
    { title: 'Selector', cell: (d) => (d.selector ? h('span.mono', d.selector) : h('span.sub', '—')) },
    { title: 'Pending', num: true, cell: (d) => d.pending },
    { title: 'Dequeued', num: true, cell: (d) => d.dequeued },
  ], { emptyState: empty('No durable subscriptions', 'A durable subscriber keeps messages while it is away.', ICONS.subscribers) });
  const body = h('div',
    h('div.grid.grid-stats', Object.values(tiles).map((t) => t.el)),
    card('Consumers', consumers.el, { flush: true, id: 'topic-consumers' }),
    card('Durable subscriptions', durables.el, { flush: true }));
  const el = h('div', head, body);
  let busy = false;
  return {
    el,
    async update() {
      if (busy) return;
      busy = true;
      try {
        const t = await api(`/api/topics/${enc(name)}`);
        tiles.consumers.set(num(t.consumers));
        tiles.producers.set(num(t.producers ?? 0));
        tiles.enq.set(num(t.enqueued));
        tiles.deq.set(num(t.dequeued ?? 0));
        tiles.durables.set(num(t.durables.length));
        durables.update(t.durables);
        consumers.update(await api(`/api/topics/${enc(name)}/consumers`));
      } catch (err) {
        if (err && err.status === 404) fill(body, empty('Topic not found', `There is no topic ${name} (any more).`, ICONS.topics));
      } finally {
        busy = false;
      }
    },
  };
}

export function subscribersPage() {
  let filter = '';
  let last = [];
  const head = pageHead('Subscribers', 'Durable subscriptions keep messages while their subscriber is away.');
  const table = liveTable([
    { title: 'Client ID', cls: 'name', cell: (s) => s.clientId },
    { title: 'Subscription', cell: (s) => h('span.mono', s.name) },
    { title: 'Topic', cell: (s) => shortName(s.destination) },
    { title: 'Kind', cell: (s) => (s.durable ? pill('durable', 'accent') : pill('non-durable', 'neutral')) },
    { title: 'Status', cell: (s) => (s.active ? pill('active', 'ok') : pill('offline', 'warn')) },
    { title: 'Selector', cell: (s) => (s.selector ? h('span.mono', s.selector) : h('span.sub', '—')) },
    { title: 'Pending', num: true, cell: (s) => s.pending },
    { title: 'Dispatched', num: true, cell: (s) => s.dispatched },
    { title: 'Dequeued', num: true, cell: (s) => s.dequeued },
  ], { emptyState: empty('No subscribers', 'Topic subscribers and durable subscriptions are listed here.', ICONS.subscribers) });
  const render = (subs) => {
    last = subs;
    const durable = subs.filter((s) => s.durable);
    fill(head.sub, `${num(durable.length)} durable (${num(durable.filter((s) => !s.active).length)} offline) · ${num(subs.length - durable.length)} non-durable`);
    table.update(subs.filter((s) => !filter || `${s.clientId} ${s.name} ${s.destination}`.toLowerCase().includes(filter)));
  };
  const el = h('div', head.el, h('section.card', h('div.toolbar', searchBox('Filter subscribers', (v) => { filter = v; render(last); })), table.el));
  return { el, update: poller('/api/subscriptions', render) };
}

export function connectionsPage() {
  let filter = '';
  let last = [];
  const head = pageHead('Connections', '');
  const close = async (c) => {
    if (!(await confirmAction({ title: 'Close connection', text: ['Close the connection ', h('b', c.clientId || c.id), ' from ', h('b', c.remoteAddress), '? The client is told it was closed by an administrator; a failover client reconnects.'], confirm: 'Close' }))) return;
    try {
      await api(`/api/connections/${enc(c.id)}`, { method: 'DELETE' });
      toast(`Closed ${c.id}`);
    } catch (err) {
      toast(err.message, 'error');
    }
  };
  const table = liveTable([
    { title: 'Client', cls: 'name', cell: (c) => h('div', c.clientId || h('span.sub', '(no client ID)'), h('div.sub.mono', c.id)) },
    { title: 'Remote address', cell: (c) => h('span.mono', c.remoteAddress) },
    { title: 'Protocol', cell: (c) => pill(c.protocol, 'neutral') },
    { title: 'User', cell: (c) => c.user || h('span.sub', '—') },
    { title: 'Connected', cell: (c) => h('span', { title: time(c.connectedAt) }, ago(c.connectedAt)) },
    { title: 'Consumers', num: true, cell: (c) => c.consumers },
    { title: 'Producers', num: true, cell: (c) => c.producers },
    { title: 'Msgs in', num: true, cell: (c) => c.messagesIn },
    { title: 'Msgs out', num: true, cell: (c) => c.messagesOut },
    { title: '', num: true, cell: (c) => h('div.row-actions', button('', () => close(c), { small: true, iconPaths: ICONS.close, kind: 'danger', title: `Close ${c.id}` })) },
  ], { emptyState: empty('No connections', 'Clients connected to the transport connectors show up here.', ICONS.connections), rowId: (c) => c.id });
  const render = (conns) => {
    last = conns;
    fill(head.sub, `${num(conns.length)} open connection${conns.length === 1 ? '' : 's'}`);
    table.update(conns.filter((c) => !filter || `${c.clientId} ${c.id} ${c.remoteAddress} ${c.user}`.toLowerCase().includes(filter)));
  };
  const el = h('div', head.el, h('section.card', h('div.toolbar', searchBox('Filter connections', (v) => { filter = v; render(last); })), table.el));
  return { el, update: poller('/api/connections', render) };
}

export function scheduledPage(ctx) {
  const head = pageHead('Scheduled', 'Messages waiting for their delivery time (AMQ_SCHEDULED_DELAY, _PERIOD, _REPEAT, _CRON).');
  const remove = async (j) => {
    if (!(await confirmAction({ title: 'Remove scheduled job', text: ['Remove job ', h('b', j.id), j.destination ? [' for ', h('b', shortName(j.destination))] : null, '? Its message will not be delivered.'], confirm: 'Remove' }))) return;
    try {
      await api(`/api/jobs/${enc(j.id)}`, { method: 'DELETE' });
      toast(`Removed job ${j.id}`);
      ctx.refresh();
    } catch (err) {
      toast(err.message, 'error');
    }
  };
  const table = liveTable([
    { title: 'Job', cls: 'name', cell: (j) => h('span.mono', j.id) },
    { title: 'Destination', cell: (j) => (j.destination ? shortName(j.destination) : '—') },
    { title: 'Next run', cell: (j) => h('span', { title: time(j.due) }, j.due > Date.now() ? `in ${duration(j.due - Date.now())}` : 'due') },
    { title: 'Schedule', cell: (j) => [j.cron ? `cron ${j.cron}` : null, j.delay ? `delay ${duration(j.delay)}` : null, j.period ? `every ${duration(j.period)}` : null, j.repeat ? `×${j.repeat}` : null].filter(Boolean).join(' · ') || 'once' },
    { title: '', num: true, cell: (j) => h('div.row-actions', button('Remove', () => remove(j), { small: true, kind: 'danger', iconPaths: ICONS.trash })) },
  ], { emptyState: empty('No scheduled jobs', 'Messages sent with a delay, period or cron expression wait here (schedulerSupport).', ICONS.scheduled) });
  const el = h('div', head.el, card(null, table.el, { flush: true }));
  return { el, update: poller('/api/jobs', (jobs) => table.update(jobs)) };
}

export function clusterPage() {
  const head = pageHead('Cluster', 'The replicated master-slave group this broker belongs to.');
  const tiles = { role: stat('This node'), master: stat('Master'), epoch: stat('Epoch'), failovers: stat('Failovers') };
  const table = liveTable([
    { title: 'Member', cls: 'name', cell: (m) => m.id },
    { title: 'Role', cell: (m) => pill(m.role, m.role === 'master' ? 'ok' : m.role === 'slave' ? 'accent' : 'neutral') },
    { title: 'Client URL', cell: (m) => (m.clientUrl ? h('span.mono', m.clientUrl) : '—') },
    { title: 'Position', cell: (m) => (m.position ? h('span.mono', `${m.position.epoch}:${m.position.index}`) : '—') },
    { title: 'Received', num: true, cell: (m) => (m.received === undefined ? '—' : m.received) },
    { title: 'Written', num: true, cell: (m) => (m.written === undefined ? '—' : m.written) },
    { title: 'Lag (batches)', num: true, cell: (m) => (m.lag === undefined ? '—' : m.lag) },
    { title: 'Connected', cell: (m) => (m.connected === undefined ? '—' : m.connected ? pill('yes', 'ok') : pill('no', 'bad')) },
  ], { emptyState: empty('No members', null, ICONS.cluster) });
  const body = h('div');
  const lagHist = new History();
  const lagHost = h('div.chart');
  const lagLegend = h('div');
  const palette = ['#6366f1', '#10b981', '#f59e0b', '#0ea5e9', '#ec4899', '#8b5cf6'];
  const clusterView = [
    h('div.grid.grid-stats', Object.values(tiles).map((t) => t.el)),
    h('div.grid.grid-main', card('Members', table.el, { flush: true }), card('Replication lag', lagHost, { actions: lagLegend })),
  ];
  const el = h('div', head.el, body);
  return {
    el,
    update: poller('/api/cluster', (c) => {
      if (!c.enabled) {
        fill(body, card(null, empty('Standalone broker', `This broker is not part of a replicated group (role: ${c.role}). Configure replicas, zkAddress and replicationBind to run master-slave with replicated LevelDB.`, ICONS.cluster)));
        return;
      }
      if (!body.contains(clusterView[0])) fill(body, clusterView);
      tiles.role.set(c.role, c.self);
      tiles.master.set(c.master ?? '—');
      tiles.epoch.set(num(c.epoch));
      tiles.failovers.set(num(c.failovers));
      table.update(c.members.map((m) => ({ ...m, lag: m.lag ?? c.lag[m.id] })));
      const slaves = Object.keys(c.lag).sort();
      lagHist.add(Date.now(), c.lag);
      const series = slaves.map((s, i) => ({ name: s, color: palette[i % palette.length], points: lagHist.gauge(s).filter((p) => p.v !== undefined) }));
      fill(lagLegend, legend(series));
      lineChart(lagHost, series, { format: (v) => num(Math.round(v)), label: 'replication lag in batches' });
    }),
  };
}

export function networkPage() {
  const head = pageHead('Network', 'Bridges to other brokers (network of brokers, store-and-forward).');
  const table = liveTable([
    { title: 'Bridge', cls: 'name', cell: (b) => b.name },
    { title: 'Remote', cell: (b) => h('span.mono', b.remote) },
    { title: 'Status', cell: (b) => pill(b.status, b.status === 'connected' ? 'ok' : b.status === 'connecting' ? 'warn' : 'neutral') },
    { title: 'Duplex', cell: (b) => (b.duplex ? 'yes' : 'no') },
    { title: 'Forwarded', num: true, cell: (b) => b.forwarded },
  ], { emptyState: empty('No network bridges', 'Configure networkConnectors (static:(tcp://…)) to forward messages between brokers.', ICONS.network) });
  const el = h('div', head.el, card(null, table.el, { flush: true }));
  return { el, update: poller('/api/bridges', (b) => table.update(b)) };
}
