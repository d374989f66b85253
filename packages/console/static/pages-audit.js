// The audit page: every state-changing console request (send, purge, move, delete), who made
// it, when, from where and how it ended, newest first (GET /api/audit).
import { pageHead } from './pages-queues.js';
import { poller } from './pages-more.js';
import { empty, liveTable } from './widgets.js';
import { h, fill, ICONS, ago, time, pill, num } from './util.js';

export function auditPage() {
  const head = pageHead('Audit', '');
  const table = liveTable([
    { title: 'When', cell: (e) => h('span', { title: time(e.time) }, ago(e.time)) },
    { title: 'User', cls: 'name', cell: (e) => e.user || h('span.sub', e.status === 401 ? '(not logged in)' : '(local)') },
    { title: 'Role', cell: (e) => (e.role ? pill(e.role, e.role === 'admin' ? 'accent' : 'neutral') : h('span.sub', '—')) },
    { title: 'Action', cell: (e) => h('span.mono', e.action) },
    { title: 'Target', cell: (e) => h('span.mono', e.target) },
    { title: 'From', cell: (e) => h('span.mono', e.remote) },
    { title: 'Result', num: true, cell: (e) => pill(String(e.status), e.status < 400 ? 'ok' : 'warn') },
  ], { emptyState: empty('No actions yet', 'Sends, purges, moves and deletes made in the console are recorded here.', ICONS.audit) });
  const render = (entries) => {
    fill(head.sub, `${num(entries.length)} recorded action${entries.length === 1 ? '' : 's'} (the last 1000)`);
    table.update(entries);
  };
  return { el: h('div', { id: 'audit' }, head.el, h('section.card', table.el)), update: poller('/api/audit', render) };
}
