// Edit page end to end: a DINM edit of the golden case on a generated tiny GPT-2 (the model the DINM goldens use):
// live loss curve, the distance plot with the located layer highlighted, the before/after responses and the patch;
// the dataset page's "Edit with DINM" link (#/edit/<recordKey>) pre-fills the record.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, ROOT } from './fixtures';
import { writeTinyModel } from '../main/engine/testing/tiny';

test('run a DINM edit from the Edit page and see the loss curve, the located layer and before/after', async ({ host, page }) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-e2e-edit-'));
  const model = writeTinyModel(path.join(root, 'gpt2'), 'gpt2', { seed: 44, layers: 4, maxPos: 256 }).dir;
  const caseFile = path.join(ROOT, 'test/goldens/dinm-case.json');
  const golden = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/goldens/dinm-gpt2.json'), 'utf8'));

  await page.goto(`${host.url}#/edit/test:903`);
  await expect(page.getByTestId('page-edit')).toBeVisible();
  await expect(page.getByTestId('edit-record')).toHaveValue('test:903');

  await page.getByTestId('edit-model').fill(model);
  await expect(page.getByTestId('edit-defaults')).toContainText('gpt2, 4 layers');
  await page.getByTestId('edit-case-file').fill(caseFile);
  await page.getByTestId('edit-run').click();
  await expect(page.getByTestId('edit-job-status')).toHaveText('done', { timeout: 90_000 });
  await expect(page.getByTestId('edit-loss-point')).toHaveCount(10);
  await expect(page.getByTestId('edit-distance-chosen')).toHaveCount(1);
  await expect(page.getByTestId('edit-layer-chosen')).toHaveText(`edited layer ${golden.toxic_layer}`);
  await expect(page.getByTestId('edit-distances').locator('.edit-bar')).toHaveCount(4);
  await expect(page.getByTestId('edit-before')).toBeVisible();
  await expect(page.getByTestId('edit-after')).toBeVisible();
  await expect(page.getByTestId('edit-patch')).toContainText('.safetensors');

  // a bad layer is refused with the reason
  await page.getByTestId('edit-layer').fill('9');
  await page.getByTestId('edit-run').click();
  await expect(page.getByTestId('edit-job-error')).toContainText('layer 9 is outside 0..3', { timeout: 60_000 });
});
