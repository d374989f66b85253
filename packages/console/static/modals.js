/* global document, navigator -- browser globals (the lint config is for Node) */
// Dialogs: the send form, a message opened, the confirmation of destructive actions; toasts.
import { api, enc } from './api.js';
import { h, fill, icon, ICONS, time, pill, shortName, num } from './util.js';

const root = () => document.getElementById('modal-root');

/** Open a modal; resolves with what `close(value)` is given (undefined on dismiss). */
export function modal({ title, body, foot, size = '', onOpen }) {
  return new Promise((resolve) => {
    let done = false;
    const close = (value) => {
      if (done) return;
      done = true;
      document.removeEventListener('keydown', onKey);
      backdrop.remove();
      resolve(value);
    };
    const onKey = (ev) => {
      if (ev.key === 'Escape') close(undefined);
    };
    const box = h(`div.modal${size ? `.${size}` : ''}`, { role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
      h('div.modal-head', h('h2', title), h('button.btn.btn-ghost.btn-icon', { type: 'button', title: 'Close', 'aria-label': 'Close', onclick: () => close(undefined) }, icon(ICONS.close))),
      h('div.modal-body', typeof body === 'function' ? body(close) : body),
      foot ? h('div.modal-foot', typeof foot === 'function' ? foot(close) : foot) : null);
    const backdrop = h('div.modal-backdrop', { onmousedown: (ev) => { if (ev.target === backdrop) close(undefined); } }, box);
    document.addEventListener('keydown', onKey);
    root().append(backdrop);
    onOpen?.(box, close);
  });
}

/** Ask before a destructive action. Resolves true when confirmed. */
export function confirmAction({ title, text, confirm = 'Confirm', danger = true }) {
  return modal({
    title,
    size: 'small',
    body: h('p.confirm-text', text),
    foot: (close) => [
      h('button.btn', { type: 'button', onclick: () => close(false) }, 'Cancel'),
      h(`button.btn.${danger ? 'btn-danger-solid' : 'btn-primary'}`, { type: 'button', 'data-confirm': '', onclick: () => close(true) }, confirm),
    ],
    onOpen: (box) => box.querySelector('[data-confirm]')?.focus(),
  }).then((v) => v === true);
}

export function toast(text, kind = 'ok') {
  const t = h(`div.toast${kind === 'error' ? '.error' : ''}`, { role: 'status' }, text);
  document.getElementById('toasts').append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 7000 : 4000);
}

/** "a=1\nb=x" → {a: 1, b: 'x'}; numbers and true/false keep their type. */
export function parseProperties(text) {
  const out = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`properties line ${i + 1}: write name=value`);
    const k = line.slice(0, eq).trim();
    const v = line.slice(eq + 1).trim();
    out[k] = v === 'true' ? true : v === 'false' ? false : /^-?\d+(\.\d+)?$/.test(v) && v.length < 16 ? Number(v) : v;
  }
  return out;
}

/** The send form. `preset` = {kind, name}. */
export function sendDialog(preset = {}, known = []) {
  const kind = h('select#send-kind', { 'aria-label': 'Destination type' }, h('option', { value: 'queue' }, 'Queue'), h('option', { value: 'topic' }, 'Topic'));
  kind.value = preset.kind || 'queue';
  const list = h('datalist#send-known', known.map((d) => h('option', { value: d })));
  const name = h('input#send-destination', { type: 'text', placeholder: 'ORDERS.IN', list: 'send-known', value: preset.name || '', autocomplete: 'off', required: true });
  const body = h('textarea#send-body', { rows: 6, placeholder: 'Message text (JSON, XML or plain text)' });
  const props = h('textarea#send-properties', { rows: 3, placeholder: 'region=eu\nretries=3' });
  const persistent = h('input#send-persistent', { type: 'checkbox', checked: true });
  const priority = h('select#send-priority', [...Array(10).keys()].map((p) => h('option', { value: p }, String(p))));
  priority.value = '4';
  const delay = h('input#send-delay', { type: 'number', min: 0, step: 100, placeholder: '0' });
  const count = h('input#send-count', { type: 'number', min: 1, max: 10000, value: 1 });
  const error = h('div.form-error', { hidden: true });

  const submit = async (close, button) => {
    error.hidden = true;
    let properties;
    try {
      properties = parseProperties(props.value);
    } catch (err) {
      fill(error, err.message);
      error.hidden = false;
      return;
    }
    const n = Math.max(1, Math.min(10000, Number(count.value) || 1));
    const req = { destination: `${kind.value}://${name.value.trim()}`, body: body.value, properties, persistent: persistent.checked, priority: Number(priority.value) };
    if (delay.value) req.delay = Number(delay.value);
    button.disabled = true;
    try {
      let last;
      for (let i = 0; i < n; i++) last = await api('/api/send', { method: 'POST', body: req });
      toast(n === 1 ? `Sent ${last.messageId} to ${last.destination}` : `Sent ${num(n)} messages to ${last.destination}`);
      close(true);
    } catch (err) {
      fill(error, err.message);
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  };

  return modal({
    title: 'Send a message',
    body: (close) => h('form.form#send-form', { onsubmit: (ev) => { ev.preventDefault(); submit(close, ev.target.querySelector('button[type=submit]') || document.getElementById('send-submit')); } },
      h('div.form-row', h('label', { for: 'send-destination' }, 'Destination'), h('div.form-inline', kind, name), list),
      h('div.form-row', h('label', { for: 'send-body' }, 'Body'), body),
      h('div.form-row', h('label', { for: 'send-properties' }, 'Properties'), props, h('div.help', 'One name=value per line. Numbers and true/false keep their type.')),
      h('div.form-cols',
        h('div.form-row', h('label', { for: 'send-priority' }, 'Priority'), priority),
        h('div.form-row', h('label', { for: 'send-delay' }, 'Delay (ms)'), delay),
        h('div.form-row', h('label', { for: 'send-count' }, 'Copies'), count)),
      h('label.check', persistent, 'Persistent (written to the store before the send completes)'),
      error,
      h('button', { type: 'submit', hidden: true })),
    foot: (close) => [
      h('button.btn', { type: 'button', onclick: () => close(false) }, 'Cancel'),
      h('button.btn.btn-primary#send-submit', { type: 'button', onclick: (ev) => submit(close, ev.currentTarget) }, icon(ICONS.send), 'Send'),
    ],
    onOpen: () => (name.value ? body : name).focus(),
  });
}

function headerRows(m) {
  const rows = [
    ['Message ID', h('code', m.id)],
    ['Destination', m.destination],
    ['Timestamp', time(m.timestamp)],
    ['Priority', String(m.priority)],
    ['Delivery mode', m.persistent ? 'PERSISTENT' : 'NON_PERSISTENT'],
    ['Redelivered', m.redelivered ? pill('yes', 'warn') : 'no'],
    ['Delivery count', String(m.deliveryCount)],
    ['Expiration', m.expiration ? time(m.expiration) : 'never'],
    ['State', m.state === 'inflight' ? pill('in flight', 'accent') : pill('pending', 'neutral')],
  ];
  if (m.correlationId) rows.push(['Correlation ID', m.correlationId]);
  if (m.type) rows.push(['Type', m.type]);
  if (m.replyTo) rows.push(['Reply to', m.replyTo]);
  if (m.groupId) rows.push(['Group', m.groupId]);
  if (m.originalDestination) rows.push(['Original destination', m.originalDestination]);
  return h('dl.kv', rows.map(([k, v]) => [h('dt', k), h('dd', v)]));
}

function prettyBody(m) {
  if (m.bodyEncoding === 'utf8') {
    const t = m.body.trim();
    if ((t.startsWith('{') || t.startsWith('[')) && t.length < 200000) {
      try {
        return JSON.stringify(JSON.parse(t), null, 2);
      } catch { /* not JSON: as sent */ }
    }
  }
  return m.body;
}

/** Ask for a destination to copy or move a message to. Resolves the text entered, or undefined. */
function targetDialog(title, verb, known) {
  const list = h('datalist#target-known', known.map((d) => h('option', { value: d })));
  const input = h('input#message-target', { type: 'text', placeholder: 'ORDERS.RETRY or topic://AUDIT', list: 'target-known', autocomplete: 'off' });
  const go = (close) => {
    if (input.value.trim()) close(input.value.trim());
  };
  return modal({
    title,
    size: 'small',
    body: (close) => h('form.form', { onsubmit: (ev) => { ev.preventDefault(); go(close); } },
      h('div.form-row', h('label', { for: 'message-target' }, 'Destination'), input, list,
        h('div.help', 'A queue name, queue://NAME or topic://NAME.'))),
    foot: (close) => [
      h('button.btn', { type: 'button', onclick: () => close(undefined) }, 'Cancel'),
      h('button.btn.btn-primary#message-target-go', { type: 'button', onclick: () => go(close) }, verb),
    ],
    onOpen: () => input.focus(),
  });
}

/** Delete, copy or move one message of a queue; resolves true when done. */
async function messageAction(queue, m, action, known) {
  try {
    if (action === 'delete') {
      if (!(await confirmAction({ title: 'Delete message', text: ['Delete ', h('b', m.id), ' from ', h('b', queue), '? This cannot be undone.'], confirm: 'Delete' }))) return false;
      await api(`/api/queues/${enc(queue)}/messages/${enc(m.id)}`, { method: 'DELETE' });
      toast(`Deleted ${m.id}`);
      return true;
    }
    const to = await targetDialog(action === 'copy' ? 'Copy message to' : 'Move message to', action === 'copy' ? 'Copy' : 'Move', known);
    if (!to) return false;
    const r = await api(`/api/queues/${enc(queue)}/messages/${enc(m.id)}/${action}`, { method: 'POST', body: { to } });
    toast(`${action === 'copy' ? 'Copied' : 'Moved'} ${m.id} to ${r.to}`);
    return true;
  } catch (err) {
    toast(err.message, 'error');
    return false;
  }
}

/** Open one message of a queue. Resolves 'moved' when it was moved back to its origin. */
export async function messageDialog(queue, id, { dlq = false, known = [] } = {}) {
  let m;
  try {
    m = await api(`/api/queues/${enc(queue)}/messages/${enc(id)}`);
  } catch (err) {
    toast(err.message, 'error');
    return undefined;
  }
  const props = Object.entries(m.properties);
  const copy = () => navigator.clipboard?.writeText(m.body).then(() => toast('Body copied'), () => toast('Copy failed', 'error'));
  return modal({
    title: `Message ${m.id}`,
    size: 'wide',
    body: h('div#message-view',
      headerRows(m),
      h('div.section-title', `Properties (${props.length})`),
      props.length
        ? h('div.card.card-flush', h('table.data', h('tbody', props.map(([k, v]) => h('tr', h('td.name', k), h('td.mono', v === null ? 'null' : String(v)), h('td.sub', v === null ? 'null' : typeof v))))))
        : h('div.sub', 'No properties.'),
      h('div.section-title', `Body · ${m.bodyKind} · ${num(m.bodySize)} ${m.bodyEncoding === 'base64' ? 'bytes (base64)' : 'chars'}`),
      h('pre.body#message-body', prettyBody(m))),
    foot: (close) => [
      h('button.btn', { type: 'button', onclick: copy }, icon(ICONS.copy), 'Copy body'),
      m.state === 'pending' ? [
        h('button.btn#message-copy', { type: 'button', onclick: async () => { if (await messageAction(queue, m, 'copy', known)) close('copied'); } }, 'Copy to…'),
        h('button.btn#message-move', { type: 'button', onclick: async () => { if (await messageAction(queue, m, 'move', known)) close('moved'); } }, 'Move to…'),
        h('button.btn.btn-danger#message-delete', { type: 'button', onclick: async () => { if (await messageAction(queue, m, 'delete', known)) close('deleted'); } }, icon(ICONS.trash), 'Delete'),
      ] : null,
      dlq && m.originalDestination
        ? h('button.btn', { type: 'button', onclick: async () => {
          if (!(await confirmAction({ title: 'Move message back', text: ['Move this message back to ', h('b', shortName(m.originalDestination)), '?'], confirm: 'Move back', danger: false }))) return;
          try {
            await api(`/api/queues/${enc(queue)}/move-to-origin`, { method: 'POST', body: { messageId: m.id } });
            toast(`Moved ${m.id} back to ${m.originalDestination}`);
            close('moved');
          } catch (err) {
            toast(err.message, 'error');
          }
        } }, icon(ICONS.undo), 'Move back to origin')
        : null,
      h('button.btn.btn-primary', { type: 'button', onclick: () => close(undefined) }, 'Close'),
    ],
  });
}
