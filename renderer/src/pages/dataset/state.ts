// Dataset page state (zustand): filters, the selected record, and a revision that bumps after imports/removals.
import { create } from 'zustand';

export interface DatasetFilter {
  q: string;
  split: string;
  category: string;
  attack: string;
}

interface DatasetState {
  filter: DatasetFilter;
  selected: string | null;
  revision: number;
  setFilter(patch: Partial<DatasetFilter>): void;
  select(key: string | null): void;
  changed(): void;
}

function keyFromHash(): string | null {
  const m = /^#\/dataset\/(.+)$/.exec(window.location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

export const useDataset = create<DatasetState>((set) => ({
  filter: { q: '', split: '', category: '', attack: '' },
  selected: keyFromHash(),
  revision: 0,
  setFilter(patch) {
    set((s) => ({ filter: { ...s.filter, ...patch } }));
  },
  select(key) {
    // Keep the record in the URL (deep link) without adding history entries.
    history.replaceState(null, '', key ? `#/dataset/${key}` : '#/dataset');
    set({ selected: key });
  },
  changed() {
    set((s) => ({ revision: s.revision + 1 }));
  },
}));

/** The API filter for the current UI filter (empty fields left out). */
export function apiFilter(f: DatasetFilter, q: string) {
  return {
    ...(q.trim() ? { q: q.trim() } : {}),
    ...(f.split ? { split: f.split } : {}),
    ...(f.category ? { category: f.category } : {}),
    ...(f.attack ? { attack: f.attack } : {}),
  };
}
