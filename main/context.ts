import { openDb, type Db } from './store/db';
import { EventBus } from './util/events';
import { JobRunner } from './jobs/runner';
import { resolveDataDir } from './util/paths';

export type Transport = 'electron' | 'http' | 'cli';

/** Everything a handler may use. Services never learn which transport called them. */
export interface AppContext {
  readonly dataDir: string;
  readonly db: Db;
  readonly events: EventBus;
  readonly jobs: JobRunner;
  readonly transport: Transport;
  close(): Promise<void>;
}

export interface CreateContextOptions {
  dataDir?: string;
  transport: Transport;
  maxConcurrentJobs?: number;
}

/** Opens the data dir, migrates, recovers jobs a crash left running, and runs domain start-up hooks. */
export async function createContext(options: CreateContextOptions): Promise<AppContext> {
  const dataDir = options.dataDir ?? resolveDataDir();
  const db = openDb(dataDir);
  const events = new EventBus();
  const jobs = new JobRunner(db, dataDir, events, { maxConcurrent: options.maxConcurrentJobs });
  jobs.recoverInterrupted();
  const ctx: AppContext = {
    dataDir,
    db,
    events,
    jobs,
    transport: options.transport,
    async close() {
      await jobs.shutdown();
      db.close();
    },
  };
  for (const hook of startupHooks) await hook(ctx);
  return ctx;
}

/** Domain start-up work (e.g. loading the demo dataset on first start). Register by pushing here. */
export const startupHooks: ((ctx: AppContext) => void | Promise<void>)[] = [];
