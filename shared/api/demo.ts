import { z } from 'zod';
import { def, Empty } from '../define';
import type { MetricValues } from './eval';

/** 'full' = the demo (`npm run demo`); 'reduced' = fewer records and steps (CI). */
export const DEMO_PROFILE_NAMES = ['full', 'reduced'] as const;
export type DemoProfileName = (typeof DEMO_PROFILE_NAMES)[number];

export const DemoRunInput = z
  .object({
    profile: z.enum(DEMO_PROFILE_NAMES).default('full'),
    /** retrain even when models built from the same inputs exist */
    rebuild: z.boolean().default(false),
  })
  .strict();

/** What the demo build produced (also <dataDir>/demo/<key>/build.json). */
export interface DemoBuild {
  key: string;
  profile: DemoProfileName;
  dir: string;
  modelDir: string;
  judgeDir: string;
  /** the SafeEdit-format file the cases come from, and the test record ids */
  caseFile: string;
  trainIds: string[];
  testIds: string[];
  reused: boolean;
  chat: { parameters: number; examples: number; tokens: number; steps: number; seconds: number; firstLoss: number; finalLoss: number };
  judge: { parameters: number; examples: number; steps: number; seconds: number; finalLoss: number; heldOut: { texts: number; accuracy: number } };
  createdAt: string;
}

export interface DemoRunRef {
  runId: string;
  metrics: MetricValues | null;
}

export interface DemoSummary {
  build: DemoBuild;
  modelId: string;
  judgeId: string;
  before: DemoRunRef;
  after: DemoRunRef;
  /** DINM settings used for the toy model */
  dinm: { steps: number | null; lr: number | null; mode: string };
  seconds: number;
  finishedAt: string;
}

export type DemoState = 'idle' | 'running' | 'done' | 'failed';

export interface DemoStatus {
  state: DemoState;
  /** 1-based step of `steps` (build, register, evaluate without edit, evaluate with DINM) */
  step: number;
  steps: number;
  stage: string;
  /** the job now running (its progress is the step's progress) */
  jobId: string | null;
  progress: number;
  error: string | null;
  /** the last finished demo (kept across restarts) */
  last: DemoSummary | null;
}

export const demoApi = {
  /** Builds (or reuses) the demo chat model and judge, registers them, and evaluates before/after DINM. */
  'demo.run': def(DemoRunInput).returns<DemoStatus>(),
  'demo.status': def(Empty).returns<DemoStatus>(),
};
