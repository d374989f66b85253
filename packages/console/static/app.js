/* global document, location, window -- browser globals (the lint config is for Node) */
// The console shell: header, navigation, hash routing and the one-second poll that feeds every
// page (rates and charts are computed here from the counters' deltas).
import { api, History, listPath } from './api.js';
import { sendDialog } from './modals.js';
import { overviewPage, queuesPage, queuePage } from './pages-queues.js';
import { topicsPage, topicPage, subscribersPage, connectionsPage, scheduledPage, clusterPage, networkPage } from './pages-more.js';
import { auditPage } from './pages-audit.js';
import { h, fill, icon, ICONS, num, duration, bytes, pill } from './util.js';

const POLL_MS = 1000;

const NAV = [
  { id: 'overview', label: 'Overview', page: overviewPage },
  { id: 'queues', label: 'Queues', page: queuesPage, count: (c) => c.overview?.totals.queues, alert: (c) => c.overview?.totals.dlqPending > 0 },
  { id: 'topics', label: 'Topics', page: topicsPage, count: (c) => c.overview?.totals.topics },
  { id: 'subscribers', label: 'Subscribers', page: subscribersPage, count: (c) => c.overview?.totals.durables },
  { id: 'connections', label: 'Connections', page: connectionsPage, count: (c) => c.overview?.totals.connections },
  { id: 'scheduled', label: 'Scheduled', page: scheduledPage },
  { id: 'cluster', label: 'Cluster', page: clusterPage },
  { id: 'network', label: 'Network', page: networkPage },
  { id: 'audit', label: 'Audit', page: auditPage },
];

const ctx = {
  overview: null,
  /**
   * The queue list every poll fetches (listPath): the first ones by name, narrowed by the Queues
   * page's filter; the open queue's page asks for that queue by name.
   */
  queues: [],
  /** Queues matching queueFilter, in all (queues holds the first LIST_MAX of them). */
  queueTotal: 0,
  queueFilter: '',
  /** The queue whose page is open, read by name on every poll (it may be beyond the list). */
  focusQueue: null,
  /** That queue as last read: null when there is none, undefined until read. */
  focus: undefined,
  hist: new History(),
  qhist: new Map(),
  live: true,
  /** Poll now (after an action). */
  refresh: () => tick(),
  /** Re-render the current page from the last data (filters). */
  rerender: () => current?.update(ctx),
  /** Destinations for the send form's suggestions. */
  known: () => ctx.queues.filter((q) => !q.temporary).map((q) => q.name),
};

let current = null;
let currentRoute = '';
const navItems = new Map();
/**
 * A cluster node that does not serve (a slave, a master waiting for its slaves) has no broker to
 * show: the API answers 503 naming the master. The notice says so; only the Cluster page, which
 * every node answers, stays visible.
 */
const notice = h('div.notice', { id: 'not-serving', role: 'status', hidden: true });
let notServing = false;

function buildNav() {
  const side = document.getElementById('sidebar');
  fill(side, h('div.nav-section', 'Broker'));
  for (const n of NAV) {
    const count = h('span.count', { hidden: true });
    const a = h('a.nav-item', { href: `#/${n.id}`, id: `nav-${n.id}` }, icon(ICONS[n.id]), h('span', n.label), count);
    navItems.set(n.id, { a, count, spec: n });
    if (n.id === 'connections') side.append(h('div.nav-section', 'Clients'));
    if (n.id === 'scheduled') side.append(h('div.nav-section', 'Operations'));
    side.append(a);
  }
  side.append(h('div.sidebar-foot', h('a', { href: '/metrics', target: '_blank', rel: 'noopener' }, 'Prometheus metrics'), ' · ', h('a', { href: '/api/broker', target: '_blank', rel: 'noopener' }, 'API')));
}

function route() {
  const hash = location.hash.replace(/^#\/?/, '') || 'overview';
  if (hash === currentRoute && current) return;
  currentRoute = hash;
  const [section, ...rest] = hash.split('/');
  const main = document.getElementById('main');
  let page;
  ctx.focusQueue = section === 'queues' && rest.length ? decodeURIComponent(rest.join('/')) : null;
  ctx.focus = undefined;
  ctx.queueFilter = '';
  if (ctx.focusQueue !== null) page = queuePage(ctx, ctx.focusQueue);
  else if (section === 'topics' && rest.length) page = topicPage(ctx, decodeURIComponent(rest.join('/')));
  else page = (NAV.find((n) => n.id === section) || NAV[0]).page(ctx);
  for (const [id, item] of navItems) item.a.classList.toggle('active', id === (navItems.has(section) ? section : 'overview'));
  current = page;
  fill(main, notice, page.el);
  showPage();
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
  if (ctx.overview) page.update(ctx);
  if (ctx.focusQueue !== null) tick();
}

function showPage() {
  if (current) current.el.hidden = notServing && currentRoute !== 'cluster';
}

function renderHeader(b = ctx.overview?.broker) {
  if (!b) return;
  document.getElementById('broker-name').textContent = b.name;
  document.title = `${b.name} · Wharf console`;
  const role = document.getElementById('broker-role');
  const kind = !b.serving ? 'warn' : b.role === 'master' ? 'ok' : b.role === 'slave' ? 'accent' : 'neutral';
  role.replaceWith(Object.assign(pill(b.serving ? b.role : `${b.role} · not serving`, kind), { id: 'broker-role' }));
  fill(document.getElementById('top-meta'),
    h('span', 'Uptime ', h('b', duration(b.uptimeMs))),
    h('span', 'Version ', h('b', b.version)),
    h('span', 'Store ', h('b', `${b.store.kind} · ${bytes(b.store.bytes)}`)),
    h('span', 'Memory ', h('b', `${b.memory.percent}%`)));
  for (const item of navItems.values()) {
    const n = item.spec.count?.(ctx);
    item.count.hidden = n === undefined;
    if (n !== undefined) item.count.textContent = num(n);
    item.count.classList.toggle('alert', !!item.spec.alert?.(ctx));
  }
}

function setLive(state) {
  const btn = document.getElementById('live-toggle');
  btn.classList.toggle('paused', state === 'paused');
  btn.classList.toggle('error', state === 'error');
  document.getElementById('live-label').textContent = state === 'paused' ? 'Paused' : state === 'error' ? 'Offline' : 'Live';
}

let ticking = false;
async function tick() {
  if (ticking) return;
  ticking = true;
  try {
    const focusQueue = ctx.focusQueue;
    const [overview, page, focus] = await Promise.all([
      api('/api/overview'),
      api(listPath('queues', { filter: ctx.queueFilter })),
      focusQueue ? api(`/api/queues/${encodeURIComponent(focusQueue)}`).catch(() => null) : null,
    ]);
    const queues = page.queues;
    ctx.overview = overview;
    ctx.queues = queues;
    ctx.queueTotal = page.total;
    ctx.focus = focusQueue !== null && focusQueue === ctx.focusQueue ? focus : undefined;
    const t = overview.time;
    const tot = overview.totals;
    ctx.hist.add(t, { enqueued: tot.enqueued, dequeued: tot.dequeued, pending: tot.pending, inflight: tot.inflight });
    const seen = new Set();
    for (const q of queues) {
      seen.add(q.name);
      let hist = ctx.qhist.get(q.name);
      if (!hist) ctx.qhist.set(q.name, (hist = new History()));
      hist.add(t, { enqueued: q.enqueued, dequeued: q.dequeued, pending: q.pending });
    }
    for (const k of ctx.qhist.keys()) if (!seen.has(k)) ctx.qhist.delete(k);
    setNotServing(null);
    renderHeader();
    current?.update(ctx);
    setLive(ctx.live ? 'live' : 'paused');
  } catch (err) {
    if (err && err.code === 'WHARF_CONSOLE_NOT_SERVING') {
      setNotServing(err.message);
      try {
        renderHeader(await api('/api/broker'));
      } catch {
        // the header keeps its last state
      }
      if (currentRoute === 'cluster') current?.update(ctx);
      setLive(ctx.live ? 'live' : 'paused');
    } else {
      setLive('error');
    }
  } finally {
    ticking = false;
  }
}

/** Fill the charts' history from GET /api/history (samples the broker took every few seconds). */
async function seedHistory() {
  try {
    const h = await api('/api/history');
    const fillFrom = (hist, series) => {
      const keys = Object.keys(series.values);
      series.t.forEach((t, i) => hist.add(t, Object.fromEntries(keys.map((k) => [k, series.values[k][i]]))));
    };
    fillFrom(ctx.hist, h.totals);
    for (const [name, series] of Object.entries(h.queues)) {
      const hist = new History();
      fillFrom(hist, series);
      ctx.qhist.set(name, hist);
    }
  } catch {
    // an older broker or a node that does not serve: the charts start from the first poll
  }
}

function setNotServing(message) {
  notServing = message !== null;
  notice.hidden = !notServing;
  if (notServing) fill(notice, h('b', 'This node does not serve clients. '), message);
  showPage();
}

function start() {
  buildNav();
  document.getElementById('send-open').addEventListener('click', () => sendDialog({}, ctx.known()).then(() => tick()));
  document.getElementById('live-toggle').addEventListener('click', () => {
    ctx.live = !ctx.live;
    setLive(ctx.live ? 'live' : 'paused');
    if (ctx.live) tick();
  });
  window.addEventListener('hashchange', route);
  route();
  // The broker keeps the last minutes of samples: a reloaded page draws its charts at once.
  seedHistory().finally(() => tick());
  setInterval(() => {
    if (ctx.live && !document.hidden) tick();
  }, POLL_MS);
}

start();
