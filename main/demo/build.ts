// The demo build: from the synthetic demo set, train (or reuse) the toy chat model and the toy judge as normal
// Hugging Face folders under <dataDir>/demo/<profile>-<key>/, where the key is a hash of every input (the demo
// file, the profile's sizes and steps, the suffix, the build version). Measures the judge on held-out responses.
// Runs as the 'demo.build' job (a worker thread: ORT blocks its thread).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DemoBuild, DemoProfileName } from '../../shared/api/demo';
import { AppError } from '../../shared/errors';
import { demoFilePath } from '../dataset/demo';
import { ClassifierSession } from '../engine/classifier/session';
import { DEFAULT_SUFFIX } from '../eval/protocol';
import type { Task } from '../jobs/task';
import type { TrainHooks } from '../training/trainer';
import { chatPairs, demoSplit, demoTexts, judgeTexts, loadDemoRecords } from './data';
import { buildChatModel, buildJudgeModel, type ChatModelSettings, type JudgeSettings } from './models';

/** Bump when the build changes what it produces for the same inputs. */
export const DEMO_BUILD_VERSION = 1;
export const DEMO_BUILD_JOB = 'demo.build';

export interface DemoProfile {
  testPerCategory: number;
  /** cap on train records per category (CI) */
  trainPerCategory?: number;
  chat: ChatModelSettings;
  judge: JudgeSettings;
  /** evaluation: longest response, and DINM's steps / lr for the toy model (undefined = EasyEdit's defaults) */
  eval: { maxNewTokens: number; dinm: { steps?: number; lr?: number } };
}

/**
 * DINM on the toy model: EasyEdit's 10 steps, with a learning rate scaled to it (EasyEdit's 5e-4 for 7B models
 * moves a 64-wide toy model's weights too little to change any greedy answer; docs/demo.md).
 */
const TOY_DINM = { steps: 10, lr: 5e-2 };
const CHAT_DIMS = { layers: 2, hidden: 64, heads: 4, kvHeads: 2, intermediate: 128, maxPos: 256 };
const JUDGE_DIMS = { layers: 1, hidden: 32, heads: 2, intermediate: 64, maxPos: 256 };

export const DEMO_PROFILES: Record<DemoProfileName, DemoProfile> = {
  full: {
    testPerCategory: 3,
    chat: { dims: CHAT_DIMS, train: { steps: 400, batchSize: 16, lr: 5e-3, seed: 1 } },
    judge: { dims: JUDGE_DIMS, train: { steps: 150, batchSize: 16, lr: 3e-3, seed: 2 } },
    eval: { maxNewTokens: 120, dinm: TOY_DINM },
  },
  reduced: {
    testPerCategory: 1,
    trainPerCategory: 2,
    chat: { dims: CHAT_DIMS, train: { steps: 250, batchSize: 8, lr: 5e-3, seed: 1 } },
    judge: { dims: JUDGE_DIMS, train: { steps: 100, batchSize: 8, lr: 3e-3, seed: 2 } },
    eval: { maxNewTokens: 120, dinm: TOY_DINM },
  },
};

export function demoRoot(dataDir: string): string {
  return path.join(dataDir, 'demo');
}

function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** The build key: every input that decides the trained models. */
export function demoKey(profile: DemoProfileName, file: string): string {
  const p = DEMO_PROFILES[profile];
  const inputs = { v: DEMO_BUILD_VERSION, profile, split: [p.testPerCategory, p.trainPerCategory ?? null], chat: p.chat, judge: p.judge, suffix: DEFAULT_SUFFIX, data: sha256File(file) };
  return crypto.createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}

export function requireDemoFile(): string {
  const file = demoFilePath();
  if (!file) throw new AppError('not_found', 'the demo dataset (resources/demo/safeedit-demo.json) is missing from this installation');
  return file;
}

const BUILD_FILE = 'build.json';

/** A finished build with this key, if its folders are all there. */
export function existingBuild(dataDir: string, profile: DemoProfileName, file: string): DemoBuild | null {
  const dir = path.join(demoRoot(dataDir), `${profile}-${demoKey(profile, file)}`);
  const f = path.join(dir, BUILD_FILE);
  if (!fs.existsSync(f)) return null;
  try {
    const b = JSON.parse(fs.readFileSync(f, 'utf8')) as DemoBuild;
    if (!fs.existsSync(path.join(b.modelDir, 'model.safetensors')) || !fs.existsSync(path.join(b.judgeDir, 'model.safetensors'))) return null;
    return { ...b, reused: true };
  } catch {
    return null;
  }
}

/** Trains both demo models (or returns the existing build with the same key). */
export async function buildDemoModels(
  dataDir: string,
  profileName: DemoProfileName,
  o: { rebuild?: boolean; hooks?: TrainHooks; threads?: number } = {},
): Promise<DemoBuild> {
  const file = requireDemoFile();
  if (!o.rebuild) {
    const have = existingBuild(dataDir, profileName, file);
    if (have) {
      o.hooks?.progress?.(1, 'reusing the demo models built from the same inputs');
      return have;
    }
  }
  const p = DEMO_PROFILES[profileName];
  const key = demoKey(profileName, file);
  const dir = path.join(demoRoot(dataDir), `${profileName}-${key}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const records = loadDemoRecords(file);
  const split = demoSplit(records, p.testPerCategory, p.trainPerCategory);
  if (!split.train.length || !split.test.length) throw new AppError('demo_invalid', `${file}: the demo split has no train or no test records`);
  const vocab = demoTexts(records);
  const threads = o.threads;
  const sub = (lo: number, hi: number): TrainHooks => ({
    signal: o.hooks?.signal,
    log: o.hooks?.log,
    progress: (f, stage) => o.hooks?.progress?.(lo + (hi - lo) * f, stage),
  });

  const chat = await buildChatModel(path.join(dir, 'model'), chatPairs(split), vocab, { ...p.chat, train: { ...p.chat.train, threads } }, sub(0, 0.85));
  const jt = judgeTexts(split);
  const judge = await buildJudgeModel(path.join(dir, 'judge'), jt.train, vocab, { ...p.judge, train: { ...p.judge.train, threads } }, sub(0.85, 0.97));

  // the judge on held-out responses (test records), through the same runtime the evaluation uses
  o.hooks?.progress?.(0.97, 'measuring the judge on held-out responses');
  const s = await ClassifierSession.open(judge.dir, { dataDir, threads });
  let correct = 0;
  try {
    const probs = await s.probabilities(jt.heldOut.map((t) => t.text), { signal: o.hooks?.signal });
    probs.forEach((pr, i) => (correct += (pr[1] > 0.5 ? 1 : 0) === jt.heldOut[i].label ? 1 : 0));
  } finally {
    await s.release();
  }
  const last = (xs: number[]) => xs[xs.length - 1] ?? NaN;
  const build: DemoBuild = {
    key,
    profile: profileName,
    dir,
    modelDir: chat.dir,
    judgeDir: judge.dir,
    caseFile: file,
    trainIds: split.train.map((r) => r.id),
    testIds: split.test.map((r) => r.id),
    reused: false,
    chat: {
      parameters: chat.parameters,
      examples: chat.examples,
      tokens: chat.tokens,
      steps: chat.result.steps,
      seconds: chat.result.seconds,
      firstLoss: chat.result.losses[0],
      finalLoss: last(chat.result.losses),
    },
    judge: {
      parameters: judge.parameters,
      examples: judge.examples,
      steps: judge.result.steps,
      seconds: judge.result.seconds,
      finalLoss: last(judge.result.losses),
      heldOut: { texts: jt.heldOut.length, accuracy: jt.heldOut.length ? correct / jt.heldOut.length : NaN },
    },
    createdAt: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(dir, BUILD_FILE), JSON.stringify(build, null, 2) + '\n');
  o.hooks?.progress?.(1, 'demo models ready');
  return build;
}

/** The job: builds (or reuses) the demo models inside a worker. */
export const demoBuildTask: Task<{ profile: DemoProfileName; rebuild: boolean }, DemoBuild> = async (input, ctx) =>
  buildDemoModels(ctx.dataDir, input.profile, {
    rebuild: input.rebuild,
    hooks: { signal: ctx.signal, progress: (f, s) => ctx.progress(f, s), log: (m) => ctx.log(m) },
  });
