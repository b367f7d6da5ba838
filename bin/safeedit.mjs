#!/usr/bin/env node
// The `safeedit` command: runs the bundled CLI (built by `npm ci` via the prepare script, or `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'out', 'main', 'cli.mjs');
if (!existsSync(cli)) {
  console.error(`safeedit: ${cli} is missing; run "npm run build" first.`);
  process.exit(1);
}
const { main } = await import(pathToFileURL(cli).href);
await main();
