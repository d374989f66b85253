#!/usr/bin/env node
// File size, checked by `npm run lint` (docs/CONVENTIONS.md, "Modules"): no source file in
// packages/*/src is over MAX_LINES lines. A file that grows past it is split by responsibility
// (one concern per module), not cut at an arbitrary line. ALLOWED lists the files still waiting
// for their split; take a file off the list when its split lands.
// Prints each file over the limit and exits 1 when there is one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_LINES = 450;
const ALLOWED = new Set([]);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = /\.(ts|mts|cts|mjs|cjs|js)$/;

function* files(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) yield p;
  }
}

const problems = [];
const packagesDir = path.join(root, 'packages');
for (const pkg of fs.readdirSync(packagesDir)) {
  const src = path.join(packagesDir, pkg, 'src');
  if (!fs.existsSync(src)) continue;
  for (const file of files(src)) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_LINES && !ALLOWED.has(rel)) {
      problems.push(`${rel}: ${lines} lines, over ${MAX_LINES}: split it by responsibility`);
    }
  }
}

if (problems.length) {
  for (const p of problems) console.error(p);
  console.error(`check-file-size: ${problems.length} file(s) over ${MAX_LINES} lines`);
  process.exit(1);
}
