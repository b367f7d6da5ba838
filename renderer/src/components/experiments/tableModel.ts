// The runs table's model as pure functions (no React): columns, default layout, per-column filters, sorting.
// Unit-tested in test/experiments-table.test.ts; the page memoises their results.
import { RUN_COLUMNS, type ColumnLayout, type ExperimentRow, type RunColumn } from '../../../../shared/api/experiments';

export interface ColumnDef {
  key: RunColumn;
  label: string;
  kind: 'text' | 'number' | 'date' | 'tags';
  width: number;
  /** value used to sort and filter */
  value(r: ExperimentRow): string | number | null;
  /** text shown in the cell */
  text(r: ExperimentRow): string;
}

const num = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));

export const COLUMNS: ColumnDef[] = [
  { key: 'name', label: 'Name', kind: 'text', width: 200, value: (r) => r.name ?? r.id, text: (r) => r.name ?? r.id.slice(0, 8) },
  { key: 'model', label: 'Model', kind: 'text', width: 150, value: (r) => r.model, text: (r) => r.model },
  { key: 'method', label: 'Method', kind: 'text', width: 80, value: (r) => r.method, text: (r) => r.method },
  { key: 'mode', label: 'Mode', kind: 'text', width: 80, value: (r) => r.mode, text: (r) => r.mode },
  {
    key: 'layer',
    label: 'Layer',
    kind: 'number',
    width: 64,
    value: (r) => r.layer ?? r.toxicLayer,
    text: (r) => (r.layer !== null ? String(r.layer) : r.toxicLayer !== null ? `~${r.toxicLayer}` : '—'),
  },
  { key: 'judge', label: 'Judge', kind: 'text', width: 140, value: (r) => r.judge, text: (r) => r.judge },
  { key: 'split', label: 'Split', kind: 'text', width: 80, value: (r) => r.split, text: (r) => r.split },
  { key: 'cases', label: 'Cases', kind: 'number', width: 64, value: (r) => r.cases, text: (r) => String(r.cases) },
  { key: 'DS', label: 'DS', kind: 'number', width: 70, value: (r) => r.DS, text: (r) => num(r.DS) },
  { key: 'DG_Avg', label: 'DG-Avg', kind: 'number', width: 74, value: (r) => r.DG_Avg, text: (r) => num(r.DG_Avg) },
  { key: 'Fluency', label: 'Fluency', kind: 'number', width: 74, value: (r) => r.Fluency, text: (r) => num(r.Fluency) },
  { key: 'status', label: 'Status', kind: 'text', width: 96, value: (r) => r.status, text: (r) => r.status },
  { key: 'createdAt', label: 'Date', kind: 'date', width: 140, value: (r) => r.createdAt, text: (r) => r.createdAt.slice(0, 16).replace('T', ' ') },
  { key: 'tags', label: 'Tags', kind: 'tags', width: 140, value: (r) => r.tags.join(' '), text: (r) => r.tags.join(', ') },
  { key: 'notes', label: 'Notes', kind: 'text', width: 200, value: (r) => r.notes, text: (r) => r.notes },
];
export const COLUMN_BY_KEY = new Map(COLUMNS.map((c) => [c.key, c]));

export function defaultLayout(): ColumnLayout {
  return { columns: COLUMNS.map((c) => ({ key: c.key, width: c.width, visible: true })), sort: { key: 'createdAt', dir: 'desc' }, filters: {} };
}

/** A saved layout completed with columns added since it was saved (appended, visible). */
export function normaliseLayout(l: ColumnLayout | null): ColumnLayout {
  if (!l) return defaultLayout();
  const seen = new Set(l.columns.map((c) => c.key));
  const cols = l.columns.filter((c) => (RUN_COLUMNS as readonly string[]).includes(c.key));
  for (const c of COLUMNS) if (!seen.has(c.key)) cols.push({ key: c.key, width: c.width, visible: true });
  return { ...l, columns: cols };
}

export type Predicate = (r: ExperimentRow) => boolean;

/**
 * A column filter. Numbers: `>80`, `>=80`, `<50`, `<=50`, `=0`, `50..80`, `n/a` (no value), or a plain number
 * (equal at two decimals). Text, tags, dates: case-insensitive substring; `!x` negates; `=x` is exact.
 * Returns null for an empty filter and an error message for one that cannot be read.
 */
export function compileFilter(col: ColumnDef, raw: string): Predicate | { error: string } | null {
  const f = raw.trim();
  if (!f) return null;
  if (col.kind === 'number') {
    if (/^n\/?a$/i.test(f)) return (r) => col.value(r) === null;
    const range = /^(-?\d+(?:\.\d+)?)\s*\.\.\s*(-?\d+(?:\.\d+)?)$/.exec(f);
    if (range) {
      const [lo, hi] = [Number(range[1]), Number(range[2])];
      return (r) => {
        const v = col.value(r) as number | null;
        return v !== null && v >= lo && v <= hi;
      };
    }
    const m = /^(>=|<=|>|<|=|!=)?\s*(-?\d+(?:\.\d+)?)$/.exec(f);
    if (!m) return { error: `${col.label}: use >80, <=50, =0, 50..80 or n/a` };
    const x = Number(m[2]);
    const op = m[1] ?? '=';
    const test: Record<string, (v: number) => boolean> = {
      '>': (v) => v > x,
      '>=': (v) => v >= x,
      '<': (v) => v < x,
      '<=': (v) => v <= x,
      '=': (v) => Math.abs(v - x) < 0.005,
      '!=': (v) => Math.abs(v - x) >= 0.005,
    };
    return (r) => {
      const v = col.value(r) as number | null;
      return v !== null && test[op](v);
    };
  }
  const neg = f.startsWith('!');
  const body = (neg ? f.slice(1) : f).toLowerCase();
  const exact = body.startsWith('=');
  const needle = exact ? body.slice(1) : body;
  const textOf = col.kind === 'date' ? (r: ExperimentRow) => col.text(r).toLowerCase() : (r: ExperimentRow) => String(col.value(r) ?? '').toLowerCase();
  const hit =
    col.kind === 'tags'
      ? (r: ExperimentRow) => r.tags.some((t) => (exact ? t.toLowerCase() === needle : t.toLowerCase().includes(needle)))
      : (r: ExperimentRow) => (exact ? textOf(r) === needle : textOf(r).includes(needle));
  return neg ? (r) => !hit(r) : hit;
}

/** One collator for every comparison (String.localeCompare with options builds one per call: ~100× slower). */
const COLLATOR = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export interface ViewResult {
  rows: ExperimentRow[];
  errors: Partial<Record<RunColumn, string>>;
}

/** Filters (every column filter and the quick search must match), then sorts (nulls last in both directions). */
export function applyView(rows: ExperimentRow[], layout: Pick<ColumnLayout, 'filters' | 'sort'>, search = ''): ViewResult {
  const preds: Predicate[] = [];
  const errors: ViewResult['errors'] = {};
  for (const [key, raw] of Object.entries(layout.filters) as [RunColumn, string][]) {
    const col = COLUMN_BY_KEY.get(key);
    if (!col || raw === undefined) continue;
    const p = compileFilter(col, raw);
    if (p === null) continue;
    if (typeof p === 'function') preds.push(p);
    else errors[key] = p.error;
  }
  const q = search.trim().toLowerCase();
  if (q) preds.push((r) => [r.id, r.name ?? '', r.model, r.method, r.judge, r.split, r.status, r.notes, ...r.tags].some((s) => s.toLowerCase().includes(q)));
  let out = preds.length ? rows.filter((r) => preds.every((p) => p(r))) : rows.slice();
  const s = layout.sort;
  if (s) {
    const col = COLUMN_BY_KEY.get(s.key)!;
    const dir = s.dir === 'asc' ? 1 : -1;
    const keyed = out.map((r) => ({ r, v: col.value(r) }));
    keyed.sort((a, b) => {
      if (a.v === null || a.v === '') return b.v === null || b.v === '' ? 0 : 1;
      if (b.v === null || b.v === '') return -1;
      if (typeof a.v === 'number' && typeof b.v === 'number') return (a.v - b.v) * dir;
      return COLLATOR.compare(String(a.v), String(b.v)) * dir;
    });
    out = keyed.map((k) => k.r);
  }
  return { rows: out, errors };
}
