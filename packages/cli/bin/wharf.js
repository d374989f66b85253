#!/usr/bin/env node
// The `wharf` command as npm links it. This file is committed (the compiled one is not), so
// `npm ci` finds it and links node_modules/.bin/wharf before `npm run build` has run.
'use strict';
const path = require('node:path');
const built = path.join(__dirname, '..', 'dist', 'src', 'bin.js');
try {
  require.resolve(built);
} catch {
  process.stderr.write(`wharf: ${built} is not built yet — run 'npm run build' (or 'npm start') in the repository first\n`);
  process.exit(1);
}
require(built);
