// The real `safeedit judge` CLI on tiny classifier folders (the built bundle, a separate process).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOLDEN_CLASSIFIERS, writeTinyClassifier } from '../main/engine/testing/tiny-classifier';
import { softmax } from '../main/engine/classifier/session';
import { tempDir } from './helpers';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin/safeedit.mjs');
const golden = (name: string) => JSON.parse(fs.readFileSync(path.join(root, 'test/goldens', `judge-${name}.json`), 'utf8')) as { texts: string[]; logits: number[][] };

function judge(args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'judge', ...args], { env: { ...process.env, SAFEEDIT_DATA_DIR: tempDir() }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('safeedit judge', () => {
  const dir = (name: string, labels?: string[]) => {
    const g = GOLDEN_CLASSIFIERS.find((x) => x.name === name)!;
    return writeTinyClassifier(path.join(tempDir('safeedit-judge-cli-'), name), g.arch, labels ? { ...g.options, labels } : g.options).dir;
  };

  it('prints {"label", "p_unsafe"} with P(unsafe) from the classifier (id2label safe/unsafe)', () => {
    const g = golden('roberta');
    const d = dir('roberta');
    for (const k of [0, 2]) {
      const r = judge(['--judge', d, '--text', g.texts[k], '--json']);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      const p = softmax(g.logits[k])[1];
      expect(Object.keys(out)).toEqual(['label', 'p_unsafe']);
      expect(out.p_unsafe).toBeCloseTo(p, 4);
      expect(out.label).toBe(p > 0.5 ? 1 : 0);
    }
    // the threshold decides the label
    expect(JSON.parse(judge(['--judge', d, '--text', g.texts[0], '--threshold', '0', '--json']).stdout).label).toBe(1);
    expect(JSON.parse(judge(['--judge', d, '--text', g.texts[0], '--threshold', '1', '--json']).stdout).label).toBe(0);
    const plain = judge(['--judge', d, '--text', g.texts[0]]);
    expect(plain.stdout).toMatch(/^(safe|unsafe) \(p_unsafe 0\.\d{4}\)/);
  });

  it('LABEL_0/LABEL_1 follows the convention (1 = unsafe) unless --unsafe-label says otherwise', () => {
    const g = golden('bert');
    const d = dir('bert');
    const a = JSON.parse(judge(['--judge', d, '--text', g.texts[1], '--json']).stdout);
    expect(a.p_unsafe).toBeCloseTo(softmax(g.logits[1])[1], 4);
    const b = JSON.parse(judge(['--judge', d, '--text', g.texts[1], '--unsafe-label', '0', '--json']).stdout);
    expect(b.p_unsafe).toBeCloseTo(softmax(g.logits[1])[0], 4);
  });

  it('three labels without --unsafe-label, a missing tokenizer, an unsupported architecture: clear errors', () => {
    const three = dir('distilbert', ['ok', 'borderline', 'bad-ish']);
    const r = judge(['--judge', three, '--text', 'hello', '--json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot tell which label means unsafe .*choose it \(--unsafe-label N\)/);
    const ok = judge(['--judge', three, '--text', 'hello', '--unsafe-label', '2', '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).p_unsafe).toBeGreaterThan(0);

    const noTok = dir('distilbert');
    fs.rmSync(path.join(noTok, 'tokenizer.json'));
    const t = judge(['--judge', noTok, '--text', 'hello']);
    expect(t.status).toBe(2); // invalid input
    expect(t.stderr).toContain(`${noTok} has no tokenizer`);

    const deberta = dir('bert');
    const cfg = JSON.parse(fs.readFileSync(path.join(deberta, 'config.json'), 'utf8'));
    fs.writeFileSync(path.join(deberta, 'config.json'), JSON.stringify({ ...cfg, model_type: 'deberta-v2', architectures: ['DebertaV2ForSequenceClassification'] }));
    const u = judge(['--judge', deberta, '--text', 'hello']);
    expect(u.status).toBe(1);
    expect(u.stderr).toMatch(/DebertaV2ForSequenceClassification .* is not a supported sequence classifier/);
  });
});
