import { z } from 'zod';
import { def } from '../define';
import type { JobInfo, JobLogLine } from '../jobs';

const JobId = z.string().min(1).max(64);

export const jobsApi = {
  'jobs.list': def(z.object({ limit: z.number().int().min(1).max(1000).optional() }).strict()).returns<JobInfo[]>(),
  'jobs.get': def(z.object({ id: JobId }).strict()).returns<JobInfo>(),
  'jobs.cancel': def(z.object({ id: JobId }).strict()).returns<JobInfo>(),
  'jobs.logs': def(z.object({ id: JobId, afterId: z.number().int().min(0).optional() }).strict()).returns<JobLogLine[]>(),
  /** A diagnostics job: times small float32 matrix products in a worker, with progress. */
  'jobs.startDiagnostics': def(
    z.object({ steps: z.number().int().min(1).max(100000).default(40), stepMs: z.number().int().min(1).max(60000).default(100) }).strict(),
  ).returns<JobInfo>(),
};
