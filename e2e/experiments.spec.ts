// The Experiments page against the headless host, on a data dir seeded with realistic runs (test/support/seed-runs.ts
// writes them through the evaluation store): sort and filter the runs table, remember the layout, open a report and
// its charts, compare two runs and toggle "only differences", open a flipped sample, export CSV and HTML.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, startHost, newDataDir, type Host } from './fixtures';
import { openDb } from '../main/store/db';
import { seedScenario } from '../test/support/seed-runs';

let host: Host;
let ids: ReturnType<typeof seedScenario>;

test.beforeAll(async () => {
  const dir = newDataDir();
  const db = openDb(dir);
  try {
    ids = seedScenario(db, 36);
  } finally {
    db.close();
  }
  host = await startHost(dir);
});
test.afterAll(async () => {
  await host?.stop();
});

const numbers = (xs: string[]) => xs.map((x) => (x === 'n/a' ? null : Number(x)));

test('runs table: sort, filter, remembered layout, rename and delete', async ({ page }) => {
  await page.goto(`${host.url}#/experiments`);
  const rows = page.getByTestId('runs-row');
  await expect(rows).toHaveCount(4);

  // sort by DS ascending, then descending (n/a last both ways)
  await page.getByTestId('sort-DS').click();
  await expect(page.locator('[role=columnheader][aria-sort=ascending]')).toContainText('DS');
  const asc = numbers(await page.locator('[data-testid=runs-row] [data-col=DS]').allInnerTexts());
  expect(asc.filter((x) => x !== null)).toEqual([...asc.filter((x) => x !== null)].sort((a, b) => a! - b!));
  await page.getByTestId('sort-DS').click();
  const desc = numbers(await page.locator('[data-testid=runs-row] [data-col=DS]').allInnerTexts());
  expect(desc.filter((x) => x !== null)).toEqual([...desc.filter((x) => x !== null)].sort((a, b) => b! - a!));
  expect(desc[0]).toBeGreaterThan(desc[desc.length - 1] ?? -1);

  // filter by a numeric condition, then also by method and status
  const ds = numbers(await page.locator('[data-testid=runs-row] [data-col=DS]').allInnerTexts());
  const dinmDs = numbers([await page.locator(`[data-testid=runs-row][data-id="${ids.dinm}"] [data-col=DS]`).innerText()])[0]!;
  await page.getByTestId('filter-DS').fill(`>=${dinmDs.toFixed(2)}`);
  await expect(rows).toHaveCount(ds.filter((x) => x !== null && x >= dinmDs - 0.005).length);
  await page.getByTestId('filter-DS').fill('');
  await page.getByTestId('filter-method').fill('dinm');
  await expect(rows).toHaveCount(2);
  await page.getByTestId('filter-status').fill('done');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-id', ids.dinm);
  await page.getByTestId('filter-status').fill('');
  await expect(rows).toHaveCount(2);

  // hide a column; the layout (filters, sort, columns) survives a reload
  await page.getByTestId('columns-menu').locator('summary').click();
  const saved = page.waitForResponse(
    (r) => r.url().includes('/api/call/experiments.setLayout') && /"key":"notes","width":\d+,"visible":false/.test(r.request().postData() ?? ''),
  );
  await page.getByTestId('column-notes').uncheck();
  await expect(page.locator('[role=columnheader] >> text=Notes')).toHaveCount(0);
  await saved; // the layout is saved shortly after the last change
  await page.reload();
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId('filter-method')).toHaveValue('dinm');
  await expect(page.locator('[role=columnheader] >> text=Notes')).toHaveCount(0);
  await expect(page.locator('[role=columnheader][aria-sort=descending]')).toContainText('DS');
  await page.getByTestId('clear-filters').click();
  await expect(rows).toHaveCount(4);

  // rename and tag
  await page.locator(`[data-testid=runs-row][data-id="${ids.train}"] [data-testid=edit-run]`).click();
  await page.getByTestId('edit-name').fill('prompt baseline');
  await page.getByTestId('edit-tags').fill('baseline, mistral');
  await page.getByTestId('edit-save').click();
  const train = page.locator(`[data-testid=runs-row][data-id="${ids.train}"]`);
  await expect(train.locator('[data-col=name]')).toHaveText('prompt baseline');
  await expect(train.locator('[data-col=tags]')).toContainText('baseline');
  await page.getByTestId('filter-tags').fill('mistral');
  await expect(rows).toHaveCount(1);
  await page.getByTestId('filter-tags').fill('');

  // delete (with confirmation)
  await train.getByTestId('delete-run').click();
  await expect(page.getByTestId('delete-dialog')).toContainText('patches');
  await page.getByTestId('confirm-delete').click();
  await expect(rows).toHaveCount(3);
  await expect(page.getByTestId('notice')).toContainText('Deleted prompt baseline');
});

test('report with charts; comparison with settings diff, flips, sample drill-down and exports', async ({ page }) => {
  await page.goto(`${host.url}#/experiments`);
  await page.locator(`[data-testid=runs-row][data-id="${ids.dinm}"] [data-testid=open-run]`).click();
  const report = page.getByTestId('run-report');
  await expect(report).toHaveAttribute('data-run-id', ids.dinm);
  // a bar chart per group (overall + 9 categories), with value bars
  await expect(page.locator('[data-testid=report-bars] svg')).toHaveCount(10);
  expect(await page.locator('[data-testid=report-bars] svg[data-chart=bars-overall] rect[data-state=value]').count()).toBe(5);
  await expect(page.locator('[data-testid=report-edits] svg[data-chart=layers] rect[data-layer]').first()).toBeVisible();
  await expect(page.locator('[data-testid=report-edits] svg[data-chart=loss] path[data-curve=mean]')).toHaveCount(1);
  await expect(page.getByTestId('coverage')).toContainText('36 cases: 36 done');

  // the failed run: its unfinished work is "failed", not 0
  await page.goto(`${host.url}#/experiments/run/${ids.failed}`);
  await expect(page.getByTestId('run-error')).toContainText('out of memory');
  await expect(page.getByTestId('coverage')).toContainText('18 not run');

  // compare vanilla (reference) with DINM (the table may carry a filter the other test left in the saved layout)
  await page.goto(`${host.url}#/experiments`);
  await expect(page.getByTestId('runs-row').first()).toBeVisible();
  if (await page.getByTestId('clear-filters').isVisible()) await page.getByTestId('clear-filters').click();
  await page.locator(`[data-testid=runs-row][data-id="${ids.vanilla}"] [data-testid=select-run]`).check();
  await page.locator(`[data-testid=runs-row][data-id="${ids.dinm}"] [data-testid=select-run]`).check();
  await page.getByTestId('compare-selected').click();
  await expect(page.getByTestId('compare')).toBeVisible();
  await expect(page.getByTestId('reference')).toHaveValue(ids.vanilla);
  await expect(page.locator('[data-testid=compare-metrics] [data-testid=delta].pos').first()).toBeVisible();
  await expect(page.locator('[data-testid=compare-bars] svg rect[data-state=value]').first()).toBeVisible();
  const settingRows = page.getByTestId('setting-row');
  await expect(page.getByTestId('only-diff')).toBeChecked();
  const onlyDiff = await settingRows.count();
  expect(onlyDiff).toBeGreaterThan(0);
  await expect(page.locator('[data-testid=setting-row][data-differs=false]')).toHaveCount(0);
  await page.getByTestId('only-diff').uncheck();
  await expect.poll(() => settingRows.count()).toBeGreaterThan(onlyDiff);
  await expect(page.locator('[data-testid=setting-row][data-differs=false]').first()).toBeVisible();

  // flips only, then open one
  await page.getByTestId('sample-filter').selectOption('flips');
  const aligned = page.getByTestId('aligned-row');
  await expect(aligned.first()).toHaveAttribute('data-flip', 'true');
  expect(await page.locator('[data-testid=aligned-row][data-flip=false]').count()).toBe(0);
  const caseKey = await aligned.first().getAttribute('data-case');
  await aligned.first().click();
  const detail = page.getByTestId('sample-detail');
  await expect(detail.getByTestId('sample-run')).toHaveCount(2);
  await expect(detail.getByTestId('sample-response')).toHaveCount(10);
  await expect(detail.getByTestId('toxic-layer')).toHaveText(/^\d+$/);
  await expect(detail.locator('svg[data-chart=loss]')).toBeVisible();
  const verdicts = await detail.getByTestId('sample-response').evaluateAll((els) => els.map((e) => e.getAttribute('data-verdict')));
  expect(verdicts).toContain('safe');
  expect(verdicts).toContain('unsafe');
  expect(caseKey).toMatch(/^seed:\d+$/);
  await page.getByTestId('close-sample').click();
  await expect(detail).toHaveCount(0);

  // exports arrive as downloads (headless host: no server-side file)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-e2e-export-'));
  const [csvDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  expect(csvDl.suggestedFilename()).toBe('safeedit-compare-vanilla-llama-vs-1.csv');
  const csvPath = path.join(tmp, 'c.csv');
  await csvDl.saveAs(csvPath);
  const csv = fs.readFileSync(csvPath, 'utf8');
  const lines = csv.split('\r\n');
  expect(lines[0].startsWith('kind,run_id,run_name,reference,status,model_path,model_hash')).toBe(true);
  expect(lines.filter((l) => l.startsWith('sample,')).length).toBeGreaterThanOrEqual(2 * 36 * 5);
  expect(lines.some((l) => l.startsWith(`delta,${ids.dinm}`))).toBe(true);
  const [htmlDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-html').click()]);
  const htmlPath = path.join(tmp, 'c.html');
  await htmlDl.saveAs(htmlPath);
  const html = fs.readFileSync(htmlPath, 'utf8');
  expect(html.startsWith('<!doctype html>')).toBe(true);
  expect((html.match(/<svg /g) ?? []).length).toBeGreaterThan(10);
  expect(html).not.toMatch(/<script|<link|src=|href=/i);
  expect(html).toContain('Flipped samples');
  // the report opens offline in the browser and shows its charts
  await page.goto(`file://${htmlPath}`);
  await expect(page.locator('svg[data-chart=bars-compare-overall]')).toBeVisible();
});
