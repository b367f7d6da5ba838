// The demo models' tokenizer, built from the demo texts: a word-level WordPiece vocabulary (every word and
// punctuation run of the texts is one token; single characters as fall-back pieces) written as a real
// tokenizer.json that the normal loader (engine/text/tokenizer.ts, @huggingface/tokenizers) and transformers read.
// Two flavours share the vocabulary: 'decoder' (no special tokens added, <eos> ends a response) and 'classifier'
// ([CLS] text [SEP], BERT style).

import { bertTemplateProcessing } from '../engine/text/tokenizer-json';

/** The pre-tokenizer's split (tokenizers' "Whitespace": \w+|[^\w\s]+), mirrored to build the vocabulary. */
const SPLIT = /\w+|[^\w\s]+/g;

export const DEMO_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '[EOS]'] as const;

export interface DemoTokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  vocabSize: number;
  ids: { pad: number; unk: number; cls: number; sep: number; eos: number };
}

function added(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** Vocabulary: specials, then words by frequency (ties in code-point order), then characters and ##characters. */
export function demoVocabulary(texts: string[]): Record<string, number> {
  const counts = new Map<string, number>();
  const chars = new Set<string>();
  for (const t of texts) {
    for (const w of t.match(SPLIT) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
    for (const c of t) if (!/\s/.test(c)) chars.add(c);
  }
  const vocab: Record<string, number> = {};
  const add = (t: string) => {
    if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  };
  for (const s of DEMO_SPECIALS) add(s);
  const words = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [w] of words) add(w);
  for (const c of [...chars].sort()) {
    add(c);
    add(`##${c}`);
  }
  return vocab;
}

export function buildDemoTokenizer(texts: string[], flavour: 'decoder' | 'classifier', maxLength: number): DemoTokenizerFiles {
  const vocab = demoVocabulary(texts);
  const id = (t: string) => vocab[t];
  const specials = [...DEMO_SPECIALS];
  const classifier = flavour === 'classifier';
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((s) => added(id(s), s)),
    normalizer: null,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: classifier
      ? bertTemplateProcessing(id('[CLS]'), id('[SEP]'))
      : null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  const tokenizerConfig: Record<string, unknown> = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: maxLength,
    clean_up_tokenization_spaces: true,
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    ...(classifier ? { cls_token: '[CLS]', sep_token: '[SEP]', mask_token: '[MASK]' } : { eos_token: '[EOS]' }),
    added_tokens_decoder: Object.fromEntries(specials.map((s) => [String(id(s)), { content: s, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }])),
  };
  return {
    tokenizerJson,
    tokenizerConfig,
    vocabSize: Object.keys(vocab).length,
    ids: { pad: id('[PAD]'), unk: id('[UNK]'), cls: id('[CLS]'), sep: id('[SEP]'), eos: id('[EOS]') },
  };
}
