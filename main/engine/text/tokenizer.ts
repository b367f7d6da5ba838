// A model folder's tokenizer: tokenizer.json through @huggingface/tokenizers, special tokens and BOS/EOS policy
// from tokenizer_config.json, and chat templates rendered with @huggingface/jinja.

import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { Template } from '@huggingface/jinja';
import { AppError } from '../../../shared/errors';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface TokenizerInfo {
  vocabSize: number;
  /** largest token id (added tokens included) */
  maxId: number;
  bosToken: string | null;
  eosToken: string | null;
  padToken: string | null;
  unkToken: string | null;
  bosId: number | null;
  eosId: number | null;
  padId: number | null;
  hasChatTemplate: boolean;
}

type Json = Record<string, unknown>;

function tokenString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return null;
}

function readJsonFile(file: string, required: boolean, what: string): Json | null {
  if (!fs.existsSync(file)) {
    if (required) throw new AppError('invalid_model', `${file}: missing (${what})`);
    return null;
  }
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Json;
  } catch (e) {
    throw new AppError('invalid_model', `${file}: not a valid JSON object (${(e as Error).message})`);
  }
}

export class ModelTokenizer {
  readonly info: TokenizerInfo;
  private readonly tok: Tokenizer;
  private readonly template: Template | null;
  /** tokenizer_config.json add_bos_token / add_eos_token when given explicitly */
  private readonly addBos: boolean | undefined;
  private readonly addEos: boolean | undefined;

  constructor(
    readonly dir: string,
    tokenizerJson: Json,
    readonly config: Json,
  ) {
    const file = path.join(dir, 'tokenizer.json');
    const model = tokenizerJson.model as Json | undefined;
    if (!model || typeof model !== 'object' || typeof model.type !== 'string' && !model.vocab) {
      throw new AppError('invalid_model', `${file}: has no "model" section with a vocabulary`);
    }
    try {
      this.tok = new Tokenizer(tokenizerJson, config);
    } catch (e) {
      throw new AppError('invalid_model', `${file}: cannot be loaded (${(e as Error).message})`);
    }
    const id = (t: string | null) => (t === null ? null : (this.tok.token_to_id(t) ?? null));
    const bosToken = tokenString(config.bos_token);
    const eosToken = tokenString(config.eos_token);
    const padToken = tokenString(config.pad_token);
    const unkToken = tokenString(config.unk_token);
    for (const [k, t] of [['bos_token', bosToken], ['eos_token', eosToken], ['pad_token', padToken]] as const) {
      if (t !== null && id(t) === null) throw new AppError('invalid_model', `${path.join(dir, 'tokenizer_config.json')}: ${k} ${JSON.stringify(t)} is not in the vocabulary`);
    }
    this.addBos = typeof config.add_bos_token === 'boolean' ? config.add_bos_token : undefined;
    this.addEos = typeof config.add_eos_token === 'boolean' ? config.add_eos_token : undefined;
    const ct = config.chat_template;
    let tmpl: string | null = null;
    if (typeof ct === 'string') tmpl = ct;
    else if (Array.isArray(ct)) {
      // [{name, template}] — use "default"
      const d = (ct as { name?: string; template?: string }[]).find((x) => x.name === 'default') ?? ct[0];
      tmpl = typeof d?.template === 'string' ? d.template : null;
    }
    if (tmpl === null) {
      const jinjaFile = path.join(dir, 'chat_template.jinja');
      if (fs.existsSync(jinjaFile)) tmpl = fs.readFileSync(jinjaFile, 'utf8');
    }
    try {
      this.template = tmpl === null ? null : new Template(tmpl);
    } catch (e) {
      throw new AppError('invalid_model', `${path.join(dir, 'tokenizer_config.json')}: chat_template does not parse (${(e as Error).message})`);
    }
    const vocab = this.tok.get_vocab(true);
    let maxId = -1;
    for (const v of vocab.values()) if (v > maxId) maxId = v;
    this.info = {
      vocabSize: vocab.size,
      maxId,
      bosToken,
      eosToken,
      padToken,
      unkToken,
      bosId: id(bosToken),
      eosId: id(eosToken),
      padId: id(padToken),
      hasChatTemplate: this.template !== null,
    };
  }

  /** Token ids of `text`. With special tokens, BOS/EOS follow tokenizer.json's post-processor, overridden by
   *  tokenizer_config.json's add_bos_token / add_eos_token when those are set (as transformers does). */
  encode(text: string, opts: { addSpecialTokens?: boolean } = {}): number[] {
    const add = opts.addSpecialTokens ?? true;
    const ids = this.tok.encode(text, { add_special_tokens: add }).ids;
    if (!add || (this.addBos === undefined && this.addEos === undefined)) return ids;
    const plain = this.tok.encode(text, { add_special_tokens: false }).ids;
    let out = ids;
    const { bosId, eosId } = this.info;
    if (bosId !== null && this.addBos !== undefined) {
      const addedBos = out[0] === bosId && plain[0] !== bosId;
      if (this.addBos && !addedBos) out = [bosId, ...out];
      if (!this.addBos && addedBos) out = out.slice(1);
    }
    if (eosId !== null && this.addEos !== undefined) {
      const addedEos = out[out.length - 1] === eosId && plain[plain.length - 1] !== eosId;
      if (this.addEos && !addedEos) out = [...out, eosId];
      if (!this.addEos && addedEos) out = out.slice(0, -1);
    }
    return out;
  }

  decode(ids: number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    if (!ids.length) return ''; // @huggingface/tokenizers throws on an empty id list (a response that is only EOS)
    return this.tok.decode(ids, { skip_special_tokens: opts.skipSpecialTokens ?? false });
  }

  tokens(ids: number[]): string[] {
    return ids.map((i) => this.tok.id_to_token(i) ?? `<${i}>`);
  }

  /** Renders the chat template (as transformers' apply_chat_template(tokenize=False)). */
  renderChat(messages: ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}): string {
    if (!this.template) {
      throw new AppError('no_chat_template', `${path.join(this.dir, 'tokenizer_config.json')}: this model has no chat_template`);
    }
    const c = this.config;
    const vars: Record<string, unknown> = {
      messages,
      add_generation_prompt: opts.addGenerationPrompt ?? true,
      bos_token: this.info.bosToken ?? '',
      eos_token: this.info.eosToken ?? '',
      pad_token: this.info.padToken ?? '',
      unk_token: this.info.unkToken ?? '',
    };
    for (const [k, v] of Object.entries(c)) if (k.endsWith('_token') && !(k in vars)) vars[k] = tokenString(v) ?? '';
    try {
      return this.template.render(vars);
    } catch (e) {
      // raise_exception() in a template (provided by @huggingface/jinja) lands here too
      throw new AppError('chat_template', `chat template: ${(e as Error).message}`);
    }
  }

  /** Ids of a rendered chat (special tokens come from the template, none added on top). */
  encodeChat(messages: ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}): number[] {
    return this.encode(this.renderChat(messages, opts), { addSpecialTokens: false });
  }
}

/** Loads tokenizer.json (required) and tokenizer_config.json (optional) from a model folder. */
export function loadTokenizer(dir: string): ModelTokenizer {
  const tj = readJsonFile(path.join(dir, 'tokenizer.json'), true, 'the model folder needs tokenizer.json; slow tokenizer files alone are not supported')!;
  const tc = readJsonFile(path.join(dir, 'tokenizer_config.json'), false, '') ?? {};
  return new ModelTokenizer(dir, tj, tc);
}
