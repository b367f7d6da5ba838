// Tiny random-weight sequence classifiers (RoBERTa, BERT, DistilBERT) written as real Hugging Face folders:
// config.json (with id2label), model.safetensors, tokenizer.json, tokenizer_config.json. Deterministic from a
// seed; loadable by this engine and by transformers (scripts/reference/make_judge_goldens.py computes the goldens
// from exactly these folders).
import fs from 'node:fs';
import { bertTemplateProcessing } from '../text/tokenizer-json';
import path from 'node:path';
import { CLASSIFIER_PROFILES, type ClassifierArchName, type EncoderShapeSym, type EncoderTensorTemplate } from '../arch/classifiers';
import { writeSafetensors, type TensorToWrite } from '../safetensors/writer';
import { prng } from './tiny';
import { buildTinyTokenizer, TINY_CORPUS } from './tiny-tokenizers';

export interface TinyClassifierOptions {
  seed?: number;
  hidden?: number;
  layers?: number;
  heads?: number;
  intermediate?: number;
  /** config max_position_embeddings (RoBERTa reads at most this - pad_token_id - 1 tokens) */
  maxPos?: number;
  /** id2label: {0: safe, 1: unsafe} (default), LABEL_0/LABEL_1, or any names (index = position) */
  labels?: 'safe-unsafe' | 'generic' | string[];
}

export interface TinyClassifierInfo {
  dir: string;
  arch: ClassifierArchName;
  vocab: number;
  config: Record<string, unknown>;
}

function normals(rand: () => number, n: number, std: number, mean = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = mean + std * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

function added(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

interface TinyTok {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  vocabSize: number;
  padId: number;
  bosId: number | null;
  eosId: number | null;
}

/** RoBERTa style: byte-level BPE (the tiny GPT-2 merges) with <s> … </s> from a RobertaProcessing post-processor. */
function robertaTokenizer(maxLen: number): TinyTok {
  const base = buildTinyTokenizer('gpt2', 64);
  const model = base.tokenizerJson.model as { vocab: Record<string, number>; merges: unknown };
  const specials = ['<s>', '<pad>', '</s>', '<unk>'];
  const vocab: Record<string, number> = {};
  for (const s of specials) vocab[s] = Object.keys(vocab).length;
  for (const [t] of Object.entries(model.vocab).sort((a, b) => a[1] - b[1])) if (t !== '<|endoftext|>') vocab[t] = Object.keys(vocab).length;
  vocab['<mask>'] = Object.keys(vocab).length;
  const all = [...specials, '<mask>'];
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: all.map((s) => added(vocab[s], s)),
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: { type: 'RobertaProcessing', sep: ['</s>', vocab['</s>']], cls: ['<s>', vocab['<s>']], trim_offsets: true, add_prefix_space: false },
      decoder: byteLevel,
      model: { ...model, vocab },
    },
    tokenizerConfig: {
      tokenizer_class: 'PreTrainedTokenizerFast',
      model_max_length: maxLen,
      clean_up_tokenization_spaces: false,
      bos_token: '<s>',
      eos_token: '</s>',
      cls_token: '<s>',
      sep_token: '</s>',
      pad_token: '<pad>',
      unk_token: '<unk>',
      mask_token: '<mask>',
      added_tokens_decoder: Object.fromEntries(all.map((s) => [String(vocab[s]), { ...added(vocab[s], s), id: undefined }])),
    },
    vocabSize: Object.keys(vocab).length,
    padId: vocab['<pad>'],
    bosId: vocab['<s>'],
    eosId: vocab['</s>'],
  };
}

/** BERT style: lower-casing BertNormalizer, BertPreTokenizer, WordPiece, [CLS] … [SEP] by TemplateProcessing. */
function bertTokenizer(maxLen: number): TinyTok {
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const vocab: Record<string, number> = {};
  const add = (t: string) => {
    if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  };
  for (const s of specials) add(s);
  const chars = [...new Set(TINY_CORPUS.join(' ').replace(/\s/g, '') + "abcdefghijklmnopqrstuvwxyz0123456789.,?!'-:;()")].sort();
  for (const c of chars) add(c);
  for (const c of chars) if (/[a-z0-9]/.test(c)) add(`##${c}`);
  const words = [...new Set(TINY_CORPUS.join(' ').toLowerCase().split(/[^a-z]+/).filter((w) => w.length > 1))].sort();
  for (const w of words) add(w);
  for (const sub of ['##s', '##ing', '##ed', '##er', '##ly', '##es']) add(sub);
  const id = (t: string) => vocab[t];
  return {
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((s) => added(id(s), s)),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: bertTemplateProcessing(id('[CLS]'), id('[SEP]')),
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
    },
    tokenizerConfig: {
      tokenizer_class: 'PreTrainedTokenizerFast',
      model_max_length: maxLen,
      clean_up_tokenization_spaces: false,
      do_lower_case: true,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
      added_tokens_decoder: Object.fromEntries(specials.map((s) => [String(id(s)), { ...added(id(s), s), id: undefined }])),
    },
    vocabSize: Object.keys(vocab).length,
    padId: id('[PAD]'),
    bosId: null,
    eosId: null,
  };
}

function id2label(opt: TinyClassifierOptions['labels']): Record<string, string> {
  const names = opt === 'generic' ? ['LABEL_0', 'LABEL_1'] : Array.isArray(opt) ? opt : ['safe', 'unsafe'];
  return Object.fromEntries(names.map((n, i) => [String(i), n]));
}

/** Writes a tiny classifier folder for `arch` into `dir` (created if needed). Same options → byte-identical files. */
export function writeTinyClassifier(dir: string, arch: ClassifierArchName, opts: TinyClassifierOptions = {}): TinyClassifierInfo {
  const profile = CLASSIFIER_PROFILES[arch];
  const hidden = opts.hidden ?? 32;
  const layers = opts.layers ?? 2;
  const heads = opts.heads ?? 4;
  const inter = opts.intermediate ?? 64;
  const tok = arch === 'roberta' ? robertaTokenizer(512) : bertTokenizer(512);
  const maxPos = opts.maxPos ?? (profile.positions === 'after_padding_idx' ? 40 + tok.padId + 1 : 40);
  const labels = id2label(opts.labels);
  const nLabels = Object.keys(labels).length;
  const typeVocab = arch === 'roberta' ? 1 : arch === 'bert' ? 2 : 0;
  const vocab = tok.vocabSize;
  const label2id = Object.fromEntries(Object.entries(labels).map(([k, v]) => [v, Number(k)]));
  const common = { id2label: labels, label2id, torch_dtype: 'float32', transformers_version: '5.18.0' };
  const bertLike = {
    attention_probs_dropout_prob: 0.1,
    classifier_dropout: null,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    hidden_size: hidden,
    initializer_range: 0.02,
    intermediate_size: inter,
    max_position_embeddings: maxPos,
    num_attention_heads: heads,
    num_hidden_layers: layers,
    pad_token_id: tok.padId,
    position_embedding_type: 'absolute',
    type_vocab_size: typeVocab,
    vocab_size: vocab,
  };
  let config: Record<string, unknown>;
  if (arch === 'roberta') {
    config = { architectures: ['RobertaForSequenceClassification'], model_type: 'roberta', ...bertLike, bos_token_id: tok.bosId, eos_token_id: tok.eosId, layer_norm_eps: 1e-5, ...common };
  } else if (arch === 'bert') {
    config = { architectures: ['BertForSequenceClassification'], model_type: 'bert', ...bertLike, layer_norm_eps: 1e-12, ...common };
  } else {
    config = {
      activation: 'gelu', architectures: ['DistilBertForSequenceClassification'], attention_dropout: 0.1, dim: hidden, dropout: 0.1,
      hidden_dim: inter, initializer_range: 0.02, max_position_embeddings: maxPos, model_type: 'distilbert', n_heads: heads,
      n_layers: layers, pad_token_id: tok.padId, qa_dropout: 0.1, seq_classif_dropout: 0.2, sinusoidal_pos_embds: false,
      vocab_size: vocab, ...common,
    };
  }

  const sym: Record<EncoderShapeSym, number> = { vocab, hidden, inter, maxPos, typeVocab, labels: nLabels };
  const rand = prng(opts.seed ?? 1);
  const tensors: TensorToWrite[] = [];
  const make = (name: string, t: EncoderTensorTemplate, role: string) => {
    const shape = t.shape.map((s) => sym[s]);
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (/Norm$/.test(role)) data = normals(rand, n, 0.1, 1); // norm gains around 1
    else if (/Bias$/.test(role)) data = normals(rand, n, 0.1);
    else if (/Embed$|^embed$/.test(role)) data = normals(rand, n, 0.5);
    else data = normals(rand, n, 1.5 / Math.sqrt(shape[shape.length - 1])); // Linear [out, in]: std ~ 1/sqrt(fan_in)
    tensors.push({ name, dtype: 'F32', shape, data });
  };
  for (const [role, t] of Object.entries(profile.globals)) if (t) make(t.name, t, role);
  for (let i = 0; i < layers; i++) for (const [role, t] of Object.entries(profile.layer)) make(t.name.replace('{i}', String(i)), t, role);

  fs.mkdirSync(dir, { recursive: true });
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  const json = (name: string, v: unknown) => fs.writeFileSync(path.join(dir, name), JSON.stringify(v, null, 2) + '\n');
  json('config.json', config);
  json('tokenizer.json', tok.tokenizerJson);
  json('tokenizer_config.json', tok.tokenizerConfig);
  return { dir, arch, vocab, config };
}

/** The tiny classifiers the committed goldens (test/goldens/judge-<name>.json) were produced from. Changing any of
 *  these, or the writer, means re-running scripts/reference/make_judge_goldens.py. */
export const GOLDEN_CLASSIFIERS: { name: string; arch: ClassifierArchName; options: TinyClassifierOptions }[] = [
  { name: 'roberta', arch: 'roberta', options: { seed: 21 } },
  { name: 'bert', arch: 'bert', options: { seed: 22, labels: 'generic' } },
  { name: 'distilbert', arch: 'distilbert', options: { seed: 23 } },
];
