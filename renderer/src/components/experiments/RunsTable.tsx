// The runs table: virtualised rows (@tanstack/react-virtual), sortable headers, a filter per column, resizable
// columns. Layout changes are reported to the page, which persists them (experiments.setLayout).
import { memo, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ColumnLayout, ExperimentRow, RunColumn } from '../../../../shared/api/experiments';
import { COLUMN_BY_KEY, type ColumnDef } from './tableModel';

const ROW_H = 32;
const HEAD_H = 64;
const SELECT_W = 34;
const ACTIONS_W = 84;

interface Props {
  rows: ExperimentRow[];
  layout: ColumnLayout;
  errors: Partial<Record<RunColumn, string>>;
  selected: string[];
  onLayout(l: ColumnLayout): void;
  onToggle(id: string): void;
  onOpen(id: string): void;
  onEdit(r: ExperimentRow): void;
  onDelete(r: ExperimentRow): void;
}

const Row = memo(function Row({
  r,
  cols,
  template,
  checked,
  top,
  onToggle,
  onOpen,
  onEdit,
  onDelete,
}: {
  r: ExperimentRow;
  cols: ColumnDef[];
  template: string;
  checked: boolean;
  top: number;
  onToggle(id: string): void;
  onOpen(id: string): void;
  onEdit(r: ExperimentRow): void;
  onDelete(r: ExperimentRow): void;
}) {
  return (
    <div
      className={`exp-row${checked ? ' selected' : ''}`}
      role="row"
      data-testid="runs-row"
      data-id={r.id}
      style={{ gridTemplateColumns: template, transform: `translateY(${top}px)` }}
    >
      <div role="cell" className="exp-cell">
        <input type="checkbox" aria-label={`select ${r.name ?? r.id}`} checked={checked} onChange={() => onToggle(r.id)} data-testid="select-run" />
      </div>
      {cols.map((c) => (
        <div key={c.key} role="cell" className={`exp-cell col-${c.key}${c.kind === 'number' ? ' num' : ''}`} data-col={c.key} title={c.text(r)}>
          {c.key === 'name' ? (
            <button className="link exp-open" onClick={() => onOpen(r.id)} data-testid="open-run">
              {c.text(r)}
            </button>
          ) : c.key === 'status' ? (
            <span className={`badge ${r.status}`} title={r.error ?? r.status}>
              {r.status}
            </span>
          ) : c.key === 'tags' ? (
            r.tags.map((t) => (
              <span key={t} className="exp-tag">
                {t}
              </span>
            ))
          ) : c.kind === 'number' && c.value(r) === null ? (
            <span className="muted">{c.text(r)}</span>
          ) : (
            c.text(r)
          )}
        </div>
      ))}
      <div role="cell" className="exp-cell exp-actions">
        <button className="link" title="Rename, tag, annotate" aria-label="edit" onClick={() => onEdit(r)} data-testid="edit-run">
          ✎
        </button>
        <button className="link danger-link" title="Delete" aria-label="delete" onClick={() => onDelete(r)} data-testid="delete-run">
          🗑
        </button>
      </div>
    </div>
  );
});

export function RunsTable({ rows, layout, errors, selected, onLayout, onToggle, onOpen, onEdit, onDelete }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ key: RunColumn; width: number } | null>(null);
  const visible = useMemo(() => layout.columns.filter((c) => c.visible), [layout.columns]);
  const cols = useMemo(() => visible.map((c) => COLUMN_BY_KEY.get(c.key)!), [visible]);
  const template = useMemo(
    () => [`${SELECT_W}px`, ...visible.map((c) => `${drag && drag.key === c.key ? drag.width : c.width}px`), `${ACTIONS_W}px`].join(' '),
    [visible, drag],
  );
  const totalW = useMemo(() => SELECT_W + ACTIONS_W + visible.reduce((a, c) => a + (drag && drag.key === c.key ? drag.width : c.width), 0), [visible, drag]);
  const selectedSet = useMemo(() => new Set(selected), [selected]);
  const virt = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_H, overscan: 12, scrollMargin: HEAD_H });

  const sortBy = (key: RunColumn) => {
    const cur = layout.sort;
    const sort = cur?.key === key ? (cur.dir === 'asc' ? { key, dir: 'desc' as const } : null) : { key, dir: 'asc' as const };
    onLayout({ ...layout, sort });
  };
  const setFilter = (key: RunColumn, v: string) => onLayout({ ...layout, filters: { ...layout.filters, [key]: v } });
  const startResize = (e: React.MouseEvent, key: RunColumn, width: number) => {
    e.preventDefault();
    e.stopPropagation();
    const x0 = e.clientX;
    let w = width;
    const move = (ev: MouseEvent) => {
      w = Math.max(40, Math.min(1200, Math.round(width + ev.clientX - x0)));
      setDrag({ key, width: w });
    };
    const up = () => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
      setDrag(null);
      onLayout({ ...layout, columns: layout.columns.map((c) => (c.key === key ? { ...c, width: w } : c)) });
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  };

  return (
    <div className="exp-table-scroll" ref={scrollRef} data-testid="runs-table" role="table" aria-rowcount={rows.length}>
      <div className="exp-head" style={{ width: totalW, height: HEAD_H }}>
        <div className="exp-row exp-header" role="row" style={{ gridTemplateColumns: template }}>
          <div role="columnheader" className="exp-cell" />
          {cols.map((c, i) => {
            const s = layout.sort?.key === c.key ? layout.sort.dir : null;
            return (
              <div
                key={c.key}
                role="columnheader"
                className="exp-cell exp-th"
                aria-sort={s === 'asc' ? 'ascending' : s === 'desc' ? 'descending' : 'none'}
              >
                <button className="exp-sort" onClick={() => sortBy(c.key)} data-testid={`sort-${c.key}`}>
                  {c.label}
                  <span className="exp-arrow">{s === 'asc' ? '▲' : s === 'desc' ? '▼' : ''}</span>
                </button>
                <span className="exp-resize" onMouseDown={(e) => startResize(e, c.key, visible[i].width)} data-testid={`resize-${c.key}`} />
              </div>
            );
          })}
          <div role="columnheader" className="exp-cell muted small">
            {rows.length}
          </div>
        </div>
        <div className="exp-row exp-filter-row" role="row" style={{ gridTemplateColumns: template }}>
          <div className="exp-cell" />
          {cols.map((c) => (
            <div key={c.key} className="exp-cell" role="cell">
              <input
                className={errors[c.key] ? 'exp-filter bad' : 'exp-filter'}
                placeholder={c.kind === 'number' ? '>50, n/a' : 'filter'}
                title={errors[c.key] ?? (c.kind === 'number' ? 'e.g. >80, <=50, =0, 50..80, n/a' : 'substring; !x excludes, =x exact')}
                value={layout.filters[c.key] ?? ''}
                onChange={(e) => setFilter(c.key, e.target.value)}
                aria-label={`filter ${c.label}`}
                data-testid={`filter-${c.key}`}
              />
            </div>
          ))}
          <div className="exp-cell" />
        </div>
      </div>
      <div className="exp-body" style={{ height: virt.getTotalSize(), width: totalW }}>
        {virt.getVirtualItems().map((it) => {
          const r = rows[it.index];
          return (
            // keyed by slot, not by run: after a sort or filter the row elements are reused and only their text changes
            <Row
              key={it.index}
              r={r}
              cols={cols}
              template={template}
              checked={selectedSet.has(r.id)}
              top={it.start - HEAD_H}
              onToggle={onToggle}
              onOpen={onOpen}
              onEdit={onEdit}
              onDelete={onDelete}
            />
          );
        })}
      </div>
      {rows.length === 0 && <p className="muted exp-empty">No runs match.</p>}
    </div>
  );
}
