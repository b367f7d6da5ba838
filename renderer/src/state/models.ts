// Models page state: the registry table and the last rejection.
import { create } from 'zustand';
import type { ModelInfo } from '../../../shared/api/models';
import { api } from '../api';

interface ModelsState {
  models: ModelInfo[];
  loading: boolean;
  /** why the last folder was rejected (shown under the register form) */
  rejected: { path: string; code: string; message: string; action: string } | null;
  busy: Record<string, string>;
  /** folder the playground uses */
  selected: string | null;
  refresh(): Promise<void>;
  add(path: string): Promise<ModelInfo | null>;
  remove(id: string): Promise<void>;
  load(id: string): Promise<void>;
  eject(id: string): Promise<void>;
  select(path: string | null): void;
  clearRejected(): void;
}

function message(e: unknown): { code: string; message: string } {
  const x = e as { code?: string; message?: string };
  return { code: x.code ?? 'internal', message: x.message ?? String(e) };
}

export const useModels = create<ModelsState>((set, get) => {
  const withBusy = async (id: string, what: string, fn: () => Promise<unknown>) => {
    set((s) => ({ busy: { ...s.busy, [id]: what } }));
    try {
      await fn();
    } catch (e) {
      set({ rejected: { path: get().models.find((m) => m.id === id)?.path ?? id, action: what, ...message(e) } });
    } finally {
      set((s) => {
        const busy = { ...s.busy };
        delete busy[id];
        return { busy };
      });
      await get().refresh();
    }
  };
  return {
    models: [],
    loading: false,
    rejected: null,
    busy: {},
    selected: null,
    async refresh() {
      set({ loading: true });
      try {
        set({ models: await api.call('models.list', {}) });
      } finally {
        set({ loading: false });
      }
    },
    async add(path) {
      set({ rejected: null });
      try {
        const m = await api.call('models.add', { path });
        await get().refresh();
        if (!get().selected) set({ selected: m.path });
        return m;
      } catch (e) {
        set({ rejected: { path, action: 'register', ...message(e) } });
        return null;
      }
    },
    remove: (id) => withBusy(id, 'remove', () => api.call('models.remove', { id })),
    load: (id) => withBusy(id, 'load', () => api.call('models.load', { id })),
    eject: (id) => withBusy(id, 'eject', () => api.call('models.eject', { id })),
    select(path) {
      set({ selected: path });
    },
    clearRejected() {
      set({ rejected: null });
    },
  };
});
