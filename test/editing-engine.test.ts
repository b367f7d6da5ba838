// A patch applied to the engine's loaded model (the playground's EngineCore): generation with it equals what the
// editing code generates with the same patch, the logits equal the editing code's patched session bit for bit, a
// patch over another layer rebuilds only the graph, clearing restores the base outputs exactly; patch deletion
// (the Edit page, and the experiments domain's run deletion through the registered patch store).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModel } from '../main/engine/testing/tiny';
import { resolveModel } from '../main/engine/arch/registry';
import { EngineCore } from '../main/engine/runtime/core';
import { emptyCache, type Feed } from '../main/engine/generate/generate';
import type { DecoderSession } from '../main/engine/runtime/session';
import { loadTokenizer } from '../main/engine/text/tokenizer';
import { openPatchedSession, readPatch } from '../main/editing/patches';
import { editCase } from '../main/editing/service';
import { deletePatch, runsUsingPatch } from '../main/editing/patch-store';
import { dispatch } from '../main/api/index';
import { call } from '../main/cli/call';
import { runCli } from '../main/cli/index';
import type { AppContext } from '../main/context';
import { tempContext, tempDir } from './helpers';

const root = path.resolve(import.meta.dirname, '..');
const caseFile = path.join(root, 'test/goldens/dinm-case.json');
const IDS = [5, 17, 40, 3, 22, 9, 11];

async function logitsOf(s: DecoderSession, ids: number[]): Promise<number[]> {
  const S = ids.length;
  const feeds: Record<string, Feed> = {
    input_ids: { dtype: 'int64', dims: [1, S], data: BigInt64Array.from(ids.map(BigInt)) }, // [1, seq]
    attention_mask: { dtype: 'int64', dims: [1, S], data: new BigInt64Array(S).fill(1n) }, // [1, seq]
    position_ids: { dtype: 'int64', dims: [1, S], data: BigInt64Array.from(ids.map((_, i) => BigInt(i))) }, // [1, seq]
    ...emptyCache(s, 1),
  };
  return Array.from((await s.run(feeds)).logits.data as Float32Array); // [1, seq, vocab]
}

describe.each(['llama', 'gpt2'] as const)('a patch applied to the engine (tiny %s)', (arch) => {
  const data = tempDir();
  let dir: string;
  const core = new EngineCore();
  beforeAll(async () => {
    dir = writeTinyModel(path.join(tempDir(), arch), arch, { seed: 7, layers: 3, maxPos: 256 }).dir;
    await core.load({ modelDir: dir, dataDir: data, providerPreference: ['cpu'] });
  });
  afterAll(async () => core.eject());

  it('generates what the editing code generates with it, and clearing restores the base model exactly', async () => {
    const tok = loadTokenizer(dir);
    const edit = await editCase(null, data, { modelDir: dir, caseFile, method: 'dinm', mode: 'easyedit', lr: 5e-2, steps: 20, out: path.join(tempDir(), 'p.safetensors'), compare: { maxNewTokens: 12 } });
    expect(edit.after!.ids).not.toEqual(edit.before!.ids); // the edit changes the response
    const promptIds = tok.encode(edit.after!.prompt);
    const gen = async () => (await core.generate({ modelDir: dir, prompts: [{ ids: promptIds }], maxNewTokens: 12 })).results[0].new_ids;
    const inspect = async () => (await core.inspect({ modelDir: dir, prompt: { ids: IDS }, allLogits: true })).logits!.flat();

    const baseIds = await gen();
    const baseLogits = await inspect();
    expect(baseIds).toEqual(edit.before!.ids);

    // applied while a generation is in flight: that run finishes on the weights it started with
    const [inFlight, active] = await Promise.all([gen(), core.applyPatch({ modelDir: dir, file: edit.patch!, id: edit.patchId })]);
    expect(inFlight).toEqual(baseIds);
    expect(active.params).toEqual([...edit.params].sort());
    expect(active.toxicLayer).toBe(edit.toxic_layer);
    expect(core.activePatch()?.file).toBe(path.resolve(edit.patch!));
    expect(await gen()).toEqual(edit.after!.ids);
    // every graph of the loaded model sees the patch: logits equal the editing code's patched session bit for bit
    const ms = resolveModel(dir);
    const ref = await openPatchedSession(ms, data, readPatch(edit.patch!), { hiddenStates: true, allLogits: true, inference: true });
    try {
      expect(await inspect()).toEqual(await logitsOf(ref, IDS));
    } finally {
      await ref.release();
    }

    // a patch over another layer: the graph is rebuilt for its tensors; the model stays loaded
    const layer = (edit.toxic_layer! + 1) % 3;
    const other = await editCase(null, data, { modelDir: dir, caseFile, method: 'ft-l', mode: 'easyedit', layer, lr: 5e-2, steps: 5, out: path.join(tempDir(), 'q.safetensors') });
    const a2 = await core.applyPatch({ modelDir: dir, file: other.patch! });
    expect(a2.params.every((p) => p.includes(`.${layer}.`))).toBe(true);
    const ref2 = await openPatchedSession(ms, data, readPatch(other.patch!), { hiddenStates: true, allLogits: true, inference: true });
    try {
      const l2 = await inspect();
      expect(l2).toEqual(await logitsOf(ref2, IDS));
      expect(l2).not.toEqual(baseLogits);
    } finally {
      await ref2.release();
    }

    // a patch for another checkpoint is refused and the applied one stays
    const otherModel = writeTinyModel(path.join(tempDir(), 'other'), arch, { seed: 8, layers: 3, maxPos: 256 }).dir;
    const foreign = await editCase(null, tempDir(), { modelDir: otherModel, caseFile, method: 'ft-l', mode: 'easyedit', layer: 0, steps: 1, out: path.join(tempDir(), 'f.safetensors') });
    await expect(core.applyPatch({ modelDir: dir, file: foreign.patch! })).rejects.toThrow(/content hash/);
    expect(core.activePatch()?.file).toBe(path.resolve(other.patch!));

    await core.clearPatch();
    expect(core.activePatch()).toBeNull();
    expect(await gen()).toEqual(baseIds);
    expect(await inspect()).toEqual(baseLogits);
  });
});

describe('patch deletion', () => {
  let ctx: AppContext;
  beforeAll(async () => {
    ctx = await tempContext();
  });
  afterAll(() => ctx?.close());

  it('deletes file + row, refuses a patch a run uses, and run deletion removes patches no other run shares', async () => {
    const dir = writeTinyModel(path.join(tempDir(), 'llama'), 'llama', { seed: 3, layers: 2, maxPos: 256 }).dir;
    const mk = async () => (await editCase(ctx.db, ctx.dataDir, { modelDir: dir, caseFile, method: 'ft-l', mode: 'easyedit', layer: 0, steps: 1 })).patchId!;
    const [p1, p2, p3] = [await mk(), await mk(), await mk()];
    const listed = await call(ctx, 'editing.listPatches', { sameContentAs: dir });
    expect(listed.map((p) => p.id).sort()).toEqual([p1, p2, p3].sort());
    expect(await call(ctx, 'editing.listPatches', { sameContentAs: writeTinyModel(path.join(tempDir(), 'o'), 'llama', { seed: 4, layers: 2 }).dir })).toEqual([]);
    const fileOf = (id: string) => listed.find((p) => p.id === id)!.file;
    for (const id of [p1, p2, p3]) expect(fs.existsSync(fileOf(id))).toBe(true);

    // two runs: A uses p1 and p2, B uses p2
    ctx.db
      .prepare("INSERT INTO judges (id, name, path, kind, content_hash, labels_json, unsafe_label, label_source, threshold, created_at) VALUES ('j', 'j', '/j', 'onnx', 'h', '[]', 1, 'user', 0.5, 'now')")
      .run();
    const run = ctx.db.prepare("INSERT INTO eval_runs (id, status, settings_json, provenance_json, judge_id, created_at) VALUES (?, 'done', '{}', '{}', 'j', 'now')");
    const cse = ctx.db.prepare("INSERT INTO eval_cases (run_id, case_key, position, case_id, category, record_json, edit_json) VALUES (?, ?, 0, '0', 'x', '{}', ?)");
    const edit = (p: string) => JSON.stringify({ ref: 'r', method: 'ft-l', ms: 1, details: { patch_id: p } });
    run.run('run-a');
    run.run('run-b');
    cse.run('run-a', 'c1', edit(p1));
    cse.run('run-a', 'c2', edit(p2));
    cse.run('run-b', 'c1', edit(p2));
    expect(runsUsingPatch(ctx.db, p2)).toEqual(['run-a', 'run-b']);

    // the CLI: patch list (for the model's content) and a refused patch delete
    const prev = process.env.SAFEEDIT_DATA_DIR;
    process.env.SAFEEDIT_DATA_DIR = ctx.dataDir;
    try {
      const out: string[] = [];
      const err: string[] = [];
      const io = { out: (x: string) => out.push(x), err: (x: string) => err.push(x) };
      expect(await runCli(['patch', 'list', '--model', dir, '--json'], io)).toBe(0);
      expect((JSON.parse(out[0]) as { id: string }[]).map((p) => p.id).sort()).toEqual([p1, p2, p3].sort());
      expect(await runCli(['patch', 'delete', '--id', p1], io)).toBe(1);
      expect(err.join('\n')).toMatch(/used by evaluation run run-a/);
    } finally {
      if (prev === undefined) delete process.env.SAFEEDIT_DATA_DIR;
      else process.env.SAFEEDIT_DATA_DIR = prev;
    }

    // the Edit page's delete: refused while a run names it (with the runs), allowed for an unused one
    const refused = await dispatch(ctx, 'editing.deletePatch', { id: p1 });
    expect(refused.ok === false && refused.error.message).toMatch(/used by evaluation run run-a/);
    expect(await call(ctx, 'editing.deletePatch', { id: p3 })).toEqual({ id: p3, fileRemoved: true });
    expect(fs.existsSync(fileOf(p3))).toBe(false);
    const missing = await dispatch(ctx, 'editing.deletePatch', { id: p3 });
    expect(missing.ok === false && missing.error.code).toBe('not_found');

    // deleting run A (through the experiments domain) removes p1 (only A uses it) and keeps p2 (B shares it)
    const a = await call(ctx, 'experiments.delete', { id: 'run-a' });
    expect(a.patches.removed).toEqual([p1]);
    expect(a.patches.keptShared).toEqual([p2]);
    expect(fs.existsSync(fileOf(p1))).toBe(false);
    expect(fs.existsSync(fileOf(p2))).toBe(true);
    const b = await call(ctx, 'experiments.delete', { id: 'run-b' });
    expect(b.patches.removed).toEqual([p2]);
    expect(fs.existsSync(fileOf(p2))).toBe(false);
    expect(await call(ctx, 'editing.listPatches', {})).toEqual([]);
  });
});
