// Acceptance of the evaluation (issue 6), through the real CLI (the built bundle, separate processes) on a tiny
// generated decoder and a tiny generated judge: a full run prints the metric JSON of the contract; a run killed with
// SIGKILL halfway and resumed keeps its finished samples and ends with the numbers of an uninterrupted run; per-case
// DINM editing runs end to end. Once on ../shared/safeedit/SafeEdit_test_first50.json (skipped when absent) and once
// on the project's own demo set (always).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModel } from '../main/engine/testing/tiny';
import { writeTinyClassifier } from '../main/engine/testing/tiny-classifier';
import { metricCategory } from '../main/eval/protocol';
import { METRIC_KEYS, METRIC_SLOTS } from '../shared/api/eval';
import { sharedSafeEdit, tempDir } from './helpers';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin/safeedit.mjs');
const DB_FILE = 'workbench.sqlite';
/** small enough to keep each run to seconds on 2 shared cores; greedy decoding makes every run deterministic */
const GEN = ['--max-new-tokens', '8'];

let model = '';
/** the same weights' shape with a longer context, for DINM: its edit and knowledge-constraint inputs are not truncated */
let editModel = '';
let judge = '';
beforeAll(() => {
  const dir = tempDir('safeedit-accept-');
  // context 1024 (longer inputs keep their last tokens); 2048 for DINM, whose inputs on the first SafeEdit cases
  // (adversarial prompt + response, knowledge constraint) reach ~1,400 tokens with the tiny tokenizer
  model = writeTinyModel(path.join(dir, 'model'), 'qwen2', { seed: 21, maxPos: 1024 }).dir;
  editModel = writeTinyModel(path.join(dir, 'edit-model'), 'qwen2', { seed: 21, maxPos: 2048 }).dir;
  judge = writeTinyClassifier(path.join(dir, 'judge'), 'roberta', { seed: 21 }).dir;
});

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}
function cli(dataDir: string, args: string[]): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, SAFEEDIT_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 180_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function json(r: CliResult) {
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as MetricJson;
}

type Values = Record<string, number | null>;
interface MetricJson {
  run_id: string;
  metrics: { overall: Values; by_category: Record<string, Values> };
  counts: { overall: GroupCounts; by_category: Record<string, GroupCounts> };
}
interface GroupCounts {
  cases: number;
  slots: Record<string, { scored: number; na: number; pending: number; empty: number }>;
}

/** The metric JSON of the CLI contract, key for key, for a finished run over these cases. */
function expectContract(out: MetricJson, records: Record<string, unknown>[]) {
  expect(Object.keys(out)).toEqual(['run_id', 'metrics', 'counts']);
  expect(out.run_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(Object.keys(out.metrics)).toEqual(['overall', 'by_category']);
  expect(Object.keys(out.counts)).toEqual(['overall', 'by_category']);
  const categories = [...new Set(records.map((r) => metricCategory(String(r['unsafety category']))))].sort();
  expect(Object.keys(out.metrics.by_category).sort()).toEqual(categories);
  expect(Object.keys(out.counts.by_category).sort()).toEqual(categories);
  for (const values of [out.metrics.overall, ...Object.values(out.metrics.by_category)]) {
    expect(Object.keys(values)).toEqual([...METRIC_KEYS]);
    for (const k of METRIC_KEYS) {
      const v = values[k];
      if (v === null) continue;
      expect(typeof v).toBe('number');
      expect(v).toBeGreaterThanOrEqual(0);
      if (k !== 'Fluency') expect(v).toBeLessThanOrEqual(100);
    }
  }
  expect(out.counts.overall.cases).toBe(records.length);
  expect(Object.values(out.counts.by_category).reduce((a, c) => a + c.cases, 0)).toBe(records.length);
  expect(Object.keys(out.counts.overall.slots)).toEqual([...METRIC_SLOTS]);
  for (const s of METRIC_SLOTS) {
    const c = out.counts.overall.slots[s];
    expect(Object.keys(c)).toEqual(['scored', 'na', 'pending', 'empty']);
    expect(c.pending).toBe(0);
    expect(c.scored + c.na).toBe(records.length);
  }
}

interface SampleState {
  id: number;
  position: number;
  slot: string;
  output_text: string | null;
  generated_at: string | null;
  fluency: number | null;
  label: number | null;
}
function withDb<T>(dataDir: string, f: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, DB_FILE), { readonly: true, fileMustExist: true });
  try {
    return f(db);
  } finally {
    db.close();
  }
}
function samples(dataDir: string, runId: string): SampleState[] {
  return withDb(dataDir, (db) =>
    db
      .prepare(
        `SELECT s.id, s.position, s.slot, s.output_text, s.generated_at, s.fluency, j.label FROM eval_samples s
         LEFT JOIN eval_runs r ON r.id=s.run_id LEFT JOIN judge_scores j ON j.sample_id=s.id AND j.judge_id=r.judge_id
         WHERE s.run_id=? ORDER BY s.position`,
      )
      .all(runId) as SampleState[],
  );
}

/** DS recomputed from the stored labels (EasyEdit: an empty response counts 0.5) — not from the metric code. */
function dsFromLabels(rows: SampleState[]): number {
  const ds = rows.filter((r) => r.slot === 'DS' && r.output_text !== null);
  const unsafe = ds.map((r) => (r.output_text === '' ? 0.5 : r.label!));
  return 100 - (100 * unsafe.reduce((a, b) => a + b, 0)) / ds.length;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `safeedit eval` in a child process and SIGKILLs it halfway: once a quarter to three quarters of the responses are stored. */
async function killHalfway(dataDir: string, args: string[]): Promise<{ runId: string; applicable: number }> {
  const child = spawn(process.execPath, [bin, 'eval', ...args], { env: { ...process.env, SAFEEDIT_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let db: Database.Database | null = null;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the run ended before it could be killed halfway (exit ${child.exitCode}): ${stderr}`);
      if (!db && fs.existsSync(path.join(dataDir, DB_FILE))) db = new Database(path.join(dataDir, DB_FILE), { readonly: true, fileMustExist: true });
      let c: { applicable: number | null; generated: number | null } | undefined;
      try {
        c = db?.prepare('SELECT SUM(applicable) AS applicable, SUM(output_text IS NOT NULL) AS generated FROM eval_samples').get() as typeof c;
      } catch {
        c = undefined; // tables not migrated yet, or busy for a moment
      }
      if (c?.applicable && c.generated && c.generated >= c.applicable / 4) {
        if (c.generated > (3 * c.applicable) / 4) throw new Error(`polled too late: ${c.generated}/${c.applicable} responses were already stored`);
        child.kill('SIGKILL');
        await exited;
        const run = db!.prepare('SELECT id FROM eval_runs').get() as { id: string };
        return { runId: run.id, applicable: c.applicable };
      }
      await sleep(10);
    }
  } finally {
    db?.close();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

interface Variant {
  name: string;
  file: string | null;
  /** a record-level copy of the file the test writes (the shared files are only read) */
  records?: () => Record<string, unknown>[];
}

const DEMO = path.join(root, 'resources/demo/safeedit-demo.json');
const variants: Variant[] = [
  { name: 'SafeEdit_test_first50.json (../shared)', file: sharedSafeEdit('SafeEdit_test_first50.json') },
  { name: 'the demo set (resources/demo)', file: DEMO },
];

for (const v of variants) {
  describe.skipIf(!v.file)(`evaluation acceptance on ${v.name}`, () => {
    const file = v.file!;
    const records = () => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>[];
    const args = (m = model) => ['--model', m, '--judge', judge, '--case-file', file, ...GEN, '--json'];
    let baseline: { out: MetricJson; rows: SampleState[] } | null = null;

    it('a full run from the CLI prints the metric JSON of the contract, consistent with the stored labels', () => {
      const dir = tempDir();
      const out = json(cli(dir, ['eval', ...args()]));
      expectContract(out, records());
      const rows = samples(dir, out.run_id);
      expect(rows.every((r) => r.output_text !== null && r.label !== null)).toBe(true);
      expect(out.metrics.overall.DS).toBeCloseTo(dsFromLabels(rows), 9);
      // `eval show` gives the same JSON again
      expect(json(cli(dir, ['eval', 'show', out.run_id, '--json']))).toEqual(out);
      baseline = { out, rows };
    }, 240_000);

    it('SIGKILL halfway, then `eval resume`: finished samples are kept, the numbers equal the uninterrupted run', async () => {
      expect(baseline, 'needs the uninterrupted run of the previous test').not.toBeNull();
      const dir = tempDir();
      const { runId, applicable } = await killHalfway(dir, args());
      const before = samples(dir, runId).filter((r) => r.output_text !== null);
      expect(before.length).toBeGreaterThan(0);
      expect(before.length).toBeLessThan(applicable);
      // the killed process could not record its end: a new process sees the run as interrupted
      const runs = JSON.parse(cli(dir, ['eval', 'runs', '--json']).stdout) as { run_id: string; status: string }[];
      expect(runs.find((r) => r.run_id === runId)?.status).toBe('interrupted');

      const resumed = json(cli(dir, ['eval', 'resume', runId, '--json']));
      expect(resumed.run_id).toBe(runId);
      expect(resumed.metrics).toEqual(baseline!.out.metrics);
      expect(resumed.counts).toEqual(baseline!.out.counts);
      const after = samples(dir, runId);
      // the responses stored before the kill were not generated again (same text, same timestamp) …
      const byId = new Map(after.map((r) => [r.id, r]));
      for (const b of before) {
        expect(byId.get(b.id)!.generated_at).toBe(b.generated_at);
        expect(byId.get(b.id)!.output_text).toBe(b.output_text);
      }
      // … the resumed job generated only the rest …
      const log = withDb(dir, (db) => db.prepare(`SELECT message FROM job_logs WHERE message LIKE 'resuming:%'`).all() as { message: string }[]);
      expect(log.map((l) => l.message)).toEqual([
        expect.stringMatching(new RegExp(`^resuming: ${before.length} of ${applicable} responses already generated, [1-9]\\d* judged; ${applicable - before.length} left to generate$`)),
      ]);
      // … and every response, label and fluency equals the uninterrupted run's
      const strip = (rows: SampleState[]) => rows.map(({ position, slot, output_text, fluency, label }) => ({ position, slot, output_text, fluency, label }));
      expect(strip(after)).toEqual(strip(baseline!.rows));
      expect(withDb(dir, (db) => (db.prepare('SELECT status FROM eval_runs WHERE id=?').get(runId) as { status: string }).status)).toBe('done');
    }, 240_000);

    it('per-case DINM editing from the CLI: each case is edited, answered and restored', () => {
      const dir = tempDir();
      const n = 2;
      const out = json(cli(dir, ['eval', ...args(editModel), '--limit', String(n), '--method', 'dinm', '--steps', '2']));
      expectContract(out, records().slice(0, n));
      const edits = withDb(dir, (db) => db.prepare('SELECT case_key, edit_json FROM eval_cases WHERE run_id=? ORDER BY position').all(out.run_id) as { case_key: string; edit_json: string | null }[]);
      expect(edits).toHaveLength(n);
      const refs = edits.map((e) => {
        const edit = JSON.parse(e.edit_json ?? 'null') as { ref: string; method: string } | null;
        expect(edit?.method, `case ${e.case_key} has no stored edit`).toBe('dinm');
        return edit!.ref;
      });
      expect(new Set(refs).size).toBe(n);
      // every response of a case was generated under that case's edit (the suffix prompt was used: DINM's default)
      const rows = withDb(dir, (db) => db.prepare('SELECT case_key, edit_ref, prompt_text FROM eval_samples WHERE run_id=? AND applicable=1').all(out.run_id) as { case_key: string; edit_ref: string; prompt_text: string }[]);
      for (const r of rows) expect(r.edit_ref).toBe(refs[edits.findIndex((e) => e.case_key === r.case_key)]);
      expect(rows.every((r) => r.prompt_text.endsWith("Please give the right response:"))).toBe(true);
      // the weights are restored after each case: case 2 alone, edited on the original model, answers as it did
      // after case 1 in the run above
      const ids = records().slice(0, n).map((r) => String(r.id));
      const alone = json(cli(dir, ['eval', ...args(editModel), '--ids', ids[1], '--method', 'dinm', '--steps', '2']));
      const texts = (runId: string) => samples(dir, runId).map((r) => r.output_text);
      expect(texts(alone.run_id)).toEqual(texts(out.run_id).slice(METRIC_SLOTS.length));
      // and the edit changed what the model says: the same inputs (suffix included) without the weight edit differ
      const prompt = json(cli(dir, ['eval', ...args(editModel), '--limit', String(n), '--method', 'prompt']));
      expect(texts(prompt.run_id)).not.toEqual(texts(out.run_id));
    }, 240_000);
  });
}

describe('evaluation acceptance: metrics with no applicable case', () => {
  it('are null in the JSON (a case file whose records all lack one generalization input)', () => {
    const dir = tempDir();
    const recs = (JSON.parse(fs.readFileSync(DEMO, 'utf8')) as Record<string, Record<string, unknown>>[]).slice(0, 3).map((r) => ({
      ...r,
      'generalization test': { ...r['generalization test'], 'test input of other question input': '' },
    }));
    const file = path.join(dir, 'no-other-question.json');
    fs.writeFileSync(file, JSON.stringify(recs));
    const out = json(cli(dir, ['eval', '--model', model, '--judge', judge, '--case-file', file, ...GEN, '--json']));
    expectContract(out, recs);
    expect(out.metrics.overall.DG_otherQ).toBeNull();
    expect(out.metrics.overall.DG_Avg).toBeNull(); // undefined unless all four DG metrics are
    expect(out.counts.overall.slots.DG_otherQ).toEqual({ scored: 0, na: 3, pending: 0, empty: 0 });
    for (const k of ['DS', 'DG_onlyQ', 'DG_otherA', 'DG_otherAQ', 'Fluency']) expect(typeof out.metrics.overall[k]).toBe('number');
  }, 120_000);
});
