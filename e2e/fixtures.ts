import { test as base, chromium, type Browser, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function chromiumPath(): string {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && fs.existsSync(p)) return p;
  throw new Error('Debian chromium not found (apt-get install chromium) and CHROMIUM_PATH not set');
}

export interface Host {
  url: string;
  base: string;
  token: string;
  dataDir: string;
  proc: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function newDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-e2e-'));
}

/** Starts `safeedit host --port 0` on a data dir and resolves with the URL it prints. */
export async function startHost(dataDir: string, extraEnv: Record<string, string> = {}): Promise<Host> {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin/safeedit.mjs'), 'host', '--port', '0'], {
    env: { ...process.env, SAFEEDIT_DATA_DIR: dataDir, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`host did not print a URL in 60 s; stderr: ${stderr}`)), 60_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[0]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`host exited (${code}): ${stderr}`)));
  });
  const u = new URL(url);
  return {
    url,
    base: `${u.protocol}//${u.host}`,
    token: u.searchParams.get('token')!,
    dataDir,
    proc,
    stop(signal = 'SIGTERM') {
      return new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill(signal);
      });
    },
  };
}

export const test = base.extend<{ host: Host; browser2: Browser; page: Page }>({
  host: async ({}, use) => {
    const h = await startHost(newDataDir());
    await use(h);
    await h.stop();
  },
  browser2: async ({}, use) => {
    const b = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
    await use(b);
    await b.close();
  },
  page: async ({ browser2 }, use) => {
    const ctx = await browser2.newContext();
    const p = await ctx.newPage();
    await use(p);
    await ctx.close();
  },
});

export { expect } from '@playwright/test';
