// Building blocks of the pages (cards, stat tiles, live tables) and the confirmed actions.
import { api, enc } from './api.js';
import { confirmAction, toast } from './modals.js';
import { h, fill, icon, ICONS, num, shortName } from './util.js';

export function card(title, body, { hint, actions, flush = false, id } = {}) {
  return h('section.card', id ? { id } : null,
    title ? h('div.card-head', h('h2', title), hint ? h('span.hint', hint) : null, actions || null) : null,
    h(`div.card-body${flush ? '.card-flush' : ''}`, body));
}

/** A stat tile whose value is updated in place: returns {el, set(value, foot?, percent?)}. */
export function stat(label, { color, unit, bar = false } = {}) {
  const value = h('div.stat-value', '—');
  const foot = h('div.stat-foot');
  const barFill = h('span');
  const el = h('div.card.stat', color ? h('span.stat-accent', { style: { background: color } }) : null,
    h('div.stat-label', color ? h('span.dot', { style: { background: color } }) : null, label), value, foot,
    bar ? h('div.bar', barFill) : null);
  return {
    el,
    set(v, f, percent) {
      fill(value, v, unit ? h('small', unit) : null);
      fill(foot, f ?? '');
      if (bar && percent !== undefined) {
        barFill.style.width = `${Math.max(0, Math.min(100, percent))}%`;
        el.classList.toggle('warn', percent >= 80);
      }
    },
  };
}

export function empty(title, text, iconPaths = ICONS.queues) {
  return h('div.empty', icon(iconPaths), h('h3', title), text ? h('div', text) : null);
}

/**
 * A table whose rows are re-rendered on each update (the header, the toolbar and any input
 * keep their state). columns: [{title, num, cell(row) → node|string, cls}]
 */
export function liveTable(columns, { emptyState, onRow, rowId } = {}) {
  const tbody = h('tbody');
  const wrap = h('div.table-wrap', h('table.data', h('thead', h('tr', columns.map((c) => h(c.num ? 'th.num' : 'th', c.title)))), tbody));
  const holder = h('div', wrap);
  return {
    el: holder,
    update(rows) {
      if (rows.length === 0 && emptyState) {
        wrap.hidden = true;
        if (!holder.querySelector('.empty')) holder.append(emptyState);
        return;
      }
      wrap.hidden = false;
      holder.querySelector('.empty')?.remove();
      fill(tbody, rows.map((r) => {
        const tr = h('tr', rowId ? { dataset: { id: rowId(r) } } : null, columns.map((c) => {
          const v = c.cell(r);
          const cls = [c.num ? 'num' : '', c.cls || '', c.num && (v === '0' || v === 0) ? 'zero' : ''].filter(Boolean).join(' ');
          return h('td', cls ? { class: cls } : null, typeof v === 'number' ? num(v) : v);
        }));
        if (onRow) {
          tr.classList.add('clickable');
          tr.addEventListener('click', (ev) => {
            if (!ev.target.closest('button, a')) onRow(r);
          });
        }
        return tr;
      }));
    },
  };
}

/**
 * The note over a polled list (api.js listPath) when the broker holds more matches than it lists:
 * returns {el, update(shown, total, filtered)}.
 */
export function moreNote(id, noun) {
  const el = h('div.sub', { id, hidden: true });
  return {
    el,
    update(shown, total, filtered) {
      el.hidden = total <= shown;
      fill(el, `The first ${num(shown)} of ${num(total)} ${filtered ? `matching ${noun}` : noun} by name: filter to narrow the list.`);
    },
  };
}

/** Whether a destination's name holds `filter` (lower case, as searchBox gives it). */
export const nameMatches = (filter) => (d) => !filter || d.name.toLowerCase().includes(filter);

export function searchBox(placeholder, onInput) {
  const input = h('input', { type: 'search', placeholder, 'aria-label': placeholder, oninput: () => onInput(input.value.trim().toLowerCase()) });
  return h('div.search', icon(ICONS.search), input);
}

export function button(text, onclick, { kind = '', iconPaths, title, small = false, id } = {}) {
  const cls = ['btn', kind ? `btn-${kind}` : '', small ? 'btn-sm' : '', text ? '' : 'btn-icon'].filter(Boolean).join('.');
  return h(`button.${cls}`, { type: 'button', title: title || text, onclick, ...(id ? { id } : {}) }, iconPaths ? icon(iconPaths) : null, text);
}

// ---- confirmed actions -------------------------------------------------------------------

export async function purgeQueue(name, pending, after) {
  const ok = await confirmAction({
    title: 'Purge queue',
    text: ['Remove ', h('b', `${num(pending)} pending message${pending === 1 ? '' : 's'}`), ' from ', h('b', name), '? Messages in flight to consumers stay. This cannot be undone.'],
    confirm: 'Purge',
  });
  if (!ok) return;
  try {
    const r = await api(`/api/queues/${enc(name)}/purge`, { method: 'POST', body: {} });
    toast(`Purged ${num(r.purged)} message${r.purged === 1 ? '' : 's'} from ${name}`);
    after?.();
  } catch (err) {
    toast(err.message, 'error');
  }
}

export async function deleteDestination(kind, name, after) {
  const ok = await confirmAction({
    title: `Delete ${kind}`,
    text: ['Delete ', h('b', `${kind}://${name}`), kind === 'queue' ? ' and every message in it?' : ' and its durable subscriptions?', ' Its consumers are closed.'],
    confirm: 'Delete',
  });
  if (!ok) return;
  try {
    await api(`/api/${kind === 'queue' ? 'queues' : 'topics'}/${enc(name)}`, { method: 'DELETE' });
    toast(`Deleted ${kind}://${name}`);
    after?.();
  } catch (err) {
    toast(err.message, 'error');
  }
}

export async function moveToOrigin(name, pending, after) {
  const ok = await confirmAction({
    title: 'Move messages back',
    text: ['Send the ', h('b', num(pending)), ` pending message${pending === 1 ? '' : 's'} of `, h('b', name), ' back to the destinations they came from?'],
    confirm: 'Move back',
    danger: false,
  });
  if (!ok) return;
  try {
    const r = await api(`/api/queues/${enc(name)}/move-to-origin`, { method: 'POST', body: {} });
    toast(`Moved ${num(r.moved)} message${r.moved === 1 ? '' : 's'} back from ${shortName(name)}`);
    after?.();
  } catch (err) {
    toast(err.message, 'error');
  }
}
