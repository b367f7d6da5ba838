import { test, expect, newDataDir, ROOT } from './fixtures';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { _electron } from '@playwright/test';

function electronBinary(): string | null {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    return typeof p === 'string' && fs.existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

test('npm start without an Electron binary explains why and serves the shell on the printed URL', async ({ page }) => {
  test.skip(electronBinary() !== null, 'Electron is installed here: npm start opens the desktop app instead (covered by the Electron test)');
  const dataDir = newDataDir();
  const proc = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
    env: { ...process.env, SAFEEDIT_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error(`no URL printed: ${stderr}`)), 60_000);
      proc.stdout!.on('data', (d) => {
        out += d;
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[0]);
        }
      });
    });
    expect(stderr).toMatch(/Electron binary not installed .*starting the headless host/);
    await page.goto(url);
    await expect(page.getByTestId('nav-dataset')).toBeVisible();
    await expect(page.getByTestId('status-datadir')).toHaveText(dataDir);
  } finally {
    proc.kill('SIGTERM');
  }
});

test('Electron window: sandboxed preload exposes the bridge and the shell renders', async () => {
  const bin = electronBinary();
  test.skip(bin === null, 'Electron binary not installed (its download is blocked offline); the same UI and handlers are covered through the headless host');
  const app = await _electron.launch({ executablePath: bin!, args: [ROOT], env: { ...process.env, SAFEEDIT_DATA_DIR: newDataDir() } });
  try {
    const win = await app.firstWindow();
    await expect(win.getByTestId('nav-dataset')).toBeVisible();
    expect(await win.evaluate(() => typeof (globalThis as unknown as { require?: unknown }).require)).toBe('undefined');
    expect(await win.evaluate(() => (globalThis as unknown as { safeedit?: { transport: string } }).safeedit?.transport)).toBe('electron');
  } finally {
    await app.close();
  }
});

