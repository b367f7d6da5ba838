// The evaluation loop. Works over the stored work list (store.ts): generates the applicable samples that have no
// output yet (per-case edit → generate → restore, or batched across cases with no edit), commits each finished
// batch at once, judges generated samples that the run's judge has not scored, and refreshes the metrics.
// Restarting a run therefore never redoes a finished sample. Written against the Generator/Judge/Editor interfaces.
import type { Db } from '../store/db';
import type { JudgeInfo, MetricReport, Provenance } from '../../shared/api/eval';
import { AppError } from '../../shared/errors';
import { throwIfCancelled } from '../jobs/task';
import type { Editor, Generator, Judge } from './interfaces';
import { fluency } from './fluency';
import { getJudge, labelFor } from './judge';
import { chatProblem, protocolFor, resolveChat } from './protocol';
import {
  caseRecord,
  pendingGenerations,
  refreshMetrics,
  runJudgeId,
  runProvenance,
  runSettings,
  saveCaseEdit,
  saveGenerations,
  saveScores,
  setRunProvenance,
  setRunStatus,
  unjudgedSamples,
  type WorkItem,
} from './store';
import { randomUUID } from 'node:crypto';

export interface RunnerDeps {
  generator: Generator;
  judge: Judge;
  /** required when the run's protocol is per-case edit */
  editor: Editor | null;
}

export interface RunnerHooks {
  signal: AbortSignal;
  progress(fraction: number, stage: string): void;
  log?(message: string): void;
  /** called with fresh metrics whenever judged samples were committed */
  metrics?(report: MetricReport): void;
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/**
 * Scores every generated sample of a run that this judge has not scored, in batches of `batchSize`, committing
 * each batch. `minBatch` > 1 leaves a remainder smaller than it for later (batching across cases).
 */
export async function judgeRun(
  db: Db,
  runId: string,
  judgeInfo: JudgeInfo,
  judge: Judge,
  opts: { batchSize: number; minBatch?: number; signal: AbortSignal; onBatch?: (n: number) => void },
): Promise<number> {
  let done = 0;
  for (;;) {
    const todo = unjudgedSamples(db, runId, judgeInfo.id);
    if (todo.length === 0 || todo.length < (opts.minBatch ?? 1)) return done;
    for (const batch of chunks(todo, opts.batchSize)) {
      if (batch.length < (opts.minBatch ?? 1)) return done;
      throwIfCancelled(opts);
      const t0 = performance.now();
      const p = await judge.classify(
        batch.map((b) => b.output),
        opts.signal,
      );
      if (p.length !== batch.length) throw new AppError('judge_failed', `the judge returned ${p.length} scores for ${batch.length} texts`);
      const ms = (performance.now() - t0) / batch.length;
      saveScores(
        db,
        judgeInfo,
        batch.map((b, i) => {
          if (!Number.isFinite(p[i]) || p[i] < 0 || p[i] > 1) throw new AppError('judge_failed', `the judge returned P(unsafe)=${p[i]}, not a probability`);
          return { sampleId: b.sampleId, pUnsafe: p[i], label: labelFor(p[i], judgeInfo.threshold), judgeMs: ms };
        }),
      );
      done += batch.length;
      opts.onBatch?.(batch.length);
    }
  }
}

/** Runs (or resumes) an evaluation run to the end. Sets the run's status; rethrows failures and cancellation. */
export async function runEvaluation(db: Db, runId: string, deps: RunnerDeps, hooks: RunnerHooks): Promise<MetricReport> {
  const settings = runSettings(db, runId);
  const judgeInfo = getJudge(db, runJudgeId(db, runId));
  const protocol = protocolFor(settings.edit.method);
  const { generator, judge, editor } = deps;
  try {
    // Provenance: fixed at the first start; a resume must see the same model and chat decision.
    const prov: Provenance = runProvenance(db, runId);
    if (prov.modelHash === null) prov.modelHash = generator.modelHash;
    else if (prov.modelHash !== generator.modelHash) {
      throw new AppError('model_changed', `the model files at ${prov.modelPath} changed since this run started (hash ${prov.modelHash.slice(0, 12)} → ${generator.modelHash.slice(0, 12)}); start a new run`);
    }
    if (prov.chat === null) {
      prov.chat = resolveChat(settings.generation.chat, settings.edit.mode, generator.hasChatTemplate);
      const problem = chatProblem(prov.chat, generator.hasChatTemplate);
      if (problem) throw new AppError('invalid_input', problem);
    }
    setRunProvenance(db, runId, prov);
    if (protocol === 'per-case edit' && !editor) throw new AppError('not_available', `edit method '${settings.edit.method}' needs an editor`);
    setRunStatus(db, runId, 'running');

    const g = settings.generation;
    const genOptions = { maxNewTokens: g.maxNewTokens, greedy: g.greedy, temperature: g.temperature, topP: g.topP, seed: g.seed, batchSize: g.batchSize, chat: prov.chat.used };
    const pending = pendingGenerations(db, runId);
    const totals = db
      .prepare(
        `SELECT SUM(applicable) AS applicable, SUM(output_text IS NOT NULL) AS generated,
           SUM(EXISTS (SELECT 1 FROM judge_scores j WHERE j.sample_id=s.id AND j.judge_id=?)) AS judged
         FROM eval_samples s WHERE run_id=?`,
      )
      .get(judgeInfo.id, runId) as { applicable: number | null; generated: number | null; judged: number | null };
    const work = Math.max(1, 2 * (totals.applicable ?? 0));
    let generated = totals.generated ?? 0;
    let judged = totals.judged ?? 0;
    let stage = 'starting';
    const report = () => hooks.progress((generated + judged) / work, stage);
    const publish = () => hooks.metrics?.(refreshMetrics(db, runId, judgeInfo.id));
    const judgeSome = async (minBatch: number) => {
      const n = await judgeRun(db, runId, judgeInfo, judge, {
        batchSize: g.judgeBatchSize,
        minBatch,
        signal: hooks.signal,
        onBatch: (k) => {
          judged += k;
          stage = `judging (${judged}/${totals.applicable ?? 0})`;
          report();
        },
      });
      if (n > 0) publish();
    };
    const generateBatch = async (items: WorkItem[], editRef: string | null) => {
      throwIfCancelled(hooks);
      const t0 = performance.now();
      const out = await generator.generate(
        items.map((w) => w.prompt),
        genOptions,
        hooks.signal,
      );
      if (out.length !== items.length) throw new AppError('generation_failed', `the generator returned ${out.length} texts for ${items.length} prompts`);
      const ms = (performance.now() - t0) / items.length;
      saveGenerations(
        db,
        items.map((w, i) => ({
          sampleId: w.sampleId,
          output: out[i].text,
          promptTokens: out[i].promptTokens,
          outputTokens: out[i].outputTokens,
          genMs: ms,
          fluency: fluency(out[i].text),
          editRef,
        })),
      );
      generated += items.length;
      report();
    };

    if (generated > 0 || judged > 0) {
      hooks.log?.(`resuming: ${generated} of ${totals.applicable ?? 0} responses already generated, ${judged} judged; ${pending.length} left to generate`);
    }
    report();
    // A crash between generating and judging leaves generated, unjudged samples: score them first.
    await judgeSome(1);

    const caseKeys = [...new Set(pending.map((w) => w.caseKey))];
    if (protocol === 'per-case edit') {
      for (const [i, key] of caseKeys.entries()) {
        throwIfCancelled(hooks);
        const items = pending.filter((w) => w.caseKey === key);
        const c = caseRecord(db, runId, key);
        stage = `case ${i + 1}/${caseKeys.length}: editing`;
        report();
        const info = await editor!.apply(c, settings.edit, hooks.signal);
        const ref = randomUUID();
        try {
          saveCaseEdit(db, runId, key, { ref, ...info });
          stage = `case ${i + 1}/${caseKeys.length}: generating ${items.length}`;
          report();
          for (const batch of chunks(items, g.batchSize)) await generateBatch(batch, ref);
        } finally {
          await editor!.restore();
        }
        await judgeSome(g.judgeBatchSize);
      }
    } else {
      // Batches across cases, of prompts of similar length (less left padding to prefill). Greedy results do not
      // depend on which prompts share a batch (test/eval-engine.test.ts), so neither do the numbers.
      const byLength = [...pending].sort((a, b) => a.prompt.length - b.prompt.length || a.position - b.position);
      for (const batch of chunks(byLength, g.batchSize)) {
        stage = `generating responses ${generated + 1}–${generated + batch.length} of ${totals.applicable ?? 0}`;
        report();
        await generateBatch(batch, null);
        await judgeSome(g.judgeBatchSize);
      }
    }
    await judgeSome(1);
    const final = refreshMetrics(db, runId, judgeInfo.id);
    hooks.metrics?.(final);
    setRunStatus(db, runId, 'done');
    hooks.progress(1, 'done');
    return final;
  } catch (e) {
    const cancelled = (e instanceof AppError && e.code === 'cancelled') || hooks.signal.aborted;
    refreshMetrics(db, runId, judgeInfo.id);
    setRunStatus(db, runId, cancelled ? 'cancelled' : 'failed', cancelled ? null : (e as Error).message);
    throw cancelled && !(e instanceof AppError && e.code === 'cancelled') ? new AppError('cancelled', 'cancelled by the user') : e;
  }
}
