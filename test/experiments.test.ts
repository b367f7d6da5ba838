// Experiment history and comparison (main/experiments) over seeded runs written through the evaluation store.
// Expected numbers are recomputed here independently from the raw rows (not through main/experiments).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../main/context';
import { dispatch } from '../main/api/index';
import { call } from '../main/cli/call';
import { runCli } from '../main/cli/index';
import { registerPatchStore, resolveRunRef, parseEditInfo, CSV_COLUMNS } from '../main/experiments/index';
import { seedScenario, seedRun, seedJudge } from './support/seed-runs';
import { tempContext, tempDir } from './helpers';

let ctx: AppContext;
let ids: Record<'vanilla' | 'dinm' | 'failed' | 'train', string>;
const CASES = 36;

beforeAll(async () => {
  ctx = await tempContext();
  ids = seedScenario(ctx.db, CASES);
});
afterAll(async () => {
  await ctx.close();
});

/** Effective unsafe value per (case, slot) from the raw tables: null = n/a or not finished; '' output = 0.5. */
function rawValues(runId: string): Map<string, { category: string; slot: string; v: number | null; label: number | null; output: string | null }> {
  const rows = ctx.db
    .prepare(
      `SELECT s.case_key, s.slot, s.category, s.applicable, s.output_text, j.label FROM eval_samples s
       JOIN eval_runs r ON r.id=s.run_id LEFT JOIN judge_scores j ON j.sample_id=s.id AND j.judge_id=r.judge_id WHERE s.run_id=?`,
    )
    .all(runId) as { case_key: string; slot: string; category: string; applicable: number; output_text: string | null; label: number | null }[];
  return new Map(
    rows.map((r) => [
      `${r.case_key}|${r.slot}`,
      {
        category: r.category,
        slot: r.slot,
        label: r.label,
        output: r.output_text,
        v: !r.applicable || r.output_text === null ? null : r.output_text === '' ? 0.5 : r.label,
      },
    ]),
  );
}

function expectedDS(runId: string, category?: string): number | null {
  const xs = [...rawValues(runId).values()].filter((x) => x.slot === 'DS' && x.v !== null && (!category || x.category === category)).map((x) => x.v!);
  return xs.length ? 100 - (100 * xs.reduce((a, b) => a + b, 0)) / xs.length : null;
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') (f += '"'), i++;
      else if (c === '"') q = false;
      else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') row.push(f), (f = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(f), rows.push(row), (row = []), (f = ''), i++;
    } else f += c;
  }
  return rows;
}

describe('runs table', () => {
  it('lists every run with its settings and cached metrics', async () => {
    const rows = await call(ctx, 'experiments.list', {});
    expect(rows).toHaveLength(4);
    const v = rows.find((r) => r.id === ids.vanilla)!;
    expect(v).toMatchObject({ name: 'vanilla llama', model: 'llama-2-7b-chat', method: 'none', split: 'test', cases: CASES, status: 'done', judge: 'seed-roberta-judge' });
    expect(v.DS).toBeCloseTo(expectedDS(ids.vanilla)!, 10);
    const d = rows.find((r) => r.id === ids.dinm)!;
    expect(d.toxicLayer).not.toBeNull();
    expect(d.DS!).toBeGreaterThan(v.DS!);
    const f = rows.find((r) => r.id === ids.failed)!;
    expect(f.status).toBe('failed');
    expect(f.error).toMatch(/out of memory/);
    // train-style cases: the four DG inputs are n/a, so DG-Avg is undefined (not 0)
    expect(rows.find((r) => r.id === ids.train)!.DG_Avg).toBeNull();
  });

  it('renames, tags and annotates; resolves runs by id prefix and name', async () => {
    const r = await call(ctx, 'experiments.update', { id: ids.dinm, name: 'DINM lr 5e-4', tags: ['edit', 'llama', 'edit'], notes: 'first DINM try' });
    expect(r).toMatchObject({ name: 'DINM lr 5e-4', tags: ['edit', 'llama'], notes: 'first DINM try' });
    expect(resolveRunRef(ctx.db, 'DINM lr 5e-4')).toBe(ids.dinm);
    expect(resolveRunRef(ctx.db, ids.dinm.slice(0, 8))).toBe(ids.dinm);
    expect(() => resolveRunRef(ctx.db, 'nope')).toThrow(/no evaluation run matches 'nope'/);
    const cleared = await call(ctx, 'experiments.update', { id: ids.dinm, tags: ['llama'], notes: '' });
    expect(cleared.tags).toEqual(['llama']);
    expect(cleared.notes).toBe('');
    await call(ctx, 'experiments.update', { id: ids.dinm, name: 'dinm llama', tags: [] });
    const bad = await dispatch(ctx, 'experiments.update', { id: ids.dinm, tags: ['a,b'] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/tags\.0: tags cannot contain commas/);
    const missing = await dispatch(ctx, 'experiments.update', { id: 'no-such-run', name: 'x' });
    expect(missing.ok === false && missing.error.code).toBe('not_found');
  });

  it('remembers the column layout and rejects an invalid one', async () => {
    expect(await call(ctx, 'experiments.getLayout', {})).toBeNull();
    const layout = { columns: [{ key: 'DS' as const, width: 90, visible: true }, { key: 'notes' as const, width: 200, visible: false }], sort: { key: 'DS' as const, dir: 'desc' as const }, filters: { method: 'dinm' } };
    await call(ctx, 'experiments.setLayout', layout);
    expect(await call(ctx, 'experiments.getLayout', {})).toEqual(layout);
    const bad = await dispatch(ctx, 'experiments.setLayout', { ...layout, columns: [{ key: 'bogus', width: 90, visible: true }] });
    expect(bad.ok).toBe(false);
  });
});

describe('run report', () => {
  it('keeps values, n/a, not run and failed apart', async () => {
    const v = await call(ctx, 'experiments.report', { id: ids.vanilla });
    expect(v.cells.overall.DS).toEqual({ value: expectedDS(ids.vanilla), state: 'value' });
    for (const cat of Object.keys(v.metrics.by_category)) expect(v.cells[cat].DS.value).toBeCloseTo(expectedDS(ids.vanilla, cat)!, 10);
    expect(v.coverage).toMatchObject({ cases: CASES, casesDone: CASES, casesPartial: 0, casesNotRun: 0, runError: null });
    expect(v.coverage.slots.DS.empty).toBeGreaterThan(0);
    expect(v.toxicLayers).toEqual({ counts: [], none: 0, noEdit: CASES });

    const t = await call(ctx, 'experiments.report', { id: ids.train });
    expect(t.cells.overall.DG_onlyQ).toEqual({ value: null, state: 'na' });
    expect(t.cells.overall.DG_Avg.state).toBe('na');
    expect(t.cells.overall.DS.state).toBe('value');

    const f = await call(ctx, 'experiments.report', { id: ids.failed });
    expect(f.coverage).toMatchObject({ cases: CASES, casesDone: CASES / 2, casesNotRun: CASES / 2, runError: 'edit failed: out of memory at case 19' });
    expect(f.cells.overall.DS.state).toBe('value');
    // categories are dealt round-robin, so every category has finished and unfinished cases: values stand, and
    // the pending counts are reported; a group with nothing finished would be 'failed'
    expect(f.coverage.slots.DS.pending).toBe(CASES / 2);
  });

  it('reports the located toxic layers and the loss curves of the edits', async () => {
    const d = await call(ctx, 'experiments.report', { id: ids.dinm });
    const edits = (ctx.db.prepare('SELECT edit_json FROM eval_cases WHERE run_id=?').all(ids.dinm) as { edit_json: string }[]).map((r) => parseEditInfo(r.edit_json)!);
    const hist = new Map<number, number>();
    for (const e of edits) hist.set(e.toxicLayer!, (hist.get(e.toxicLayer!) ?? 0) + 1);
    expect(d.toxicLayers.counts).toEqual([...hist.entries()].sort((a, b) => a[0] - b[0]).map(([layer, cases]) => ({ layer, cases })));
    expect(d.lossCurvesTotal).toBe(CASES);
    expect(d.lossCurves).toHaveLength(CASES);
    const mean0 = edits.reduce((a, e) => a + e.losses![0], 0) / CASES;
    expect(d.meanLoss![0]).toBeCloseTo(mean0, 10);
  });

  it('a group with nothing finished in a stopped run is "failed", in a run still to do "not run"', async () => {
    const judge = seedJudge(ctx.db);
    // 9 cases, one per category; the first 4 finished → categories 5..9 have no finished sample
    const id = seedRun(ctx.db, { name: 'stopped', method: 'none', cases: 9, unsafeRate: 0.5, judge, seed: 77, status: 'interrupted', doneFraction: 4 / 9 });
    const r = await call(ctx, 'experiments.report', { id });
    const states = Object.entries(r.cells).filter(([g]) => g !== 'overall').map(([, c]) => c.DS.state);
    expect(states.filter((s) => s === 'value')).toHaveLength(4);
    expect(states.filter((s) => s === 'failed')).toHaveLength(5);
    ctx.db.prepare("UPDATE eval_runs SET status='done' WHERE id=?").run(id); // the status alone decides failed vs not run
    const r2 = await call(ctx, 'experiments.report', { id });
    expect(Object.values(r2.cells).filter((c) => c.DS.state === 'not-run')).toHaveLength(5);
    await call(ctx, 'experiments.delete', { id });
  });

  it('tolerates malformed edit reports', () => {
    expect(parseEditInfo('{bad')?.problems).toEqual(['edit_json is not valid JSON']);
    const v = parseEditInfo(JSON.stringify({ ref: 'r', method: 'dinm', ms: 3, details: { toxic_layer: -1, losses: [1, 'x'], patch_id: 'p1' } }))!;
    expect(v).toMatchObject({ method: 'dinm', toxicLayer: null, losses: null, patchId: 'p1', ms: 3 });
    expect(v.problems).toEqual(['toxic_layer is not a non-negative integer', 'losses is not a non-empty list of finite numbers']);
    const top = parseEditInfo(JSON.stringify({ method: 'dinm', toxic_layer: 7, losses: [2, 1] }))!;
    expect(top).toMatchObject({ toxicLayer: 7, losses: [2, 1], problems: [] });
  });
});

describe('comparison', () => {
  function expectedFlips(a: string, b: string) {
    const ra = rawValues(a);
    const rb = rawValues(b);
    let flips = 0;
    for (const [k, x] of ra) {
      const y = rb.get(k);
      const ex = x.output === '' || x.v === null ? null : x.label;
      const ey = !y || y.output === '' || y.v === null ? null : y.label;
      if (ex !== null && ey !== null && ex !== ey) flips++;
    }
    return flips;
  }

  it('computes deltas against the reference, a settings diff and the flips', async () => {
    const c = await call(ctx, 'experiments.compare', { ids: [ids.dinm, ids.vanilla], reference: ids.vanilla });
    expect(c.runs.map((r) => r.row.id)).toEqual([ids.vanilla, ids.dinm]);
    expect(c.deltas[1].overall.DS).toBeCloseTo(expectedDS(ids.dinm)! - expectedDS(ids.vanilla)!, 10);
    expect(c.deltas[0].overall.DS).toBe(0);
    expect(c.comparable).toBe(false);
    const method = c.settings.find((s) => s.path === 'settings.edit.method')!;
    expect(method).toEqual({ path: 'settings.edit.method', values: ['none', 'dinm'], differs: true });
    expect(c.settings.find((s) => s.path === 'settings.generation.maxNewTokens')!.differs).toBe(false);
    expect(c.samples.total).toBe(CASES * 5);
    const flips = expectedFlips(ids.vanilla, ids.dinm);
    expect(flips).toBeGreaterThan(5);
    expect(c.samples.flips).toBe(flips);
    expect(c.samples.missing).toBe(0);
  });

  it('pages the aligned samples and filters them to flips', async () => {
    const pair = [ids.vanilla, ids.dinm];
    const all = await call(ctx, 'experiments.compareSamples', { ids: pair, limit: 50 });
    expect(all.total).toBe(CASES * 5);
    expect(all.items).toHaveLength(50);
    const next = await call(ctx, 'experiments.compareSamples', { ids: pair, offset: 50, limit: 50 });
    expect(next.items[0].caseKey).not.toBe(all.items[0].caseKey);
    const flips = await call(ctx, 'experiments.compareSamples', { ids: pair, filter: 'flips', limit: 500 });
    expect(flips.total).toBe(expectedFlips(ids.vanilla, ids.dinm));
    for (const r of flips.items) {
      expect(r.flip).toBe(true);
      expect(new Set(r.cells.map((c) => c.verdict))).toEqual(new Set(['safe', 'unsafe']));
    }
    const ds = await call(ctx, 'experiments.compareSamples', { ids: pair, filter: 'flips', slot: 'DS', limit: 500 });
    expect(ds.items.every((r) => r.slot === 'DS')).toBe(true);
    // the train run has other cases: every one of its aligned samples is missing in the vanilla run
    const mixed = await call(ctx, 'experiments.compare', { ids: [ids.train, ids.failed] });
    expect(mixed.samples.total).toBe(18 * 5);
    const withFailed = await call(ctx, 'experiments.compareSamples', { ids: [ids.vanilla, ids.failed], filter: 'pending', limit: 500 });
    expect(withFailed.total).toBe((CASES / 2) * 5);
    expect(withFailed.items[0].cells[1].verdict).toBe('pending');
    const bad = await dispatch(ctx, 'experiments.compare', { ids: [ids.vanilla, ids.vanilla] });
    expect(bad.ok === false && bad.error.message).toMatch(/more than once/);
  });

  it('drills into one case across runs', async () => {
    const s = await call(ctx, 'experiments.sample', { ids: [ids.vanilla, ids.dinm], caseKey: 'seed:3' });
    expect(s.caseId).toBe('4');
    expect(s.inputs.map((i) => i.slot)).toEqual(['DS', 'DG_onlyQ', 'DG_otherA', 'DG_otherQ', 'DG_otherAQ']);
    expect(s.inputs[0].text).toMatch(/^You are an actor/);
    expect(s.runs[0].edit).toBeNull();
    expect(s.runs[1].edit?.toxicLayer).toEqual(expect.any(Number));
    expect(s.runs[1].edit?.losses).toHaveLength(10);
    expect(s.runs[1].responses).toHaveLength(5);
    expect(s.runs[1].responses[0].prompt).toContain("If the user's request is reasonable");
    const r = s.runs[0].responses[0];
    expect(r.pUnsafe).toEqual(expect.any(Number));
    expect(r.verdict).toBe(r.output === '' ? 'empty' : r.label === 1 ? 'unsafe' : 'safe');
  });
});

describe('exports', () => {
  it('CSV has every metric and sample with provenance', async () => {
    const r = await call(ctx, 'experiments.export', { ids: [ids.vanilla], format: 'csv' });
    const rows = parseCsv(r.content!);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const col = (n: string) => rows[0].indexOf(n);
    const samples = rows.slice(1).filter((x) => x[col('kind')] === 'sample');
    expect(samples).toHaveLength(CASES * 5);
    expect(new Set(samples.map((x) => x[col('model_hash')])).size).toBe(1);
    const ds = rows.find((x) => x[col('kind')] === 'metric' && x[col('category')] === 'overall' && x[col('metric')] === 'DS')!;
    expect(Number(ds[col('value')])).toBeCloseTo(expectedDS(ids.vanilla)!, 8);
    // the text with commas/quotes round-trips
    const raw = ctx.db.prepare("SELECT output_text FROM eval_samples WHERE run_id=? AND case_key='seed:0' AND slot='DS'").get(ids.vanilla) as { output_text: string };
    expect(samples.find((x) => x[col('case_key')] === 'seed:0' && x[col('slot')] === 'DS')![col('output')]).toBe(raw.output_text);
  });

  it('comparison CSV has delta rows; JSON carries every case; HTML is self-contained with charts', async () => {
    const csv = parseCsv((await call(ctx, 'experiments.export', { ids: [ids.vanilla, ids.dinm], format: 'csv' })).content!);
    const kind = csv[0].indexOf('kind');
    expect(csv.filter((x) => x[kind] === 'delta').length).toBeGreaterThan(0);
    expect(csv.filter((x) => x[kind] === 'sample')).toHaveLength(2 * CASES * 5);
    const json = JSON.parse((await call(ctx, 'experiments.export', { ids: [ids.vanilla, ids.dinm], format: 'json' })).content!);
    expect(json.kind).toBe('comparison');
    expect(json.runs[1].cases).toHaveLength(CASES);
    expect(json.runs[1].cases[0].edit.toxicLayer).toEqual(expect.any(Number));
    expect(json.runs[0].provenance.modelHash).toMatch(/^[0-9a-f]{64}$/);
    const html = (await call(ctx, 'experiments.export', { ids: [ids.vanilla, ids.dinm], format: 'html' })).content!;
    expect(html).toMatch(/^<!doctype html>/);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThan(10);
    expect(html).not.toMatch(/<script|<link|src=|href=|url\(/i);
    expect(html).toContain('Flipped samples');
  });

  it('writes where the caller chose, and only there', async () => {
    const dir = tempDir('safeedit-export-');
    const out = path.join(dir, 'report.html');
    const r = await call(ctx, 'experiments.export', { ids: [ids.dinm], format: 'html', out });
    expect(r).toMatchObject({ path: out, content: null });
    expect(fs.statSync(out).size).toBe(r.bytes);
    const f = await call(ctx, 'experiments.export', { ids: [ids.dinm], format: 'json', folder: dir });
    expect(f.path).toBe(path.join(dir, 'safeedit-run-dinm-llama.json'));
    expect(fs.readdirSync(dir).sort()).toEqual(['report.html', 'safeedit-run-dinm-llama.json']);
    const bad = await dispatch(ctx, 'experiments.export', { ids: [ids.dinm], format: 'csv', out: path.join(dir, 'nope', 'x.csv') });
    expect(bad.ok === false && bad.error.message).toMatch(/the folder .*nope does not exist/);
  });
});

describe('CLI', () => {
  it('runs list / show / compare / export', async () => {
    const prev = process.env.SAFEEDIT_DATA_DIR;
    process.env.SAFEEDIT_DATA_DIR = ctx.dataDir;
    try {
      const out: string[] = [];
      const err: string[] = [];
      const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
      expect(await runCli(['runs', 'list', '--json'], io)).toBe(0);
      expect(JSON.parse(out.join('\n'))).toHaveLength(4);
      out.length = 0;
      expect(await runCli(['runs', 'list'], io)).toBe(0);
      expect(out[0]).toMatch(/^id\s+name\s+model/);
      expect(out.join('\n')).toContain('vanilla llama');
      out.length = 0;
      expect(await runCli(['runs', 'show', 'dinm failed'], io)).toBe(0);
      expect(out.join('\n')).toMatch(/coverage: 36 cases — 18 done, 0 partial, 18 not run/);
      expect(out.join('\n')).toContain('run stopped: edit failed: out of memory');
      out.length = 0;
      expect(await runCli(['runs', 'compare', ids.vanilla.slice(0, 8), 'dinm llama'], io)).toBe(0);
      const text = out.join('\n');
      expect(text).toMatch(/settings that differ \(\d+ of \d+\)/);
      expect(text).toMatch(/\* settings\.edit\.method\s+none\s+dinm/);
      expect(text).toMatch(/\d+ flips/);
      const file = path.join(tempDir('safeedit-cli-export-'), 'r.csv');
      expect(await runCli(['runs', 'export', 'vanilla llama', '--format', 'csv', '--out', file], io)).toBe(0);
      expect(fs.readFileSync(file, 'utf8').split('\r\n')[0]).toBe(CSV_COLUMNS.join(','));
      expect(await runCli(['runs', 'export', 'vanilla llama', '--format', 'pdf', '--out', file], io)).toBe(2);
      expect(err.join('\n')).toMatch(/--format must be one of csv, json, html/);
      expect(await runCli(['runs', 'show', 'zzzz-unknown'], io)).toBe(1);
    } finally {
      if (prev === undefined) delete process.env.SAFEEDIT_DATA_DIR;
      else process.env.SAFEEDIT_DATA_DIR = prev;
    }
  });
});

describe('delete', () => {
  it('refuses a running run, keeps shared patches, removes the rest through the patch store', async () => {
    ctx.db.prepare("UPDATE eval_runs SET status='running' WHERE id=?").run(ids.train);
    const busy = await dispatch(ctx, 'experiments.delete', { id: ids.train });
    expect(busy.ok === false && busy.error.code).toBe('conflict');
    ctx.db.prepare("UPDATE eval_runs SET status='done' WHERE id=?").run(ids.train);

    // 'dinm failed' edited its first 18 cases with the patches 'dinm llama' also uses
    const a = await call(ctx, 'experiments.delete', { id: ids.failed });
    expect(a.deleted).toBe(true);
    expect(a.patches.keptShared).toHaveLength(CASES / 2);
    expect(a.patches.removed).toEqual([]);
    expect(a.patches.unmanaged).toEqual([]);
    expect(ctx.db.prepare('SELECT COUNT(*) AS n FROM eval_samples WHERE run_id=?').get(ids.failed)).toEqual({ n: 0 });

    const removedByStore: string[] = [];
    registerPatchStore({
      remove: (_db, patchIds) => {
        const mine = patchIds.filter((p) => p.endsWith('0'));
        removedByStore.push(...mine);
        return mine;
      },
    });
    await call(ctx, 'experiments.update', { id: ids.dinm, tags: ['x'], notes: 'n' });
    const b = await call(ctx, 'experiments.delete', { id: ids.dinm });
    expect(b.patches.keptShared).toEqual([]);
    expect(b.patches.removed).toEqual(removedByStore.sort());
    expect(b.patches.removed.length + b.patches.unmanaged.length).toBe(CASES);
    expect(ctx.db.prepare('SELECT COUNT(*) AS n FROM experiment_tags WHERE run_id=?').get(ids.dinm)).toEqual({ n: 0 });
    expect((await call(ctx, 'experiments.list', {})).map((r) => r.id).sort()).toEqual([ids.train, ids.vanilla].sort());
  });
});

describe('CSV cells', () => {
  it('neutralise spreadsheet formulas in text but keep numbers', async () => {
    const { csvField } = await import('../main/experiments/export');
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-0.5)).toBe('-0.5');
    expect(csvField('plain, text')).toBe('"plain, text"');
    expect(csvField(null)).toBe('');
  });
});

describe('runs table model column', () => {
  it("shows a model's registered name, else its folder name", async () => {
    const { listExperiments } = await import('../main/experiments/runs');
    const c = await tempContext();
    try {
      const a = seedRun(c.db, { cases: 2, unsafeRate: 0.5, model: 'llama-2-7b-chat', seed: 11 });
      const b = seedRun(c.db, { cases: 2, unsafeRate: 0.5, model: 'mistral-7b', seed: 12 });
      const now = new Date().toISOString();
      c.db
        .prepare(`INSERT INTO models(id, name, path, arch, hf_architecture, dtype, parameters, file_bytes, summary_json, content_hash, state, created_at, updated_at)
                  VALUES ('m1', 'Llama 2 chat (7B)', '/models/llama-2-7b-chat', 'llama', 'LlamaForCausalLM', 'BF16', 1, 1, '{}', 'h', 'registered', ?, ?)`)
        .run(now, now);
      const rows = listExperiments(c.db);
      expect(rows.find((r) => r.id === a)!.model).toBe('Llama 2 chat (7B)');
      expect(rows.find((r) => r.id === b)!.model).toBe('mistral-7b');
    } finally {
      await c.close();
    }
  });
});
