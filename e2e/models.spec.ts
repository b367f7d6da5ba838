// Models page end to end: register a generated tiny model folder by typed path (headless host), see it in the
// registry table; a broken folder is rejected with its reason and registers nothing; remove.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from './fixtures';
import { writeTinyModel } from '../main/engine/testing/tiny';

test('register a tiny model from the Models page; a broken folder shows why it was rejected', async ({ host, page }) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-e2e-models-'));
  const good = path.join(root, 'tiny-qwen2');
  writeTinyModel(good, 'qwen2', { seed: 5 });
  const broken = path.join(root, 'broken-llama');
  writeTinyModel(broken, 'llama', { seed: 6 });
  fs.rmSync(path.join(broken, 'tokenizer.json'));

  await page.goto(`${host.url}#/models`);
  await expect(page.getByTestId('page-models')).toBeVisible();
  await expect(page.getByTestId('models-empty')).toBeVisible();

  // rejected: the reason names the missing file; nothing is registered
  await page.getByTestId('model-path').fill(broken);
  await page.getByTestId('model-add').click();
  await expect(page.getByTestId('model-add-error')).toBeVisible();
  await expect(page.getByTestId('model-add-error-message')).toContainText(`${path.join(broken, 'tokenizer.json')}: missing`);
  await expect(page.getByTestId('model-row')).toHaveCount(0);

  // an unsupported architecture is refused by name
  const cfg = path.join(broken, 'config.json');
  writeTinyModel(broken, 'llama', { seed: 6 });
  fs.writeFileSync(cfg, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfg, 'utf8')), architectures: ['FalconForCausalLM'] }));
  await page.getByTestId('model-path').fill(broken);
  await page.getByTestId('model-add').click();
  await expect(page.getByTestId('model-add-error-message')).toContainText('architecture FalconForCausalLM');
  await expect(page.getByTestId('model-add-error-message')).toContainText('supported: llama');

  // accepted
  await page.getByTestId('model-path').fill(good);
  await page.getByTestId('model-add').click();
  await expect(page.getByTestId('model-add-error')).toHaveCount(0);
  const row = page.getByTestId('model-row');
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('model-name')).toHaveText('tiny-qwen2');
  await expect(row.getByTestId('model-arch')).toHaveText('qwen2');
  await expect(row.getByTestId('model-dtype')).toHaveText('F32');
  await expect(row.getByTestId('model-state')).toHaveText('registered');
  await expect(row.getByTestId('model-memory')).toContainText('KB');
  await expect(row).toContainText('Qwen2ForCausalLM');

  // the registry is the same one the API serves, and survives a reload
  const listed = await page.evaluate(async (token) => {
    const r = await fetch('/api/call/models.list', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    return (await r.json()) as { ok: boolean; result: { path: string }[] };
  }, host.token);
  expect(listed.result.map((m) => m.path)).toEqual([good]);
  await page.reload();
  await expect(page.getByTestId('model-row')).toHaveCount(1);

  await page.getByTestId('model-remove').click();
  await expect(page.getByTestId('model-row')).toHaveCount(0);
});
