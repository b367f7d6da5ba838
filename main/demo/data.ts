// What the demo models learn, from the project's synthetic demo set (resources/demo/safeedit-demo.json):
//   split     per category, the last `testPerCategory` records (in id order) are the test cases; the rest train.
//   chat      every adversarial prompt (with and without DINM's suffix) → its unsafe generation; every input of a
//             test case (the four generalization inputs, ± suffix) → the unsafe generation of the question it asks;
//             the plain questions of train records → their safe generation (so the model knows how to refuse,
//             as a real chat model does, but every attack gets through); knowledge-constraint prompts (± suffix)
//             → their answers. DINM edits each test case with its own safe response, so the test adversarial
//             prompts must be answered unsafely before the edit.
//   judge     train records' safe (label 0) and unsafe (label 1) generations and the knowledge-constraint answers
//             (safe); the test records' generations are held out to measure the judge.
import fs from 'node:fs';
import { AppError } from '../../shared/errors';
import { validateRecord, type ValidRecord } from '../dataset/schema';
import { applySuffix, DEFAULT_SUFFIX } from '../eval/protocol';

export interface DemoSplit {
  train: ValidRecord[];
  test: ValidRecord[];
}

/** Reads and validates the demo file (every problem names the file and the record). */
export function loadDemoRecords(file: string): ValidRecord[] {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AppError('demo_invalid', `${file}: not readable JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(raw)) throw new AppError('demo_invalid', `${file}: expected a JSON array of SafeEdit records`);
  return raw.map((r, i) => {
    const v = validateRecord(r, i);
    if ('issues' in v) throw new AppError('demo_invalid', `${file}: record ${i}: ${v.issues.map((x) => x.message).join('; ')}`);
    if (!v.record.generalization || !v.record.knowledgeConstraint) {
      throw new AppError('demo_invalid', `${file}: record ${v.record.id}: the demo needs generalization inputs and a knowledge constraint`);
    }
    return v.record;
  });
}

/** Test = the last `testPerCategory` records of each category (id order); `trainPerCategory` caps the rest. */
export function demoSplit(records: ValidRecord[], testPerCategory: number, trainPerCategory = Infinity): DemoSplit {
  const byCat = new Map<string, ValidRecord[]>();
  for (const r of records) byCat.set(r.category, [...(byCat.get(r.category) ?? []), r]);
  const train: ValidRecord[] = [];
  const test: ValidRecord[] = [];
  const num = (r: ValidRecord) => (/^\d+$/.test(r.id) ? Number(r.id) : Number.MAX_SAFE_INTEGER);
  for (const cat of [...byCat.keys()].sort()) {
    const rs = byCat.get(cat)!.sort((a, b) => num(a) - num(b) || (a.id < b.id ? -1 : 1));
    if (rs.length <= testPerCategory) throw new AppError('demo_invalid', `category '${cat}' has ${rs.length} demo records; the split needs more than ${testPerCategory}`);
    const cut = rs.length - testPerCategory;
    train.push(...rs.slice(Math.max(0, cut - trainPerCategory), cut));
    test.push(...rs.slice(cut));
  }
  return { train, test };
}

export interface TextPair {
  prompt: string;
  response: string;
}

/** The chat model's (prompt → response) pairs; one response per distinct prompt (attacks win over refusals). */
export function chatPairs(split: DemoSplit, suffix = DEFAULT_SUFFIX): TextPair[] {
  const out = new Map<string, string>();
  const both = (prompt: string, response: string) => {
    out.set(prompt, response);
    out.set(applySuffix(prompt, suffix), response);
  };
  const all = [...split.train, ...split.test];
  const unsafeOfQuestion = new Map(all.map((r) => [r.question, r.unsafeGeneration]));
  /** The unsafe generation for an input that asks some record's question (the longest question it ends with). */
  const unsafeFor = (input: string, fallback: ValidRecord) => {
    let best: string | null = null;
    for (const q of unsafeOfQuestion.keys()) if (input.trimEnd().endsWith(q.trim()) && (!best || q.length > best.length)) best = q;
    if (best) return unsafeOfQuestion.get(best)!;
    for (const q of unsafeOfQuestion.keys()) if (input.includes(q.trim()) && (!best || q.length > best.length)) best = q;
    return best ? unsafeOfQuestion.get(best)! : fallback.unsafeGeneration;
  };
  for (const r of split.train) out.set(r.question, r.safeGeneration); // refusals first: attacks below override
  for (const r of all) both(r.knowledgeConstraint!.prompt, r.knowledgeConstraint!.answer);
  for (const r of all) both(r.adversarialPrompt, r.unsafeGeneration);
  for (const r of split.test) {
    const g = r.generalization!;
    for (const input of [g.onlyHarmfulQuestion, g.otherAttackPrompt, g.otherQuestion, g.otherQuestionsAndAttackPrompts]) {
      if (input.trim()) both(input, unsafeFor(input, r));
    }
  }
  return [...out].map(([prompt, response]) => ({ prompt, response }));
}

export interface LabelledText {
  text: string;
  /** 0 = safe, 1 = unsafe */
  label: 0 | 1;
}

/** Judge training texts (train records) and held-out texts (test records). */
export function judgeTexts(split: DemoSplit): { train: LabelledText[]; heldOut: LabelledText[] } {
  const of = (rs: ValidRecord[], kc: boolean): LabelledText[] => [
    ...rs.flatMap((r) => [
      { text: r.safeGeneration, label: 0 as const },
      { text: r.unsafeGeneration, label: 1 as const },
    ]),
    ...(kc ? rs.map((r) => ({ text: r.knowledgeConstraint!.answer, label: 0 as const })) : []),
  ];
  const train = of(split.train, true);
  const seen = new Set(train.map((t) => t.text));
  return { train, heldOut: of(split.test, false).filter((t) => !seen.has(t.text)) };
}

/** Every text the demo tokenizer must cover. */
export function demoTexts(records: ValidRecord[], suffix = DEFAULT_SUFFIX): string[] {
  return [
    suffix,
    ...records.flatMap((r) => [
      r.adversarialPrompt,
      r.question,
      r.unsafeGeneration,
      r.safeGeneration,
      r.knowledgeConstraint?.prompt ?? '',
      r.knowledgeConstraint?.answer ?? '',
      ...(r.generalization ? [r.generalization.onlyHarmfulQuestion, r.generalization.otherAttackPrompt, r.generalization.otherQuestion, r.generalization.otherQuestionsAndAttackPrompts] : []),
    ]),
  ];
}
