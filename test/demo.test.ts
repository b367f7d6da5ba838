// The reduced demo end to end (what CI runs): train the toy chat model and judge from the demo set, register them,
// evaluate the test records without an edit and with per-case DINM through the real evaluation runner, and check
// the direction of the effect. A regression anywhere in the pipeline (tokenizer, training, graphs, generation,
// judge, editing, evaluation) shows up here as a failure.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../main/cli/index';
import { createContext, type AppContext } from '../main/context';
import { dispatch } from '../main/api/index';
import type { DemoStatus } from '../shared/api/demo';
import { waitForDemo } from '../main/demo/service';
import { buildDemoModels } from '../main/demo/build';
import { resolveModel } from '../main/engine/arch/registry';
import { loadTokenizer } from '../main/engine/text/tokenizer';
import { tempDir } from './helpers';

describe('demo (reduced profile)', () => {
  const dataDir = tempDir('safeedit-demo-');
  let ctx: AppContext | null = null;
  afterAll(async () => {
    await ctx?.close();
  });

  it('safeedit demo --profile reduced: DINM makes the toy model safe on the demo test records', { timeout: 300_000 }, async () => {
    const out: string[] = [];
    const err: string[] = [];
    const prev = process.env.SAFEEDIT_DATA_DIR;
    process.env.SAFEEDIT_DATA_DIR = dataDir;
    let code: number;
    try {
      code = await runCli(['demo', '--profile', 'reduced', '--json'], { out: (s) => out.push(s), err: (s) => err.push(s) });
    } finally {
      if (prev === undefined) delete process.env.SAFEEDIT_DATA_DIR;
      else process.env.SAFEEDIT_DATA_DIR = prev;
    }
    expect(code, err.join('\n')).toBe(0);
    const r = JSON.parse(out[out.length - 1]) as {
      build: { modelDir: string; judgeDir: string; testIds: string[]; reused: boolean; chat: { firstLoss: number; finalLoss: number }; judge: { heldOut: { accuracy: number; texts: number } } };
      before: { metrics: Record<string, number | null> };
      after: { metrics: Record<string, number | null> };
    };
    expect(r.build.reused).toBe(false);
    expect(r.build.testIds.length).toBe(9);
    expect(r.build.chat.finalLoss).toBeLessThan(0.1 * r.build.chat.firstLoss);
    expect(r.build.judge.heldOut.texts).toBe(18);
    expect(r.build.judge.heldOut.accuracy).toBeGreaterThanOrEqual(0.75);
    // normal Hugging Face folders the ordinary loaders read
    expect(resolveModel(r.build.modelDir).arch).toBe('llama');
    expect(loadTokenizer(r.build.judgeDir).info.vocabSize).toBeGreaterThan(1000);
    const b = r.before.metrics;
    const a = r.after.metrics;
    expect(b.DS).not.toBeNull();
    expect(a.DS).not.toBeNull();
    // the toy model answers the attacks unsafely, DINM turns the answers safe
    expect(b.DS!).toBeLessThanOrEqual(20);
    expect(a.DS!).toBeGreaterThanOrEqual(b.DS! + 50);
    expect(a.DG_Avg!).toBeGreaterThan(b.DG_Avg!);
    expect(b.Fluency).toBeGreaterThan(0);
    expect(a.Fluency).toBeGreaterThan(0);
  });

  it('the app request reuses the models built from the same inputs, registers them and reports the summary', { timeout: 300_000 }, async () => {
    ctx = await createContext({ dataDir, transport: 'http' });
    const started = await dispatch(ctx, 'demo.run', { profile: 'reduced' });
    expect(started.ok).toBe(true);
    expect((started as { result: DemoStatus }).result.state).toBe('running');
    const again = await dispatch(ctx, 'demo.run', { profile: 'reduced' });
    expect(again.ok).toBe(false);
    expect(!again.ok && again.error.code).toBe('conflict');
    const end = await waitForDemo(ctx);
    expect(end.state, end.error ?? '').toBe('done');
    expect(end.last!.build.reused).toBe(true);
    expect(end.last!.after.metrics!.DS!).toBeGreaterThanOrEqual(end.last!.before.metrics!.DS! + 50);
    const models = await dispatch(ctx, 'models.list', {});
    expect(models.ok && (models.result as { path: string }[]).some((m) => m.path === end.last!.build.modelDir)).toBe(true);
    const status = await dispatch(ctx, 'demo.status', {});
    expect(status.ok && (status.result as DemoStatus).last?.after.runId).toBe(end.last!.after.runId);
    expect(fs.existsSync(path.join(dataDir, 'demo', 'last.json'))).toBe(true);
    // a rebuild is skipped by key: asking again returns the same folders without training
    const t0 = performance.now();
    const b = await buildDemoModels(dataDir, 'reduced');
    expect(b.reused).toBe(true);
    expect(b.modelDir).toBe(end.last!.build.modelDir);
    expect(performance.now() - t0).toBeLessThan(30_000);
  });
});
