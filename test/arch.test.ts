import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { goldenModelDir, loadGolden, sparseSafetensors, tinyModel } from './models';
import { tempDir } from './helpers';
import { estimateMemory, parseRope, resolveModel, weight, SUPPORTED_ARCHS } from '../main/engine/arch/registry';
import { ropeInvFreq } from '../main/engine/arch/rope';
import { readTensorF32, writeSafetensors, openSafetensors, readTensorRaw } from '../main/engine/safetensors';
import type { ArchName } from '../main/engine/arch/profiles';

function editJson(file: string, patch: (j: Record<string, unknown>) => void) {
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  patch(j);
  fs.writeFileSync(file, JSON.stringify(j));
}

describe('every architecture resolves', () => {
  it.each(SUPPORTED_ARCHS)('%s', (arch) => {
    const spec = resolveModel(tinyModel(arch as ArchName, { seed: 3 }));
    expect(spec.arch).toBe(arch);
    expect(spec.dims).toMatchObject({ layers: 2, hidden: 32, heads: 4, headDim: 8 });
    expect(spec.dims.kvHeads).toBe(arch === 'gpt2' ? 4 : 2);
    expect(spec.dims.intermediate).toBe(arch === 'gpt2' ? 128 : 64);
    expect(spec.dtype).toBe('F32');
    // parameters: sum of the required tensors, read back from the checkpoint
    let n = 0;
    for (const t of spec.weights.values()) n += t.shape.reduce((a, b) => a * b, 1);
    expect(spec.parameters).toBe(n);
    expect(spec.parameters).toBeGreaterThan(spec.dims.vocab * spec.dims.hidden);
    const down = weight(spec, spec.profile.editTarget.weight, 1);
    expect(down.name).toBe(arch === 'gpt2' ? 'transformer.h.1.mlp.c_proj.weight' : 'model.layers.1.mlp.down_proj.weight');
    expect(down.shape).toEqual(arch === 'gpt2' ? [128, 32] : [32, 64]);
    expect(spec.eosTokenIds.length).toBe(1);
  });

  it('per-arch details: qwen2 biases and tied head, gpt2 Conv1D and learned positions, mistral v5 rope config', () => {
    const q = resolveModel(goldenModelDir('qwen2'));
    expect(q.bias).toEqual({ qkv: true, o: false });
    expect(q.tiedEmbeddings).toBe(true);
    expect(q.weights.has('lmHead')).toBe(false);
    expect(weight(q, 'qBias', 0).shape).toEqual([32]);
    expect(q.rope?.theta).toBe(1000000);
    expect(q.slidingWindow).toBeNull();
    const g = resolveModel(goldenModelDir('gpt2'));
    expect(g).toMatchObject({ activation: 'gelu_tanh', rope: null, tiedEmbeddings: true });
    expect(g.profile).toMatchObject({ norm: 'layer', position: 'learned', linearLayout: 'in_out', fusedQkv: true });
    expect(weight(g, 'qkv', 0).shape).toEqual([32, 96]);
    expect(weight(g, 'posEmbed').shape).toEqual([128, 32]);
    const m = resolveModel(goldenModelDir('mistral'));
    expect(m.rope).toEqual({ theta: 10000, dim: 8, scaling: { type: 'default' } });
    expect(m.configDtype).toBe('float32');
    const l = resolveModel(goldenModelDir('llama'));
    expect(l.rope?.theta).toBe(500000);
    expect(l.bosTokenId).toBe(311);
    expect(l.eosTokenIds).toEqual([315]);
  });

  it('BF16 sharded checkpoint resolves and converts', () => {
    const s = resolveModel(goldenModelDir('llama-bf16-sharded'));
    expect(s.dtype).toBe('BF16');
    expect(s.checkpoint.files.length).toBe(2);
    const e = readTensorF32(weight(s, 'embed'));
    expect(e.length).toBe(s.dims.vocab * s.dims.hidden);
    // every value is exactly a bfloat16 (low 16 bits zero)
    const bits = new Uint32Array(e.buffer, e.byteOffset, e.length);
    expect(bits.every((b) => (b & 0xffff) === 0)).toBe(true);
  });

  it('GPT-2 checkpoints without the transformer. prefix resolve', () => {
    const dir = tinyModel('gpt2');
    const f = path.join(dir, 'model.safetensors');
    const st = openSafetensors(f);
    writeSafetensors(
      f,
      [...st.tensors.values()].map((t) => ({ name: t.name.replace(/^transformer\./, ''), dtype: t.dtype, shape: t.shape, data: readTensorRaw(t) })),
    );
    const s = resolveModel(dir);
    expect(weight(s, 'embed').name).toBe('wte.weight');
  });

  it('memory estimate: f32 weights + KV cache', () => {
    const s = resolveModel(goldenModelDir('llama'));
    const m = estimateMemory(s, { context: 100 });
    expect(m.weightsF32).toBe(s.parameters * 4);
    expect(m.kvCache).toBe(2 * 2 * 2 * 8 * 100 * 4);
    expect(m.totalCpu).toBe(m.weightsF32 + m.kvCache);
    expect(estimateMemory(s, { context: 10_000 }).context).toBe(128); // capped at maxContext
  });
});

describe('rope frequencies vs transformers', () => {
  it.each(loadGolden('llama').rope!.map((r) => [String(r.ropeParameters.rope_type), r] as const))('%s', (_t, r) => {
    const spec = parseRope({ rope_parameters: r.ropeParameters }, 'config.json', r.headDim);
    const inv = ropeInvFreq(spec);
    expect(inv.length).toBe(r.invFreq.length);
    for (let i = 0; i < inv.length; i++) expect(Math.abs(inv[i] - r.invFreq[i])).toBeLessThanOrEqual(Math.abs(r.invFreq[i]) * 1e-5);
  });
  it('old-style rope_scaling is read too, and unsupported kinds are refused', () => {
    expect(parseRope({ rope_theta: 5, rope_scaling: { type: 'linear', factor: 2 } }, 'c', 8).scaling).toEqual({ type: 'linear', factor: 2 });
    expect(() => parseRope({ rope_scaling: { rope_type: 'yarn', factor: 4 } }, 'c.json', 8)).toThrow(
      /c\.json: rope scaling type 'yarn' is not supported \(supported: default, linear, llama3\)/,
    );
    expect(() => parseRope({ rope_scaling: { rope_type: 'llama3', factor: 8 } }, 'c.json', 8)).toThrow(/needs a positive number low_freq_factor/);
  });
});

describe('config and checkpoint errors', () => {
  const cfg = (dir: string) => path.join(dir, 'config.json');
  it('unsupported architecture is refused by name, listing the supported ones', () => {
    const dir = tinyModel('llama');
    editJson(cfg(dir), (j) => {
      j.architectures = ['FalconForCausalLM'];
      j.model_type = 'falcon';
    });
    expect(() => resolveModel(dir)).toThrow(
      /architecture FalconForCausalLM \(model_type falcon\) is not supported; supported: llama \(LlamaForCausalLM\); mistral \(MistralForCausalLM\); qwen2 \(Qwen2ForCausalLM\); gpt2 \(GPT2LMHeadModel\)/,
    );
  });
  it('model_type alone selects the profile', () => {
    const dir = tinyModel('qwen2');
    editJson(cfg(dir), (j) => delete j.architectures);
    expect(resolveModel(dir).arch).toBe('qwen2');
  });
  it('missing config.json / invalid JSON / missing field', () => {
    const dir = tinyModel('llama');
    const c = fs.readFileSync(cfg(dir), 'utf8');
    fs.rmSync(cfg(dir));
    expect(() => resolveModel(dir)).toThrow(/config\.json: missing/);
    fs.writeFileSync(cfg(dir), '{');
    expect(() => resolveModel(dir)).toThrow(/config\.json: not valid JSON/);
    fs.writeFileSync(cfg(dir), c);
    editJson(cfg(dir), (j) => delete j.num_hidden_layers);
    expect(() => resolveModel(dir)).toThrow(/missing num_hidden_layers \(number of layers\)/);
  });
  it('head and size consistency', () => {
    const dir = tinyModel('llama');
    editJson(cfg(dir), (j) => (j.num_key_value_heads = 3));
    expect(() => resolveModel(dir)).toThrow(/num_attention_heads 4 is not a multiple of num_key_value_heads 3/);
    editJson(cfg(dir), (j) => {
      j.num_key_value_heads = 2;
      j.head_dim = 16;
    });
    expect(() => resolveModel(dir)).toThrow(/tensor 'model\.layers\.0\.self_attn\.q_proj\.weight' has shape \[32, 32\] but config\.json implies \[64, 32\]/);
  });
  it('shape mismatch with config (vocab)', () => {
    const dir = tinyModel('gpt2');
    editJson(cfg(dir), (j) => (j.vocab_size = 999));
    expect(() => resolveModel(dir)).toThrow(/model\.safetensors: tensor 'transformer\.wte\.weight' has shape \[312, 32\] but config\.json implies \[999, 32\]/);
  });
  it('missing tensor', () => {
    const dir = tinyModel('llama');
    const f = path.join(dir, 'model.safetensors');
    const st = openSafetensors(f);
    writeSafetensors(
      f,
      [...st.tensors.values()].filter((t) => t.name !== 'model.layers.1.mlp.up_proj.weight').map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: readTensorRaw(t) })),
    );
    expect(() => resolveModel(dir)).toThrow(/missing tensor 'model\.layers\.1\.mlp\.up_proj\.weight' \(required by llama\)/);
  });
  it('untied config needs lm_head', () => {
    const dir = tinyModel('qwen2');
    editJson(cfg(dir), (j) => (j.tie_word_embeddings = false));
    expect(() => resolveModel(dir)).toThrow(/missing tensor 'lm_head\.weight' \(required by qwen2, untied\)/);
  });
  it('unsupported options: activation, quantization, mlp_bias, cross-attention', () => {
    const dir = tinyModel('llama');
    editJson(cfg(dir), (j) => (j.hidden_act = 'relu'));
    expect(() => resolveModel(dir)).toThrow(/hidden_act "relu" is not supported for llama \(supported: silu, swish\)/);
    editJson(cfg(dir), (j) => {
      j.hidden_act = 'silu';
      j.quantization_config = { quant_method: 'gptq' };
    });
    expect(() => resolveModel(dir)).toThrow(/quantized checkpoints are not supported/);
    editJson(cfg(dir), (j) => {
      delete j.quantization_config;
      j.mlp_bias = true;
    });
    expect(() => resolveModel(dir)).toThrow(/mlp_bias: true\) are not supported/);
    const g = tinyModel('gpt2');
    editJson(cfg(g), (j) => (j.add_cross_attention = true));
    expect(() => resolveModel(g)).toThrow(/cross-attention/);
  });
  it('sliding window in use caps the context (mistral sliding_window, qwen2 use_sliding_window)', () => {
    const m = tinyModel('mistral');
    editJson(cfg(m), (j) => (j.sliding_window = 64));
    const s = resolveModel(m);
    expect(s.slidingWindow).toBe(64);
    expect(s.maxContext).toBe(64);
    const q = tinyModel('qwen2');
    expect(resolveModel(q).maxContext).toBe(128); // sliding_window 4096 present but use_sliding_window false
    editJson(cfg(q), (j) => {
      j.use_sliding_window = true;
      j.sliding_window = 32;
    });
    expect(resolveModel(q).maxContext).toBe(32);
  });
  it('token ids outside the vocabulary', () => {
    const dir = tinyModel('llama');
    editJson(path.join(dir, 'generation_config.json'), (j) => (j.eos_token_id = [315, 5000]));
    expect(() => resolveModel(dir)).toThrow(/eos_token_id 5000 is outside the vocabulary/);
  });
  it('not a folder / no weights', () => {
    expect(() => resolveModel('/nonexistent/model')).toThrow(/not a folder/);
    const dir = tinyModel('llama');
    fs.rmSync(path.join(dir, 'model.safetensors'));
    expect(() => resolveModel(dir)).toThrow(/no model\.safetensors or model\.safetensors\.index\.json/);
  });
});

describe('a 7B-shaped checkpoint (sparse files, 13.5 GB apparent size)', () => {
  it('resolves from headers alone with Llama-2-7B\'s parameter count and memory estimate', () => {
    const dir = tempDir('safeedit-7b-');
    const [V, H, I, L] = [32000, 4096, 11008, 32];
    const layer = (i: number) => [
      { name: `model.layers.${i}.input_layernorm.weight`, shape: [H] },
      { name: `model.layers.${i}.self_attn.q_proj.weight`, shape: [H, H] },
      { name: `model.layers.${i}.self_attn.k_proj.weight`, shape: [H, H] },
      { name: `model.layers.${i}.self_attn.v_proj.weight`, shape: [H, H] },
      { name: `model.layers.${i}.self_attn.o_proj.weight`, shape: [H, H] },
      { name: `model.layers.${i}.post_attention_layernorm.weight`, shape: [H] },
      { name: `model.layers.${i}.mlp.gate_proj.weight`, shape: [I, H] },
      { name: `model.layers.${i}.mlp.up_proj.weight`, shape: [I, H] },
      { name: `model.layers.${i}.mlp.down_proj.weight`, shape: [H, I] },
    ];
    const bf = (ts: { name: string; shape: number[] }[]) => ts.map((t) => ({ ...t, dtype: 'BF16' as const }));
    const shard1 = bf([{ name: 'model.embed_tokens.weight', shape: [V, H] }, ...Array.from({ length: 16 }, (_, i) => layer(i)).flat()]);
    const shard2 = bf([...Array.from({ length: 16 }, (_, i) => layer(i + 16)).flat(), { name: 'model.norm.weight', shape: [H] }, { name: 'lm_head.weight', shape: [V, H] }]);
    const files = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
    const sizes = [sparseSafetensors(path.join(dir, files[0]), shard1), sparseSafetensors(path.join(dir, files[1]), shard2)];
    const weightMap = Object.fromEntries([...shard1.map((t) => [t.name, files[0]]), ...shard2.map((t) => [t.name, files[1]])]);
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({
        architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: H, intermediate_size: I, num_attention_heads: 32,
        num_hidden_layers: L, num_key_value_heads: 32, max_position_embeddings: 4096, rms_norm_eps: 1e-5, vocab_size: V,
        hidden_act: 'silu', rope_theta: 10000, bos_token_id: 1, eos_token_id: 2, tie_word_embeddings: false, torch_dtype: 'float16',
      }),
    );
    try {
      const s = resolveModel(dir);
      expect(s.parameters).toBe(6_738_415_616);
      expect(s.checkpoint.fileBytes).toBe(sizes[0] + sizes[1]);
      expect(s.checkpoint.fileBytes).toBeGreaterThan(13e9);
      expect(s.dtype).toBe('BF16');
      const m = estimateMemory(s, { context: 4096 });
      expect(m.weightsF32).toBe(6_738_415_616 * 4);
      expect(m.kvCache).toBe(2 * 32 * 32 * 128 * 4096 * 4); // 4 GiB of f32 K/V at 4096 tokens
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
