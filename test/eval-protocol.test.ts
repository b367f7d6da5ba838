import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySuffix, caseInputs, DEFAULT_SUFFIX, protocolFor, resolveChat, chatProblem, suffixUsed, metricCategory, type EvalCase } from '../main/eval/protocol';
import { filterCases, resolveCases, seededSample } from '../main/eval/cases';
import { CaseSelection } from '../shared/api/eval';
import { sharedSafeEdit, tempContext } from './helpers';
import type { AppContext } from '../main/context';

function mkCase(id: string, category: string, gen: [string, string, string, string] | null): EvalCase {
  return {
    key: `t:${id}`,
    id,
    category,
    adversarialPrompt: `attack ${id}`,
    question: `question ${id}`,
    safeGeneration: 'I cannot help with that.',
    unsafeGeneration: 'Sure.',
    generalization: gen && {
      onlyHarmfulQuestion: gen[0],
      otherAttackPrompt: gen[1],
      attackCategory: 'c',
      attackName: 'n',
      otherQuestion: gen[2],
      otherQuestionsAndAttackPrompts: gen[3],
    },
    knowledgeConstraint: null,
  };
}

describe('protocol', () => {
  it('maps record fields to the five metric slots in EasyEdit order; empty inputs are n/a', () => {
    const c = mkCase('1', 'offensiveness', ['Q', 'A+Q', '', '  ']);
    expect(caseInputs(c)).toEqual([
      { slot: 'DS', text: 'attack 1' },
      { slot: 'DG_onlyQ', text: 'Q' },
      { slot: 'DG_otherA', text: 'A+Q' },
      { slot: 'DG_otherQ', text: null },
      { slot: 'DG_otherAQ', text: null },
    ]);
    expect(caseInputs(mkCase('2', 'offensiveness', null)).map((i) => i.text)).toEqual(['attack 2', null, null, null, null]);
  });

  it('suffix: appended with one space; auto = the method default (DINM and prompt yes, vanilla no)', () => {
    expect(applySuffix('How?', DEFAULT_SUFFIX)).toBe(`How? ${DEFAULT_SUFFIX}`);
    expect(applySuffix('How?', null)).toBe('How?');
    expect(suffixUsed('auto', 'none')).toBe(false);
    expect(suffixUsed('auto', 'dinm')).toBe(true);
    expect(suffixUsed('auto', 'prompt')).toBe(true);
    expect(suffixUsed('auto', 'ft-l')).toBe(false);
    expect(suffixUsed('on', 'none')).toBe(true);
    expect(suffixUsed('off', 'dinm')).toBe(false);
    expect(protocolFor('dinm')).toBe('per-case edit');
    expect(protocolFor('prompt')).toBe('no edit');
  });

  it('chat mode: explicit wins, EasyEdit mode defaults to off, auto follows the tokenizer_config', () => {
    expect(resolveChat(undefined, 'easyedit', true)).toMatchObject({ used: false, requested: 'off' });
    expect(resolveChat(undefined, 'paper', true)).toMatchObject({ used: true, requested: 'auto' });
    expect(resolveChat(undefined, 'paper', false)).toMatchObject({ used: false, requested: 'auto' });
    expect(resolveChat('auto', 'easyedit', true)).toMatchObject({ used: true });
    expect(resolveChat('off', 'paper', true)).toMatchObject({ used: false });
    const on = resolveChat('on', 'easyedit', false);
    expect(on.used).toBe(true);
    expect(chatProblem(on, false)).toMatch(/no chat_template/);
    expect(chatProblem(resolveChat('on', 'paper', true), true)).toBeNull();
  });

  it('normalises categories for per-category metrics', () => {
    expect(metricCategory('Political Sensitivity')).toBe('political sensitivity');
    expect(metricCategory('Pornography')).toBe('pornography');
    expect(metricCategory(' Something Else ')).toBe('something else');
  });
});

describe('case selection', () => {
  const cases = Array.from({ length: 20 }, (_, i) => mkCase(String(i), i % 2 ? 'mental harm' : 'offensiveness', null));
  const sel = (x: object) => CaseSelection.parse({ split: 't', ...x });

  it('a seeded sample is deterministic, in original order, and depends on the seed', () => {
    const a = seededSample(cases, 5, 7).map((c) => c.id);
    expect(seededSample(cases, 5, 7).map((c) => c.id)).toEqual(a);
    expect(a.map(Number)).toEqual([...a.map(Number)].sort((x, y) => x - y));
    expect(new Set(a).size).toBe(5);
    expect(seededSample(cases, 5, 8).map((c) => c.id)).not.toEqual(a);
    expect(seededSample(cases, 50, 1)).toHaveLength(20);
  });

  it('filters by category (any spelling), ids, sample and limit; errors name what is wrong', () => {
    expect(filterCases(cases, sel({ categories: ['Mental_Harm'] }), 'x').every((c) => c.category === 'mental harm')).toBe(true);
    expect(filterCases(cases, sel({ ids: ['3', '4'] }), 'x').map((c) => c.id)).toEqual(['3', '4']);
    expect(filterCases(cases, sel({ limit: 3 }), 'x').map((c) => c.id)).toEqual(['0', '1', '2']);
    expect(() => filterCases(cases, sel({ ids: ['99'] }), 'file f.json')).toThrow(/file f.json: no case with id 99/);
    expect(() => filterCases(cases, sel({ categories: ['cooking'] }), 'x')).toThrow(/unknown category 'cooking'/);
    expect(() => CaseSelection.parse({})).toThrow(/either split or caseFile/);
  });
});

describe('case files', () => {
  let ctx: AppContext;
  beforeAll(async () => {
    ctx = await tempContext();
  });
  afterAll(async () => ctx.close());

  it.skipIf(!sharedSafeEdit('SafeEdit_test_first50.json'))('loads SafeEdit_test_first50.json: 50 complete cases', async () => {
    const r = await resolveCases(ctx.db, CaseSelection.parse({ caseFile: sharedSafeEdit('SafeEdit_test_first50.json')! }));
    expect(r.cases).toHaveLength(50);
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.cases.every((c) => caseInputs(c).every((i) => i.text !== null))).toBe(true);
  });

  it.skipIf(!sharedSafeEdit('SafeEdit_test_ALL.json'))('test_ALL cases have only the DS input (generalization n/a)', async () => {
    const r = await resolveCases(ctx.db, CaseSelection.parse({ caseFile: sharedSafeEdit('SafeEdit_test_ALL.json')!, limit: 10 }));
    for (const c of r.cases) expect(caseInputs(c).map((i) => i.text !== null)).toEqual([true, false, false, false, false]);
  });

  it('a missing or invalid case file is a clear error', async () => {
    await expect(resolveCases(ctx.db, CaseSelection.parse({ caseFile: '/nonexistent/x.json' }))).rejects.toThrow(/x\.json/);
    await expect(resolveCases(ctx.db, CaseSelection.parse({ split: 'nosuchsplit' }))).rejects.toThrow(/no stored records in split 'nosuchsplit'/);
  });
});
