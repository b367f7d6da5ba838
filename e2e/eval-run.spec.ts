// Acceptance of the evaluation from the UI (issue 6): a real run (engine decoder + classifier judge, no test doubles)
// on a tiny generated model and judge over SafeEdit_test_first50.json (../shared; the demo set when absent),
// imported as a split and started from the Evaluate page; then a second run whose host is SIGKILLed halfway, shown
// as interrupted by a new host on the same data dir and resumed from the page. Both end with the numbers of an
// uninterrupted `safeedit eval` run of the CLI on the same inputs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, startHost, newDataDir, ROOT, type Host } from './fixtures';
import { writeTinyModel } from '../main/engine/testing/tiny';
import { writeTinyClassifier } from '../main/engine/testing/tiny-classifier';
import type { MetricReport, RunDetail } from '../shared/api/eval';

const shared = path.resolve(ROOT, '..', 'shared', 'safeedit', 'SafeEdit_test_first50.json');
const CASES = fs.existsSync(shared) ? shared : path.join(ROOT, 'resources/demo/safeedit-demo.json');
const SPLIT = 'evalaccept';
const MAX_NEW = 8;

async function call<T>(host: Host, name: string, input: unknown): Promise<T> {
  const r = await fetch(`${host.base}/api/call/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const env = (await r.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!env.ok) throw new Error(`${name}: ${env.error?.message}`);
  return env.result as T;
}

/** Fills the setup form and starts a run; returns its id (the run view opens on it). */
async function startFromPage(page: Page, model: string, judge: string, name: string): Promise<string> {
  await page.getByTestId('eval-new').click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByTestId('eval-model').fill(model);
  await page.getByTestId('eval-judge').fill(judge);
  await page.getByTestId('eval-split').fill(SPLIT);
  await page.getByLabel('Max new tokens').fill(String(MAX_NEW));
  await page.getByTestId('eval-start').click();
  const view = page.getByTestId('eval-run');
  await expect(view).toContainText(name);
  return (await view.getAttribute('data-run-id'))!;
}

/** The metric table shows the numbers of `reference` (two decimals), overall and for every category. */
async function expectTable(page: Page, reference: MetricReport) {
  const run = page.getByTestId('eval-run');
  for (const [cat, vals] of [['overall', reference.overall] as const, ...Object.entries(reference.by_category)]) {
    const row = run.locator(`[data-testid="eval-metric-row"][data-category="${cat}"]`);
    for (const v of [vals.DS, vals.DG_Avg, vals.Fluency]) await expect(row).toContainText(v === null ? 'n/a' : v.toFixed(2));
  }
  await expect(run.locator('[data-testid="eval-metric-row"]')).toHaveCount(1 + Object.keys(reference.by_category).length);
}

test('Evaluate page: a full run, and a run killed with SIGKILL that resumes to the same numbers as the CLI', async ({ page }) => {
  test.setTimeout(420_000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-e2e-evalrun-'));
  const model = writeTinyModel(path.join(work, 'model'), 'qwen2', { seed: 21, maxPos: 1024 }).dir;
  const judge = writeTinyClassifier(path.join(work, 'judge'), 'roberta', { seed: 21 }).dir;

  // the reference: an uninterrupted CLI run on a fresh data dir over the same cases
  const cli = spawnSync(
    process.execPath,
    [path.join(ROOT, 'bin/safeedit.mjs'), 'eval', '--model', model, '--judge', judge, '--case-file', CASES, '--max-new-tokens', String(MAX_NEW), '--json'],
    { env: { ...process.env, SAFEEDIT_DATA_DIR: newDataDir() }, encoding: 'utf8', timeout: 240_000 },
  );
  expect(cli.status, cli.stderr).toBe(0);
  const reference = JSON.parse(cli.stdout) as { metrics: Omit<MetricReport, 'counts'>; counts: MetricReport['counts'] };
  const expected = { overall: reference.metrics.overall, by_category: reference.metrics.by_category, counts: reference.counts };

  const dataDir = newDataDir();
  let host = await startHost(dataDir);
  try {
    const imported = await call<{ results: { status: string; imported: number; unchanged: number }[] }>(host, 'dataset.import', { files: [{ path: CASES, split: SPLIT }] });
    expect(imported.results.map((r) => r.status)).toEqual(['imported']);
    expect(imported.results[0].imported).toBe(expected.counts.overall.cases);

    // 1. a full run from the page: progress while it runs, then the per-category metric table
    await page.goto(host.url);
    await page.getByTestId('nav-evaluate').click();
    const first = await startFromPage(page, model, judge, 'ui full run');
    const view = page.getByTestId('eval-run');
    await expect(view.getByRole('progressbar')).toBeVisible();
    await expect(view).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
    const done = await call<RunDetail>(host, 'eval.getRun', { id: first, limit: 0 });
    expect(done.metrics).toEqual(expected);
    await expectTable(page, done.metrics!);
    await expect(page.locator(`[data-testid="eval-run-row"][data-run-id="${first}"]`)).toContainText(expected.overall.DS!.toFixed(2));

    // 2. a second run, the host killed with SIGKILL halfway (a quarter to three quarters of its responses stored)
    const second = await startFromPage(page, model, judge, 'ui killed run');
    let generated = 0;
    for (let i = 0; ; i++) {
      const s = await call<RunDetail>(host, 'eval.getRun', { id: second, limit: 0 });
      generated = s.samples.generated;
      if (generated >= s.samples.applicable / 4) {
        expect(generated, 'polled too late to kill the run halfway').toBeLessThanOrEqual((3 * s.samples.applicable) / 4);
        break;
      }
      expect(s.status, 'the run ended before it could be killed').not.toBe('done');
      await new Promise((r) => setTimeout(r, 20));
    }
    await host.stop('SIGKILL');

    // 3. a new host on the same data dir: the run is interrupted; resume it from the page
    host = await startHost(dataDir);
    await page.goto(host.url);
    await page.getByTestId('nav-evaluate').click();
    const row = page.locator(`[data-testid="eval-run-row"][data-run-id="${second}"]`);
    await expect(row).toContainText('interrupted');
    await row.click();
    await expect(view).toHaveAttribute('data-status', 'interrupted');
    const stored = await call<RunDetail>(host, 'eval.getRun', { id: second, limit: 0 });
    expect(stored.samples.generated).toBeGreaterThanOrEqual(generated);
    expect(stored.samples.generated).toBeLessThan(stored.samples.applicable);
    await page.getByTestId('eval-resume').click();
    await expect(view).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
    const resumed = await call<RunDetail>(host, 'eval.getRun', { id: second, limit: 0 });
    expect(resumed.metrics).toEqual(expected);
    await expectTable(page, resumed.metrics!);
    // same inputs, model, judge and settings: the page groups both runs as comparable
    expect(resumed.comparabilityKey).toBe(done.comparabilityKey);
  } finally {
    await host.stop();
  }
});
