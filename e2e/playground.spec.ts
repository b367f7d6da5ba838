// Playground end to end: register a generated tiny model on the Models page, load it, generate in the
// playground (tokens stream from the engine worker), and see the provider in use in the status bar.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from './fixtures';
import { writeTinyModel } from '../main/engine/testing/tiny';

test('register a tiny model, load it and generate in the playground', async ({ host, page }) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-e2e-pg-'));
  const dir = path.join(root, 'tiny-llama');
  writeTinyModel(dir, 'llama', { seed: 21 });

  await page.goto(`${host.url}#/models`);
  await page.getByTestId('model-path').fill(dir);
  await page.getByTestId('model-add').click();
  const row = page.getByTestId('model-row');
  await expect(row).toHaveCount(1);
  await row.getByTestId('model-load').click();
  await expect(row.getByTestId('model-state')).toHaveText('ready', { timeout: 60_000 });
  await row.getByTestId('model-use').click();

  const pg = page.getByTestId('playground');
  await expect(pg.getByTestId('playground-model')).toHaveValue(dir);
  await expect(pg.getByTestId('playground-provider')).toHaveText('cpu');
  await expect(page.getByTestId('status-provider')).toHaveText('cpu');
  await pg.getByTestId('playground-prompt').fill('hello world');
  await pg.getByTestId('playground-generate').click();
  await expect(pg.getByTestId('playground-timing')).toContainText('new tokens', { timeout: 60_000 });
  await expect(pg.getByTestId('playground-error')).toHaveCount(0);

  // what the playground shows is what the API generates for the same greedy request
  const expected = await page.evaluate(
    async ({ token, dir }) => {
      const r = await fetch('/api/call/engine.generate', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ modelDir: dir, prompts: [{ text: 'hello world' }], maxNewTokens: 32 }),
      });
      return ((await r.json()) as { result: { results: { text: string; new_ids: number[] }[] } }).result.results[0];
    },
    { token: host.token, dir },
  );
  expect(expected.new_ids.length).toBeGreaterThan(0);
  await expect(pg.getByTestId('playground-output')).toHaveText(expected.text);
  await expect(pg.getByTestId('playground-timing')).toContainText(`${expected.new_ids.length} new tokens`);

  // chat template on
  await pg.getByTestId('playground-chat').check();
  await pg.getByTestId('playground-generate').click();
  await expect(pg.getByTestId('playground-timing')).toContainText('new tokens', { timeout: 60_000 });
  await expect(pg.getByTestId('playground-error')).toHaveCount(0);

  await pg.getByTestId('playground-eject').click();
  await expect(pg.getByTestId('playground-status')).toContainText('No model loaded');
});
