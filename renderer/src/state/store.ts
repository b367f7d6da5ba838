import { create } from 'zustand';
import { isTerminal, type JobInfo } from '../../../shared/jobs';
import type { Settings, SystemInfo } from '../../../shared/api/system';
import { api } from '../api';

export const PAGES = ['dataset', 'models', 'edit', 'evaluate', 'experiments', 'jobs', 'settings'] as const;
export type Page = (typeof PAGES)[number];

function pageFromHash(): Page {
  const h = window.location.hash.replace(/^#\/?/, '').split('/')[0] as Page;
  return (PAGES as readonly string[]).includes(h) ? h : 'dataset';
}

interface AppState {
  page: Page;
  info: SystemInfo | null;
  settings: Settings | null;
  jobs: Record<string, JobInfo>;
  error: string | null;
  go(page: Page, sub?: string): void;
  init(): Promise<void>;
  updateSettings(patch: Partial<Settings>): Promise<void>;
  upsertJob(j: JobInfo): void;
  refreshJobs(): Promise<void>;
  setError(e: string | null): void;
}

export const useApp = create<AppState>((set, get) => ({
  page: pageFromHash(),
  info: null,
  settings: null,
  jobs: {},
  error: null,
  go(page, sub) {
    window.location.hash = `#/${page}${sub ? `/${sub}` : ''}`;
    set({ page });
  },
  async init() {
    window.addEventListener('hashchange', () => set({ page: pageFromHash() }));
    api.onEvent((e) => {
      if (e.type === 'job') get().upsertJob(e.job);
    });
    try {
      const [info, settings] = await Promise.all([api.call('system.info', {}), api.call('settings.get', {})]);
      set({ info, settings });
      await get().refreshJobs();
    } catch (e) {
      set({ error: (e as Error).message });
    }
  },
  async updateSettings(patch) {
    const settings = await api.call('settings.set', patch);
    set({ settings });
  },
  upsertJob(j) {
    set((s) => {
      const cur = s.jobs[j.id];
      // Answers and pushed events can arrive out of order: never let a stale snapshot undo a finished state.
      if (cur && isTerminal(cur.status) && !isTerminal(j.status)) return s;
      return { jobs: { ...s.jobs, [j.id]: j } };
    });
  },
  async refreshJobs() {
    const list = await api.call('jobs.list', {});
    set({ jobs: Object.fromEntries(list.map((j) => [j.id, j])) });
  },
  setError(error) {
    set({ error });
  },
}));
