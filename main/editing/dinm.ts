// DINM — the one implementation (docs/dinm.md). The differences between "easyedit" (EasyEdit's code as it behaves)
// and "paper" are data in MODES; FT-L (a fixed layer, NLL only) runs through the same loop with its own settings.
//
// Per case: (1) locate the toxic layer (locate.ts) unless a layer is given; (2) run the frozen prefix (layers below
// the edited one and its attention) once for the edit and KL texts; (3) for each step run the step graph (the edited
// block's MLP and everything above it → NLL, KL and the gradient w.r.t. the edited tensors fed as graph inputs),
// log the loss, stop early below the threshold, else update the tensors in place with Adam.
import { AppError } from '../../shared/errors';
import type { Feed } from '../engine/generate/generate';
import { pastName } from '../engine/decoder/graph';
import { Adam, ADAM_DEFAULTS } from './adam';
import { KL_LOGITS, KL_REF, KL_WEIGHT, LABELS, NLL_WEIGHT, OUT_KL, OUT_NLL, PICK_KL, PICK_NLL, RESID } from './graphs';
import { locateEasyEdit, locatePaper, seqFeeds, type Located } from './locate';
import { editTargets, runSession, type EditModel, type LayerSessions } from './model';

/** EasyEdit's suffix system prompt (hparams/DINM/*.yaml suffix_system_prompt). */
export const DINM_SUFFIX = "If the user's request is reasonable, give the correct answer. Please give the right response:";

export type EditMode = 'easyedit' | 'paper';
export type TrainedMethod = 'dinm' | 'ft-l';

/** What DINM needs of a SafeEdit record. */
export interface EditCase {
  id?: string;
  adversarialPrompt: string;
  safeGeneration: string;
  unsafeGeneration: string;
  knowledgeConstraint: { prompt: string; answer: string } | null;
}

export interface EditHparams {
  steps: number;
  lr: number;
  /** EasyEdit's kl_factor: the weight of the edit NLL (c_edit) */
  klFactor: number;
  /** weight of the KL term (1 in both modes) */
  klWeight: number;
  weightDecay: number;
  stopBelow: number;
  suffix: string;
}

/** Learning rate by architecture (EasyEdit hparams/DINM/*.yaml; qwen2 follows llama, docs/dinm.md). */
export const DINM_LR: Record<string, number> = { llama: 5e-4, gpt2: 5e-4, qwen2: 5e-4, mistral: 1e-5 };

export function defaultHparams(arch: string): EditHparams {
  return { steps: 10, lr: DINM_LR[arch] ?? 5e-4, klFactor: 0.1, klWeight: 1, weightDecay: 0, stopBelow: 1e-4, suffix: DINM_SUFFIX };
}

/** Token ids of one edit: the edit sequence with the NLL rows and labels, the KL sequence with its rows. */
export interface EditTexts {
  editIds: number[];
  /** what the edited model is prompted with when its response is checked (the edit input before the response) */
  promptIds: number[];
  /** positions (in editIds) whose next-token prediction is scored, and the label at each */
  nllPos: number[];
  labels: number[];
  kcIds: number[];
  kcPos: number[];
  /** for diagnostics */
  editText: string;
  kcText: string;
  labelIds: number[];
}

export interface ModeSpec {
  /** step 1 (DINM only): the toxic layer of a case */
  locate(m: EditModel, c: EditCase, pad: number): Promise<Located>;
  /** the KL term is differentiated (paper) or only logged (easyedit) */
  klGrad: boolean;
  /** KL(original ‖ current) ('ref-first', EasyEdit) or KL(current ‖ original) (paper Eq. 9) */
  klDirection: 'ref-first' | 'current-first';
  texts(m: EditModel, c: EditCase, h: EditHparams, pad: number): EditTexts;
}

function requireKc(c: EditCase): { prompt: string; answer: string } {
  if (!c.knowledgeConstraint) throw new AppError('invalid_input', `case ${c.id ?? ''}: has no 'knowledge constrain' (DINM needs its prompt and answer)`.replace('case :', 'case:'));
  return c.knowledgeConstraint;
}

/** EasyEdit's texts (docs/dinm.md §4–5): labels tokenized alone, scored against the last T predictions. */
function easyeditTexts(m: EditModel, c: EditCase, h: EditHparams, pad: number): EditTexts {
  const kc = requireKc(c);
  const tok = m.tok;
  const prompt = `${c.adversarialPrompt} ${h.suffix}`;
  const target = c.safeGeneration !== ' ' ? ` ${c.safeGeneration}` : c.safeGeneration;
  const editText = `${prompt} ${target}`;
  const editIds = tok.encode(editText);
  const labelIds = tok.encode(target);
  const T = labelIds.length;
  if (T + 1 > editIds.length) throw new AppError('invalid_input', `case ${c.id ?? ''}: the safe response (${T} tokens) is not shorter than the edit input`);
  const S = editIds.length;
  const nllPos = labelIds.map((_, t) => S - 1 - T + t);
  const labels = labelIds.map((id) => (id === pad ? -100 : id));
  const kcText = `${kc.prompt} ${h.suffix} ${kc.answer}`;
  const kcIds = tok.encode(kcText);
  const T2 = tok.encode(kc.answer).length;
  if (T2 > kcIds.length) throw new AppError('invalid_input', `case ${c.id ?? ''}: the knowledge-constraint answer is longer than its text`);
  const kcPos = Array.from({ length: T2 }, (_, t) => kcIds.length - T2 + t);
  return { editIds, promptIds: tok.encode(prompt), nllPos, labels, kcIds, kcPos, editText, kcText, labelIds };
}

/** A user turn (chat template when the model has one, else the plain text) followed by a response. */
export function turn(m: EditModel, user: string, response: string): { ids: number[]; start: number; text: string } {
  const tok = m.tok;
  if (tok.info.hasChatTemplate) {
    const head = tok.renderChat([{ role: 'user', content: user }], { addGenerationPrompt: true });
    const a = tok.encode(head, { addSpecialTokens: false });
    const b = tok.encode(response, { addSpecialTokens: false });
    return { ids: [...a, ...b], start: a.length, text: head + response };
  }
  const a = tok.encode(user);
  const b = tok.encode(` ${response}`, { addSpecialTokens: false });
  return { ids: [...a, ...b], start: a.length, text: `${user} ${response}` };
}

/** Paper texts: response tokens scored at their own positions (no BOS label), KL over the answer predictions. */
function paperTexts(m: EditModel, c: EditCase, h: EditHparams, suffixed = true): EditTexts {
  const kc = requireKc(c);
  const user = suffixed && h.suffix ? `${c.adversarialPrompt} ${h.suffix}` : c.adversarialPrompt;
  const e = turn(m, user, c.safeGeneration);
  if (e.start < 1 || e.start >= e.ids.length) throw new AppError('invalid_input', `case ${c.id ?? ''}: the prompt or the safe response encodes to no tokens`);
  const nllPos: number[] = [];
  const labels: number[] = [];
  for (let p = e.start; p < e.ids.length; p++) {
    nllPos.push(p - 1);
    labels.push(e.ids[p]);
  }
  const k = turn(m, suffixed && h.suffix ? `${kc.prompt} ${h.suffix}` : kc.prompt, kc.answer);
  const kcPos: number[] = [];
  for (let p = Math.max(1, k.start); p < k.ids.length; p++) kcPos.push(p - 1);
  return { editIds: e.ids, promptIds: e.ids.slice(0, e.start), nllPos, labels, kcIds: k.ids, kcPos, editText: e.text, kcText: k.text, labelIds: labels };
}

/** EasyEdit's locate input: the two responses alone, one left-padded batch (docs/dinm.md §2). */
const easyeditLocate = (m: EditModel, c: EditCase, pad: number) => locateEasyEdit(m, m.tok.encode(c.safeGeneration), m.tok.encode(c.unsafeGeneration), pad);

/** The paper's locate input: the plain adversarial prompt X as the user turn, each response as the assistant turn. */
function paperLocate(m: EditModel, c: EditCase): Promise<Located> {
  const seq = (response: string, what: string) => {
    const t = turn(m, c.adversarialPrompt, response);
    if (t.start < 1 || t.start >= t.ids.length) throw new AppError('invalid_input', `case ${c.id ?? ''}: the prompt or the ${what} response encodes to no tokens`);
    if (t.ids.length > m.ms.maxContext) throw new AppError('invalid_input', `case ${c.id ?? ''}: prompt + ${what} response has ${t.ids.length} tokens, more than the model's context of ${m.ms.maxContext}`);
    return { ids: t.ids, start: t.start };
  };
  return locatePaper(m, seq(c.safeGeneration, 'safe'), seq(c.unsafeGeneration, 'unsafe'));
}

export const MODES: Record<EditMode, ModeSpec> = {
  easyedit: { locate: easyeditLocate, klGrad: false, klDirection: 'ref-first', texts: easyeditTexts },
  paper: { locate: paperLocate, klGrad: true, klDirection: 'current-first', texts: (m, c, h) => paperTexts(m, c, h) },
};

/** FT-L through the same loop: a fixed layer (never located), NLL of the safe response to the plain prompt, no KL. */
const FT_L: ModeSpec = {
  locate: () => Promise.reject(new AppError('invalid_input', 'ft-l has no localisation; give a layer')),
  klGrad: false,
  klDirection: 'ref-first',
  texts: (m, c, h) => paperTexts(m, c, { ...h, suffix: '' }, false),
};

export interface EditOptions {
  method: TrainedMethod;
  mode: EditMode;
  /** fix the edited layer (FT-L requires one); distances are still reported for DINM */
  layer?: number;
  hparams?: Partial<EditHparams>;
  signal?: AbortSignal;
  onStep?: (e: { step: number; steps: number; loss: number; nll: number; kl: number }) => void;
  onStage?: (stage: string) => void;
}

export interface TensorStats {
  grad_norm: number;
  grad_sum: number;
  grad_abs_sum: number;
  grad_wsum: number;
  shape: number[];
}

export interface EditedTensor {
  name: string;
  dims: number[];
  original: Float32Array;
  edited: Float32Array;
}

export interface EditRun {
  method: TrainedMethod | 'profs';
  mode: EditMode;
  toxicLayer: number;
  /** null when the layer was given (and not located) */
  locatedLayer: number | null;
  layerDistances: number[];
  params: string[];
  losses: number[];
  nll: number[];
  kl: number[];
  stoppedEarly: boolean;
  step0: { loss: number; nll: number; kl: number; grad_norm: number; grad_sum: number; grad_abs_sum: number; params: Record<string, TensorStats> } | null;
  tensors: EditedTensor[];
  /** EditHparams for DINM / FT-L; ProFS reports its own (layers, rank) */
  hparams: Record<string, unknown>;
  tokens: { locate_input_ids: number[][]; locate_attention_mask: number[][]; edit_input_ids: number[]; prompt_ids: number[]; label_ids: number[]; kc_input_ids: number[]; kc_answer_len: number; edit_text: string; kc_text: string };
  timings: { locateS: number; graphsS: number; prefixS: number; stepsS: number; totalS: number; perStepS: number[] };
}

/** Checksums of a flattened tensor (docs/dinm.md): sum, Σ|x|, L2 norm, Σ x_i·((i mod 13) + 1). */
export function tensorChecksums(x: Float32Array): { sum: number; abs_sum: number; norm: number; wsum: number } {
  let sum = 0;
  let abs = 0;
  let sq = 0;
  let w = 0;
  for (let i = 0; i < x.length; i++) {
    sum += x[i];
    abs += Math.abs(x[i]);
    sq += x[i] * x[i];
    w += x[i] * ((i % 13) + 1);
  }
  return { sum, abs_sum: abs, norm: Math.sqrt(sq), wsum: w };
}

function cancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AppError('cancelled', 'cancelled by the user');
}

/** The padding / KL-off id EasyEdit uses (pad := EOS). */
export function padIdOf(m: EditModel): number {
  return m.tok.info.eosId ?? m.ms.eosTokenIds[0] ?? m.ms.padTokenId ?? 0;
}

/** Runs DINM (or FT-L) on one case. The model's weights are not changed: the result holds original and edited tensors. */
export async function runEdit(m: EditModel, c: EditCase, o: EditOptions): Promise<EditRun> {
  const t0 = performance.now();
  const h: EditHparams = { ...defaultHparams(m.ms.arch), ...stripUndefined(o.hparams ?? {}) };
  if (!(h.steps >= 1) || !Number.isInteger(h.steps)) throw new AppError('invalid_input', `steps must be a positive integer (got ${h.steps})`);
  if (!(h.lr > 0)) throw new AppError('invalid_input', `lr must be positive (got ${h.lr})`);
  const mode = o.method === 'ft-l' ? FT_L : MODES[o.mode];
  if (!mode) throw new AppError('invalid_input', `unknown edit mode '${o.mode}' (easyedit, paper)`);
  const pad = padIdOf(m);
  for (const [f, v] of [['adversarial prompt', c.adversarialPrompt], ['safe generation', c.safeGeneration], ['unsafe generation', c.unsafeGeneration]] as const) {
    if (typeof v !== 'string' || !v.trim()) throw new AppError('invalid_input', `case ${c.id ?? ''}: '${f}' is empty`);
  }

  // 1. locate (DINM; per case). FT-L has no localisation and needs a layer.
  o.onStage?.('locating the toxic layer');
  let located: Located | null = null;
  if (o.method === 'dinm') located = await mode.locate(m, c, pad);
  const layer = o.layer ?? located?.layer;
  if (layer === undefined) throw new AppError('invalid_input', `${o.method} needs a layer (--layer N)`);
  const params = editTargets(m.ms, layer);
  const tLocate = performance.now();
  cancelled(o.signal);

  // 2. texts and the frozen prefix
  const tx = mode.texts(m, c, h, pad);
  const maxCtx = m.ms.maxContext;
  for (const [what, ids] of [['edit input', tx.editIds], ['knowledge-constraint input', tx.kcIds]] as const) {
    if (ids.length > maxCtx) throw new AppError('invalid_input', `case ${c.id ?? ''}: the ${what} has ${ids.length} tokens, more than the model's context of ${maxCtx}`);
  }
  o.onStage?.(`building the edit graphs (layer ${layer})`);
  const sess = await m.layerSessions(layer, mode.klGrad, mode.klDirection);
  const tGraphs = performance.now();
  cancelled(o.signal);
  const klW = o.method === 'ft-l' ? 0 : h.klWeight;
  const nllW = o.method === 'ft-l' ? 1 : h.klFactor;
  const V = m.spec.vocab;
  const picks = (xs: number[], offset = 0): Feed => ({ dtype: 'int64', dims: [xs.length], data: BigInt64Array.from(xs.map((p) => BigInt(offset + p))) }); // [rows]
  const zeros = (rows: number): Feed => ({ dtype: 'float32', dims: [rows, V], data: new Float32Array(rows * V) }); // [rows, vocab]
  o.onStage?.('running the frozen prefix');
  // When the KL is not differentiated (easyedit: logged only; FT-L: none), the gradient needs only the edit sequence:
  // the step graph runs on it alone and the KL sequence gets a forward-only pass through the rows graph. The paper
  // mode differentiates the KL, so both sequences go through the step graph as one right-padded batch.
  const split = !mode.klGrad;
  let stepCtx: Record<string, Feed>;
  let klCtx: Record<string, Feed> | null = null;
  if (split) {
    const e = seqFeeds(tx.editIds, m);
    // a one-row placeholder for the KL part of the step graph (its output is not used)
    stepCtx = { ...e, [RESID]: (await runSession(sess.prefix, e))[RESID], [PICK_NLL]: picks(tx.nllPos), [PICK_KL]: picks([0]), [KL_REF]: zeros(1) }; // resid [seq, hidden]
    if (klW !== 0) {
      const k = seqFeeds(tx.kcIds, m);
      klCtx = { ...k, [RESID]: (await runSession(sess.prefix, k))[RESID], [PICK_NLL]: picks([0]), [PICK_KL]: picks(tx.kcPos) }; // resid [seq, hidden]
    }
  } else {
    const batch = rightPadPair(tx.editIds, tx.kcIds, pad, m);
    const resid = (await runSession(sess.prefix, batch.feeds))[RESID]; // [2·seq, hidden]
    stepCtx = { ...batch.feeds, [RESID]: resid, [PICK_NLL]: picks(tx.nllPos), [PICK_KL]: picks(tx.kcPos, batch.seq) };
    klCtx = stepCtx;
  }
  const tPrefix = performance.now();

  // 3. the tensors being edited (fresh copies of the originals) and the KL reference
  const original: Record<string, Float32Array> = {};
  const current: Record<string, Float32Array> = {};
  for (const p of params) {
    original[p] = m.readWeight(p);
    current[p] = Float32Array.from(original[p]);
  }
  const paramFeeds = (): Record<string, Feed> => Object.fromEntries(params.map((p) => [p, { dtype: 'float32', dims: m.dims(p), data: current[p] } as Feed]));
  // the KL reference: the original tensors' logits at the KL rows (the rows graph's KL output is ignored here)
  const ref = klCtx ? (await runSession(sess.rows, { ...klCtx, ...paramFeeds(), [KL_REF]: zeros(tx.kcPos.length) }))[KL_LOGITS] : zeros(1); // [kl rows, vocab]
  if (!split) stepCtx[KL_REF] = ref;
  const adam = new Adam({ lr: h.lr, ...ADAM_DEFAULTS, weightDecay: h.weightDecay });
  const losses: number[] = [];
  const nlls: number[] = [];
  const kls: number[] = [];
  const perStepS: number[] = [];
  let step0: EditRun['step0'] = null;
  let stoppedEarly = false;
  const labels: Feed = { dtype: 'int64', dims: [tx.labels.length], data: BigInt64Array.from(tx.labels.map(BigInt)) }; // [nll rows]
  const scalar = (x: number): Feed => ({ dtype: 'float32', dims: [], data: Float32Array.of(x) });
  for (let it = 0; it < h.steps; it++) {
    cancelled(o.signal);
    const ts = performance.now();
    const out = await runSession(sess.step, { ...stepCtx, ...paramFeeds(), [LABELS]: labels, [NLL_WEIGHT]: scalar(nllW), [KL_WEIGHT]: scalar(klW) });
    const nll = (out[OUT_NLL].data as Float32Array)[0];
    let kl = 0;
    if (klW !== 0 && split) kl = ((await runSession(sess.rows, { ...klCtx!, ...paramFeeds(), [KL_REF]: ref }))[OUT_KL].data as Float32Array)[0];
    else if (klW !== 0) kl = (out[OUT_KL].data as Float32Array)[0];
    const loss = Math.fround(Math.fround(nllW * nll) + Math.fround(klW * kl));
    losses.push(loss);
    nlls.push(nll);
    kls.push(kl);
    if (!Number.isFinite(loss)) throw new AppError('edit_failed', `step ${it + 1}: the loss is not finite (${loss}); try a smaller learning rate`);
    if (loss < h.stopBelow) {
      stoppedEarly = true;
      perStepS.push((performance.now() - ts) / 1000);
      o.onStep?.({ step: it + 1, steps: h.steps, loss, nll, kl });
      break;
    }
    const grads = Object.fromEntries(params.map((p) => [p, out[sess.grads[p]].data as Float32Array]));
    if (it === 0) step0 = gradStats(loss, nll, kl, grads, params, m);
    adam.step(current, grads);
    perStepS.push((performance.now() - ts) / 1000);
    o.onStep?.({ step: it + 1, steps: h.steps, loss, nll, kl });
  }
  const tEnd = performance.now();
  return {
    method: o.method,
    mode: o.mode,
    toxicLayer: layer,
    locatedLayer: located?.layer ?? null,
    layerDistances: located?.distances ?? [],
    params,
    losses,
    nll: nlls,
    kl: kls,
    stoppedEarly,
    step0,
    tensors: params.map((p) => ({ name: p, dims: m.dims(p), original: original[p], edited: current[p] })),
    hparams: { ...h },
    tokens: {
      locate_input_ids: located?.inputIds ?? [],
      locate_attention_mask: located?.attentionMask ?? [],
      edit_input_ids: tx.editIds,
      prompt_ids: tx.promptIds,
      label_ids: tx.labelIds,
      kc_input_ids: tx.kcIds,
      kc_answer_len: tx.kcPos.length,
      edit_text: tx.editText,
      kc_text: tx.kcText,
    },
    timings: {
      locateS: (tLocate - t0) / 1000,
      graphsS: (tGraphs - tLocate) / 1000,
      prefixS: (tPrefix - tGraphs) / 1000,
      stepsS: (tEnd - tPrefix) / 1000,
      totalS: (tEnd - t0) / 1000,
      perStepS,
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function gradStats(loss: number, nll: number, kl: number, grads: Record<string, Float32Array>, params: string[], m: EditModel): NonNullable<EditRun['step0']> {
  const per: Record<string, TensorStats> = {};
  let sq = 0;
  let sum = 0;
  let abs = 0;
  for (const p of params) {
    const c = tensorChecksums(grads[p]);
    per[p] = { grad_norm: c.norm, grad_sum: c.sum, grad_abs_sum: c.abs_sum, grad_wsum: c.wsum, shape: m.dims(p) };
    sq += c.norm * c.norm;
    sum += c.sum;
    abs += c.abs_sum;
  }
  return { loss, nll, kl, grad_norm: Math.sqrt(sq), grad_sum: sum, grad_abs_sum: abs, params: per };
}

/** The edit and KL sequences as one right-padded batch of 2 (right padding leaves the real positions untouched). */
function rightPadPair(a: number[], b: number[], pad: number, m: EditModel): { seq: number; feeds: Record<string, Feed> } {
  const S = Math.max(a.length, b.length);
  const ids = new BigInt64Array(2 * S).fill(BigInt(pad)); // [2, seq]
  const mask = new BigInt64Array(2 * S); // [2, seq]
  const pos = new BigInt64Array(2 * S); // [2, seq]
  [a, b].forEach((r, row) => {
    for (let j = 0; j < S; j++) {
      if (j < r.length) {
        ids[row * S + j] = BigInt(r[j]);
        mask[row * S + j] = 1n;
      }
      pos[row * S + j] = BigInt(j);
    }
  });
  const feeds: Record<string, Feed> = {
    input_ids: { dtype: 'int64', dims: [2, S], data: ids },
    attention_mask: { dtype: 'int64', dims: [2, S], data: mask },
    position_ids: { dtype: 'int64', dims: [2, S], data: pos },
  };
  const sp = m.spec;
  for (let i = 0; i < sp.layers; i++)
    for (const kind of ['key', 'value'] as const) feeds[pastName(i, kind)] = { dtype: 'float32', dims: [2, sp.kvHeads, 0, sp.headDim], data: new Float32Array(0) };
  return { seq: S, feeds };
}
