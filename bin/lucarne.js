#!/usr/bin/env node
'use strict';
// The `lucarne` command. Runs the compiled CLI when `npm run build` has produced it, otherwise the
// TypeScript sources through tsx, so it works from a fresh clone too. LUCARNE_FROM_SOURCE=1 forces the
// sources (tests use it so that a stale dist/ cannot hide a change).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');

if (existsSync(compiled) && process.env.LUCARNE_FROM_SOURCE !== '1') {
  require(compiled);
} else {
  require('tsx/cjs');
  require(join(root, 'src', 'cli', 'main.ts'));
}
