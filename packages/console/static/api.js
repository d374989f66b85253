/* global URLSearchParams -- browser globals (the lint config is for Node) */
// Talking to the REST API, and the history the charts draw: the console polls every second and
// computes rates client-side from the counters' deltas.

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The session's CSRF token: every POST and DELETE carries it (another origin cannot read it). */
let session = null;

async function csrfToken() {
  if (!session) {
    const res = await fetch('/api/session', { headers: { accept: 'application/json' }, credentials: 'same-origin' });
    if (!res.ok) throw new ApiError(res.status, `session: ${res.status} ${res.statusText}`);
    session = await res.json();
  }
  return session.csrfToken;
}

export async function api(path, opts = {}) {
  const init = { method: opts.method || 'GET', headers: { accept: 'application/json' }, credentials: 'same-origin' };
  if (init.method !== 'GET') init.headers['x-csrf-token'] = await csrfToken();
  if (opts.body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: text };
  }
  if (!res.ok) throw new ApiError(res.status, (data && data.error) || `${res.status} ${res.statusText}`, data && data.code);
  return data;
}

export const enc = encodeURIComponent;

/**
 * A polled destination list (Queues, Topics) holds at most this many: the first by name. A broker
 * may hold 100,000 destinations; the whole list every second would hold it for seconds.
 */
export const LIST_MAX = 1000;

/**
 * The request for a polled list (`kind` queues or topics): a page of its first LIST_MAX by name,
 * narrowed on the broker by `filter` (names containing it, any case); `advisory` topics too.
 * The answer is {total, queues|topics}: `total` counts every match.
 */
export function listPath(kind, { filter = '', advisory = false } = {}) {
  const params = new URLSearchParams({ limit: String(LIST_MAX) });
  if (filter) params.set('filter', filter);
  if (advisory) params.set('advisory', 'true');
  return `/api/${kind}?${params}`;
}

/** Samples over the last WINDOW_MS for one series set (totals, or one queue). */
const WINDOW_MS = 5 * 60 * 1000;

export class History {
  constructor() {
    this.samples = [];
  }

  add(t, values) {
    const last = this.samples[this.samples.length - 1];
    if (last && t <= last.t) return;
    this.samples.push({ t, ...values });
    const cut = t - WINDOW_MS;
    while (this.samples.length > 2 && this.samples[0].t < cut) this.samples.shift();
  }

  /** [{t, v}] of a gauge. */
  gauge(key) {
    return this.samples.map((s) => ({ t: s.t, v: s[key] }));
  }

  /** [{t, v}] per second of a counter over `span` samples (a reset counts as zero). */
  rate(key, span = 3) {
    const out = [];
    for (let i = 1; i < this.samples.length; i++) {
      const a = this.samples[Math.max(0, i - span)];
      const b = this.samples[i];
      const dt = (b.t - a.t) / 1000;
      const dv = b[key] - a[key];
      out.push({ t: b.t, v: dt > 0 && dv >= 0 ? dv / dt : 0 });
    }
    return out;
  }

  /** The latest rate of a counter, smoothed over the last few seconds. */
  currentRate(key, span = 5) {
    const s = this.samples;
    if (s.length < 2) return 0;
    const b = s[s.length - 1];
    const a = s[Math.max(0, s.length - 1 - span)];
    const dt = (b.t - a.t) / 1000;
    const dv = b[key] - a[key];
    return dt > 0 && dv >= 0 ? dv / dt : 0;
  }
}

export const WINDOW = WINDOW_MS;
