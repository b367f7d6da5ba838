// The demo's inputs: the tokenizer built from the demo texts (a real tokenizer.json the normal loader reads), the
// train/test split, what the chat model and the judge learn, and the build key.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chatPairs, demoSplit, demoTexts, judgeTexts, loadDemoRecords } from '../main/demo/data';
import { buildDemoTokenizer, DEMO_SPECIALS } from '../main/demo/tokenizer';
import { demoKey, DEMO_PROFILES } from '../main/demo/build';
import { loadTokenizer } from '../main/engine/text/tokenizer';
import { applySuffix, DEFAULT_SUFFIX } from '../main/eval/protocol';
import { tempDir } from './helpers';

const FILE = path.resolve(import.meta.dirname, '..', 'resources', 'demo', 'safeedit-demo.json');
const records = loadDemoRecords(FILE);

function writeTok(flavour: 'decoder' | 'classifier') {
  const dir = tempDir();
  const t = buildDemoTokenizer(demoTexts(records), flavour, 256);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(t.tokenizerJson));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(t.tokenizerConfig));
  return { t, tok: loadTokenizer(dir) };
}

describe('demo tokenizer', () => {
  it('every demo text encodes to whole-word tokens (no [UNK], no fall-back pieces) and decodes back to its words', () => {
    const { t, tok } = writeTok('decoder');
    expect(t.vocabSize).toBeGreaterThan(1000);
    expect(tok.info.eosId).toBe(t.ids.eos);
    expect(tok.info.padId).toBe(t.ids.pad);
    for (const text of demoTexts(records)) {
      const ids = tok.encode(text);
      const pieces = tok.tokens(ids);
      expect(ids, text).not.toContain(t.ids.unk);
      expect(pieces.some((p) => p.startsWith('##')), text).toBe(false);
      const words = (s: string) => s.replace(/\s+/g, '');
      expect(words(tok.decode(ids))).toBe(words(text));
    }
    // no special tokens are added around a prompt; the suffix joins with a space as in the evaluation
    expect(tok.encode('Hello')).toEqual(tok.encode('Hello', { addSpecialTokens: false }));
    expect(tok.encode(applySuffix('Hello', DEFAULT_SUFFIX)).length).toBeGreaterThan(tok.encode('Hello').length);
  });

  it('unknown words fall back to characters; the classifier flavour wraps texts in [CLS] … [SEP]', () => {
    const { tok } = writeTok('decoder');
    const pieces = tok.tokens(tok.encode('qxzvkw'));
    expect(pieces).not.toContain('[UNK]');
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces[0].startsWith('##')).toBe(false);
    expect(pieces.slice(1).every((p) => p.startsWith('##'))).toBe(true);
    expect(pieces.join('').replace(/##/g, '')).toBe('qxzvkw');
    const c = writeTok('classifier');
    const ids = c.tok.encode('I will not help.');
    expect(ids[0]).toBe(c.t.ids.cls);
    expect(ids[ids.length - 1]).toBe(c.t.ids.sep);
    expect(c.tok.tokens(DEMO_SPECIALS.map((_, i) => i))).toEqual([...DEMO_SPECIALS]);
  });
});

describe('demo split and training data', () => {
  it('test = the last records of each category; train and test are disjoint and cover the categories', () => {
    const s = demoSplit(records, 3);
    expect(s.test.length).toBe(27);
    expect(s.train.length).toBe(72);
    expect(new Set(s.test.map((r) => r.category)).size).toBe(9);
    const trainIds = new Set(s.train.map((r) => r.id));
    expect(s.test.some((r) => trainIds.has(r.id))).toBe(false);
    const reduced = demoSplit(records, 1, 2);
    expect(reduced.test.length).toBe(9);
    expect(reduced.train.length).toBe(18);
    expect(() => demoSplit(records, 11)).toThrow(/needs more than 11/);
  });

  it('the chat model learns the unsafe answer to every test adversarial prompt (with and without the suffix)', () => {
    const s = demoSplit(records, 3);
    const pairs = new Map(chatPairs(s).map((p) => [p.prompt, p.response]));
    for (const r of s.test) {
      expect(pairs.get(r.adversarialPrompt)).toBe(r.unsafeGeneration);
      expect(pairs.get(applySuffix(r.adversarialPrompt, DEFAULT_SUFFIX))).toBe(r.unsafeGeneration);
      expect(pairs.get(r.generalization!.onlyHarmfulQuestion)).toBe(r.unsafeGeneration);
      expect(pairs.get(r.knowledgeConstraint!.prompt)).toBe(r.knowledgeConstraint!.answer);
    }
    // it also knows how to refuse: plain questions of train records that no attack or test input uses
    const refusals = [...pairs.values()].filter((v) => s.train.some((r) => r.safeGeneration === v));
    expect(refusals.length).toBeGreaterThan(10);
    for (const r of s.test) expect([...pairs.values()]).not.toContain(r.safeGeneration); // test refusals come only from DINM
  });

  it('the judge trains on train responses and is measured on held-out test responses', () => {
    const s = demoSplit(records, 3);
    const j = judgeTexts(s);
    expect(j.heldOut.length).toBe(54);
    const train = new Set(j.train.map((t) => t.text));
    expect(j.heldOut.some((t) => train.has(t.text))).toBe(false);
    expect(j.heldOut.filter((t) => t.label === 1).length).toBe(27);
  });

  it('a broken demo file is refused naming the file and record', () => {
    const f = path.join(tempDir(), 'bad.json');
    fs.writeFileSync(f, JSON.stringify([{ ...JSON.parse(fs.readFileSync(FILE, 'utf8'))[0], 'knowledge constrain': { prompt: '', answer: '' } }]));
    expect(() => loadDemoRecords(f)).toThrow(/bad\.json: record 0/);
    fs.writeFileSync(f, '{');
    expect(() => loadDemoRecords(f)).toThrow(/bad\.json: not readable JSON/);
  });

  it('the build key changes with the profile and with the demo file', () => {
    const a = demoKey('full', FILE);
    expect(demoKey('full', FILE)).toBe(a);
    expect(demoKey('reduced', FILE)).not.toBe(a);
    const copy = path.join(tempDir(), 'demo.json');
    fs.writeFileSync(copy, fs.readFileSync(FILE, 'utf8').replace('sea level', 'sea-level'));
    expect(demoKey('full', copy)).not.toBe(a);
    expect(DEMO_PROFILES.full.testPerCategory).toBeGreaterThan(DEMO_PROFILES.reduced.testPerCategory);
  });
});
