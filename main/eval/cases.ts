// Case selection for an evaluation run: a stored split (dataset domain) or a SafeEdit JSON file, then category/id
// filters, a seeded sample and a limit. The selection is resolved once, when the run is created, and stored.
import path from 'node:path';
import type { Db } from '../store/db';
import type { CaseSelection } from '../../shared/api/eval';
import { AppError } from '../../shared/errors';
import { allRecords, analyseFile, formatIssue, normaliseCategory } from '../dataset';
import type { EvalCase } from './protocol';

export interface ResolvedCases {
  cases: EvalCase[];
  /** human description of where the cases came from */
  source: string;
  /** sha256 of the case file (null for a stored split) */
  sha256: string | null;
}

/** mulberry32: a small deterministic PRNG so a (seed, N) sample is the same on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** N items chosen uniformly with a seed, kept in their original order. */
export function seededSample<T>(items: T[], n: number, seed: number): T[] {
  if (n >= items.length) return items.slice();
  const idx = items.map((_, i) => i);
  const rand = prng(seed);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rand() * (idx.length - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx
    .slice(0, n)
    .sort((a, b) => a - b)
    .map((i) => items[i]);
}

/** Applies categories / ids / sample / limit to loaded cases. Unknown categories or ids are errors. */
export function filterCases(all: EvalCase[], sel: CaseSelection, where: string): EvalCase[] {
  let out = all;
  if (sel.categories?.length) {
    const wanted = new Set<string>();
    for (const c of sel.categories) {
      const n = normaliseCategory(c);
      if (!n) throw new AppError('invalid_input', `unknown category '${c}' (the nine SafeEdit categories, e.g. 'illegal activities')`);
      wanted.add(n);
    }
    out = out.filter((c) => wanted.has(c.category));
  }
  if (sel.ids?.length) {
    const have = new Set(out.map((c) => c.id));
    const missing = sel.ids.filter((id) => !have.has(id));
    if (missing.length) throw new AppError('invalid_input', `${where}: no case with id ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (+${missing.length - 5} more)` : ''}`);
    const wanted = new Set(sel.ids);
    out = out.filter((c) => wanted.has(c.id));
  }
  if (sel.sample !== undefined) out = seededSample(out, sel.sample, sel.seed);
  if (sel.limit !== undefined) out = out.slice(0, sel.limit);
  if (out.length === 0) throw new AppError('invalid_input', `${where}: the selection has no cases`);
  return out;
}

/** Loads and filters the cases of a selection. */
export async function resolveCases(db: Db, sel: CaseSelection): Promise<ResolvedCases> {
  if (sel.caseFile) {
    const file = path.resolve(sel.caseFile);
    const { inspection, records } = await analyseFile(db, file);
    if (inspection.fatal || inspection.errorCount > 0) {
      const shown = inspection.errors.slice(0, 5).map(formatIssue).join('\n');
      throw new AppError('invalid_input', `case file has ${inspection.errorCount} problem(s):\n${shown}`, { errors: inspection.errors });
    }
    const cases: EvalCase[] = records.map(({ record }) => ({
      key: `file:${record.id}`,
      id: record.id,
      category: record.category,
      adversarialPrompt: record.adversarialPrompt,
      question: record.question,
      safeGeneration: record.safeGeneration,
      unsafeGeneration: record.unsafeGeneration,
      generalization: record.generalization,
      knowledgeConstraint: record.knowledgeConstraint,
    }));
    const dup = cases.find((c, i) => cases.findIndex((d) => d.key === c.key) !== i);
    if (dup) throw new AppError('invalid_input', `${file}: id ${dup.id} occurs more than once`);
    return { cases: filterCases(cases, sel, file), source: `file ${file}`, sha256: inspection.sha256 };
  }
  const split = sel.split!;
  const all = allRecords(db, { split });
  if (all.length === 0) throw new AppError('not_found', `no stored records in split '${split}' (import a SafeEdit file first)`);
  return { cases: filterCases(all, sel, `split '${split}'`), source: `split ${split}`, sha256: null };
}
