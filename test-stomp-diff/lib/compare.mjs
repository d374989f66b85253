// Normalising an observation so that two brokers' runs compare: generated ids become <id:N>
// numbered by first appearance (so "the same id twice" survives, the id's spelling does not),
// wall-clock times become <time>, the product name in `server` becomes <server>, headers are
// sorted by name (ActiveMQ writes them in hash order), the scenario's name prefix becomes ~, a
// client's address <remote>. ERROR bodies (ActiveMQ writes a Java stack
// trace there) and their content-length/content-type are not compared; the `message` header is.
// Header values are as on the wire, so in 1.1/1.2 an id's colons are escaped as \c.
const ID = /ID(?::|\\c)(?:[A-Za-z0-9._\-:]|\\c)+/g;
const TIME = /(?<!\d)1\d{12}(?!\d)/g;

export function normalise(obs) {
  const ids = new Map();
  const now = Date.now();
  const prefix = obs.prefix;
  const text = (s) => (prefix ? s.split(prefix).join('~') : s)
    .replace(/(?:tcp:\/\/)?127\.0\.0\.1(?::|\\c)\d+/g, '<remote>')
    .replace(ID, (m) => {
      if (!ids.has(m)) ids.set(m, `<id:${ids.size + 1}>`);
      return ids.get(m);
    })
    .replace(TIME, (m) => (Math.abs(Number(m) - now) < 30 * 86400000 ? '<time>' : m));
  // A MESSAGE and the RECEIPT of a frame sent meanwhile race on any broker: order is kept among
  // the other frames, and among the messages of each subscription. Ids are numbered in this
  // grouped order, so that the race does not renumber them either.
  const grouped = [];
  for (const [name, log] of Object.entries(obs.connections)) {
    const conn = { frames: [], messages: {} };
    for (const e of log) {
      if (e.frame !== 'MESSAGE') {
        conn.frames.push(e);
        continue;
      }
      const sub = e.headers.find(([k]) => k === 'subscription')?.[1] ?? `(${e.headers.find(([k]) => k === 'destination')?.[1]})`;
      (conn.messages[sub] ??= []).push(e);
    }
    grouped.push([name, conn]);
  }
  const entry = (e) => {
    if (!e.frame) return e;
    // Sorted first, so ids are numbered in an order that does not depend on the broker's.
    const sorted = e.headers.map((h, i) => [h, i]).sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1])).map(([h]) => h);
    // A scheduled job's id is opaque (ActiveMQ's relation to message ids varies across restarts).
    let headers = sorted.map(([k, v]) => [k, k === 'server' ? '<server>' : k === 'scheduledJobId' ? '<job>' : text(v)]);
    // (An ERROR body is not read at all: the ids in it must not take numbers.)
    let body = typeof e.body === 'string' && e.frame !== 'ERROR' ? text(e.body) : e.body;
    if (e.frame === 'ERROR') {
      headers = headers.filter(([k]) => k !== 'content-length' && k !== 'content-type');
      body = '<error body>';
    }
    return { frame: e.frame, headers, body };
  };
  const connections = {};
  for (const [name, conn] of grouped) {
    const frames = conn.frames.map(entry);
    const messages = {};
    for (const sub of Object.keys(conn.messages).sort()) messages[text(sub)] = conn.messages[sub].map(entry);
    connections[name] = { frames, messages };
  }
  const out = { scenario: obs.scenario, connections, observations: obs.observations };
  if (obs.error) out.error = obs.error.split('\n')[0];
  return out;
}

function sameTiming(rec, got) {
  if (!rec || typeof rec.ms !== 'number' || !got || typeof got.ms !== 'number') return rec === got;
  return Math.abs(got.ms - rec.ms) <= Math.max(rec.abs, rec.rel * rec.ms);
}

function compareList(out, what, a, b) {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = JSON.stringify(a[i] ?? null);
    const y = JSON.stringify(b[i] ?? null);
    if (x !== y) {
      out.push(`${what} ${i}:\n    ActiveMQ: ${x}\n    Wharf:    ${y}`);
      return;
    }
  }
}

/** Differences between a recorded (normalised) observation and a new one: [] when they match. */
export function diff(recorded, got) {
  const out = [];
  const names = new Set([...Object.keys(recorded.connections), ...Object.keys(got.connections)]);
  for (const name of names) {
    const a = recorded.connections[name] ?? { frames: [], messages: {} };
    const b = got.connections[name] ?? { frames: [], messages: {} };
    compareList(out, `connection ${name} frame`, a.frames, b.frames);
    for (const sub of new Set([...Object.keys(a.messages), ...Object.keys(b.messages)])) {
      compareList(out, `connection ${name} subscription ${sub} message`, a.messages[sub] ?? [], b.messages[sub] ?? []);
    }
  }
  const keys = new Set([...Object.keys(recorded.observations ?? {}), ...Object.keys(got.observations ?? {})]);
  for (const k of keys) {
    const r = recorded.observations?.[k];
    const g = got.observations?.[k];
    const same = r && typeof r === 'object' && 'ms' in r ? sameTiming(r, g) : JSON.stringify(r) === JSON.stringify(g);
    if (!same) out.push(`observation ${k}: ActiveMQ ${JSON.stringify(r)}, Wharf ${JSON.stringify(g)}`);
  }
  if (recorded.error || got.error) {
    if (recorded.error !== got.error) out.push(`scenario error: ActiveMQ ${recorded.error ?? 'none'}, Wharf ${got.error ?? 'none'}`);
  }
  return out;
}

/**
 * For a scenario's `expect`: change the headers of one recorded frame (`sub` undefined: the
 * connection's n-th non-MESSAGE frame; else the n-th MESSAGE of that subscription), keeping the
 * header order sorted as normalise() does.
 */
export function patchHeaders(rec, conn, sub, n, fn) {
  const c = rec.connections[conn];
  const e = sub === undefined ? c.frames[n] : c.messages[sub][n];
  e.headers = fn(e.headers.map(([k, v]) => [k, v])).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return rec;
}

/** Number the <id:N> placeholders again by first appearance (after an `expect` removed some). */
export function renumberIds(rec) {
  const map = new Map();
  const re = (v) => v.replace(/<id:\d+>/g, (m) => {
    if (!map.has(m)) map.set(m, `<id:${map.size + 1}>`);
    return map.get(m);
  });
  const entry = (e) => (e.frame ? { ...e, headers: e.headers.map(([k, v]) => [k, re(v)]), body: typeof e.body === 'string' ? re(e.body) : e.body } : e);
  for (const c of Object.values(rec.connections)) {
    c.frames = c.frames.map(entry);
    for (const sub of Object.keys(c.messages)) c.messages[sub] = c.messages[sub].map(entry);
  }
  return rec;
}
