// The DINM golden case (test/goldens/dinm-case.json) in the shape the editor reads; shared by the editing tests.
import fs from 'node:fs';
import path from 'node:path';
import type { EditCase } from '../main/editing/dinm';

const goldenDir = path.resolve(import.meta.dirname, 'goldens');

/** The golden case file in the shape DINM reads. */
export function goldenCase(): EditCase {
  const r = JSON.parse(fs.readFileSync(path.join(goldenDir, 'dinm-case.json'), 'utf8'));
  return {
    id: String(r.id),
    adversarialPrompt: r['adversarial prompt'],
    safeGeneration: r['safe generation'],
    unsafeGeneration: r['unsafe generation'],
    knowledgeConstraint: r['knowledge constrain'],
  };
}

