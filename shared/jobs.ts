export const JOB_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobInfo {
  id: string;
  kind: string;
  title: string;
  status: JobStatus;
  /** 0..1 */
  progress: number;
  stage: string | null;
  /** seconds, null when unknown */
  etaSeconds: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  result: unknown;
}

export function isTerminal(s: JobStatus): boolean {
  return s === 'done' || s === 'failed' || s === 'cancelled' || s === 'interrupted';
}

export interface JobLogLine {
  id: number;
  time: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}
