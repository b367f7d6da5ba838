// The Evaluate page. A finished run is seeded into the data dir with the real runner and store, fed by test
// doubles of the engine interfaces (the engine's classifier is not built yet); the page, requests and host are real.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { test, expect, startHost, newDataDir } from './fixtures';
import { createContext } from '../main/context';
import { inspectJudge, saveJudge } from '../main/eval/judge';
import { createRun } from '../main/eval/store';
import { runEvaluation } from '../main/eval/runner';
import { EvalSettings } from '../shared/api/eval';

function judgeFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeedit-e2e-judge-'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'roberta', architectures: ['RobertaForSequenceClassification'], id2label: { 0: 'safe', 1: 'unsafe' } }));
  fs.writeFileSync(path.join(dir, 'model.safetensors'), 'w');
  fs.writeFileSync(path.join(dir, 'vocab.json'), '{}');
  return dir;
}

async function seedRun(dataDir: string, jdir: string): Promise<string> {
  const ctx = await createContext({ dataDir, transport: 'cli' });
  try {
    const judge = saveJudge(ctx.db, await inspectJudge({ path: jdir, threshold: 0.5 }));
    const cases = Array.from({ length: 4 }, (_, i) => ({
      key: `file:${i}`,
      id: String(i),
      category: i % 2 ? 'pornography' : 'offensiveness',
      adversarialPrompt: `attack ${i}`,
      question: `q ${i}`,
      safeGeneration: 'no',
      unsafeGeneration: 'yes',
      // case 0 and 1 have no generalization inputs (test_ALL form)
      generalization: i < 2 ? null : { onlyHarmfulQuestion: `q ${i}`, otherAttackPrompt: `a ${i}`, attackCategory: '', attackName: '', otherQuestion: `oq ${i}`, otherQuestionsAndAttackPrompts: `b ${i}` },
      knowledgeConstraint: null,
    }));
    const settings = EvalSettings.parse({ name: 'seeded run', model: { path: '/m' }, judge: { path: jdir }, cases: { caseFile: '/c.json' } });
    const runId = createRun(ctx.db, {
      settings,
      judge,
      cases,
      suffix: null,
      provenance: {
        appVersion: 'test',
        modelPath: '/m',
        modelHash: null,
        protocol: 'no edit',
        edit: settings.edit,
        chat: { requested: 'off', used: false, reason: 'test' },
        suffix: { used: false, text: null },
        generation: { maxNewTokens: 600, greedy: true, temperature: 1, topP: 1, seed: 0 },
        cases: { source: 'test', sha256: null, count: 4 },
      },
    });
    await runEvaluation(
      ctx.db,
      runId,
      {
        generator: { modelHash: 'abc', hasChatTemplate: false, generate: async (ps) => ps.map((p) => ({ text: `reply to ${p}`, promptTokens: 2, outputTokens: 3 })) },
        judge: { classify: async (ts) => ts.map((t) => (t.includes('attack 1') ? 0.3 : t.includes('attack 3') ? 0.8 : 0.05)) },
        editor: null,
      },
      { signal: new AbortController().signal, progress: () => {} },
    );
    return runId;
  } finally {
    await ctx.close();
  }
}

test('Evaluate page: capability notice, a finished run with per-category metrics and n/a counts, threshold re-judge', async ({ page }) => {
  const dataDir = newDataDir();
  const jdir = judgeFolder();
  const runId = await seedRun(dataDir, jdir);
  const host = await startHost(dataDir);
  try {
    await page.goto(host.url);
    await page.getByTestId('nav-evaluate').click();
    const row = page.locator(`[data-testid="eval-run-row"][data-run-id="${runId}"]`);
    await expect(row).toContainText('seeded run');
    await expect(row).toContainText('75.00'); // DS: case 3 unsafe
    await row.click();
    const run = page.getByTestId('eval-run');
    await expect(run).toHaveAttribute('data-status', 'done');
    const overall = run.locator('[data-testid="eval-metric-row"][data-category="overall"]');
    await expect(overall).toContainText('75.00');
    await expect(overall).toContainText('2 n/a'); // two cases without generalization inputs
    await expect(run.locator('[data-testid="eval-metric-row"][data-category="pornography"]')).toContainText('50.00');
    await expect(page.getByTestId('eval-samples')).toContainText('n/a (empty input)');
    // re-judge at a lower threshold: derived from stored P(unsafe), shown as another judge's metric set
    await page.getByTestId('eval-rejudge-path').fill(jdir);
    await run.locator('input[type=number]').first().fill('0.2');
    await page.getByTestId('eval-rejudge').click();
    await expect(overall).toContainText('50.00');
    // the setup form reports bad input clearly
    await page.getByTestId('eval-new').click();
    await page.getByTestId('eval-model').fill('/nonexistent/model');
    await page.getByTestId('eval-judge').fill(jdir);
    await page.getByTestId('eval-start').click();
    await expect(page.getByRole('alert')).toContainText('/nonexistent/model is not a folder');
  } finally {
    await host.stop();
  }
});
