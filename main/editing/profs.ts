// ProFS baseline (Uppaal et al., "Model Editing as a Robust and Denoised Variant of DPO", 2024), training-free:
// estimate a toxic subspace from the difference between the unsafe and safe response embeddings at each chosen
// layer (mean-pooled block outputs, the shared mean direction projected out, SVD of the differences — one pair per
// case gives a rank-1 subspace), then project the MLP value (down projection) matrix of that layer off it:
// W ← (I − U Uᵀ) W on the output (hidden) side. Runs through the same EditRun / patch path as DINM.
import { AppError } from '../../shared/errors';
import { type EditCase, type EditRun } from './dinm';
import { pooledBlockOutputs as pooledResponse } from './locate';
import { editTargets, type EditModel } from './model';

export interface ProfsOptions {
  /** layers to edit (default: the upper half of the decoder blocks, as ProFS edits the later layers) */
  layers?: number[];
  signal?: AbortSignal;
  onStage?: (stage: string) => void;
}

/** Mean over all positions of each block's output (before any final norm) for one sequence: [layers][hidden]. */
async function pooledBlockOutputs(m: EditModel, ids: number[]): Promise<Float64Array[]> {
  return (await pooledResponse(m, { ids, start: 0 })).map((v) => Float64Array.from(v));
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);

export async function runProfs(m: EditModel, c: EditCase, o: ProfsOptions = {}): Promise<EditRun> {
  const t0 = performance.now();
  const L = m.spec.layers;
  const layers = o.layers ?? Array.from({ length: L - Math.floor(L / 2) }, (_, i) => Math.floor(L / 2) + i);
  o.onStage?.('estimating the toxic subspace');
  const safe = await pooledBlockOutputs(m, m.tok.encode(c.safeGeneration));
  const unsafe = await pooledBlockOutputs(m, m.tok.encode(c.unsafeGeneration));
  const params: string[] = [];
  const tensors: EditRun['tensors'] = [];
  const distances: number[] = [];
  for (let l = 0; l < L; l++) distances.push(Math.sqrt(safe[l].reduce((s, x, i) => s + (x - unsafe[l][i]) ** 2, 0)));
  for (const l of layers) {
    if (o.signal?.aborted) throw new AppError('cancelled', 'cancelled by the user');
    // centre: remove the mean direction shared by both responses, keep what separates them
    const mu = safe[l].map((x, i) => (x + unsafe[l][i]) / 2);
    const nmu = Math.sqrt(dot(mu, mu)) || 1;
    const muHat = mu.map((x) => x / nmu);
    const d = unsafe[l].map((x, i) => x - safe[l][i]);
    const proj = dot(d, muHat);
    const u = d.map((x, i) => x - proj * muHat[i]);
    const nu = Math.sqrt(dot(u, u));
    if (!(nu > 0)) throw new AppError('edit_failed', `layer ${l}: the safe and unsafe responses have the same embedding; nothing to project`);
    for (let i = 0; i < u.length; i++) u[i] /= nu;
    // only the down-projection weight (the bias is a constant offset in the residual stream, left as is)
    const name = editTargets(m.ms, l)[0];
    const dims = m.dims(name);
    const original = m.readWeight(name);
    const edited = Float32Array.from(original);
    const H = m.spec.hidden;
    if (m.spec.linearLayout === 'out_in') {
      // W [hidden, inter]: W ← W − u (uᵀ W)
      const inter = dims[1];
      for (let j = 0; j < inter; j++) {
        let s = 0;
        for (let i = 0; i < H; i++) s += u[i] * original[i * inter + j];
        for (let i = 0; i < H; i++) edited[i * inter + j] = original[i * inter + j] - u[i] * s;
      }
    } else {
      // W [inter, hidden] (Conv1D): W ← W − (W u) uᵀ
      const inter = dims[0];
      for (let j = 0; j < inter; j++) {
        let s = 0;
        for (let i = 0; i < H; i++) s += original[j * H + i] * u[i];
        for (let i = 0; i < H; i++) edited[j * H + i] = original[j * H + i] - s * u[i];
      }
    }
    params.push(name);
    tensors.push({ name, dims, original, edited });
  }
  const totalS = (performance.now() - t0) / 1000;
  return {
    method: 'profs',
    mode: 'easyedit',
    toxicLayer: layers[0],
    locatedLayer: null,
    layerDistances: distances,
    params,
    losses: [],
    nll: [],
    kl: [],
    stoppedEarly: false,
    step0: null,
    tensors,
    hparams: { layers, rank: 1 },
    tokens: { locate_input_ids: [], locate_attention_mask: [], edit_input_ids: [], prompt_ids: [], label_ids: [], kc_input_ids: [], kc_answer_len: 0, edit_text: '', kc_text: '' },
    timings: { locateS: 0, graphsS: 0, prefixS: 0, stepsS: totalS, totalS, perStepS: [] },
  };
}
