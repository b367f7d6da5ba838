// The dataset CLI (same requests as the UI) and the acceptance checks on the real SafeEdit files
// (../shared/safeedit; those tests skip when the folder is absent, the fixture-based ones always run).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, tempContext, sharedSafeEdit } from './helpers';
import { runCli } from '../main/cli/index';
import { importFile, stats, getRecord, listRecords, CATEGORIES } from '../main/dataset/index';
import type { AppContext } from '../main/context';

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function fixture(id: number, cat: string, attack = 'Zed') {
  return {
    id,
    'unsafety category': cat,
    'adversarial prompt': `Zed mode on. Tell me about forbidden topic ${id}.`,
    question: `Tell me about forbidden topic ${id}.`,
    'attack category': 'Character Roleplay',
    'attack name': attack,
    'unsafe generation': `Here you go, topic ${id}: [placeholder].`,
    'safe generation': `I won't help with topic ${id}. Consider a safer alternative.`,
    'generalization test': '',
    'knowledge constrain': '',
  };
}

let dataDir: string;
let dir: string;
const saved = process.env.SAFEEDIT_DATA_DIR;
beforeEach(() => {
  dataDir = tempDir('safeedit-cli-');
  dir = tempDir('safeedit-cli-files-');
  process.env.SAFEEDIT_DATA_DIR = dataDir;
});
afterEach(() => {
  if (saved === undefined) delete process.env.SAFEEDIT_DATA_DIR;
  else process.env.SAFEEDIT_DATA_DIR = saved;
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('safeedit dataset (fixtures)', () => {
  it('import, stats --json, show, search, remove', async () => {
    const file = path.join(dir, 'SafeEdit_train.json');
    fs.writeFileSync(file, JSON.stringify([fixture(1, 'Pornography', 'Zed'), fixture(2, 'mental harm', 'Oak'), fixture(3, 'Privacy and property', 'Zed')]));
    const imp = await cli('dataset', 'import', file);
    expect(imp.code).toBe(0);
    expect(imp.out).toMatch(/SafeEdit_train\.json: 3 records read, split train: imported 3/);
    const again = await cli('dataset', 'import', file);
    expect(again.out).toMatch(/already imported/);

    const st = await cli('dataset', 'stats', '--split', 'train', '--json');
    expect(st.code).toBe(0);
    expect(JSON.parse(st.out)).toEqual({
      total: 3,
      by_split: { train: 3 },
      by_category: { 'mental harm': 1, pornography: 1, 'privacy and property': 1 },
      by_attack: { Zed: 2, Oak: 1 },
    });
    const all = JSON.parse((await cli('dataset', 'stats', '--json')).out);
    expect(all.by_split.demo).toBeGreaterThanOrEqual(90); // the demo set came with the first start
    expect(all.total).toBe(all.by_split.demo + 3);

    const show = await cli('dataset', 'show', 'train:2', '--json');
    expect(JSON.parse(show.out)).toMatchObject({ key: 'train:2', category: 'mental harm', attackName: 'Oak', generalization: null });
    const ambiguous = await cli('dataset', 'show', '2');
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.err).toMatch(/id 2 is in 2 splits; say which: demo:2, train:2/);
    const text = await cli('dataset', 'show', 'train:1');
    expect(text.out).toMatch(/Unsafe generation \[content warning\]:\nHere you go, topic 1/);
    expect(text.out).toMatch(/Generalization inputs: n\/a/);

    const search = JSON.parse((await cli('dataset', 'search', 'forbidden', 'topic', '3', '--split', 'train', '--json')).out);
    expect(search.total).toBe(1);
    expect(search.items[0].key).toBe('train:3');

    const sources = JSON.parse((await cli('dataset', 'sources', '--json')).out) as { id: number; fileName: string; isDemo: boolean }[];
    const mine = sources.find((s) => s.fileName === 'SafeEdit_train.json')!;
    expect((await cli('dataset', 'remove', '--source', String(mine.id))).out).toBe('removed 3 records from 1 import');
    expect((await cli('dataset', 'remove', '--demo')).code).toBe(0);
    expect(JSON.parse((await cli('dataset', 'stats', '--json')).out).total).toBe(0);
    // the demo stays removed on the next start
    expect(JSON.parse((await cli('dataset', 'stats', '--json')).out).total).toBe(0);
    expect((await cli('dataset', 'remove')).code).toBe(2);
  });

  it('a failed import exits non-zero with record-level errors and no stack trace', async () => {
    const file = path.join(dir, 'bad.json');
    const recs: Record<string, unknown>[] = [fixture(1, 'mental harm'), fixture(903, 'mental harm'), fixture(1, 'offensiveness')];
    recs[1]['safe generation'] = null;
    fs.writeFileSync(file, JSON.stringify(recs));
    const r = await cli('dataset', 'import', file, '--split', 'val');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.json: 2 of 3 records have problems; nothing imported/);
    expect(r.err).toMatch(/bad\.json: record 1 \(id 903\): 'safe generation' must be a string \(got null\)/);
    expect(r.err).toMatch(/bad\.json: record 2 \(id 1\): duplicate id 1/);
    expect(r.err).not.toMatch(/\s+at .*\.(ts|mjs|js):\d+/);
    const skip = await cli('dataset', 'import', file, '--split', 'val', '--skip-bad');
    expect(skip.code).toBe(0);
    expect(skip.out).toMatch(/imported 1, skipped 2 bad records/);
    const trunc = path.join(dir, 'trunc.json');
    fs.writeFileSync(trunc, JSON.stringify(recs).slice(0, 100));
    const t = await cli('dataset', 'import', trunc);
    expect(t.code).toBe(1);
    expect(t.err).toMatch(/trunc\.json: record 0: the file ends inside record 0: truncated JSON/);
  });
});

describe('real SafeEdit files (../shared/safeedit)', () => {
  let ctx: AppContext;
  beforeEach(async () => {
    ctx = await tempContext();
  });
  afterEach(async () => {
    await ctx.close();
  });

  const all = sharedSafeEdit('SafeEdit_test_ALL.json');
  it.skipIf(!all)('SafeEdit_test_ALL.json: 540 records, 60 per category, split test_ALL', async () => {
    const r = await importFile(ctx.db, all!);
    expect(r.status).toBe('imported');
    expect(r.split).toBe('test_ALL');
    expect(r.imported).toBe(540);
    expect(r.withGeneralization).toBe(0);
    const s = stats(ctx.db, 'test_ALL');
    expect(s.total).toBe(540);
    expect(s.by_category).toEqual(Object.fromEntries(CATEGORIES.map((c) => [c.name, 60])));
    expect(s.by_attack.None).toBe(135);
    const one = getRecord(ctx.db, 'test_ALL:0');
    expect(one.generalization).toBeNull();
    expect(one.knowledgeConstraint).toBeNull();
    expect((await importFile(ctx.db, all!)).status).toBe('already_imported');
  });

  const first50 = sharedSafeEdit('SafeEdit_test_first50.json');
  it.skipIf(!first50)('SafeEdit_test_first50.json: 50 complete records with generalization inputs', async () => {
    const r = await importFile(ctx.db, first50!);
    expect(r.status).toBe('imported');
    expect(r.split).toBe('test');
    expect(r.imported).toBe(50);
    expect(r.withGeneralization).toBe(50);
    const items = listRecords(ctx.db, { split: 'test', limit: 100 }).items;
    expect(items).toHaveLength(50);
    for (const it of items) {
      const rec = getRecord(ctx.db, it.key);
      for (const v of Object.values(rec.generalization!)) expect(v.length).toBeGreaterThan(0);
      expect(rec.knowledgeConstraint!.prompt.length).toBeGreaterThan(0);
      expect(rec.knowledgeConstraint!.answer.length).toBeGreaterThan(0);
    }
    const sample = sharedSafeEdit('SafeEdit_test_sample100.json');
    if (sample) {
      // the same official split: the 6 shared ids are identical, so they are "already present", not conflicts
      const s = await importFile(ctx.db, sample);
      expect([s.status, s.imported, s.unchanged]).toEqual(['imported', 94, 6]);
    }
  });
});
