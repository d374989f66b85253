#!/usr/bin/env node
// Package boundaries, checked by `npm run lint` (docs/ARCHITECTURE.md, "Package boundaries"):
//  1. A module outside a package imports it only through its public entry (`@wharf/<name>`) or
//     an entry the package declares in package.json "exports" (e.g. `@wharf/client/internal`,
//     the network bridge's way into the client): never `@wharf/<name>/src/...` or `.../dist/...`.
//  2. No relative import crosses from one package's folder into another's
//     (`../../broker/src/queue` from packages/console).
//  3. Outside packages/broker, no code uses the broker's internals by name: its router, pending
//     lists or plan execution (`.router.`, `.pending.`, `executePlan`). The broker's admin
//     operations (broker.admin) and the core API are the way in.
// Prints each violation as file:line and exits 1 when there is one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = path.join(root, 'packages');

/** name (without @wharf/) → { dir, entries: the subpaths its package.json exports } */
const packages = new Map();
for (const dir of fs.readdirSync(packagesDir)) {
  const pj = path.join(packagesDir, dir, 'package.json');
  if (!fs.existsSync(pj)) continue;
  const pkg = JSON.parse(fs.readFileSync(pj, 'utf8'));
  if (typeof pkg.name !== 'string' || !pkg.name.startsWith('@wharf/')) continue;
  const entries = new Set(['.']);
  if (pkg.exports && typeof pkg.exports === 'object') for (const k of Object.keys(pkg.exports)) entries.add(k);
  packages.set(pkg.name.slice('@wharf/'.length), { dir: path.join(packagesDir, dir), entries });
}

const SCANNED = ['packages', 'test-integration', 'test-cluster', 'test-stomp-diff', 'examples', 'scripts'];
const SKIP = new Set(['node_modules', 'dist', 'static', 'recordings']);
const EXT = /\.(ts|mts|cts|mjs|cjs|js)$/;

function* files(dir) {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name) || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (EXT.test(e.name) && !e.name.endsWith('.d.ts')) yield p;
  }
}

/** The package folder a file is in, or null. */
function packageOf(file) {
  for (const [name, p] of packages) if (file === p.dir || file.startsWith(p.dir + path.sep)) return name;
  return null;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm;
const INTERNAL_USE = /\.router\.|\.pending\.|\bexecutePlan\b/;

const problems = [];
for (const top of SCANNED) {
  for (const file of files(path.join(root, top))) {
    const rel = path.relative(root, file);
    const text = fs.readFileSync(file, 'utf8');
    const own = packageOf(file);
    const lineOf = (index) => text.slice(0, index).split('\n').length;
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[2];
      const line = lineOf(m.index);
      const bare = /^@wharf\/([^/]+)(?:\/(.+))?$/.exec(spec);
      if (bare) {
        const target = packages.get(bare[1]);
        const sub = bare[2] === undefined ? '.' : `./${bare[2]}`;
        if (target && !target.entries.has(sub)) {
          problems.push(`${rel}:${line}: imports ${spec}: use @wharf/${bare[1]} (or an entry its package.json exports: ${[...target.entries].join(', ')})`);
        }
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const resolved = path.resolve(path.dirname(file), spec);
      const into = packageOf(resolved);
      if (into !== null && into !== own) {
        problems.push(`${rel}:${line}: imports ${spec}, inside packages/${path.basename(packages.get(into).dir)}: use @wharf/${into}`);
      }
    }
    if (own !== 'broker' && !rel.startsWith('scripts/check-boundaries')) {
      const lines = text.split('\n');
      lines.forEach((l, i) => {
        // Comments are not code: a comment line, or ` // ...` after code (not the `//` of a URL).
        if (/^\s*(\/\/|\*|\/\*)/.test(l)) return;
        const code = l.replace(/(^|\s)\/\/\s.*$/, '');
        if (INTERNAL_USE.test(code) && /\bbroker\b|\bb\.|\bw\.broker\b/i.test(code)) {
          problems.push(`${rel}:${i + 1}: reaches broker internals (router, pending lists, executePlan): use broker.admin or the core API`);
        }
      });
    }
  }
}

if (problems.length) {
  for (const p of problems) console.error(p);
  console.error(`check-boundaries: ${problems.length} violation(s) of package boundaries`);
  process.exit(1);
}
