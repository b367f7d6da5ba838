#!/usr/bin/env node
// `npm start`: the Electron app when its binary is installed, else the headless host (URL printed).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const p = require('electron'); // the package exports the binary's path, and throws when it was never downloaded
    return typeof p === 'string' && existsSync(p) ? { path: p } : { why: 'the electron package has no binary' };
  } catch (e) {
    return { why: String(e?.message ?? e).split('\n')[0] };
  }
}

const bin = electronBinary();
const args = process.argv.slice(2);
let child;
if (bin.path && !process.env.SAFEEDIT_HEADLESS) {
  child = spawn(bin.path, [root, ...args], { stdio: 'inherit' });
} else {
  const why = process.env.SAFEEDIT_HEADLESS ? 'SAFEEDIT_HEADLESS is set' : `Electron binary not installed (${bin.why})`;
  console.error(`${why}: starting the headless host instead; open the URL below in a browser.`);
  child = spawn(process.execPath, [path.join(root, 'bin', 'safeedit.mjs'), 'host', ...args], { stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
