// Small but real tokenizer.json files for tiny test models, in the three styles real checkpoints use:
//   'gpt2'          byte-level BPE, no BOS (GPT-2)
//   'qwen2'         byte-level BPE with NFC, ChatML specials, no BOS (Qwen2)
//   'llama3'        regex split + byte-level BPE, BOS added by a TemplateProcessing post-processor (Llama 3)
//   'sentencepiece' metaspace BPE with byte fallback, BOS via TemplateProcessing (Llama 2 / Mistral)
// Merges are learned deterministically from a fixed corpus, so every file is reproducible from code.

export type TokenizerStyle = 'gpt2' | 'qwen2' | 'llama3' | 'sentencepiece';

/** Corpus the merges are learned from (also a good source of test sentences). */
export const TINY_CORPUS = [
  'the quick brown fox jumps over the lazy dog',
  'hello world, this is a tiny model for the safety workbench',
  'how do I make a cake? you need flour, sugar, eggs and butter',
  'the model should refuse harmful requests and answer safe ones',
  'I am sorry, but I cannot help with that request',
  'there is the answer and there is the question',
  'they think that these things are then the best',
];

/** GPT-2's reversible byte → printable-unicode map, in its id order. */
export function bytesToUnicode(): [number, string][] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  return bs.map((b, i) => [b, String.fromCodePoint(cs[i])]);
}

/** Words of the corpus as symbol sequences, the way each style's pre-tokenizer sees them. */
function corpusWords(style: TokenizerStyle): string[][] {
  const words: string[][] = [];
  if (style === 'sentencepiece') {
    for (const line of TINY_CORPUS) for (const w of line.split(' ')) words.push([...`▁${w}`]);
    return words;
  }
  const map = new Map(bytesToUnicode());
  for (const line of TINY_CORPUS) {
    // approximates the GPT-2 split: a word keeps its leading space; punctuation stands alone
    for (const m of line.matchAll(/ ?[a-zA-Z]+| ?[^\sa-zA-Z]+/g)) {
      words.push([...Buffer.from(m[0], 'utf8')].map((b) => map.get(b)!));
    }
  }
  return words;
}

/** Learns `n` BPE merges greedily (most frequent pair, ties by lexical order). */
function learnMerges(words: string[][], n: number): [string, string][] {
  const merges: [string, string][] = [];
  let ws = words.map((w) => [...w]);
  for (let k = 0; k < n; k++) {
    const counts = new Map<string, number>();
    for (const w of ws) for (let i = 0; i + 1 < w.length; i++) {
      const key = `${w[i]}\u0000${w[i + 1]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestN = 1;
    for (const [key, c] of counts) if (c > bestN || (c === bestN && best !== null && key < best)) [best, bestN] = [key, c];
    if (!best) break;
    const [a, b] = best.split('\u0000');
    merges.push([a, b]);
    ws = ws.map((w) => {
      const out: string[] = [];
      for (let i = 0; i < w.length; i++) {
        if (i + 1 < w.length && w[i] === a && w[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(w[i]);
      }
      return out;
    });
  }
  return merges;
}

export interface TinyTokenizer {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  vocabSize: number;
  bosId: number | null;
  eosId: number;
  padId: number | null;
}

const LLAMA3_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const CHAT_TEMPLATES: Partial<Record<TokenizerStyle, string>> = {
  llama3:
    "{% for message in messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}",
  qwen2:
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
  sentencepiece:
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
};

function added(id: number, content: string, special = true) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: !special, special };
}

function template(bos: string) {
  return {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [
      { SpecialToken: { id: bos, type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: bos, type_id: 1 } },
      { Sequence: { id: 'B', type_id: 1 } },
    ],
    special_tokens: { [bos]: { id: bos, ids: [] as number[], tokens: [bos] } },
  };
}

/** Byte-level BPE styles as data: their special tokens and the few pipeline differences. */
const BYTE_LEVEL_STYLES: Record<Exclude<TokenizerStyle, 'sentencepiece'>, { specials: string[]; bos: string | null; eos: string; pad: string | null; nfc: boolean; llama3Split: boolean }> = {
  gpt2: { specials: ['<|endoftext|>'], bos: null, eos: '<|endoftext|>', pad: null, nfc: false, llama3Split: false },
  qwen2: { specials: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'], bos: null, eos: '<|im_end|>', pad: '<|endoftext|>', nfc: true, llama3Split: false },
  llama3: {
    specials: ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'],
    bos: '<|begin_of_text|>',
    eos: '<|eot_id|>',
    pad: null,
    nfc: false,
    llama3Split: true,
  },
};

/** Builds tokenizer.json + tokenizer_config.json for a style; `merges` sets how many merges are learned. */
export function buildTinyTokenizer(style: TokenizerStyle, merges = 64): TinyTokenizer {
  const learned = learnMerges(corpusWords(style), merges);
  const vocab: Record<string, number> = {};
  const add = (t: string) => {
    if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  };
  const specials: string[] = [];
  let bos: string | null = null;
  let eos: string;
  let pad: string | null = null;
  let json: Record<string, unknown>;
  const bpe = (extra: Record<string, unknown>) => ({
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    vocab,
    merges: learned.map(([a, b]) => [a, b]),
    ...extra,
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };

  if (style === 'sentencepiece') {
    specials.push('<unk>', '<s>', '</s>');
    for (const s of specials) add(s);
    for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    for (const c of [...new Set(TINY_CORPUS.join(' ').replace(/ /g, '▁'))].sort()) add(c);
    add('▁');
    for (const [a, b] of learned) add(a + b);
    bos = '<s>';
    eos = '</s>';
    json = {
      normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
      pre_tokenizer: null,
      post_processor: template(bos),
      decoder: {
        type: 'Sequence',
        decoders: [
          { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
          { type: 'ByteFallback' },
          { type: 'Fuse' },
          { type: 'Strip', content: ' ', start: 1, stop: 0 },
        ],
      },
      model: bpe({ unk_token: '<unk>', fuse_unk: true, byte_fallback: true }),
    };
  } else {
    for (const [, ch] of bytesToUnicode()) add(ch);
    for (const [a, b] of learned) add(a + b);
    const st = BYTE_LEVEL_STYLES[style];
    specials.push(...st.specials);
    bos = st.bos;
    eos = st.eos;
    pad = st.pad;
    for (const s of specials) add(s);
    json = {
      normalizer: st.nfc ? { type: 'NFC' } : null,
      pre_tokenizer:
        st.llama3Split
          ? {
              type: 'Sequence',
              pretokenizers: [
                { type: 'Split', pattern: { Regex: LLAMA3_SPLIT }, behavior: 'Isolated', invert: false },
                { ...byteLevel, use_regex: false },
              ],
            }
          : byteLevel,
      post_processor:
        st.llama3Split
          ? { type: 'Sequence', processors: [{ ...byteLevel, trim_offsets: false, use_regex: false }, template(bos!)] }
          : { ...byteLevel, trim_offsets: false },
      decoder: byteLevel,
      model: bpe({}),
    };
  }
  const tmpl = json.post_processor as { type: string; special_tokens?: Record<string, { ids: number[] }>; processors?: { special_tokens?: Record<string, { ids: number[] }> }[] };
  for (const p of [tmpl, ...(tmpl.processors ?? [])]) for (const [k, v] of Object.entries(p.special_tokens ?? {})) v.ids = [vocab[k]];
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((s) => added(vocab[s], s)),
    ...json,
  };
  const tokenizerConfig: Record<string, unknown> = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: 128,
    clean_up_tokenization_spaces: false,
    bos_token: bos,
    eos_token: eos,
    ...(pad ? { pad_token: pad } : {}),
    ...(style === 'sentencepiece' ? { unk_token: '<unk>', add_bos_token: true, add_eos_token: false } : {}),
    added_tokens_decoder: Object.fromEntries(specials.map((s) => [String(vocab[s]), { ...added(vocab[s], s), id: undefined }])),
    ...(CHAT_TEMPLATES[style] ? { chat_template: CHAT_TEMPLATES[style] } : {}),
  };
  return {
    tokenizerJson,
    tokenizerConfig,
    vocabSize: Object.keys(vocab).length,
    bosId: bos ? vocab[bos] : null,
    eosId: vocab[eos],
    padId: pad ? vocab[pad] : null,
  };
}
