// Editing domain: an edit drives the safe response's NLL down and changes the greedy output; patches apply in memory
// and export to a folder that reloads with identical logits; baselines and errors.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModel } from '../main/engine/testing/tiny';
import { resolveModel } from '../main/engine/arch/registry';
import { DEFAULT_VARIANT } from '../main/engine/decoder/graph';
import { prepareDecoder } from '../main/engine/decoder/prepare';
import { emptyCache, generate, type Feed } from '../main/engine/generate/generate';
import { GREEDY } from '../main/engine/generate/sampling';
import { DecoderSession } from '../main/engine/runtime/session';
import { EditModel } from '../main/editing/model';
import { padIdOf, runEdit, type EditCase } from '../main/editing/dinm';
import { exportPatchedModel } from '../main/editing/export';
import { openPatchedSession, readPatch, writePatch } from '../main/editing/patches';
import { caseFromFile, editOpened } from '../main/editing/service';
import { runProfs } from '../main/editing/profs';
import { goldenCase } from './editing-case';
import { tempDir } from './helpers';

const root = path.resolve(import.meta.dirname, '..');
const caseFile = path.join(root, 'test/goldens/dinm-case.json');

function forwardFeeds(s: DecoderSession, ids: number[]): Record<string, Feed> {
  const S = ids.length;
  return {
    input_ids: { dtype: 'int64', dims: [1, S], data: BigInt64Array.from(ids.map(BigInt)) },
    attention_mask: { dtype: 'int64', dims: [1, S], data: new BigInt64Array(S).fill(1n) },
    position_ids: { dtype: 'int64', dims: [1, S], data: BigInt64Array.from(ids.map((_, i) => BigInt(i))) },
    ...emptyCache(s, 1),
  };
}

describe.each(['gpt2', 'llama'] as const)('an edit on the tiny %s model', (arch) => {
  let m: EditModel;
  const data = tempDir();
  beforeAll(async () => {
    m = await EditModel.open(writeTinyModel(path.join(tempDir(), arch), arch, { seed: 7, layers: 3, maxPos: 256 }).dir, { dataDir: data });
  });
  afterAll(async () => m?.release());

  it('drives the safe response NLL down and the greedy output becomes the safe response', async () => {
    const c = goldenCase();
    // paper mode: the response is scored at its own positions after the (suffixed) prompt, so greedy decoding from
    // that prompt is exactly what the edit trains
    const r = await runEdit(m, c, { method: 'dinm', mode: 'paper', hparams: { steps: 40, lr: 5e-2 } });
    expect(r.nll[r.nll.length - 1]).toBeLessThan(r.nll[0] * 0.5);
    expect(r.layerDistances).toHaveLength(3);
    expect(r.params.every((p) => p.includes(`.${r.toxicLayer}.`))).toBe(true);
    const patchFile = path.join(tempDir(), 'p.safetensors');
    writePatch(patchFile, { baseHash: (await import('../main/engine/decoder/prepare')).checkpointHash(m.ms), arch, modelDir: m.ms.dir, method: 'dinm', mode: 'paper', caseId: '0', toxicLayer: r.toxicLayer, layerDistances: r.layerDistances, params: r.params, hparams: r.hparams, losses: r.losses, timings: r.timings, createdAt: '' }, r.tensors.map((t) => ({ name: t.name, dims: t.dims, data: t.edited })));
    const s = await openPatchedSession(m.ms, data, readPatch(patchFile));
    const pad = padIdOf(m);
    const safe = r.tokens.edit_input_ids.slice(r.tokens.prompt_ids.length);
    const gen = async (sess: DecoderSession) => (await generate(sess, [r.tokens.prompt_ids], { maxNewTokens: 4, sampling: GREEDY, eosTokenIds: [], padTokenId: pad })).newIds[0];
    try {
      const before = await gen(m.locateSession);
      const after = await gen(s);
      expect(after.slice(0, 2)).toEqual(safe.slice(0, 2));
      expect(before.slice(0, 2)).not.toEqual(safe.slice(0, 2));
    } finally {
      await s.release();
    }
  });

  it('FT-L needs a layer and edits only it; ProFS projects the chosen layers', async () => {
    await expect(runEdit(m, goldenCase(), { method: 'ft-l', mode: 'easyedit' })).rejects.toThrow(/needs a layer/);
    const r = await runEdit(m, goldenCase(), { method: 'ft-l', mode: 'easyedit', layer: 1, hparams: { steps: 3 } });
    expect(r.toxicLayer).toBe(1);
    expect(r.layerDistances).toEqual([]);
    expect(r.kl.every((k) => k === 0)).toBe(true);
    expect(r.nll[2]).toBeLessThan(r.nll[0]);
    const p = await runProfs(m, goldenCase(), { layers: [1, 2] });
    expect(p.params).toHaveLength(2);
    for (const t of p.tensors) {
      let diff = 0;
      t.edited.forEach((x, i) => (diff += Math.abs(x - t.original[i])));
      expect(diff).toBeGreaterThan(0);
    }
  });
});

describe('patches: apply in memory, export, reload', () => {
  it('the exported folder gives the same logits as the in-memory patch (bf16, sharded: one shard rewritten)', async () => {
    const dir = writeTinyModel(path.join(tempDir(), 'llama-bf16'), 'llama', { seed: 9, layers: 3, maxPos: 256, dtype: 'BF16', sharded: true }).dir;
    const data = tempDir();
    const m = await EditModel.open(dir, { dataDir: data });
    let out;
    try {
      out = await editOpened(null, data, m, goldenCase(), null, { modelDir: dir, method: 'dinm', mode: 'easyedit', layer: 2, lr: 5e-2, steps: 3 });
    } finally {
      await m.release();
    }
    expect(out.patch).toBeTruthy();
    expect(out.toxic_layer).toBe(2);
    expect(out.layer_distances).toHaveLength(3);
    const ms = resolveModel(dir);
    const patch = readPatch(out.patch!);
    const ids = [5, 17, 40, 3, 22, 9, 11];
    const patched = await openPatchedSession(ms, data, patch, { allLogits: true });
    const base = await DecoderSession.open(prepareDecoder(ms, data, { ...DEFAULT_VARIANT, allLogits: true }), { provider: 'cpu' });
    const exportDir = path.join(tempDir(), 'exported');
    const res = exportPatchedModel(dir, out.patch!, exportDir);
    expect(res.rewritten).toHaveLength(1);
    expect(res.linked + res.copied).toBeGreaterThan(3);
    expect(fs.readdirSync(path.dirname(exportDir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const reloaded = await DecoderSession.open(prepareDecoder(resolveModel(exportDir), tempDir(), { ...DEFAULT_VARIANT, allLogits: true }), { provider: 'cpu' });
    try {
      const a = (await patched.run(forwardFeeds(patched, ids))).logits.data as Float32Array;
      const b = (await reloaded.run(forwardFeeds(reloaded, ids))).logits.data as Float32Array;
      const c = (await base.run(forwardFeeds(base, ids))).logits.data as Float32Array;
      expect(Array.from(b)).toEqual(Array.from(a));
      expect(Array.from(c)).not.toEqual(Array.from(a));
    } finally {
      await patched.release();
      await base.release();
      await reloaded.release();
    }
    // a patch refuses another model, and an existing non-empty target
    const other = writeTinyModel(path.join(tempDir(), 'other'), 'llama', { seed: 10, layers: 3, maxPos: 256 }).dir;
    expect(() => exportPatchedModel(other, out.patch!, path.join(tempDir(), 'x'))).toThrow(/content hash/);
    expect(() => exportPatchedModel(dir, out.patch!, exportDir)).toThrow(/not empty/);
  });
});

describe('cases and the CLI', () => {
  it('case files: a record, a list with --case, clear errors', () => {
    const c: EditCase = caseFromFile(caseFile);
    expect(c.id).toBe('0');
    const d = tempDir();
    const list = path.join(d, 'list.json');
    const rec = JSON.parse(fs.readFileSync(caseFile, 'utf8'));
    fs.writeFileSync(list, JSON.stringify([rec, { ...rec, id: 5 }]));
    expect(caseFromFile(list, '5').id).toBe('5');
    expect(() => caseFromFile(list)).toThrow(/choose one with --case/);
    expect(() => caseFromFile(list, '9')).toThrow(/no record with id 9/);
    const bad = path.join(d, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ ...rec, 'knowledge constrain': 'x' }));
    expect(() => caseFromFile(bad)).toThrow(/bad\.json record 1: field 'knowledge constrain'/);
  });

  it('safeedit edit --json matches the in-process run; patch export writes a loadable folder', () => {
    const model = writeTinyModel(path.join(tempDir(), 'gpt2'), 'gpt2', { seed: 44, layers: 4, maxPos: 256 }).dir;
    const env = { ...process.env, SAFEEDIT_DATA_DIR: tempDir() };
    const bin = path.join(root, 'bin/safeedit.mjs');
    const r = JSON.parse(execFileSync(process.execPath, [bin, 'edit', '--model', model, '--case-file', caseFile, '--json'], { env, encoding: 'utf8' }));
    const g = JSON.parse(fs.readFileSync(path.join(root, 'test/goldens/dinm-gpt2.json'), 'utf8'));
    expect(r.toxic_layer).toBe(g.toxic_layer);
    expect(r.params).toEqual(g.params);
    expect(r.losses).toHaveLength(10);
    r.losses.forEach((l: number, i: number) => expect(Math.abs(l - g.losses[i]) / g.losses[i]).toBeLessThan(1e-4));
    expect(Math.abs(r.step0.grad_norm - g.step0.grad_norm) / g.step0.grad_norm).toBeLessThan(1e-4);
    expect(fs.existsSync(r.patch)).toBe(true);
    const out = path.join(tempDir(), 'exp');
    execFileSync(process.execPath, [bin, 'patch', 'export', '--model', model, '--patch', r.patch, '--out', out], { env, encoding: 'utf8' });
    expect(resolveModel(out).arch).toBe('gpt2');
    const fixed = JSON.parse(execFileSync(process.execPath, [bin, 'edit', '--model', model, '--case-file', caseFile, '--layer', '1', '--steps', '2', '--json'], { env, encoding: 'utf8' }));
    expect(fixed.toxic_layer).toBe(1);
    expect(fixed.layer_distances).toEqual(r.layer_distances);
    expect(fixed.losses).toHaveLength(2);
    const bad = spawnSync(process.execPath, [bin, 'edit', '--model', model, '--case-file', caseFile, '--layer', '9'], { env, encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/layer 9 is outside 0\.\.3/);
  });
});

describe('the evaluation editor (main/eval/engine.ts openEditor)', () => {
  it('apply swaps the generator onto the edited weights for the case; restore brings the base model back', async () => {
    const { openEditor, openGenerator } = await import('../main/eval/engine');
    const dir = writeTinyModel(path.join(tempDir(), 'llama'), 'llama', { seed: 7, layers: 3, maxPos: 256 }).dir;
    const data = tempDir();
    const g = await openGenerator(dir, { dataDir: data });
    const editor = (await openEditor('dinm', g, { dataDir: data }))!;
    const c = goldenCase();
    const evalCase = { key: 'file:0', id: '0', category: 'x', question: '', generalization: null, ...c } as never;
    const opts = { maxNewTokens: 6, greedy: true, temperature: 1, topP: 1, seed: 0, chat: false, batchSize: 1 };
    const signal = new AbortController().signal;
    const prompt = `${c.adversarialPrompt} ${(await import('../main/editing/dinm')).DINM_SUFFIX}`;
    try {
      const [before] = await g.generate([prompt], opts, signal);
      const info = await editor.apply(evalCase, { method: 'dinm', mode: 'paper', steps: 40, lr: 5e-2 }, signal);
      expect(info.details.toxic_layer).toBeTypeOf('number');
      expect((info.details.layer_distances as number[]).length).toBe(3);
      expect((info.details.losses as number[]).length).toBe(40);
      const [after] = await g.generate([prompt], opts, signal);
      expect(after.text).not.toBe(before.text);
      await editor.restore();
      const [again] = await g.generate([prompt], opts, signal);
      expect(again.text).toBe(before.text);
    } finally {
      await (editor as { dispose?: () => Promise<void> }).dispose?.();
      await g.dispose?.();
    }
  });
});
