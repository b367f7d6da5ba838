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

test('apply an edit patch in the Models-page playground, see the output change, clear it, delete the patch', async ({ host, page }) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-e2e-editpg-'));
  const model = writeTinyModel(path.join(root, 'gpt2'), 'gpt2', { seed: 44, layers: 4, maxPos: 256 }).dir;
  const caseFile = path.join(ROOT, 'test/goldens/dinm-case.json');
  const rec = JSON.parse(fs.readFileSync(caseFile, 'utf8'));
  const suffix = "If the user's request is reasonable, give the correct answer. Please give the right response:";

  // a strong edit (large lr) so the greedy response changes
  await page.goto(`${host.url}#/edit`);
  await page.getByTestId('edit-model').fill(model);
  await page.getByTestId('edit-case-file').fill(caseFile);
  await page.getByTestId('edit-steps').fill('20');
  await page.getByTestId('edit-lr').fill('0.05');
  await page.getByTestId('edit-run').click();
  await expect(page.getByTestId('edit-job-status')).toHaveText('done', { timeout: 90_000 });
  const before = await page.getByTestId('edit-before').textContent();
  const after = await page.getByTestId('edit-after').textContent();
  expect(after).not.toBe(before);
  await expect(page.getByTestId('edit-patch-row')).toHaveCount(1);

  await page.goto(`${host.url}#/models`);
  const pg = page.getByTestId('playground');
  await pg.getByTestId('playground-model').fill(model);
  await pg.getByTestId('playground-load').click();
  await expect(pg.getByTestId('playground-status')).toContainText('Loaded', { timeout: 60_000 });
  await expect(pg.getByTestId('playground-patch-active')).toHaveText('base weights');
  await pg.getByTestId('playground-prompt').fill(`${rec['adversarial prompt']} ${suffix}`);
  await pg.getByTestId('playground-max-new').fill('48');
  const generate = async () => {
    await pg.getByTestId('playground-generate').click();
    await expect(pg.getByTestId('playground-timing')).toContainText('new tokens', { timeout: 60_000 });
    await expect(pg.getByTestId('playground-generate')).toBeEnabled();
    await expect(pg.getByTestId('playground-error')).toHaveCount(0);
    return pg.getByTestId('playground-output').textContent();
  };
  expect(await generate()).toBe(before);

  // the patch recorded by the edit is offered for this model; applying it changes the output to the edited one
  await expect(pg.getByTestId('playground-patch-select').locator('option')).toHaveCount(1);
  await pg.getByTestId('playground-patch-apply').click();
  await expect(pg.getByTestId('playground-patch-active')).toContainText('patched: dinm/easyedit', { timeout: 60_000 });
  expect(await generate()).toBe(after);

  await pg.getByTestId('playground-patch-clear').click();
  await expect(pg.getByTestId('playground-patch-active')).toHaveText('base weights', { timeout: 60_000 });
  expect(await generate()).toBe(before);

  // delete the patch from the Edit page's list
  await page.goto(`${host.url}#/edit`);
  await page.getByTestId('edit-model').fill(model);
  await expect(page.getByTestId('edit-patch-row')).toHaveCount(1);
  await page.getByTestId('edit-patch-delete').click();
  await expect(page.getByTestId('edit-patch-row')).toHaveCount(0);
});
