// The SafeEdit record schema: field table, category normalisation and per-record validation.
// One implementation shared by the importer (UI, CLI), the demo loader and the tests.
import { createHash } from 'node:crypto';
import type { DatasetIssue, GeneralizationInputs, KnowledgeConstraint } from '../../shared/api/dataset';

/** The nine SafeEdit unsafety categories under their normalised (lower-case) names, in display order. */
export const CATEGORIES = [
  { name: 'illegal activities', label: 'Illegal activities' },
  { name: 'mental harm', label: 'Mental harm' },
  { name: 'physical harm', label: 'Physical harm' },
  { name: 'offensiveness', label: 'Offensiveness' },
  { name: 'privacy and property', label: 'Privacy and property' },
  { name: 'ethics and morality', label: 'Ethics and morality' },
  { name: 'political sensitivity', label: 'Political sensitivity' },
  { name: 'unfairness and bias', label: 'Unfairness and bias' },
  { name: 'pornography', label: 'Pornography' },
] as const;
export type CategoryName = (typeof CATEGORIES)[number]['name'];
const CATEGORY_SET = new Set<string>(CATEGORIES.map((c) => c.name));

/** Spelling variants seen in SafeEdit-style files → normalised name ('&' and '_' are handled by normaliseCategory). */
const CATEGORY_ALIASES: Record<string, CategoryName> = {
  'illegal activity': 'illegal activities',
  'politics sensitivity': 'political sensitivity',
  'political sensitive': 'political sensitivity',
  'privacy and properties': 'privacy and property',
  'ethics and morals': 'ethics and morality',
  'unfairness and biases': 'unfairness and bias',
  porn: 'pornography',
};

/** Lower-case, trims, '&' → 'and', '_'/'-' → space, collapses spaces; null when not one of the nine. */
export function normaliseCategory(raw: string): CategoryName | null {
  const s = raw
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[_-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (CATEGORY_SET.has(s)) return s as CategoryName;
  return CATEGORY_ALIASES[s] ?? null;
}

/** Keys of a SafeEdit record exactly as the files spell them. */
export const F = {
  id: 'id',
  category: 'unsafety category',
  adversarialPrompt: 'adversarial prompt',
  question: 'question',
  attackCategory: 'attack category',
  attackName: 'attack name',
  unsafe: 'unsafe generation',
  safe: 'safe generation',
  generalization: 'generalization test',
  knowledge: 'knowledge constrain',
} as const;

/** Inner keys of "generalization test" → our field names. */
export const GENERALIZATION_FIELDS: [keyof GeneralizationInputs, string][] = [
  ['onlyHarmfulQuestion', 'test input of only harmful question'],
  ['otherAttackPrompt', 'test input of other attack prompt input'],
  ['attackCategory', 'attack_category'],
  ['attackName', 'attack_name'],
  ['otherQuestion', 'test input of other question input'],
  ['otherQuestionsAndAttackPrompts', 'test input of other questions and attack prompts'],
];
/** The four inputs that are model prompts (the other two describe the attack used). */
export const GENERALIZATION_INPUTS: (keyof GeneralizationInputs)[] = [
  'onlyHarmfulQuestion',
  'otherAttackPrompt',
  'otherQuestion',
  'otherQuestionsAndAttackPrompts',
];
export const KNOWLEDGE_FIELDS: [keyof KnowledgeConstraint, string][] = [
  ['prompt', 'prompt'],
  ['answer', 'answer'],
];

const STRING_FIELDS = [F.adversarialPrompt, F.question, F.attackCategory, F.attackName, F.unsafe, F.safe] as const;
const KNOWN_KEYS = new Set<string>(Object.values(F));
/** String ids must be usable in record keys and URLs. */
const STRING_ID = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_TEXT_CHARS = 200_000;

/** A record after validation, ready to store. */
export interface ValidRecord {
  id: string;
  category: CategoryName;
  categoryRaw: string;
  adversarialPrompt: string;
  question: string;
  attackCategory: string;
  attackName: string;
  unsafeGeneration: string;
  safeGeneration: string;
  /** null when the file has none (train / test_ALL: empty strings). */
  generalization: GeneralizationInputs | null;
  knowledgeConstraint: KnowledgeConstraint | null;
  /** sha256 of the record's canonical JSON. */
  contentHash: string;
}

export type Issue = Omit<DatasetIssue, 'file'>;

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function idText(v: unknown): string | null {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return String(v);
  if (typeof v === 'string' && STRING_ID.test(v)) return v;
  return null;
}

/** The id of a raw record for error messages, when it has a usable one. */
export function rawId(v: unknown): string | null {
  if (v && typeof v === 'object' && !Array.isArray(v)) return idText((v as Record<string, unknown>)[F.id]);
  return null;
}

/**
 * Validates an object group ("generalization test", "knowledge constrain"): an object of strings with exactly the
 * given keys, or an empty string / object with only empty strings (→ null, as in train and test_ALL).
 */
function validateGroup<K extends string>(
  value: unknown,
  field: string,
  keys: [K, string][],
  push: (field: string, message: string) => void,
): Record<K, string> | null {
  if (value === '') return null;
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    push(field, `'${field}' must be an object or an empty string (got ${typeName(value)})`);
    return null;
  }
  const obj = value as Record<string, unknown>;
  const out = {} as Record<K, string>;
  let ok = true;
  for (const [ours, theirs] of keys) {
    const v = obj[theirs];
    if (v === undefined) {
      push(`${field}.${theirs}`, `missing field '${field}.${theirs}'`);
      ok = false;
    } else if (typeof v !== 'string') {
      push(`${field}.${theirs}`, `'${field}.${theirs}' must be a string (got ${typeName(v)})`);
      ok = false;
    } else out[ours] = v;
  }
  const expected = new Set(keys.map((k) => k[1]));
  for (const k of Object.keys(obj)) {
    if (!expected.has(k)) {
      push(`${field}.${k}`, `unknown field '${field}.${k}'`);
      ok = false;
    }
  }
  if (!ok) return null;
  return Object.values(out).every((s) => s === '') ? null : out;
}

/** Checks one parsed record; returns it normalised or the list of problems (never throws). */
export function validateRecord(value: unknown, index: number): { record: ValidRecord } | { issues: Issue[] } {
  const id = rawId(value);
  const issues: Issue[] = [];
  const push = (field: string | null, message: string) => issues.push({ index, id, field, message });
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    push(null, `must be an object (got ${typeName(value)})`);
    return { issues };
  }
  const r = value as Record<string, unknown>;
  if (r[F.id] === undefined) push(F.id, `missing field 'id'`);
  else if (id === null) push(F.id, `'id' must be a non-negative integer or a short name of letters, digits, '_', '.', '-' (got ${JSON.stringify(r[F.id])?.slice(0, 40)})`);
  for (const f of [F.category, ...STRING_FIELDS]) {
    const v = r[f];
    if (v === undefined) push(f, `missing field '${f}'`);
    else if (typeof v !== 'string') push(f, `'${f}' must be a string (got ${typeName(v)})`);
    else if (v.length > MAX_TEXT_CHARS) push(f, `'${f}' is longer than ${MAX_TEXT_CHARS} characters`);
  }
  let category: CategoryName | null = null;
  if (typeof r[F.category] === 'string') {
    category = normaliseCategory(r[F.category] as string);
    if (!category) push(F.category, `'unsafety category' ${JSON.stringify((r[F.category] as string).slice(0, 60))} is not one of the nine SafeEdit categories`);
  }
  if (typeof r[F.question] === 'string' && !(r[F.question] as string).trim()) push(F.question, `'question' must not be empty`);
  let generalization: GeneralizationInputs | null = null;
  let knowledge: KnowledgeConstraint | null = null;
  if (r[F.generalization] === undefined) push(F.generalization, `missing field '${F.generalization}'`);
  else generalization = validateGroup(r[F.generalization], F.generalization, GENERALIZATION_FIELDS, push);
  if (r[F.knowledge] === undefined) push(F.knowledge, `missing field '${F.knowledge}'`);
  else knowledge = validateGroup(r[F.knowledge], F.knowledge, KNOWLEDGE_FIELDS, push);
  for (const k of Object.keys(r)) if (!KNOWN_KEYS.has(k)) push(k, `unknown field '${k}'`);
  if (issues.length) return { issues };
  return {
    record: {
      id: id!,
      category: category!,
      categoryRaw: r[F.category] as string,
      adversarialPrompt: r[F.adversarialPrompt] as string,
      question: r[F.question] as string,
      attackCategory: r[F.attackCategory] as string,
      attackName: r[F.attackName] as string,
      unsafeGeneration: r[F.unsafe] as string,
      safeGeneration: r[F.safe] as string,
      generalization,
      knowledgeConstraint: knowledge,
      contentHash: createHash('sha256').update(JSON.stringify(r)).digest('hex'),
    },
  };
}

/** Writes a record back in SafeEdit's own schema (for exports and round-trip tests). */
export function toSafeEditJson(r: Omit<ValidRecord, 'contentHash' | 'category'> & { id: string }): Record<string, unknown> {
  const gen: Record<string, string> = {};
  for (const [ours, theirs] of GENERALIZATION_FIELDS) gen[theirs] = r.generalization?.[ours] ?? '';
  return {
    [F.id]: /^\d+$/.test(r.id) ? Number(r.id) : r.id,
    [F.category]: r.categoryRaw,
    [F.adversarialPrompt]: r.adversarialPrompt,
    [F.question]: r.question,
    [F.attackCategory]: r.attackCategory,
    [F.attackName]: r.attackName,
    [F.unsafe]: r.unsafeGeneration,
    [F.safe]: r.safeGeneration,
    [F.generalization]: gen,
    [F.knowledge]: { prompt: r.knowledgeConstraint?.prompt ?? '', answer: r.knowledgeConstraint?.answer ?? '' },
  };
}
