// What the decoder graph needs to know about a model: dimensions, the profile's data-driven switches and the
// checkpoint tensor name for each role. Built from the model-files ModelSpec (adapter.ts) or by hand in tests.
import type { GlobalRole, LayerRole } from '../arch/profiles';
import type { RopeSpec } from '../arch/rope';

export interface DecoderSpec {
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  inter: number;
  vocab: number;
  eps: number;
  norm: 'rms' | 'layer';
  activation: 'silu' | 'gelu_tanh';
  position: 'rope' | 'learned';
  /** required when position is 'rope' */
  rope?: RopeSpec;
  gatedMlp: boolean;
  /** 'out_in' = torch Linear [out, in]; 'in_out' = GPT-2 Conv1D [in, out] */
  linearLayout: 'out_in' | 'in_out';
  fusedQkv: boolean;
  /** keys further back than this many positions are masked (Mistral); null = full causal attention */
  slidingWindow: number | null;
  /** checkpoint tensor names by role; a role absent here is absent from the model (no bias, tied head) */
  globals: Partial<Record<GlobalRole, string>>;
  layerTensors: Partial<Record<LayerRole, string>>[];
  /** token ids that end generation */
  eosTokenIds: number[];
  /** id used for padding positions (its embedding is masked out anyway) */
  padTokenId: number;
}

/** A weight as the graph sees it: its dims and either inline data or a place in an external data file. */
export interface WeightRef {
  dims: number[];
  data: Float32Array | Uint16Array | { external: string; offset: number; length: number };
}

export type WeightSource = (name: string) => WeightRef;

/** Parameter count (embeddings counted once when tied). */
export function countParams(spec: DecoderSpec, shapeOf: (name: string) => number[]): number {
  let n = 0;
  const names = [...Object.values(spec.globals), ...spec.layerTensors.flatMap((l) => Object.values(l))];
  for (const name of new Set(names)) if (name) n += shapeOf(name).reduce((a, b) => a * b, 1);
  return n;
}
