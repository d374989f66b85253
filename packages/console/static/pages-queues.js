/* global location -- browser globals (the lint config is for Node) */
// Overview, the queue list and one queue's page.
import { api, enc } from './api.js';
import { lineChart, legend, sparkline } from './charts.js';
import { messageDialog, sendDialog } from './modals.js';
import { card, deleteDestination, empty, liveTable, moreNote, moveToOrigin, nameMatches, purgeQueue, searchBox, stat, button } from './widgets.js';
import { h, fill, icon, ICONS, num, rate, bytes, compact, duration, time, pill } from './util.js';

const C = { enq: '#6366f1', deq: '#10b981', depth: '#f59e0b', inflight: '#0ea5e9' };

export function pageHead(title, sub, actions = []) {
  const subEl = h('div.sub', sub || '');
  return { el: h('div.page-head', h('div', h('h1', title), subEl), h('div.actions', actions)), sub: subEl };
}

function chartCard(title, series, opts = {}) {
  const host = h('div.chart');
  const el = card(title, host, { actions: legend(series) });
  return { el, draw: (points) => lineChart(host, series.map((s, i) => ({ ...s, points: points[i] })), opts) };
}

// ---- overview ------------------------------------------------------------------------------

export function overviewPage(ctx) {
  const head = pageHead('Overview', 'Everything this broker is doing, live.');
  const tiles = {
    pending: stat('Pending messages', { color: C.depth }),
    inRate: stat('Enqueued', { color: C.enq, unit: 'msg/s' }),
    outRate: stat('Dequeued', { color: C.deq, unit: 'msg/s' }),
    conns: stat('Connections'),
    memory: stat('Memory', { bar: true }),
    store: stat('Store'),
  };
  const rates = chartCard('Message rates', [{ name: 'Enqueued/s', color: C.enq }, { name: 'Dequeued/s', color: C.deq }]);
  const depth = chartCard('Queue depth', [{ name: 'Pending', color: C.depth }, { name: 'In flight', color: C.inflight }], { format: compact });
  const busiest = liveTable([
    { title: 'Queue', cls: 'name', cell: (q) => h('a', { href: `#/queues/${enc(q.name)}` }, q.name) },
    { title: 'Pending', num: true, cell: (q) => q.pending },
    { title: 'Consumers', num: true, cell: (q) => q.consumers },
    { title: 'Depth', num: true, cell: (q) => sparkline(ctx.qhist.get(q.name)?.gauge('pending') ?? [], C.depth) },
  ], { emptyState: empty('No queues yet', 'Queues appear when a producer or consumer first uses them.') });
  const details = h('dl.kv');
  const el = h('div', head.el,
    h('div.grid.grid-stats', Object.values(tiles).map((t) => t.el)),
    h('div.grid.grid-2', rates.el, depth.el),
    h('div.grid.grid-main', card('Busiest queues', busiest.el, { flush: true, hint: 'by pending messages' }), card('Broker', details)));

  return {
    el,
    update(c) {
      const o = c.overview;
      if (!o) return;
      const b = o.broker;
      const t = o.totals;
      tiles.pending.set(compact(t.pending), `${num(t.inflight)} in flight${t.dlqPending ? ` · ${num(t.dlqPending)} in DLQs` : ''}`);
      tiles.inRate.set(rate(c.hist.currentRate('enqueued')), `${num(t.enqueued)} total`);
      tiles.outRate.set(rate(c.hist.currentRate('dequeued')), `${num(t.dequeued)} total`);
      tiles.conns.set(num(t.connections), `${num(t.consumers)} consumer${t.consumers === 1 ? '' : 's'}`);
      tiles.memory.set(bytes(b.memory.used), `${b.memory.percent}% of ${bytes(b.memory.limit)}`, b.memory.percent);
      const group = b.store.syncs > 0 ? ` (${(b.store.commits / b.store.syncs).toFixed(1)} per fsync)` : '';
      tiles.store.set(bytes(b.store.bytes), b.store.kind === 'memory' ? 'in memory (not persistent)' : `${b.store.kind} · ${num(b.store.messages)} messages`);
      rates.draw([c.hist.rate('enqueued'), c.hist.rate('dequeued')]);
      depth.draw([c.hist.gauge('pending'), c.hist.gauge('inflight')]);
      busiest.update(o.busiest.filter((q) => q.pending > 0 || q.consumers > 0).concat(o.busiest.filter((q) => !(q.pending > 0 || q.consumers > 0))).slice(0, 5));
      fill(details,
        h('dt', 'Name'), h('dd', b.name),
        h('dt', 'Role'), h('dd', b.role),
        h('dt', 'Version'), h('dd', `${b.version} (Node ${b.nodeVersion})`),
        h('dt', 'Started'), h('dd', `${time(b.startedAt).slice(0, 19)} · up ${duration(b.uptimeMs)}`),
        h('dt', 'Store'), h('dd', `${b.store.kind} · ${num(b.store.commits)} commits / ${num(b.store.syncs)} syncs${group}`),
        h('dt', 'Destinations'), h('dd', `${num(t.queues)} queues · ${num(t.topics)} topics`),
        h('dt', 'Durable subs'), h('dd', `${num(t.durables)} (${num(t.offlineDurables)} offline)`),
        h('dt', 'Connectors'), h('dd', b.connectors.length ? b.connectors.map((u) => h('div.mono', u)) : '—'));
    },
  };
}

// ---- queues --------------------------------------------------------------------------------

function queueActions(q, ctx) {
  return h('div.row-actions',
    button('Browse', () => { location.hash = `#/queues/${enc(q.name)}`; }, { small: true, iconPaths: ICONS.eye }),
    button('', () => sendDialog({ kind: 'queue', name: q.name }, ctx.known()).then(ctx.refresh), { small: true, iconPaths: ICONS.send, title: `Send to ${q.name}` }),
    q.dlq ? button('', () => moveToOrigin(q.name, q.pending, ctx.refresh), { small: true, iconPaths: ICONS.undo, title: 'Move messages back to their original queues' }) : null,
    button('', () => purgeQueue(q.name, q.pending, ctx.refresh), { small: true, iconPaths: ICONS.broom, title: `Purge ${q.name}` }),
    button('', () => deleteDestination('queue', q.name, ctx.refresh), { small: true, iconPaths: ICONS.trash, title: `Delete ${q.name}`, kind: 'danger' }));
}

export function queuesPage(ctx) {
  let filter = '';
  let showTemp = false;
  const head = pageHead('Queues', '', [button('Send message', () => sendDialog({ kind: 'queue' }, ctx.known()).then(ctx.refresh), { kind: 'primary', iconPaths: ICONS.send })]);
  const table = liveTable([
    { title: 'Name', cls: 'name', cell: (q) => h('div', h('a', { href: `#/queues/${enc(q.name)}` }, q.name), q.dlq ? [' ', pill('DLQ', 'bad')] : null, q.temporary ? [' ', pill('temp', 'neutral')] : null) },
    { title: 'Pending', num: true, cell: (q) => q.pending },
    { title: 'Consumers', num: true, cell: (q) => q.consumers },
    { title: 'In flight', num: true, cell: (q) => q.inflight },
    { title: 'Enqueued', num: true, cell: (q) => q.enqueued },
    { title: 'Dequeued', num: true, cell: (q) => q.dequeued },
    { title: 'Expired', num: true, cell: (q) => q.expired },
    { title: 'Depth (5 min)', num: true, cell: (q) => sparkline(ctx.qhist.get(q.name)?.gauge('pending') ?? [], q.dlq ? '#ef4444' : C.depth) },
    { title: '', num: true, cell: (q) => queueActions(q, ctx) },
  ], { emptyState: empty('No queues', 'Send a message to create one.'), rowId: (q) => q.name });
  const temp = h('input', { type: 'checkbox', onchange: () => { showTemp = temp.checked; ctx.rerender(); } });
  // The poll lists the first queues by name; the filter narrows that list on the broker.
  const more = moreNote('queues-more', 'queues');
  const el = h('div', head.el, h('section.card',
    h('div.toolbar', searchBox('Filter queues', (v) => { filter = v; ctx.queueFilter = v; ctx.rerender(); ctx.refresh(); }), h('div.spacer'), h('label.check', temp, 'Show temporary queues')),
    more.el,
    table.el));
  return {
    el,
    update(c) {
      // The list may still be the one polled before the filter changed.
      const rows = c.queues.filter(nameMatches(filter)).filter((q) => showTemp || !q.temporary);
      const t = c.overview?.totals;
      fill(head.sub, `${num(t?.queues ?? c.queues.length)} queues · ${num(t?.pending ?? 0)} pending messages`);
      more.update(c.queues.length, c.queueTotal, !!filter);
      table.update(rows);
    },
  };
}

// ---- one queue -----------------------------------------------------------------------------

const PAGE = 50;

/** The consumers of a destination (queue or topic page). */
export function consumersTable() {
  return liveTable([
    { title: 'Consumer', cls: 'name', cell: (k) => h('div', k.clientId || h('span.sub', '(no client ID)'), h('div.sub.mono', k.id)) },
    { title: 'Remote address', cell: (k) => h('span.mono', k.remoteAddress) },
    { title: 'Selector', cell: (k) => (k.selector ? h('span.mono', k.selector) : h('span.sub', '—')) },
    { title: 'Kind', cell: (k) => [k.durableName ? pill('durable', 'accent') : null, k.network ? pill('network', 'neutral') : null, k.exclusive ? pill('exclusive', 'warn') : null] },
    { title: 'Prefetch', num: true, cell: (k) => k.prefetch },
    { title: 'In flight', num: true, cell: (k) => k.inflight },
  ], { emptyState: empty('No consumers', 'Nothing consumes from here right now.', ICONS.connections), rowId: (k) => k.id });
}

export function queuePage(ctx, name) {
  let q = null;
  let messages = [];
  let loading = false;
  let offset = 0;
  let selector = '';
  const crumb = h('a.crumb', { href: '#/queues' }, icon(ICONS.back), 'Queues');
  const title = h('h1', name);
  const sub = h('div.sub');
  const actions = h('div.actions');
  const tiles = {
    pending: stat('Pending', { color: C.depth }),
    consumers: stat('Consumers'),
    inflight: stat('In flight', { color: C.inflight }),
    enq: stat('Enqueued', { color: C.enq }),
    deq: stat('Dequeued', { color: C.deq }),
    expired: stat('Expired'),
  };
  const rates = chartCard('Rates', [{ name: 'Enqueued/s', color: C.enq }, { name: 'Dequeued/s', color: C.deq }]);
  const depth = chartCard('Depth', [{ name: 'Pending', color: C.depth }], { format: compact });
  const browse = liveTable([
    { title: 'Message ID', cls: 'name', cell: (m) => h('span.mono', m.id) },
    { title: 'Timestamp', cell: (m) => h('span.sub', time(m.timestamp)) },
    { title: 'Pri', num: true, cell: (m) => String(m.priority) },
    { title: 'Mode', cell: (m) => (m.persistent ? pill('persistent', 'accent') : pill('non-persistent', 'neutral')) },
    { title: 'State', cell: (m) => [m.state === 'inflight' ? pill('in flight', 'accent') : pill('pending', 'neutral'), m.redelivered ? [' ', pill('redelivered', 'warn')] : null] },
    { title: 'Body', cell: (m) => h('div.preview', { title: m.bodyPreview }, m.bodyPreview || '(empty)') },
  ], {
    emptyState: empty('No messages', 'This queue is empty.'),
    rowId: (m) => m.id,
    onRow: (m) => messageDialog(name, m.id, { dlq: q?.dlq, known: ctx.known() }).then(ctx.refresh),
  });
  const browseHint = h('span.hint#browse-hint');
  const selectorError = h('div.form-error#browse-selector-error', { hidden: true });
  const selectorInput = h('input#browse-selector', { type: 'search', placeholder: "JMS selector, e.g. region = 'EU' AND retries > 1", 'aria-label': 'Message selector' });
  const prev = button('Previous', () => { offset = Math.max(0, offset - PAGE); loadMessages(); }, { small: true, id: 'browse-prev' });
  const next = button('Next', () => { offset += PAGE; loadMessages(); }, { small: true, id: 'browse-next' });
  const browseForm = h('form.toolbar#browse-form', { onsubmit: (ev) => { ev.preventDefault(); selector = selectorInput.value.trim(); offset = 0; loadMessages(); } },
    h('div.search', icon(ICONS.search), selectorInput), h('button.btn.btn-sm', { type: 'submit', id: 'browse-apply' }, 'Filter'), h('div.spacer'), prev, next);
  const consumers = consumersTable();
  const body = h('div');
  const el = h('div', h('div.page-head', h('div', crumb, title, sub), actions), body);
  const main = [
    h('div.grid.grid-stats', Object.values(tiles).map((t) => t.el)),
    h('div.grid.grid-2', rates.el, depth.el),
    card('Messages', h('div', browseForm, selectorError, browse.el), { flush: true, actions: browseHint, id: 'browse' }),
    card('Consumers', consumers.el, { flush: true, id: 'queue-consumers' }),
  ];
  body.append(...main);

  const loadMessages = async () => {
    if (loading) return;
    loading = true;
    try {
      const qs = `limit=${PAGE}&offset=${offset}${selector ? `&selector=${enc(selector)}` : ''}`;
      messages = await api(`/api/queues/${enc(name)}/messages?${qs}`);
      selectorError.hidden = true;
      browse.update(messages);
      prev.disabled = offset === 0;
      next.disabled = messages.length < PAGE;
      const range = messages.length ? `${num(offset + 1)}–${num(offset + messages.length)}` : 'none';
      fill(browseHint, `${range}${selector ? ' matching' : ` of ${num(q?.pending ?? 0)}`}`);
      consumers.update(await api(`/api/queues/${enc(name)}/consumers`));
    } catch (err) {
      // A bad selector is the user's to fix; a queue that went away shows in update().
      if (err && err.status === 400) {
        fill(selectorError, err.message);
        selectorError.hidden = false;
      }
    } finally {
      loading = false;
    }
  };

  let renderedActionsFor = '';
  return {
    el,
    update(c) {
      q = c.queues.find((x) => x.name === name) || (c.focus?.name === name ? c.focus : null);
      // Beyond the polled list, the queue is read by name on the next poll.
      if (!q && c.queueTotal > c.queues.length && c.focus === undefined) return;
      if (!q) {
        fill(body, empty('Queue not found', `There is no queue ${name} (any more).`));
        actions.replaceChildren();
        renderedActionsFor = '';
        return;
      }
      if (!body.contains(main[0])) fill(body, main);
      const key = `${q.dlq}`;
      if (renderedActionsFor !== key) {
        renderedActionsFor = key;
        fill(title, name, q.dlq ? [' ', pill('DLQ', 'bad')] : null);
        fill(actions,
          button('Send', () => sendDialog({ kind: 'queue', name }, ctx.known()).then(ctx.refresh), { kind: 'primary', iconPaths: ICONS.send, id: 'queue-send' }),
          q.dlq ? button('Move all back', () => moveToOrigin(name, q.pending, ctx.refresh), { iconPaths: ICONS.undo, id: 'queue-move' }) : null,
          button('Purge', () => purgeQueue(name, q.pending, ctx.refresh), { iconPaths: ICONS.broom, kind: 'danger', id: 'queue-purge' }),
          button('Delete', () => deleteDestination('queue', name, () => { location.hash = '#/queues'; }), { iconPaths: ICONS.trash, kind: 'danger', id: 'queue-delete' }));
      }
      fill(sub, h('span.mono', q.url));
      tiles.pending.set(num(q.pending));
      tiles.consumers.set(num(q.consumers));
      tiles.inflight.set(num(q.inflight));
      tiles.enq.set(num(q.enqueued));
      tiles.deq.set(num(q.dequeued));
      tiles.expired.set(num(q.expired));
      const hist = c.qhist.get(name);
      if (hist) {
        rates.draw([hist.rate('enqueued'), hist.rate('dequeued')]);
        depth.draw([hist.gauge('pending')]);
      }
      loadMessages();
    },
  };
}
