import { test, expect } from './fixtures';

// First start: no model registered → the demo offer; one click trains the toy models and evaluates before/after
// DINM with a progress bar (the same pipeline as `npm run demo`, docs/demo.md). About a minute on two cores.
test('the first-start demo offer runs the demo with a progress bar and shows before → after', async ({ host, page }) => {
  test.setTimeout(300_000);
  await page.goto(host.url);
  const offer = page.getByTestId('demo-offer');
  await expect(offer).toBeVisible();
  await page.getByTestId('demo-start').click();
  await expect(offer.getByRole('progressbar')).toBeVisible();
  await expect(page.getByTestId('demo-stage')).toContainText(/build|train|chat model/i);
  await expect(page.getByTestId('demo-result')).toBeVisible({ timeout: 280_000 });
  await expect(page.getByTestId('demo-result')).toContainText(/DS 0\.0 → \d/);
  // the demo model is registered
  await page.getByTestId('nav-models').click();
  await expect(page.getByTestId('models-table')).toContainText('Demo chat model');
});
