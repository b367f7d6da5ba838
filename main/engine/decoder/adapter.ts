// ModelSpec (model-files work: arch/registry.ts) → DecoderSpec (what the graph builder reads).
import type { ModelSpec } from '../arch/registry';
import type { GlobalRole, LayerRole } from '../arch/profiles';
import type { DecoderSpec } from './spec';

export function decoderSpecFromModel(ms: ModelSpec): DecoderSpec {
  const globals: Partial<Record<GlobalRole, string>> = {};
  for (const role of Object.keys(ms.profile.globals) as GlobalRole[]) {
    const t = ms.weights.get(role);
    if (t) globals[role] = t.name;
  }
  const layerTensors: Partial<Record<LayerRole, string>>[] = [];
  for (let i = 0; i < ms.dims.layers; i++) {
    const l: Partial<Record<LayerRole, string>> = {};
    for (const role of Object.keys(ms.profile.layer) as LayerRole[]) {
      const t = ms.weights.get(`${role}.${i}`);
      if (t) l[role] = t.name;
    }
    layerTensors.push(l);
  }
  const d = ms.dims;
  return {
    layers: d.layers,
    hidden: d.hidden,
    heads: d.heads,
    kvHeads: d.kvHeads,
    headDim: d.headDim,
    inter: d.intermediate,
    vocab: d.vocab,
    eps: d.eps,
    norm: ms.profile.norm,
    activation: ms.activation,
    position: ms.profile.position,
    rope: ms.rope ?? undefined,
    gatedMlp: ms.profile.gatedMlp,
    linearLayout: ms.profile.linearLayout,
    fusedQkv: ms.profile.fusedQkv,
    slidingWindow: ms.slidingWindow,
    globals,
    layerTensors,
    eosTokenIds: ms.eosTokenIds,
    padTokenId: ms.padTokenId ?? ms.eosTokenIds[0] ?? 0,
  };
}
