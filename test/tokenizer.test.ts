import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { GOLDEN_NAMES, folderHashes, goldenModelDir, loadGolden, tinyModel } from './models';
import { loadTokenizer } from '../main/engine/text/tokenizer';

describe.each(GOLDEN_NAMES)('tokenizer of tiny %s vs transformers goldens', (name) => {
  const golden = loadGolden(name);
  const dir = goldenModelDir(name);

  it('the tiny model folder is byte-identical to the one the goldens came from', () => {
    expect(folderHashes(dir)).toEqual(golden.files);
  });

  it('encodes and decodes like transformers', () => {
    const tok = loadTokenizer(dir);
    for (const t of golden.tokenizer) {
      expect(tok.encode(t.text), t.text).toEqual(t.ids);
      expect(tok.encode(t.text, { addSpecialTokens: false }), t.text).toEqual(t.idsNoSpecial);
      expect(tok.decode(t.ids), t.text).toBe(t.decoded);
      expect(tok.decode(t.ids, { skipSpecialTokens: true }), t.text).toBe(t.decodedSkipSpecial);
    }
  });

  it('renders chat templates like apply_chat_template', () => {
    const tok = loadTokenizer(dir);
    expect(tok.info.hasChatTemplate).toBe(golden.chat.length > 0);
    for (const c of golden.chat) {
      if (c.error) {
        expect(() => tok.renderChat(c.messages, { addGenerationPrompt: c.addGenerationPrompt })).toThrow(/chat template/);
        continue;
      }
      expect(tok.renderChat(c.messages, { addGenerationPrompt: c.addGenerationPrompt })).toBe(c.text);
      expect(tok.encodeChat(c.messages, { addGenerationPrompt: c.addGenerationPrompt })).toEqual(c.ids);
    }
  });
});

describe('tokenizer errors and BOS policy', () => {
  it('missing tokenizer.json', () => {
    const dir = tinyModel('gpt2');
    fs.rmSync(path.join(dir, 'tokenizer.json'));
    expect(() => loadTokenizer(dir)).toThrow(/tokenizer\.json: missing/);
  });
  it('malformed tokenizer.json', () => {
    const dir = tinyModel('gpt2');
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{"model": ');
    expect(() => loadTokenizer(dir)).toThrow(/tokenizer\.json: not a valid JSON object/);
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{"version": "1.0"}');
    expect(() => loadTokenizer(dir)).toThrow(/tokenizer\.json: has no "model" section/);
  });
  it('special token not in the vocabulary', () => {
    const dir = tinyModel('gpt2');
    const f = path.join(dir, 'tokenizer_config.json');
    fs.writeFileSync(f, JSON.stringify({ ...JSON.parse(fs.readFileSync(f, 'utf8')), eos_token: '<nope>' }));
    expect(() => loadTokenizer(dir)).toThrow(/eos_token "<nope>" is not in the vocabulary/);
  });
  it('add_bos_token/add_eos_token in tokenizer_config.json override the post-processor', () => {
    const dir = tinyModel('mistral');
    const f = path.join(dir, 'tokenizer_config.json');
    const cfg = JSON.parse(fs.readFileSync(f, 'utf8'));
    const base = loadTokenizer(dir);
    const plain = base.encode('hello world', { addSpecialTokens: false });
    expect(base.encode('hello world')).toEqual([base.info.bosId, ...plain]);
    fs.writeFileSync(f, JSON.stringify({ ...cfg, add_bos_token: false, add_eos_token: true }));
    const t2 = loadTokenizer(dir);
    expect(t2.encode('hello world')).toEqual([...plain, t2.info.eosId]);
  });
  it('a model without a chat template says so', () => {
    const tok = loadTokenizer(tinyModel('gpt2'));
    expect(() => tok.renderChat([{ role: 'user', content: 'hi' }])).toThrow(/has no chat_template/);
  });
  it('a template that raises reports the template message', () => {
    const tok = loadTokenizer(tinyModel('mistral'));
    expect(() => tok.renderChat([{ role: 'assistant', content: 'hi' }])).toThrow(/Conversation roles must alternate/);
  });
});
