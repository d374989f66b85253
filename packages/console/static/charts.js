// Small inline SVG charts: a time-series line chart with a hover read-out, and sparklines.
import { h, svg, fill, rate } from './util.js';

const PAD = { top: 12, right: 12, bottom: 22, left: 44 };
const MIN_SPAN = 60 * 1000;

/** The top of the y axis: four equal steps of 1, 2, 2.5 or 5 × 10^k. */
function niceMax(v) {
  if (!(v > 0)) return 4;
  const raw = v / 4;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return Math.max(4, m * p * 4);
  return 40 * p;
}

function xTicks(span) {
  const step = span > 2.5 * 60e3 ? 60e3 : span > 60e3 ? 30e3 : 10e3;
  const out = [];
  for (let t = 0; t <= span; t += step) out.push(t);
  return out;
}

function label(msAgo) {
  if (msAgo === 0) return 'now';
  const s = Math.round(msAgo / 1000);
  if (s < 60) return `-${s}s`;
  return s % 60 === 0 ? `-${s / 60}m` : `-${Math.floor(s / 60)}m ${s % 60}s`;
}

/**
 * Draw `series` ([{name, color, points: [{t, v}]}]) into `host` (a .chart element), as wide as
 * the host. `opts.format` formats values; `opts.height` in px.
 */
export function lineChart(host, series, opts = {}) {
  const width = Math.max(240, host.clientWidth || 600);
  const height = opts.height || 180;
  const format = opts.format || rate;
  const now = opts.now || Date.now();
  const first = Math.min(...series.flatMap((s) => s.points.map((p) => p.t)), now);
  const span = Math.max(MIN_SPAN, Math.min(opts.window || 5 * 60e3, now - first));
  const t0 = now - span;
  const ymax = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.v))));
  const iw = width - PAD.left - PAD.right;
  const ih = height - PAD.top - PAD.bottom;
  const x = (t) => PAD.left + ((t - t0) / span) * iw;
  const y = (v) => PAD.top + ih - (v / ymax) * ih;

  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'chart-svg', role: 'img', 'aria-label': opts.label || 'chart' });
  const defs = svg('defs');
  root.append(defs);
  for (let i = 0; i <= 4; i++) {
    const v = (ymax * i) / 4;
    const yy = Math.round(y(v)) + 0.5;
    root.append(svg('line', { x1: PAD.left, x2: width - PAD.right, y1: yy, y2: yy, class: i === 0 ? 'axis' : 'grid' }));
    root.append(svg('text', { x: PAD.left - 8, y: yy + 4, 'text-anchor': 'end', class: 'tick' }, format(v)));
  }
  for (const ago of xTicks(span)) {
    root.append(svg('text', { x: x(now - ago), y: height - 6, 'text-anchor': ago === 0 ? 'end' : ago >= span ? 'start' : 'middle', class: 'tick' }, label(ago)));
  }
  series.forEach((s, idx) => {
    const pts = s.points.filter((p) => p.t >= t0);
    if (pts.length < 2) return;
    const gid = `g${Math.random().toString(36).slice(2)}${idx}`;
    defs.append(svg('linearGradient', { id: gid, x1: 0, x2: 0, y1: 0, y2: 1 },
      svg('stop', { offset: '0%', 'stop-color': s.color, 'stop-opacity': 0.22 }),
      svg('stop', { offset: '100%', 'stop-color': s.color, 'stop-opacity': 0 })));
    const line = pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join('');
    const area = `${line}L${x(pts[pts.length - 1].t).toFixed(1)},${y(0)}L${x(pts[0].t).toFixed(1)},${y(0)}Z`;
    if (opts.area !== false) root.append(svg('path', { d: area, fill: `url(#${gid})`, stroke: 'none' }));
    root.append(svg('path', { d: line, fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-linejoin': 'round', 'stroke-linecap': 'round' }));
  });

  // Hover read-out: a guide line and the values of the nearest sample.
  const guide = svg('line', { y1: PAD.top, y2: PAD.top + ih, class: 'guide', visibility: 'hidden' });
  const overlay = svg('rect', { x: PAD.left, y: PAD.top, width: iw, height: ih, fill: 'transparent' });
  root.append(guide, overlay);
  const tip = h('div.chart-tip.hidden');
  const show = (px) => {
    const t = t0 + ((px - PAD.left) / iw) * span;
    const rows = [];
    let at = null;
    for (const s of series) {
      let best = null;
      for (const p of s.points) if (!best || Math.abs(p.t - t) < Math.abs(best.t - t)) best = p;
      if (best) {
        at = at ?? best.t;
        rows.push(h('div.tip-row', h('span.dot', { style: { background: s.color } }), h('span', s.name), h('b', format(best.v))));
      }
    }
    if (at === null) return;
    const gx = x(at);
    guide.setAttribute('x1', gx);
    guide.setAttribute('x2', gx);
    guide.setAttribute('visibility', 'visible');
    fill(tip, h('div.tip-time', label(Math.round((now - at) / 1000) * 1000)), rows);
    tip.classList.remove('hidden');
    tip.style.left = `${Math.min(gx + 12, width - 150)}px`;
    host.dataset.hover = String(px);
  };
  overlay.addEventListener('mousemove', (ev) => show(ev.offsetX));
  overlay.addEventListener('mouseleave', () => {
    guide.setAttribute('visibility', 'hidden');
    tip.classList.add('hidden');
    delete host.dataset.hover;
  });
  fill(host, root, tip);
  if (host.dataset.hover) show(Number(host.dataset.hover));
}

/** A tiny line of recent values. */
export function sparkline(points, color = '#6366f1', w = 96, hgt = 26) {
  const root = svg('svg', { width: w, height: hgt, viewBox: `0 0 ${w} ${hgt}`, class: 'spark' });
  if (points.length < 2) {
    root.append(svg('line', { x1: 0, x2: w, y1: hgt - 2, y2: hgt - 2, stroke: '#cbd5e1', 'stroke-width': 1 }));
    return root;
  }
  const t0 = points[0].t;
  const span = Math.max(1, points[points.length - 1].t - t0);
  const max = Math.max(1, ...points.map((p) => p.v));
  const x = (t) => ((t - t0) / span) * (w - 2) + 1;
  const y = (v) => hgt - 2 - (v / max) * (hgt - 4);
  const line = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join('');
  root.append(svg('path', { d: `${line}L${x(points[points.length - 1].t)},${hgt}L${x(t0)},${hgt}Z`, fill: color, 'fill-opacity': 0.12, stroke: 'none' }));
  root.append(svg('path', { d: line, fill: 'none', stroke: color, 'stroke-width': 1.5, 'stroke-linejoin': 'round' }));
  return root;
}

/** A legend for a chart. */
export function legend(series) {
  return h('div.legend', series.map((s) => h('span.legend-item', h('span.dot', { style: { background: s.color } }), s.name)));
}
