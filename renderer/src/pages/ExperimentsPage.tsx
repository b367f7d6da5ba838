// Experiments: the history of evaluation runs — a sortable, filterable, virtualised runs table (layout remembered),
// rename / tag / annotate / delete, a run report, and comparisons of two or more runs against a reference.
// Sub-routes: #/experiments, #/experiments/run/<id>, #/experiments/compare/<ref>,<id>,...
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../api';
import { useApp } from '../state/store';
import { isTerminal } from '../../../shared/jobs';
import type { ColumnLayout, ExperimentRow, RunColumn } from '../../../shared/api/experiments';
import { RunsTable } from '../components/experiments/RunsTable';
import { RunReport } from '../components/experiments/RunReport';
import { ComparePanel } from '../components/experiments/ComparePanel';
import { applyView, COLUMN_BY_KEY, normaliseLayout } from '../components/experiments/tableModel';
import './experiments.css';

type Route = { view: 'list' } | { view: 'run'; id: string } | { view: 'compare'; ids: string[] };

function readRoute(): Route {
  const parts = window.location.hash.replace(/^#\/?/, '').split('/');
  if (parts[0] !== 'experiments') return { view: 'list' };
  if (parts[1] === 'run' && parts[2]) return { view: 'run', id: decodeURIComponent(parts[2]) };
  if (parts[1] === 'compare' && parts[2]) {
    const ids = parts[2].split(',').map(decodeURIComponent).filter(Boolean);
    if (ids.length >= 2) return { view: 'compare', ids };
  }
  return { view: 'list' };
}

function navigate(sub?: string) {
  window.location.hash = `#/experiments${sub ? `/${sub}` : ''}`;
}

export function ExperimentsPage() {
  const setError = useApp((s) => s.setError);
  const [route, setRoute] = useState<Route>(readRoute);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    const on = () => setRoute(readRoute());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const onError = useCallback((m: string) => setError(m), [setError]);
  const back = useCallback(() => navigate(), []);
  return (
    <div className="exp-page" data-testid="experiments">
      {notice && (
        <div className="banner" data-testid="notice">
          {notice}
          <button className="link" onClick={() => setNotice(null)}>
            dismiss
          </button>
        </div>
      )}
      {route.view === 'list' && <RunsView onNotice={setNotice} onError={onError} />}
      {route.view === 'run' && <RunReport id={route.id} onBack={back} onNotice={setNotice} onError={onError} />}
      {route.view === 'compare' && (
        <ComparePanel
          ids={route.ids}
          onBack={back}
          onReference={(id) => navigate(`compare/${[id, ...route.ids.filter((x) => x !== id)].map(encodeURIComponent).join(',')}`)}
          onNotice={setNotice}
          onError={onError}
        />
      )}
    </div>
  );
}

function RunsView({ onNotice, onError }: { onNotice(m: string): void; onError(m: string): void }) {
  const [rows, setRows] = useState<ExperimentRow[] | null>(null);
  const [layout, setLayoutState] = useState<ColumnLayout | null>(null);
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const [editing, setEditing] = useState<ExperimentRow | null>(null);
  const [deleting, setDeleting] = useState<ExperimentRow | null>(null);
  const saveTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const pending = useRef<ColumnLayout | null>(null);

  const load = useCallback(async () => {
    try {
      setRows(await api.call('experiments.list', {}));
    } catch (e) {
      onError((e as Error).message);
    }
  }, [onError]);
  useEffect(() => {
    void load();
    api.call('experiments.getLayout', {}).then(
      (l) => setLayoutState(normaliseLayout(l)),
      () => setLayoutState(normaliseLayout(null)),
    );
  }, [load]);
  // Leaving the page saves a layout change still waiting for its debounce.
  useEffect(
    () => () => {
      if (saveTimer.current) clearTimeout(saveTimer.current);
      if (pending.current) void api.call('experiments.setLayout', pending.current).catch(() => undefined);
    },
    [],
  );
  // A finished evaluation (or re-judge) changes the table: reload it.
  useEffect(
    () =>
      api.onEvent((e) => {
        if (e.type === 'job' && e.job.kind.startsWith('eval.') && isTerminal(e.job.status)) void load();
      }),
    [load],
  );

  const setLayout = useCallback(
    (l: ColumnLayout) => {
      setLayoutState(l);
      if (saveTimer.current) clearTimeout(saveTimer.current);
      // Drop empty filters so the stored layout stays small.
      const filters = Object.fromEntries(Object.entries(l.filters).filter(([, v]) => v)) as ColumnLayout['filters'];
      pending.current = { ...l, filters };
      saveTimer.current = setTimeout(() => {
        const next = pending.current;
        pending.current = null;
        if (next) api.call('experiments.setLayout', next).catch((e: Error) => onError(e.message));
      }, 400);
    },
    [onError],
  );

  const view = useMemo(() => (rows && layout ? applyView(rows, layout, search) : null), [rows, layout?.filters, layout?.sort, search]); // eslint-disable-line react-hooks/exhaustive-deps
  const toggle = useCallback((id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id])), []);
  const open = useCallback((id: string) => navigate(`run/${encodeURIComponent(id)}`), []);

  if (!rows || !layout || !view) return <p className="muted">Loading runs…</p>;
  const moveColumn = (key: RunColumn, by: number) => {
    const cols = layout.columns.slice();
    const i = cols.findIndex((c) => c.key === key);
    const j = i + by;
    if (j < 0 || j >= cols.length) return;
    [cols[i], cols[j]] = [cols[j], cols[i]];
    setLayout({ ...layout, columns: cols });
  };
  const activeFilters = Object.values(layout.filters).filter((v) => v && v.trim()).length;
  return (
    <>
      <div className="toolbar">
        <h1 className="exp-title">Experiments</h1>
        <input className="exp-search" placeholder="search runs" value={search} onChange={(e) => setSearch(e.target.value)} data-testid="runs-search" aria-label="search runs" />
        <span className="small muted" data-testid="runs-count">
          {view.rows.length} of {rows.length} runs
        </span>
        {activeFilters > 0 && (
          <button className="link" onClick={() => setLayout({ ...layout, filters: {} })} data-testid="clear-filters">
            clear {activeFilters} filter{activeFilters > 1 ? 's' : ''}
          </button>
        )}
        <span className="spacer" />
        <details className="exp-columns" data-testid="columns-menu">
          <summary className="small">Columns</summary>
          <div className="exp-columns-list">
            {layout.columns.map((c, i) => (
              <div key={c.key} className="exp-column-item">
                <label>
                  <input
                    type="checkbox"
                    checked={c.visible}
                    onChange={(e) => setLayout({ ...layout, columns: layout.columns.map((x) => (x.key === c.key ? { ...x, visible: e.target.checked } : x)) })}
                    data-testid={`column-${c.key}`}
                  />{' '}
                  {COLUMN_BY_KEY.get(c.key)!.label}
                </label>
                <button className="link" disabled={i === 0} onClick={() => moveColumn(c.key, -1)} aria-label="move up">
                  ↑
                </button>
                <button className="link" disabled={i === layout.columns.length - 1} onClick={() => moveColumn(c.key, 1)} aria-label="move down">
                  ↓
                </button>
              </div>
            ))}
            <button className="link" onClick={() => setLayout(normaliseLayout(null))}>
              reset layout
            </button>
          </div>
        </details>
        <button
          disabled={selected.length < 2}
          title={selected.length < 2 ? 'select two or more runs; the first selected is the reference' : undefined}
          onClick={() => navigate(`compare/${selected.map(encodeURIComponent).join(',')}`)}
          data-testid="compare-selected"
        >
          Compare {selected.length || ''}
        </button>
        {selected.length > 0 && (
          <button className="link" onClick={() => setSelected([])}>
            clear selection
          </button>
        )}
      </div>
      {rows.length === 0 ? (
        <p className="muted" data-testid="runs-empty">
          No evaluation runs yet. Start one on the Evaluate page (or with <code>safeedit eval</code>); every run is kept here.
        </p>
      ) : (
        <RunsTable
          rows={view.rows}
          layout={layout}
          errors={view.errors}
          selected={selected}
          onLayout={setLayout}
          onToggle={toggle}
          onOpen={open}
          onEdit={setEditing}
          onDelete={setDeleting}
        />
      )}
      {editing && (
        <EditDialog
          row={editing}
          onClose={() => setEditing(null)}
          onSaved={(r) => {
            setRows((rs) => rs && rs.map((x) => (x.id === r.id ? r : x)));
            setEditing(null);
          }}
          onError={onError}
        />
      )}
      {deleting && (
        <div className="exp-modal" role="dialog" aria-label="Delete run" data-testid="delete-dialog">
          <div className="card">
            <h2>Delete {deleting.name ?? deleting.id.slice(0, 8)}?</h2>
            <p className="small">
              Its {deleting.cases} cases, responses, judge scores, metric sets, tags and notes are removed. Edit patches only this run uses are deleted too; patches
              shared with other runs are kept. This cannot be undone.
            </p>
            <div className="toolbar">
              <button className="secondary" onClick={() => setDeleting(null)}>
                Cancel
              </button>
              <button
                className="danger"
                data-testid="confirm-delete"
                onClick={async () => {
                  const r = deleting;
                  setDeleting(null);
                  try {
                    const res = await api.call('experiments.delete', { id: r.id });
                    setSelected((s) => s.filter((x) => x !== r.id));
                    onNotice(
                      `Deleted ${r.name ?? r.id.slice(0, 8)}; patches removed ${res.patches.removed.length}, kept (shared) ${res.patches.keptShared.length}${res.patches.unmanaged.length ? `, not managed here ${res.patches.unmanaged.length}` : ''}.`,
                    );
                    await load();
                  } catch (e) {
                    onError((e as Error).message);
                  }
                }}
              >
                Delete
              </button>
            </div>
          </div>
        </div>
      )}
    </>
  );
}

function EditDialog({ row, onClose, onSaved, onError }: { row: ExperimentRow; onClose(): void; onSaved(r: ExperimentRow): void; onError(m: string): void }) {
  const [name, setName] = useState(row.name ?? '');
  const [tags, setTags] = useState(row.tags.join(', '));
  const [notes, setNotes] = useState(row.notes);
  const save = async () => {
    try {
      const list = [...new Set(tags.split(',').map((t) => t.trim()).filter(Boolean))];
      onSaved(await api.call('experiments.update', { id: row.id, name, tags: list, notes }));
    } catch (e) {
      onError((e as Error).message);
    }
  };
  return (
    <div className="exp-modal" role="dialog" aria-label="Edit run" data-testid="edit-dialog">
      <div className="card form">
        <h2>Run {row.id.slice(0, 8)}</h2>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} data-testid="edit-name" maxLength={200} />
        </label>
        <label>
          Tags (comma-separated)
          <input value={tags} onChange={(e) => setTags(e.target.value)} data-testid="edit-tags" />
        </label>
        <label>
          Notes
          <textarea rows={5} value={notes} onChange={(e) => setNotes(e.target.value)} data-testid="edit-notes" />
        </label>
        <div className="toolbar">
          <button className="secondary" onClick={onClose}>
            Cancel
          </button>
          <button onClick={() => void save()} data-testid="edit-save">
            Save
          </button>
        </div>
      </div>
    </div>
  );
}
