// The Dataset page: SafeEdit records by category, attack and split, full-text search, and a record view.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { api } from '../api';
import { useApp } from '../state/store';
import type { DatasetFacets, RecordSummary, SourceInfo } from '../../../shared/api/dataset';
import { useDataset, apiFilter } from './dataset/state';
import { ImportPanel } from './dataset/ImportPanel';
import { RecordView } from './dataset/RecordView';
import { Snippet } from './dataset/highlight';
import './dataset.css';

const PAGE = 100;
const ROW_HEIGHT = 64;

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function CategoryChart({ facets, active, onPick }: { facets: DatasetFacets | null; active: string; onPick(name: string): void }) {
  if (!facets) return null;
  const max = Math.max(1, ...facets.categories.map((c) => c.count));
  return (
    <div className="ds-chart" data-testid="ds-categories">
      {facets.categories.map((c) => (
        <button
          key={c.name}
          className={`ds-bar${active === c.name ? ' active' : ''}${c.count === 0 ? ' zero' : ''}`}
          onClick={() => onPick(active === c.name ? '' : c.name)}
          data-testid="ds-cat"
          data-category={c.name}
          title={active === c.name ? 'clear this filter' : `show only ${c.label.toLowerCase()}`}
        >
          <span className="ds-bar-label">{c.label}</span>
          <span className="ds-bar-count">{c.count}</span>
          <span className="ds-bar-fill" style={{ width: `${(100 * c.count) / max}%` }} />
        </button>
      ))}
    </div>
  );
}

function Sources({ sources, onChanged }: { sources: SourceInfo[]; onChanged(): void }) {
  const setError = useApp((s) => s.setError);
  const remove = async (s: SourceInfo) => {
    if (!window.confirm(`Remove ${s.isDemo ? 'the demo set' : s.fileName} (${s.records} records)?`)) return;
    try {
      await api.call('dataset.remove', s.isDemo ? { demo: true } : { sourceId: s.id });
      onChanged();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const restore = async () => {
    try {
      await api.call('dataset.restoreDemo', {});
      onChanged();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div className="ds-sources" data-testid="ds-sources">
      <div className="ds-side-title">Imports</div>
      {sources.map((s) => (
        <div key={s.id} className="ds-source" data-testid="ds-source" title={`sha256 ${s.sha256}\n${s.filePath ?? 'bundled with the app'}\nimported ${s.importedAt}`}>
          <div className="ds-source-name">
            {s.fileName} {s.isDemo && <span className="ds-tag demo">demo</span>}
          </div>
          <div className="muted small">
            {s.split} · {s.records} records{s.skipped ? ` · ${s.skipped} skipped` : ''} · {new Date(s.importedAt).toLocaleDateString()}
            <button className="link small" onClick={() => void remove(s)} data-testid="ds-remove-source">
              remove
            </button>
          </div>
        </div>
      ))}
      {!sources.some((s) => s.isDemo) && (
        <button className="link small" onClick={() => void restore()} data-testid="ds-restore-demo">
          load the demo set
        </button>
      )}
    </div>
  );
}

export function DatasetPage() {
  const { filter, selected, revision, setFilter, select, changed } = useDataset();
  const setError = useApp((s) => s.setError);
  const q = useDebounced(filter.q, 180);
  const [facets, setFacets] = useState<DatasetFacets | null>(null);
  const [sources, setSources] = useState<SourceInfo[]>([]);
  const [total, setTotal] = useState(0);
  const [rows, setRows] = useState<Map<number, RecordSummary>>(new Map());
  const [showImport, setShowImport] = useState(false);
  const loadingPages = useRef(new Set<number>());
  const generation = useRef(0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const f = apiFilter(filter, q);
  const fKey = JSON.stringify(f);

  const loadPage = useCallback(
    async (page: number, gen: number) => {
      if (loadingPages.current.has(page)) return;
      loadingPages.current.add(page);
      try {
        const res = await api.call('dataset.list', { ...JSON.parse(fKey), offset: page * PAGE, limit: PAGE });
        if (gen !== generation.current) return;
        setTotal(res.total);
        setRows((prev) => {
          const next = new Map(prev);
          res.items.forEach((r, i) => next.set(page * PAGE + i, r));
          return next;
        });
      } catch (e) {
        setError((e as Error).message);
      }
    },
    [fKey, setError],
  );

  // A new filter (or data change) starts a fresh list.
  useEffect(() => {
    const gen = ++generation.current;
    loadingPages.current = new Set();
    setRows(new Map());
    scrollRef.current?.scrollTo({ top: 0 });
    void loadPage(0, gen);
    api
      .call('dataset.facets', JSON.parse(fKey))
      .then((x) => gen === generation.current && setFacets(x))
      .catch((e) => setError((e as Error).message));
  }, [fKey, revision, loadPage, setError]);

  useEffect(() => {
    api
      .call('dataset.sources', {})
      .then(setSources)
      .catch((e) => setError((e as Error).message));
  }, [revision, setError]);

  const virt = useVirtualizer({ count: total, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = virt.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) if (!rows.has(p * PAGE)) void loadPage(p, generation.current);
  }, [first, last, rows, loadPage]);

  // Keyboard: up/down moves the selection through the list.
  const onListKey = (e: React.KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const idx = [...rows.entries()].find(([, r]) => r.key === selected)?.[0] ?? -1;
    const next = Math.max(0, Math.min(total - 1, idx + (e.key === 'ArrowDown' ? 1 : -1)));
    const r = rows.get(next);
    if (r) {
      select(r.key);
      virt.scrollToIndex(next, { align: 'auto' });
    }
  };

  const filtered = !!(f.q || f.split || f.category || f.attack);
  return (
    <section className="ds">
      <div className="ds-head">
        <h1>Dataset</h1>
        <span className="muted" data-testid="ds-total">
          {total.toLocaleString()} record{total === 1 ? '' : 's'}
          {filtered ? ' match' : ''}
        </span>
        <span className="spacer" />
        <button onClick={() => setShowImport((v) => !v)} data-testid="ds-import-button">
          Import…
        </button>
      </div>
      {showImport && <ImportPanel onDone={changed} onClose={() => setShowImport(false)} />}
      <div className="ds-toolbar">
        <input
          type="search"
          className="ds-search"
          placeholder="Search prompts, questions, generations…"
          value={filter.q}
          onChange={(e) => setFilter({ q: e.target.value })}
          data-testid="ds-search"
          aria-label="Search"
        />
        <select value={filter.split} onChange={(e) => setFilter({ split: e.target.value })} data-testid="ds-split-filter" aria-label="Split">
          <option value="">All splits</option>
          {(facets?.splits ?? []).map((s) => (
            <option key={s.name} value={s.name}>
              {s.name} ({s.count})
            </option>
          ))}
          {filter.split && !facets?.splits.some((s) => s.name === filter.split) && <option value={filter.split}>{filter.split} (0)</option>}
        </select>
        <select value={filter.attack} onChange={(e) => setFilter({ attack: e.target.value })} data-testid="ds-attack-filter" aria-label="Attack">
          <option value="">All attacks</option>
          {(facets?.attacks ?? []).map((a) => (
            <option key={a.name} value={a.name}>
              {a.name || '(none)'} ({a.count})
            </option>
          ))}
          {filter.attack && !facets?.attacks.some((a) => a.name === filter.attack) && <option value={filter.attack}>{filter.attack} (0)</option>}
        </select>
        {filtered && (
          <button className="secondary" onClick={() => setFilter({ q: '', split: '', category: '', attack: '' })} data-testid="ds-clear">
            Clear filters
          </button>
        )}
      </div>
      <div className="ds-body">
        <aside className="ds-side">
          <div className="ds-side-title">Categories</div>
          <CategoryChart facets={facets} active={filter.category} onPick={(c) => setFilter({ category: c })} />
          <Sources sources={sources} onChanged={changed} />
        </aside>
        <div className="ds-list" ref={scrollRef} tabIndex={0} onKeyDown={onListKey} data-testid="ds-list" aria-label="Records">
          {total === 0 && (
            <div className="ds-empty muted">
              {filtered ? 'No records match these filters.' : 'No records yet. Import SafeEdit JSON files, or load the demo set.'}
            </div>
          )}
          <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
            {items.map((v) => {
              const r = rows.get(v.index);
              return (
                <div
                  key={v.key}
                  className={`ds-row${r && r.key === selected ? ' selected' : ''}`}
                  style={{ transform: `translateY(${v.start}px)`, height: ROW_HEIGHT }}
                  onClick={() => r && select(r.key)}
                  data-testid="ds-row"
                  data-key={r?.key}
                >
                  {r ? (
                    <>
                      <div className="ds-row-top">
                        <code>{r.key}</code>
                        <span className="ds-row-cat">{r.category}</span>
                        <span className="ds-row-attack">{r.attackName}</span>
                        {r.isDemo && <span className="ds-tag demo">demo</span>}
                      </div>
                      <div className="ds-row-text">{r.snippet ? <Snippet text={r.snippet} /> : r.question}</div>
                    </>
                  ) : (
                    <div className="muted small">…</div>
                  )}
                </div>
              );
            })}
          </div>
        </div>
        <div className="ds-detail">
          {selected ? <RecordView recordKey={selected} q={q} /> : <div className="ds-record-empty muted">Select a record to see it in full.</div>}
        </div>
      </div>
    </section>
  );
}
