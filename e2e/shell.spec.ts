import { test, expect, startHost, newDataDir } from './fixtures';

test('the shell renders: sidebar, pages, status bar with provider and data dir, theme', async ({ host, page }) => {
  await page.goto(host.url);
  for (const p of ['dataset', 'models', 'edit', 'evaluate', 'experiments', 'jobs', 'settings']) {
    await expect(page.getByTestId(`nav-${p}`)).toBeVisible();
  }
  await expect(page.getByTestId('status-provider')).toHaveText('cpu');
  await expect(page.getByTestId('status-datadir')).toHaveText(host.dataDir);
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('page-settings')).toBeVisible();
  await page.getByTestId('theme-select').selectOption('light');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  // persisted in SQLite: a reload keeps it
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});

test('the host refuses requests without the token (401)', async ({ host, page }) => {
  const noToken = await page.request.get(`${host.base}/api/health`);
  expect(noToken.status()).toBe(401);
  const call = await page.request.post(`${host.base}/api/call/system.info`, { data: {} });
  expect(call.status()).toBe(401);
  const ok = await page.request.get(`${host.base}/api/health?token=${host.token}`);
  expect(ok.status()).toBe(200);
  expect(await ok.json()).toEqual({ ok: true });
  const ui = await page.request.get(`${host.base}/`);
  expect(ui.status()).toBe(401);
});

test('a job started from the UI shows progress and can be cancelled', async ({ host, page }) => {
  await page.goto(host.url);
  await page.getByTestId('nav-jobs').click();
  await page.getByTestId('diag-steps').fill('600');
  await page.getByTestId('start-diagnostics').click();
  const row = page.getByTestId('job-row').first();
  await expect(row).toHaveAttribute('data-status', 'running');
  // progress moves and the sidebar panel shows it
  await expect
    .poll(async () => Number(await row.getByRole('progressbar').getAttribute('aria-valuenow')), { timeout: 20_000 })
    .toBeGreaterThan(0);
  await expect(page.getByTestId('jobs-panel').getByRole('progressbar')).toBeVisible();
  await row.getByTestId('job-cancel').click();
  await expect(row).toHaveAttribute('data-status', 'cancelled');
  await expect(row.getByTestId('job-status')).toHaveText('cancelled');
});

test('after SIGKILL mid-job, the next start shows that job interrupted', async ({ page }) => {
  const dataDir = newDataDir();
  const first = await startHost(dataDir);
  await page.goto(first.url);
  await page.getByTestId('nav-jobs').click();
  await page.getByTestId('diag-steps').fill('2000');
  await page.getByTestId('start-diagnostics').click();
  const row = page.getByTestId('job-row').first();
  await expect(row).toHaveAttribute('data-status', 'running');
  await expect
    .poll(async () => Number(await row.getByRole('progressbar').getAttribute('aria-valuenow')), { timeout: 20_000 })
    .toBeGreaterThan(0);
  await first.stop('SIGKILL');
  const second = await startHost(dataDir);
  try {
    await page.goto(second.url);
    await page.getByTestId('nav-jobs').click();
    const again = page.getByTestId('job-row').first();
    await expect(again).toHaveAttribute('data-status', 'interrupted');
    await expect(again).toContainText('stopped before it finished');
  } finally {
    await second.stop();
  }
});

test('a finished job shows its log and result in the detail view', async ({ host, page }) => {
  await page.goto(`${host.url}#/jobs`);
  await page.getByTestId('diag-steps').fill('3');
  await page.getByTestId('start-diagnostics').click();
  const row = page.getByTestId('job-row').first();
  await expect(row).toHaveAttribute('data-status', 'done');
  await row.getByRole('button', { name: /Diagnostics/ }).click();
  await expect(page.getByTestId('job-log')).toContainText('3 steps');
  await expect(page.getByTestId('job-detail')).toContainText('gflops');
});
