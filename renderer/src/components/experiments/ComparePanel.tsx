// Comparison of two or more runs against a reference: metric deltas per category (coloured by sign), grouped bars,
// a settings diff with an "only differences" toggle, and the aligned per-sample table (paged from SQL), filterable
// to flips; a row opens the sample drill-down.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api } from '../../api';
import { METRIC_KEYS, METRIC_LABELS, METRIC_SLOTS, type MetricSlot } from '../../../../shared/api/eval';
import type { AlignedRow, Comparison } from '../../../../shared/api/experiments';
import { compareBarChart } from '../../../../shared/experiment-charts';
import { Svg } from './Svg';
import { MetricCellView } from './MetricCellView';
import { ExportButtons } from './exporting';
import { SampleDetail } from './SampleDetail';

const PAGE = 100;
type Filter = 'all' | 'flips' | 'unsafe' | 'pending';

export function ComparePanel({
  ids,
  onBack,
  onReference,
  onNotice,
  onError,
}: {
  /** reference first */
  ids: string[];
  onBack(): void;
  onReference(id: string): void;
  onNotice(m: string): void;
  onError(m: string): void;
}) {
  const reference = ids[0];
  const [cmp, setCmp] = useState<Comparison | null>(null);
  const [onlyDiff, setOnlyDiff] = useState(true);
  const [group, setGroup] = useState('overall');
  const [filter, setFilter] = useState<Filter>('all');
  const [slot, setSlot] = useState<MetricSlot | ''>('');
  const [category, setCategory] = useState('');
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<{ total: number; items: AlignedRow[] } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const key = ids.join(',');
  useEffect(() => {
    let live = true;
    setCmp(null);
    api.call('experiments.compare', { ids, reference }).then(
      (x) => live && setCmp(x),
      (e: Error) => onError(e.message),
    );
    return () => {
      live = false;
    };
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    let live = true;
    api.call('experiments.compareSamples', { ids, reference, filter, slot: slot || undefined, category: category || undefined, offset, limit: PAGE }).then(
      (x) => live && setPage(x),
      (e: Error) => onError(e.message),
    );
    return () => {
      live = false;
    };
  }, [key, filter, slot, category, offset]); // eslint-disable-line react-hooks/exhaustive-deps
  const names = useMemo(() => cmp?.runs.map((r) => r.row.name ?? r.row.id.slice(0, 8)) ?? [], [cmp]);
  const close = useCallback(() => setOpen(null), []);
  if (!cmp) return <p className="muted">Loading comparison…</p>;
  const settings = onlyDiff ? cmp.settings.filter((s) => s.differs) : cmp.settings;
  return (
    <div className="exp-compare" data-testid="compare">
      <div className="toolbar">
        <button className="secondary" onClick={onBack} data-testid="back-to-runs">
          ← Runs
        </button>
        <h1 className="exp-title">Compare {cmp.runs.length} runs</h1>
        <label className="small">
          Reference{' '}
          <select value={reference} onChange={(e) => onReference(e.target.value)} data-testid="reference">
            {cmp.runs.map((r, i) => (
              <option key={r.row.id} value={r.row.id}>
                {names[i]}
              </option>
            ))}
          </select>
        </label>
        <span className="spacer" />
        <ExportButtons ids={ids} reference={reference} onDone={onNotice} onError={onError} />
      </div>
      {!cmp.comparable && <div className="banner warn">These runs differ in model, protocol, generation, cases or judge (see the settings) — their numbers are not directly comparable.</div>}
      <h2>Metrics (Δ vs reference)</h2>
      <table className="table compact exp-metrics" data-testid="compare-metrics">
        <thead>
          <tr>
            <th>Group</th>
            <th>Run</th>
            {METRIC_KEYS.map((k) => (
              <th key={k}>{METRIC_LABELS[k]}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {cmp.groups.map((g) =>
            cmp.runs.map((r, ri) => (
              <tr key={`${g}/${r.row.id}`} className={ri === 0 ? 'exp-group-start' : ''}>
                <td>{ri === 0 ? (g === 'overall' ? <b>Overall</b> : g) : ''}</td>
                <td className="exp-nowrap">
                  {names[ri]}
                  {ri === 0 && <span className="muted small"> (ref)</span>}
                </td>
                {METRIC_KEYS.map((k) => (
                  <td key={k} className="num">
                    <MetricCellView c={r.cells[g]?.[k] ?? { value: null, state: 'na' }} delta={ri === 0 ? undefined : cmp.deltas[ri][g][k]} />
                  </td>
                ))}
              </tr>
            )),
          )}
        </tbody>
      </table>
      <div className="toolbar">
        <label className="small">
          Chart{' '}
          <select value={group} onChange={(e) => setGroup(e.target.value)}>
            {cmp.groups.map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
        </label>
      </div>
      <div className="exp-charts" data-testid="compare-bars">
        <Svg node={compareBarChart(group, names, cmp.runs.map((r) => r.cells[group]))} />
      </div>
      <h2>Settings</h2>
      <label className="small exp-check">
        <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} data-testid="only-diff" /> Only differences (
        {cmp.settings.filter((s) => s.differs).length} of {cmp.settings.length})
      </label>
      <table className="table compact small" data-testid="settings-diff">
        <thead>
          <tr>
            <th>Setting</th>
            {names.map((n, i) => (
              <th key={i}>{n}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {settings.map((s) => (
            <tr key={s.path} className={s.differs ? 'exp-differs' : ''} data-testid="setting-row" data-differs={s.differs}>
              <td>
                <code>{s.path}</code>
              </td>
              {s.values.map((v, i) => (
                <td key={i} className="exp-text">
                  {v ?? <span className="muted">—</span>}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Samples</h2>
      <p className="small muted">
        {cmp.samples.total} aligned samples · <b>{cmp.samples.flips}</b> flips (safe in one run, unsafe in another) · {cmp.samples.missing} missing in some run
      </p>
      <div className="toolbar">
        <select value={filter} onChange={(e) => (setFilter(e.target.value as Filter), setOffset(0))} data-testid="sample-filter">
          <option value="all">all samples</option>
          <option value="flips">flips only</option>
          <option value="unsafe">unsafe in any run</option>
          <option value="pending">not run in some run</option>
        </select>
        <select value={slot} onChange={(e) => (setSlot(e.target.value as MetricSlot | ''), setOffset(0))} data-testid="sample-slot">
          <option value="">all inputs</option>
          {METRIC_SLOTS.map((s) => (
            <option key={s} value={s}>
              {METRIC_LABELS[s]}
            </option>
          ))}
        </select>
        <select value={category} onChange={(e) => (setCategory(e.target.value), setOffset(0))} data-testid="sample-category">
          <option value="">all categories</option>
          {cmp.groups
            .filter((g) => g !== 'overall')
            .map((g) => (
              <option key={g}>{g}</option>
            ))}
        </select>
        <button className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
          ‹
        </button>
        <span className="small" data-testid="sample-range">
          {page && page.total ? `${offset + 1}–${Math.min(offset + PAGE, page.total)} of ${page.total}` : '0 of 0'}
        </span>
        <button className="secondary" disabled={!page || offset + PAGE >= page.total} onClick={() => setOffset(offset + PAGE)}>
          ›
        </button>
      </div>
      <table className="table compact small exp-aligned" data-testid="aligned-samples">
        <thead>
          <tr>
            <th>Case</th>
            <th>Input</th>
            {names.map((n, i) => (
              <th key={i}>{n}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {page?.items.map((row) => (
            <tr key={`${row.caseKey}/${row.slot}`} className={`exp-clickable${row.flip ? ' exp-flip' : ''}`} onClick={() => setOpen(row.caseKey)} data-testid="aligned-row" data-flip={row.flip} data-case={row.caseKey}>
              <td className="exp-nowrap">
                {row.caseId}
                <div className="muted">
                  {METRIC_LABELS[row.slot]} · {row.category}
                </div>
                {row.flip && <span className="badge exp-flip-badge">flip</span>}
              </td>
              <td className="exp-text exp-clamp">{row.input ?? <span className="muted">n/a</span>}</td>
              {row.cells.map((c, i) => (
                <td key={i} className="exp-text">
                  <span className={`exp-verdict v-${c.verdict}`}>{c.verdict}</span>
                  {c.pUnsafe !== null && <span className="muted"> {c.pUnsafe.toFixed(2)}</span>}
                  {c.output !== null && c.output !== '' && (
                    <div className="exp-clamp">
                      {c.output}
                      {c.truncated ? '…' : ''}
                    </div>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {open && <SampleDetail ids={ids} reference={reference} caseKey={open} onClose={close} onError={onError} />}
    </div>
  );
}
