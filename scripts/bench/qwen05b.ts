// A Qwen2-0.5B-shaped random model written as a Hugging Face folder (hidden 896, 24 layers, 14 heads / 2 KV heads,
// intermediate 4864, tied embedding widened to vocab 151936, f32). The small test tokenizer of main/engine/testing
// only uses the first ids of the vocabulary. Shared by the benchmarks that need a real model folder.
import fs from 'node:fs';
import path from 'node:path';
import { writeTinyModel, prng } from '../../main/engine/testing/tiny';
import { openSafetensors, readTensorF32, writeSafetensors, type TensorToWrite } from '../../main/engine/safetensors';

export const QWEN05B_SHAPE = { hidden: 896, layers: 24, heads: 14, kvHeads: 2, intermediate: 4864, vocab: 151936 } as const;

export function writeQwen05bShaped(dir: string, o: { layers?: number; vocab?: number; seed?: number; maxPos?: number } = {}): string {
  const vocab = o.vocab ?? QWEN05B_SHAPE.vocab;
  const { hidden, heads, kvHeads, intermediate } = QWEN05B_SHAPE;
  writeTinyModel(dir, 'qwen2', { seed: o.seed ?? 3, hidden, layers: o.layers ?? QWEN05B_SHAPE.layers, heads, kvHeads, intermediate, maxPos: o.maxPos ?? 4096 });
  const file = path.join(dir, 'model.safetensors');
  const st = openSafetensors(file);
  const rand = prng(5);
  const tensors: TensorToWrite[] = [...st.tensors.values()].map((t) => {
    if (t.name !== 'model.embed_tokens.weight') return { name: t.name, dtype: 'F32', shape: t.shape, data: readTensorF32(t) };
    const data = new Float32Array(vocab * t.shape[1]); // [vocab, hidden]
    for (let i = 0; i < data.length; i++) data[i] = (rand() - 0.5) * 0.1;
    return { name: t.name, dtype: 'F32', shape: [vocab, t.shape[1]], data };
  });
  writeSafetensors(file, tensors, st.metadata);
  const cfgFile = path.join(dir, 'config.json');
  fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), vocab_size: vocab }, null, 2));
  return dir;
}
